"""Scenarios as data: who gets which answer from the simulated preview API.

The built-in scenarios and a user's TOML/JSON file go through the same loader
(``scenarios_from_data``), so anything the built-ins do a team can write down
to reproduce what it saw. Shapes are documented in docs/simulator.md.
"""

from __future__ import annotations

import fnmatch
import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
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

FAULTS: tuple[str, ...] = ("delay", "slowbody", "reset", "html502", "html403", "html524", "truncated", "oversize")
"""Transport-level misbehaviour a rule can ask for (see server.py)."""

ANSWERS: tuple[str, ...] = ("ok", "withheld", "length")
"""200 variants: a normal "ok", content withheld by a safety check, output cap used up by reasoning."""

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

_RULE_KEYS = {"models", "endpoints", "stream", "times", "error", "fault", "answer", "hidden", "stream_error",
              "headers", "delay", "safety_delay", "description"}
_ERROR_KEYS = {"status", "message", "type", "param", "code", "order", "bare_headers"}
_STREAM_ERROR_KEYS = {"after", "message", "type", "param", "code", "responses", "reason"}
_SCENARIO_KEYS = {"name", "org", "org_name", "key", "description", "rules", "rule", "member_of", "default_org",
                  "safety_delay", "fault_delay", "trickle_interval", "oversize_bytes", "extra_models", "replies"}
_REPLY_KEYS = {"endpoint", "model", "stream", "status", "headers", "body", "at", "latency", "failure", "detail", "size",
               "when", "then"}
_ORG_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_TOP_KEYS = {"scenario", "scenarios", "defaults", "recording"}
_DEFAULT_KEYS = {"safety_delay", "fault_delay", "trickle_interval", "oversize_bytes"}
_HEADER_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
"""An HTTP header name: an RFC 9110 token."""


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
    times: int | None = None
    error: ErrorSpec | None = None
    fault: str | None = None
    answer: str | None = None
    hidden: bool = False
    stream_error: StreamErrorSpec | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0
    safety_delay: bool = False

    def matches(self, model: str, endpoint: str, stream: bool) -> bool:
        if endpoint not in self.endpoints:
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
                           other.recording if other.recording is not None else self.recording)


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


# --------------------------------------------------------------------------- loading


def _fail(path: str | Path | None, where: str, problem: str) -> ScenarioFileError:
    return ScenarioFileError(path, f"{where}: {problem}" if where else problem)


def _str_tuple(value: Any, path: str | Path | None, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) and v for v in value):
        return tuple(value)
    raise _fail(path, where, "must be a string or a non-empty list of strings")


