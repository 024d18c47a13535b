"""An incident you can replay: what the API answered to every probe of a check, in the simulator's scenario format.

``check --record FILE`` writes it; ``gpt56probe simulate --scenarios FILE`` plays it back, so a
``check`` against the playback gives the same verdicts (docs/simulator.md, "Recordings"). Per org,
one recorded scenario: its model listing and every sampling attempt (status, the headers that
matter, the body, when it was sent and how long it took). The answers to the probe's own
rejected parameters are kept with the request shape they answered (``when``), so a replay adapts
the same way whichever request comes first. A ``[recording]`` table says how the run was made
(orgs with their key by number, never the key; models, surfaces) and the verdicts it gave.

Pure: observations in, a document and its TOML or JSON text out. The CLI writes the text with
``files.write_output``, so the run's secrets leave it by value, as from every other output.
"""

from __future__ import annotations

import email.utils
import json
import math
import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from gpt56probe import __version__
from gpt56probe.core.observation import (Attempt, Diagnosis, Exchange, Failure, ModelListing, Observation, listings_of,
                                    recorded_headers)
from gpt56probe.core.wire import DEFAULT_MAX_BODY_BYTES

DEFAULT_ORG_MARKER = "<default>"
"""The org of a probe made without an OpenAI-Organization header (the simulator's DEFAULT_ORG_MARKER)."""
TIMEOUT_FAILURES = frozenset({Failure.CONNECT_TIMEOUT, Failure.READ_TIMEOUT, Failure.DEADLINE})


@dataclass(frozen=True)
class RecordingInfo:
    """How the recorded check was made: what a replay needs to ask the same questions."""

    recorded_at: str
    surface: str = "chat"
    stream: bool = False
    models: tuple[str, ...] = ()
    vantage: str = ""
    base_url_host: str = ""
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    timeout_s: float | None = None  # --timeout: a replay of a timeout needs the same
    expected: Any = None  # the run's ExpectedTiers: each result says whether it counted (a replay asks the same)


def org_label(org: str | None) -> str:
    return org if org else DEFAULT_ORG_MARKER


def _ms(seconds: float) -> float:
    return round(float(seconds), 3) if math.isfinite(seconds) and seconds > 0 else 0.0


def _replay_failure(failure: Failure | None) -> str | None:
    """How the loopback plays a transport failure: a timeout is held, a read cap padded past; DNS,
    refused, TLS and proxy failures cannot happen after a connection is made, so they are played as
    a reset, which is judged the same (network_error)."""
    if failure is None:
        return None
    if failure in TIMEOUT_FAILURES:
        return "timeout"
    if failure is Failure.TOO_LARGE:
        return "too_large"
    return "reset"


def _headers(headers: Mapping[str, str], received_wall: float) -> dict[str, str]:
    """The headers that matter, as plain strings; a ``retry-after`` HTTP date becomes ``{http_date+N}``
    (N seconds after the answer), so a replay asks for the same wait, not for a date long past."""
    kept = {}
    for name, value in recorded_headers(headers).items():
        text = "".join(c if c.isprintable() else " " for c in str(value))  # no CR/LF/NUL can reach a response
        if name == "retry-after" and received_wall > 0:
            text = _relative_date(text, received_wall)
        kept[name] = text
    return kept


def _relative_date(value: str, received_wall: float) -> str:
    try:
        float(value)
        return value  # seconds: already relative
    except ValueError:
        pass
    try:
        parsed = email.utils.parsedate_tz(value)
        if parsed is None:
            return value
        offset = email.utils.mktime_tz(parsed) - received_wall
    except (TypeError, ValueError, OverflowError):
        return value
    return f"{{http_date{offset:+.1f}}}"


def _failure_fields(failure: Failure | None, detail: str, max_body_bytes: int) -> dict[str, Any]:
    kind = _replay_failure(failure)
    if kind is None or failure is None:
        return {}
    fields: dict[str, Any] = {"failure": kind, "detail": f"{failure.value}: {detail}".rstrip(": ")}
    if kind == "too_large":
        fields["size"] = max_body_bytes + 1
    return fields


