"""Scenarios as data: who gets which answer from the simulated preview API.

The built-in scenarios and a user's TOML/JSON file go through the same loader
(``scenario_file.scenarios_from_data``), so anything the built-ins do a team can write down
to reproduce what it saw. Shapes are documented in docs/simulator.md.
"""

from __future__ import annotations

import fnmatch
import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from datetime import date
from typing import Any, Mapping, Sequence

from gpt56probe.core.models import DEFAULT_TABLE

ENDPOINTS: tuple[str, ...] = ("chat", "responses", "models.list", "models.retrieve")
"""What a rule can match on: the two sampling surfaces and the two metadata endpoints."""

ENDPOINT_ALIASES: dict[str, tuple[str, ...]] = {
    "*": ENDPOINTS,
    "all": ENDPOINTS,
    "sampling": ("chat", "responses"),
    "models": ("models.list", "models.retrieve"),
}

FAULTS: tuple[str, ...] = ("delay", "slowbody", "reset", "html502", "html403", "html524", "truncated", "oversize", "cutbody")
"""Transport-level misbehaviour a rule can ask for (see server.py)."""

ANSWERS: tuple[str, ...] = ("ok", "withheld", "length", "blank")
"""200 variants: a normal "ok", content withheld by a safety check, output cap used up by reasoning, and a
blank answer (no output text, no usage: what the seeds call "blank output: a safety check running, or a block")."""

STREAM_END_REASONS: tuple[str, ...] = ("content_filter", "max_output_tokens")
"""How a ``stream_error`` may end a stream without an error object (Responses ``incomplete_details.reason``)."""
RESPONSES_ERROR_EVENTS: tuple[str, ...] = ("error", "failed")
"""How a Responses stream carries a ``stream_error``: ``event: error`` or ``response.failed``."""

REPLAY_FAILURES: tuple[str, ...] = ("timeout", "reset", "too_large")
"""How a recorded reply that is not a plain answer is played: held until the client gives up, the
connection reset, or the recorded start of a body padded past the client's read cap."""
REPLY_ENDPOINTS: tuple[str, ...] = ("chat", "responses", "models.list")
"""What a recording answers: the two sampling surfaces and the org's model listing."""
DEFAULT_ORG_MARKER = "<default>"
"""``org`` of a recorded scenario that answers requests without an OpenAI-Organization header (the key's default org)."""
SHAPE_KEYS = ("token_param", "reasoning_effort")
"""What a recorded reply's ``when`` may name: the shape of the probe's own request it answered."""

NO_KEY = "<none>"
"""``key`` of the scenario used when the request has no usable Authorization header."""
NOT_SK_KEY = "<not-sk>"
"""``key`` of the scenario used when the key does not start with ``sk-``."""

DEFAULT_ORG = "org-sim-approved"
EXTRA_CATALOGUE: tuple[str, ...] = ("gpt-4o-mini",)
"""Ids served besides the models table: one older model that still takes ``max_tokens``."""



class ScenarioFileError(ValueError):
    """A scenario file is unusable; says which file, where, and what is wrong."""

    def __init__(self, path: str | Path | None, problem: str, line: int | None = None) -> None:
        self.path = str(path) if path is not None else "<scenarios>"
        self.problem = problem
        self.line = line
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True)
class ErrorSpec:
    """An error answer. ``message`` may use {model} {org} {project} {key_masked} {request_id}.

    ``order`` keeps the real API's field order where it differs (the region block
    sends code, message, param, type). ``bare_headers`` drops the openai-* and
    x-ratelimit-* headers, as some real edge errors do.
    """

    status: int
    message: str
    type: str = "invalid_request_error"
    param: str | None = None
    code: str | None = None
    order: tuple[str, ...] = ("message", "type", "param", "code")
    bare_headers: bool = False
    body: str | None = None  # the whole body as a gateway or proxy sent it (placeholders filled); only the rule's headers go with it
    content_type: str = "application/json"