def _number(value: Any, path: str | Path | None, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise _fail(path, where, "must be a number >= 0")
    return float(value)


def _error_from(data: Any, path: str | Path | None, where: str) -> ErrorSpec:
    if not isinstance(data, Mapping):
        raise _fail(path, where, "must be a table with status and message")
    unknown = set(data) - _ERROR_KEYS
    if unknown:
        raise _fail(path, where, f"unknown key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(_ERROR_KEYS))}")
    status = data.get("status")
    if isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599:
        raise _fail(path, f"{where}.status", "must be an integer from 400 to 599")
    message = data.get("message")
    if not isinstance(message, str):
        raise _fail(path, f"{where}.message", "must be a string")
    for name in ("type", "param", "code"):
        if data.get(name) is not None and not isinstance(data[name], str):
            raise _fail(path, f"{where}.{name}", "must be a string (leave it out for null)")
    order: tuple[str, ...] = ("message", "type", "param", "code")
    if "order" in data:
        order = _str_tuple(data["order"], path, f"{where}.order")
        if sorted(order) != sorted(("message", "type", "param", "code")):
            raise _fail(path, f"{where}.order", "must list message, type, param and code once each")
    return ErrorSpec(status=status, message=message, type=data.get("type", "invalid_request_error"),
                     param=data.get("param"), code=data.get("code"), order=order,
                     bare_headers=bool(data.get("bare_headers", False)))


def _stream_error_from(data: Any, path: str | Path | None, where: str) -> StreamErrorSpec:
    if not isinstance(data, Mapping):
        raise _fail(path, where, "must be a table (after, message, type, code, param, responses, reason)")
    unknown = set(data) - _STREAM_ERROR_KEYS
    if unknown:
        raise _fail(path, where, f"unknown key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(_STREAM_ERROR_KEYS))}")
    for name in ("after", "message", "type", "param", "code"):
        if data.get(name) is not None and not isinstance(data[name], str):
            raise _fail(path, f"{where}.{name}", "must be a string")
    reason = data.get("reason")
    if reason is not None and reason not in STREAM_END_REASONS:
        raise _fail(path, f"{where}.reason", f"must be one of {', '.join(STREAM_END_REASONS)}")
    if (reason is None) == (data.get("message") is None):
        raise _fail(path, where, "needs exactly one of message (an error) or reason (an incomplete end)")
    responses = data.get("responses", "error")
    if responses not in RESPONSES_ERROR_EVENTS:
        raise _fail(path, f"{where}.responses", f"must be one of {', '.join(RESPONSES_ERROR_EVENTS)}")
    return StreamErrorSpec(after=data.get("after", "ok"), message=data.get("message") or "",
                           type=data.get("type", "server_error"), param=data.get("param"), code=data.get("code"),
                           responses=responses, reason=reason)


def _rule_from(data: Any, path: str | Path | None, where: str) -> Rule:
    if not isinstance(data, Mapping):
        raise _fail(path, where, "must be a table")
    unknown = set(data) - _RULE_KEYS
    if unknown:
        raise _fail(path, where, f"unknown key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(_RULE_KEYS))}")
    outcomes = [k for k in ("error", "fault", "answer", "hidden", "stream_error") if k in data and data[k] not in (None, False)]
    if len(outcomes) != 1:
        raise _fail(path, where, "needs exactly one of error, fault, answer, hidden, stream_error"
                    + (f" (got {', '.join(outcomes)})" if outcomes else ""))
    endpoints: list[str] = []
    for name in _str_tuple(data.get("endpoints", "*"), path, f"{where}.endpoints"):
        if name in ENDPOINT_ALIASES:
            endpoints += ENDPOINT_ALIASES[name]
        elif name in ENDPOINTS:
            endpoints.append(name)
        else:
            raise _fail(path, f"{where}.endpoints", f"unknown endpoint {name!r}; use {', '.join(ENDPOINTS + tuple(ENDPOINT_ALIASES))}")
    stream = data.get("stream")
    if stream is not None and not isinstance(stream, bool):
        raise _fail(path, f"{where}.stream", "must be true or false")
    if "stream_error" in data and stream is False:
        raise _fail(path, f"{where}.stream", "a stream_error rule applies to streamed requests only")
    times = data.get("times")
    if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 1):
        raise _fail(path, f"{where}.times", "must be an integer >= 1")
    fault = data.get("fault")
    if fault is not None and fault not in FAULTS:
        raise _fail(path, f"{where}.fault", f"unknown fault {fault!r}; use one of {', '.join(FAULTS)}")
    answer = data.get("answer")
    if answer is not None and answer not in ANSWERS:
        raise _fail(path, f"{where}.answer", f"unknown answer {answer!r}; use one of {', '.join(ANSWERS)}")
    headers = _headers_from(data.get("headers", {}), path, f"{where}.headers")
    hidden = data.get("hidden", False)
    if not isinstance(hidden, bool):
        raise _fail(path, f"{where}.hidden", "must be true or false")
    return Rule(
        models=_str_tuple(data.get("models", "*"), path, f"{where}.models"),
        endpoints=tuple(dict.fromkeys(endpoints)),
        stream=stream,
        times=times,
        error=_error_from(data["error"], path, f"{where}.error") if "error" in data else None,
        fault=fault,
        answer=answer,
        hidden=hidden,
        stream_error=_stream_error_from(data["stream_error"], path, f"{where}.stream_error") if "stream_error" in data else None,
        headers=headers,
        delay=_number(data.get("delay", 0), path, f"{where}.delay"),
        safety_delay=bool(data.get("safety_delay", False)),
    )