def attempt_reply(attempt: Attempt, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> dict[str, Any]:
    """One sampling attempt as a recorded reply (the scenario file's ``[[scenario.replies]]``)."""
    reply: dict[str, Any] = {"endpoint": attempt.endpoint, "model": attempt.model, "stream": attempt.stream}
    if attempt.status is not None:
        reply["status"] = attempt.status
    reply.update(_failure_fields(attempt.failure, attempt.failure_detail, max_body_bytes))
    reply.update(at=_ms(attempt.sent_at_s), latency=_ms(attempt.latency_s), then=attempt.then)
    if attempt.then == "adapt":
        when = {"reasoning_effort": attempt.reasoning_effort or ""}
        if attempt.token_param:
            when = {"token_param": attempt.token_param, **when}
        reply["when"] = when
    reply["headers"] = _headers(attempt.headers, attempt.received_wall)
    reply["body"] = attempt.body
    return reply


def _exchange_reply(endpoint: str, model: str, stream: bool, exchange: Exchange, body: str,
                    max_body_bytes: int) -> dict[str, Any]:
    reply: dict[str, Any] = {"endpoint": endpoint, "model": model, "stream": stream}
    if exchange.status is not None:
        reply["status"] = exchange.status
    reply.update(_failure_fields(exchange.failure, exchange.failure_detail, max_body_bytes))
    if exchange.status is None and exchange.failure is None:
        reply["failure"] = "timeout"  # nothing came back and nothing says why: the probe never got an answer
    reply.update(at=0.0, latency=_ms(exchange.latency_s), then="stop")
    reply["headers"] = _headers(exchange.headers, 0.0)
    reply["body"] = body
    return reply


def listing_reply(listing: ModelListing, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> dict[str, Any]:
    """An org's ``GET /v1/models`` as a recorded reply: the ids it listed (the probe keeps only those), or the failed answer."""
    exchange = listing.exchange
    if listing.ids is not None:
        body = json.dumps({"object": "list", "data": [{"id": i, "object": "model", "created": 0, "owned_by": "system"}
                                                      for i in listing.ids]}, separators=(",", ":"))
    else:
        body = exchange.body
    return _exchange_reply("models.list", "", False, exchange, body, max_body_bytes)


def _observation_replies(observation: Observation, max_body_bytes: int) -> list[dict[str, Any]]:
    attempts = getattr(observation, "attempt_log", ())
    if attempts:
        return [attempt_reply(a, max_body_bytes) for a in attempts]
    if observation.sample is None:
        return []
    # A probe abandoned at the deadline has no attempt log, only the timeout the runner wrote for it.
    t = observation.target
    return [_exchange_reply(t.surface, t.model, t.stream, observation.sample, observation.sample.body, max_body_bytes)]


def key_numbers(observations: Iterable[Observation]) -> dict[str, int]:
    """Each distinct key (by its id, never the key) numbered 1, 2, ... in the order first used."""
    numbers: dict[str, int] = {}
    for observation in observations:
        numbers.setdefault(observation.target.key_id, len(numbers) + 1)
    return numbers


def recording_doc(observations: Sequence[Observation], diagnoses: Sequence[Diagnosis], info: RecordingInfo) -> dict[str, Any]:
    """The scenario-file document of one check: ``[recording]``, then one recorded scenario per org."""
    keys = key_numbers(observations)
    orgs: dict[str, list[Observation]] = {}
    for observation in observations:
        orgs.setdefault(org_label(observation.target.org), []).append(observation)
    scenarios = []
    for label, group in orgs.items():
        replies = [listing_reply(listing, info.max_body_bytes) for listing in listings_of(group)]
        for observation in group:
            replies += _observation_replies(observation, info.max_body_bytes)
        who = "the key's default org (no OpenAI-Organization header)" if label == DEFAULT_ORG_MARKER else label
        scenarios.append({
            "name": f"recorded {label}",
            "org": label,
            "description": f"what the API answered {who} at {info.recorded_at}"
                           + (f", from {info.vantage}" if info.vantage else "") + " (gpt56probe check --record)",
            "replies": replies,
        })
    org_rows = []
    for label, group in orgs.items():
        first = group[0].target
        row: dict[str, Any] = {"org": label, "key": keys[first.key_id]}
        if first.project:
            row["project"] = first.project
        org_rows.append(row)
    from gpt56probe.core.expectations import is_expected

    results = [{"org": org_label(d.target.org), "model": d.target.model, "tier": d.target.tier, "surface": d.target.surface,
                "stream": d.target.stream, "verdict": d.verdict.value,
                **({"expected": is_expected(d.target, info.expected)} if info.expected is not None else {})} for d in diagnoses]
    recording: dict[str, Any] = {
        "tool": f"gpt56probe {__version__}",
        "recorded_at": info.recorded_at,
        "vantage": info.vantage,
        "base_url_host": info.base_url_host,
        "surface": info.surface,
        "stream": info.stream,
        "models": list(info.models),
        **({"timeout": round(float(info.timeout_s), 3)} if info.timeout_s is not None else {}),
        "summary": summary_line(diagnoses),
        "orgs": org_rows,
        "results": results,
    }
    return {"recording": recording, "scenario": scenarios}


def summary_line(diagnoses: Sequence[Diagnosis]) -> str:
    """``14 probes of 3 orgs: 9 ok, 3 not_provisioned, 2 region_vpn``."""
    counts: dict[str, int] = {}
    for d in diagnoses:
        counts[d.verdict.value] = counts.get(d.verdict.value, 0) + 1
    orgs = len({d.target.org for d in diagnoses})
    said = ", ".join(f"{n} {v}" for v, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return f"{len(diagnoses)} probe{'s' if len(diagnoses) != 1 else ''} of {orgs} org{'s' if orgs != 1 else ''}" + (f": {said}" if said else "")


# --------------------------------------------------------------------------- text


HEADER_COMMENT = (
    "# A gpt56probe recording: what the API answered to every probe of one check.\n"
    "# Replay it:  gpt56probe simulate --scenarios THIS_FILE   (then check against its base URL, with the same\n"
    "# orgs, models and surfaces, one key per [recording].orgs key number). Secrets were removed by value.\n"
)


def render(doc: Mapping[str, Any], fmt: str) -> str:
    """The recording as TOML (``fmt`` "toml") or JSON ("json")."""
    if fmt == "json":
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    return HEADER_COMMENT + to_toml(doc)


def format_for(path_name: str) -> str:
    """JSON for a ``.json`` file (as the simulator reads it), TOML otherwise."""
    return "json" if path_name.lower().endswith(".json") else "toml"


def _toml_string(value: str) -> str:
    # JSON's string escapes (\" \\ \n \t \uXXXX ...) are TOML's too; TOML also forbids a raw DEL.
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else _toml_string(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else "0.0"
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{_toml_key(str(k))} = {_toml_value(v)}" for k, v in value.items()) + " }" if value else "{}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML form for {type(value).__name__}")


def _is_table_list(value: Any) -> bool:
    """A list of tables written as ``[[...]]`` blocks: one with a nested table or a long text (replies)."""
    return (isinstance(value, list) and bool(value) and all(isinstance(v, Mapping) for v in value)
            and not _is_row_list(value))


def _is_row_list(value: Any) -> bool:
    """A list of small flat tables (orgs, results): one inline table per line reads best."""
    return (isinstance(value, list) and bool(value)
            and all(isinstance(v, Mapping) and all(isinstance(x, (str, int, float, bool)) and not (isinstance(x, str) and len(x) > 200)
                                                   for x in v.values()) for v in value))


def _toml_table(prefix: str, table: Mapping[str, Any], out: list[str]) -> None:
    """Scalars and inline tables first, then arrays of tables as ``[[prefix.name]]`` blocks."""
    for key, value in table.items():
        if _is_row_list(value):
            out.append(f"{key} = [")
            out.extend(f"  {_toml_value(row)}," for row in value)
            out.append("]")
        elif not _is_table_list(value):
            out.append(f"{key} = {_toml_value(value)}")
    for key, value in table.items():
        if _is_table_list(value):
            for item in value:
                out.append("")
                out.append(f"[[{prefix}.{key}]]" if prefix else f"[[{key}]]")
                _toml_table(f"{prefix}.{key}" if prefix else key, item, out)


def to_toml(doc: Mapping[str, Any]) -> str:
    """The recording's TOML: ``[recording]`` then ``[[scenario]]`` blocks (the only shapes it has)."""
    out: list[str] = []
    for key, value in doc.items():
        if isinstance(value, Mapping):
            out.append(f"[{key}]")
            _toml_table(key, value, out)
            out.append("")
        elif _is_table_list(value):
            for item in value:
                out.append(f"[[{key}]]")
                _toml_table(key, item, out)
                out.append("")
        else:
            out.insert(0, f"{key} = {_toml_value(value)}")
    return "\n".join(out).rstrip("\n") + "\n"


def one_line_summary(recording: Mapping[str, Any] | None, scenarios: int) -> str:
    """For a support packet: when, from where, what: ``recorded 2026-… from host-a: 14 probes of 3 orgs: …``."""
    if not recording:
        return f"a scenario file with {scenarios} scenario{'s' if scenarios != 1 else ''} (no [recording] table)"
    when = recording.get("recorded_at") or "at an unknown time"
    where = f" from {recording['vantage']}" if recording.get("vantage") else ""
    what = recording.get("summary") or f"{scenarios} org{'s' if scenarios != 1 else ''}"
    return f"recorded {when}{where}: {what}"


# --------------------------------------------------------------------------- replay


@dataclass(frozen=True)
class ReplayPlan:
    """What to ask a playback so it answers the recorded questions: each org with its key's number (a
    replay uses one key per number, so "the same key reaches it through another org" holds again),
    the models, surfaces and the verdicts the recording gave."""

    orgs: tuple[tuple[str | None, int, str | None], ...]  # (org, key number, project)
    models: tuple[str, ...]
    surface: str
    stream: bool
    verdicts: Mapping[tuple[str | None, str, str, bool], str]
    timeout_s: float | None = None


def replay_plan(recording: Mapping[str, Any]) -> ReplayPlan:
    """The ReplayPlan of a loaded ``[recording]`` table (ScenarioSet.recording)."""
    def org_of(label: Any) -> str | None:
        return None if label in (None, DEFAULT_ORG_MARKER) else str(label)

    orgs = tuple((org_of(row.get("org")), int(row.get("key", 1)), row.get("project")) for row in recording.get("orgs", []))
    verdicts = {(org_of(r.get("org")), str(r.get("model")), str(r.get("surface", "chat")), bool(r.get("stream", False))): str(r.get("verdict"))
                for r in recording.get("results", [])}
    timeout = recording.get("timeout")
    return ReplayPlan(orgs, tuple(recording.get("models", ())), str(recording.get("surface", "chat")),
                      bool(recording.get("stream", False)), verdicts,
                      float(timeout) if isinstance(timeout, (int, float)) and not isinstance(timeout, bool) else None)


def summary_of(text: str, fmt: str) -> str:
    """The one-line summary of a recording's text (TOML or JSON): ValueError when it is not a recording.
    (The product does not import the simulator; ``simulate --scenarios`` validates the file in full.)"""
    import tomllib

    try:
        data = json.loads(text) if fmt == "json" else tomllib.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ValueError(f"not a readable {fmt.upper()} file ({exc})") from None
    scenarios = data.get("scenario") if isinstance(data, dict) else None
    recorded = [s for s in scenarios if isinstance(s, dict) and s.get("replies")] if isinstance(scenarios, list) else []
    recording = data.get("recording") if isinstance(data, dict) else None
    if not recorded:
        raise ValueError("not a recording: no [[scenario]] with replies (write one with check --record FILE)")
    return one_line_summary(recording if isinstance(recording, dict) else None, len(recorded))