@dataclass(frozen=True)
class StreamErrorSpec:
    """A 200 stream that goes wrong after ``after`` was sent (streamed requests only).

    With ``reason`` (content_filter or max_output_tokens) the stream ends incomplete: chat
    ``finish_reason`` content_filter / length, Responses ``response.incomplete``. Otherwise it
    carries an error: chat ``data: {"error": {...}}`` then ``[DONE]``; Responses ``event: error``
    (``responses = "error"``) or ``response.failed`` with ``response.error`` (``"failed"``).
    """

    after: str = "ok"
    message: str = ""
    type: str | None = "server_error"
    param: str | None = None
    code: str | None = None
    responses: str = "error"
    reason: str | None = None


@dataclass(frozen=True)
class Rule:
    """When (model glob, endpoint, stream) matches, answer with exactly one outcome.

    ``times`` limits the rule to the first N matching requests per
    (org, model, endpoint); later ones fall through to the next rule (flaky).
    ``delay`` is seconds before the answer; ``safety_delay`` uses the scenario's
    safety delay instead.
    """

    models: tuple[str, ...] = ("*",)
    endpoints: tuple[str, ...] = ENDPOINTS
    stream: bool | None = None
    prompt: str | None = None  # only requests whose text holds this (an eval task's words)
    times: int | None = None
    error: ErrorSpec | None = None
    fault: str | None = None
    answer: str | None = None
    hidden: bool = False
    stream_error: StreamErrorSpec | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0
    safety_delay: bool = False
    unrecognized: tuple[str, ...] = ()  # request arguments this endpoint does not know (an older API version)

    def matches(self, model: str, endpoint: str, stream: bool, text: str = "") -> bool:
        if endpoint not in self.endpoints:
            return False
        if self.prompt is not None and self.prompt not in text:
            return False
        if self.stream is not None and self.stream != stream:
            return False
        if self.stream_error is not None and not stream:
            return False  # only a streamed answer can break mid-stream
        return any(fnmatch.fnmatchcase(model, pattern) for pattern in self.models)


@dataclass(frozen=True)
class RecordedReply:
    """One answer the real API gave, as ``check --record`` wrote it down, played back as it was.

    Replies of a recorded scenario answer every request for its org, whatever the key, in order per
    (endpoint, model, stream); the last one repeats. A reply with ``when`` (the request shape it
    answered, e.g. a 400 that made the probe rename ``max_tokens``) instead answers every request of
    that shape, so the probe adapts again whichever of its requests comes first. ``latency`` is
    waited before the answer; ``at`` (when it was asked, after the probe's first request) and
    ``then`` (what the probe did next) are for the reader. ``failure``: timeout (the answer is held
    until the client gives up; headers first when a ``status`` is given), reset, or too_large
    (``body`` padded to ``size`` bytes).
    """

    endpoint: str
    model: str = ""
    stream: bool = False
    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    body: str = ""
    at: float = 0.0
    latency: float = 0.0
    failure: str | None = None
    detail: str = ""
    size: int | None = None
    when: Mapping[str, str] | None = None
    then: str = ""

    @property
    def slot(self) -> tuple[str, str, bool]:
        return (self.endpoint, self.model, self.stream)


@dataclass(frozen=True)
class Scenario:
    """One named behaviour, selected by an org id (``org``) or an API-key prefix (``key``).

    A scenario with ``replies`` is a recording (``check --record``): it answers every request
    for its org with what was recorded, before any key check, and its ``rules`` are unused."""

    name: str
    description: str = ""
    org: str | None = None
    key: str | None = None
    rules: tuple[Rule, ...] = ()
    member_of: tuple[str, ...] | None = None  # key scenarios: the only orgs the key belongs to
    default_org: str | None = None  # key scenarios: the org used without an OpenAI-Organization header
    org_name: str | None = None  # org scenarios: the name openai-organization sends (default: a slug of the id)
    safety_delay: float | None = None
    fault_delay: float | None = None
    trickle_interval: float | None = None
    oversize_bytes: int | None = None
    extra_models: tuple[str, ...] = ()  # org scenarios: ids this org lists and answers besides the catalogue (dated snapshots)
    shutdown_dates: tuple[tuple[str, str], ...] = ()  # org scenarios: model -> "YYYY-MM-DD" or "+Nd" (days from today, UTC)
    projects: tuple[Any, ...] = ()  # org scenarios: the Admin API's projects (simulator.admin.SimProject)
    replies: tuple[RecordedReply, ...] = ()

    @property
    def recorded(self) -> bool:
        return bool(self.replies)

    def matching_rules(self, model: str, endpoint: str, stream: bool) -> list[Rule]:
        """Every matching rule in order; the caller skips exhausted ``times`` rules."""
        return [r for r in self.rules if r.matches(model, endpoint, stream)]