def _scenario_from(data: Any, path: str | Path | None, where: str) -> Scenario:
    if not isinstance(data, Mapping):
        raise _fail(path, where, "must be a table")
    unknown = set(data) - _SCENARIO_KEYS
    if unknown:
        raise _fail(path, where, f"unknown key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(_SCENARIO_KEYS))}")
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise _fail(path, where, "needs a name")
    where = f"{where} ({name})"
    org, key = data.get("org"), data.get("key")
    if org is None and key is None:
        raise _fail(path, where, "needs an org or a key (prefix) that selects it")
    for label, value in (("org", org), ("key", key), ("description", data.get("description", "")),
                         ("default_org", data.get("default_org")), ("org_name", data.get("org_name"))):
        if value is not None and not isinstance(value, str):
            raise _fail(path, f"{where}.{label}", "must be a string")
    if data.get("org_name") is not None and not _ORG_NAME.fullmatch(data["org_name"]):
        raise _fail(path, f"{where}.org_name", "must be an org name such as acme-x1y2z3 (letters, digits, - _ . ; at most 64)")
    if key is not None and key not in (NO_KEY, NOT_SK_KEY) and not key.startswith("sk-"):
        raise _fail(path, f"{where}.key", f"a key prefix must start with 'sk-' (or be {NO_KEY} / {NOT_SK_KEY})")
    raw_rules = data.get("rules", data.get("rule", []))
    if not isinstance(raw_rules, list):
        raise _fail(path, f"{where}.rules", "must be a list of tables")
    rules = tuple(_rule_from(r, path, f"{where}.rules[{i}]") for i, r in enumerate(raw_rules))
    raw_replies = data.get("replies", [])
    if not isinstance(raw_replies, list):
        raise _fail(path, f"{where}.replies", "must be a list of tables ([[scenario.replies]] in TOML)")
    replies = tuple(_reply_from(r, path, f"{where}.replies[{i}]") for i, r in enumerate(raw_replies))
    if replies and (org is None or key is not None):
        raise _fail(path, where, f"a recording (replies) is selected by its org (an org id, or {DEFAULT_ORG_MARKER}), not a key")
    member_of = data.get("member_of")
    knobs: dict[str, Any] = {}
    for knob in ("safety_delay", "fault_delay", "trickle_interval"):
        if knob in data:
            knobs[knob] = _number(data[knob], path, f"{where}.{knob}")
    if "oversize_bytes" in data:
        knobs["oversize_bytes"] = int(_number(data["oversize_bytes"], path, f"{where}.oversize_bytes"))
    extra = _str_tuple(data["extra_models"], path, f"{where}.extra_models") if "extra_models" in data else ()
    if extra and org is None:
        raise _fail(path, f"{where}.extra_models", "belongs to an org scenario (the org's own catalogue)")
    if any(len(i) > 200 or any(c.isspace() for c in i) for i in extra):
        raise _fail(path, f"{where}.extra_models", "each must be a model id (no spaces, at most 200 characters)")
    return Scenario(
        name=name,
        description=data.get("description", ""),
        org=org,
        key=key,
        rules=rules,
        member_of=_str_tuple(member_of, path, f"{where}.member_of") if member_of is not None else None,
        default_org=data.get("default_org"),
        org_name=data.get("org_name"),
        extra_models=tuple(dict.fromkeys(extra)),
        replies=replies,
        **knobs,
    )


def _headers_from(value: Any, path: str | Path | None, where: str) -> dict[str, str]:
    """Header names as tokens, values as strings without CR, LF or NUL (they would split the response)."""
    if not isinstance(value, Mapping) or not all(isinstance(k, str) and isinstance(v, (str, int, float)) and not isinstance(v, bool)
                                                 for k, v in value.items()):
        raise _fail(path, where, "must be a table of header name = string")
    for name, text in value.items():
        if not _HEADER_NAME.match(name):
            raise _fail(path, where, f"{name!r} is not a valid header name (letters, digits and !#$%&'*+-.^_`|~ only)")
        if any(c in str(text) for c in "\r\n\x00"):
            raise _fail(path, f"{where}.{name}", "a header value must not contain CR, LF or NUL (it would split the response)")
    return {k.lower(): str(v) for k, v in value.items()}


def _reply_from(data: Any, path: str | Path | None, where: str) -> RecordedReply:
    if not isinstance(data, Mapping):
        raise _fail(path, where, "must be a table")
    unknown = set(data) - _REPLY_KEYS
    if unknown:
        raise _fail(path, where, f"unknown key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(_REPLY_KEYS))}")
    endpoint = data.get("endpoint")
    if endpoint not in REPLY_ENDPOINTS:
        raise _fail(path, f"{where}.endpoint", f"must be one of {', '.join(REPLY_ENDPOINTS)}")
    model = data.get("model", "")
    if not isinstance(model, str) or (endpoint != "models.list" and not model):
        raise _fail(path, f"{where}.model", "must be a model id (a string; only models.list has none)")
    for name in ("stream",):
        if name in data and not isinstance(data[name], bool):
            raise _fail(path, f"{where}.{name}", "must be true or false")
    status = data.get("status")
    if status is not None and (isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599):
        raise _fail(path, f"{where}.status", "must be an HTTP status from 100 to 599")
    failure = data.get("failure")
    if failure is not None and failure not in REPLAY_FAILURES:
        raise _fail(path, f"{where}.failure", f"must be one of {', '.join(REPLAY_FAILURES)}")
    if status is None and failure is None:
        raise _fail(path, where, "needs a status, a failure, or both")
    if failure == "too_large" and status is None:
        raise _fail(path, f"{where}.failure", "too_large needs the status the answer came with")
    for name in ("body", "detail", "then"):
        if name in data and not isinstance(data[name], str):
            raise _fail(path, f"{where}.{name}", "must be a string")
    size = data.get("size")
    if size is not None and (isinstance(size, bool) or not isinstance(size, int) or not 0 <= size <= 1 << 31):
        raise _fail(path, f"{where}.size", "must be a byte count (an integer >= 0)")
    raw_headers = data.get("headers", {})
    framing = sorted(str(k) for k in (raw_headers if isinstance(raw_headers, Mapping) else {})
                     if str(k).lower() in ("content-length", "transfer-encoding", "connection"))
    if framing:
        raise _fail(path, f"{where}.headers", f"{', '.join(framing)}: the simulator frames the answer itself")
    when = data.get("when")
    if when is not None:
        if not isinstance(when, Mapping) or not when or set(when) - set(SHAPE_KEYS) or not all(isinstance(v, str) for v in when.values()):
            raise _fail(path, f"{where}.when", f"must be a table of {' and/or '.join(SHAPE_KEYS)} = string")
    return RecordedReply(
        endpoint=endpoint, model=model if endpoint != "models.list" else "", stream=bool(data.get("stream", False)),
        status=status, headers=_headers_from(data.get("headers", {}), path, f"{where}.headers"), body=data.get("body", ""),
        at=_number(data.get("at", 0), path, f"{where}.at"), latency=_number(data.get("latency", 0), path, f"{where}.latency"),
        failure=failure, detail=data.get("detail", ""), size=size, when=dict(when) if when is not None else None,
        then=data.get("then", ""),
    )


_RECORDING_KEYS = {"tool", "recorded_at", "vantage", "base_url_host", "surface", "stream", "models", "timeout", "orgs",
                   "results", "summary"}
_RECORDING_ORG_KEYS = {"org", "key", "project"}
_RECORDING_RESULT_KEYS = {"org", "model", "surface", "stream", "verdict"}


def _recording_from(data: Any, path: str | Path | None) -> dict[str, Any]:
    """The ``[recording]`` table: how the recorded run was made (orgs, which key each used, by
    number only, models, surfaces) and the verdicts it gave, so a replay can be checked against them."""
    where = "recording"
    if not isinstance(data, Mapping):
        raise _fail(path, where, "must be a table")
    unknown = set(data) - _RECORDING_KEYS
    if unknown:
        raise _fail(path, where, f"unknown key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(_RECORDING_KEYS))}")
    for name in ("tool", "recorded_at", "vantage", "base_url_host", "surface", "summary"):
        if name in data and not isinstance(data[name], str):
            raise _fail(path, f"{where}.{name}", "must be a string")
    if data.get("surface", "chat") not in ("chat", "responses", "both"):
        raise _fail(path, f"{where}.surface", "must be chat, responses or both")
    if "stream" in data and not isinstance(data["stream"], bool):
        raise _fail(path, f"{where}.stream", "must be true or false")
    if "models" in data:
        _str_tuple(data["models"], path, f"{where}.models")
    if "timeout" in data:
        _number(data["timeout"], path, f"{where}.timeout")
    for name, keys in (("orgs", _RECORDING_ORG_KEYS), ("results", _RECORDING_RESULT_KEYS)):
        rows = data.get(name, [])
        if not isinstance(rows, list):
            raise _fail(path, f"{where}.{name}", "must be a list of tables")
        for i, row in enumerate(rows):
            if not isinstance(row, Mapping) or set(row) - keys:
                raise _fail(path, f"{where}.{name}[{i}]", f"must be a table of {', '.join(sorted(keys))}")
            for key, value in row.items():
                if key == "stream":
                    ok = isinstance(value, bool)
                elif key == "key":
                    ok = isinstance(value, int) and not isinstance(value, bool) and value >= 1
                else:
                    ok = isinstance(value, str)
                if not ok:
                    raise _fail(path, f"{where}.{name}[{i}].{key}", "has the wrong type")
    return dict(data)