@dataclass(frozen=True)
class Settings:
    """Global knobs; a scenario's own value wins over these."""

    safety_delay: float = 2.0
    fault_delay: float = 30.0
    trickle_interval: float = 0.5
    oversize_bytes: int = 20 * 1024 * 1024


@dataclass(frozen=True)
class ScenarioSet:
    """The loaded scenarios, indexed by org and by key prefix, plus the file's [defaults]."""

    scenarios: tuple[Scenario, ...]
    defaults: Mapping[str, float] = field(default_factory=dict)
    recording: Mapping[str, Any] | None = None  # a recording's [recording] table: how the run was made, its verdicts
    answers: tuple[Any, ...] = ()  # the file's [[answer]] entries (evalbook.BookEntry), before the built-in book

    def by_name(self, name: str) -> Scenario | None:
        return next((s for s in self.scenarios if s.name == name), None)

    def recorded_for(self, org_header: str | None) -> Scenario | None:
        """The recorded scenario that answers a request with this OpenAI-Organization header (or none)."""
        wanted = org_header or DEFAULT_ORG_MARKER
        return next((s for s in self.scenarios if s.recorded and s.org == wanted), None)

    def by_org(self, org: str | None) -> Scenario | None:
        if not org:
            return None
        return next((s for s in self.scenarios if s.org == org and s.key is None), None)

    def by_key(self, key: str | None) -> Scenario | None:
        """The key scenario for a key: ``<none>``, ``<not-sk>``, else the longest matching prefix."""
        if not key:
            return self._special(NO_KEY)
        if not key.startswith("sk-"):
            return self._special(NOT_SK_KEY)
        best: Scenario | None = None
        for s in self.scenarios:
            if s.key and s.key not in (NO_KEY, NOT_SK_KEY) and key.startswith(s.key):
                if best is None or len(s.key) > len(best.key or ""):
                    best = s
        return best

    def _special(self, marker: str) -> Scenario | None:
        return next((s for s in self.scenarios if s.key == marker), None)

    def merged(self, other: "ScenarioSet") -> "ScenarioSet":
        """``other`` on top: a scenario with the same name, org or key prefix replaces the old one."""
        kept = [s for s in self.scenarios if not any(_same_slot(s, o) for o in other.scenarios)]
        return ScenarioSet(tuple(kept) + other.scenarios, {**self.defaults, **other.defaults},
                           other.recording if other.recording is not None else self.recording, other.answers + self.answers)


def _same_slot(a: Scenario, b: Scenario) -> bool:
    if a.name == b.name:
        return True
    if a.key is None and b.key is None:
        return a.org is not None and a.org == b.org
    return a.key is not None and a.key == b.key


def catalogue(scenario: Scenario | None = None) -> tuple[str, ...]:
    """Model ids the simulator knows: the models table plus the extra older id, plus the org
    scenario's own ``extra_models``."""
    ids = list(DEFAULT_TABLE.ids)
    ids += [i for i in EXTRA_CATALOGUE if i not in ids]
    if scenario is not None:
        ids += [i for i in scenario.extra_models if i not in ids]
    return tuple(ids)


def shutdown_date_for(value: str, today: "date | None" = None) -> str:
    """A scenario's shutdown date as the list sends it: ``+10d`` is ten days after today (UTC), so a
    scenario keeps its meaning whenever it runs; a ``YYYY-MM-DD`` date is sent as written."""
    from datetime import datetime, timedelta, timezone

    if value.startswith("+") and value.endswith("d"):
        start = today or datetime.now(timezone.utc).date()
        return (start + timedelta(days=int(value[1:-1]))).isoformat()
    return value