def scenarios_from_data(data: Any, path: str | Path | None = None) -> ScenarioSet:
    """Build a ScenarioSet from the parsed file shape ``{"defaults": {...}, "scenario": [...]}``."""
    if not isinstance(data, Mapping):
        raise _fail(path, "", "the top level must be a table/object")
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise _fail(path, "", f"unknown top-level key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(_TOP_KEYS))}")
    raw = data.get("scenario", data.get("scenarios", []))
    if not isinstance(raw, list):
        raise _fail(path, "scenario", "must be a list ([[scenario]] in TOML)")
    scenarios = tuple(_scenario_from(s, path, f"scenario[{i}]") for i, s in enumerate(raw))
    names = [s.name for s in scenarios]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise _fail(path, "scenario", f"duplicate name(s) {', '.join(dupes)}")
    defaults = data.get("defaults", {})
    if not isinstance(defaults, Mapping):
        raise _fail(path, "defaults", "must be a table")
    bad = set(defaults) - _DEFAULT_KEYS
    if bad:
        raise _fail(path, "defaults", f"unknown key(s) {', '.join(sorted(bad))}; allowed: {', '.join(sorted(_DEFAULT_KEYS))}")
    knobs = {k: _number(v, path, f"defaults.{k}") for k, v in defaults.items()}
    if "oversize_bytes" in knobs:
        knobs["oversize_bytes"] = int(knobs["oversize_bytes"])
    recorded = [s.org for s in scenarios if s.recorded]
    twice = sorted({o for o in recorded if recorded.count(o) > 1 and o is not None})
    if twice:
        raise _fail(path, "scenario", f"more than one recording for org(s) {', '.join(twice)}")
    recording = _recording_from(data["recording"], path) if "recording" in data else None
    return ScenarioSet(scenarios, knobs, recording)


_TOML_LINE = re.compile(r"line (\d+)")


def load_scenario_file(path: str | Path) -> ScenarioSet:
    """Read a user's TOML (``.toml``) or JSON file; ScenarioFileError on any problem."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise ScenarioFileError(p, f"cannot read: {exc.strerror or exc}") from exc
    if p.suffix.lower() == ".json":
        try:
            data = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise ScenarioFileError(p, f"not UTF-8: {exc}") from exc
        except json.JSONDecodeError as exc:
            raise ScenarioFileError(p, f"invalid JSON: {exc.msg} (column {exc.colno})", exc.lineno) from exc
    else:
        try:
            data = tomllib.loads(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise ScenarioFileError(p, f"not UTF-8: {exc}") from exc
        except tomllib.TOMLDecodeError as exc:
            found = _TOML_LINE.search(str(exc))
            raise ScenarioFileError(p, f"invalid TOML: {exc}", int(found.group(1)) if found else None) from exc
    return scenarios_from_data(data, p)


def load_scenarios(scenarios_file: str | Path | None = None) -> ScenarioSet:
    """The built-ins, with a user's file merged on top (same name/org/key replaces)."""
    from gpt56probe.simulator.builtin import BUILTIN_SCENARIOS

    base = scenarios_from_data(BUILTIN_SCENARIOS, "<built-in>")
    if scenarios_file is None:
        return base
    return base.merged(load_scenario_file(scenarios_file))


def scenario_listing(scenarios: ScenarioSet | Sequence[Scenario] | None = None) -> list[tuple[str, str, str, str]]:
    """Rows (scenario, org, key, description) for ``gpt56probe simulate`` and the README table."""
    if scenarios is None:
        scenarios = load_scenarios()
    items = scenarios.scenarios if isinstance(scenarios, ScenarioSet) else tuple(scenarios)
    rows: list[tuple[str, str, str, str]] = []
    for s in items:
        if s.key is not None:
            key = {NO_KEY: "(no Authorization header)", NOT_SK_KEY: "any key not starting sk-"}.get(s.key, f"{s.key}…")
            org = s.default_org or (", ".join(s.member_of) if s.member_of else "(any)")
        elif s.recorded:
            key = "any key (a recording answers its org whatever the key)"
            org = "(no OpenAI-Organization header)" if s.org == DEFAULT_ORG_MARKER else s.org or ""
        else:
            key = "any other sk- key (e.g. sk-test-demo)"
            org = s.org or ""
        rows.append((s.name, org, key, s.description))
    return rows
