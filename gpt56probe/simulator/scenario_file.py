"""Scenario files: TOML or JSON read into a ScenarioSet, every mistake named with its place.

The built-in scenarios go through the same loader (``scenarios_from_data``) as a team's file.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any, Mapping, Sequence

from gpt56probe.core.wire import MAX_DOCUMENT_DEPTH, DocumentError, check_document
from gpt56probe.simulator import evalbook
from gpt56probe.simulator.builtin import BUILTIN_SCENARIOS
from gpt56probe.simulator.scenarios import (
    ANSWERS,
    DEFAULT_ORG_MARKER,
    ENDPOINTS,
    ENDPOINT_ALIASES,
    ErrorSpec,
    FAULTS,
    NOT_SK_KEY,
    NO_KEY,
    REPLAY_FAILURES,
    REPLY_ENDPOINTS,
    RESPONSES_ERROR_EVENTS,
    RecordedReply,
    Rule,
    SHAPE_KEYS,
    STREAM_END_REASONS,
    Scenario,
    ScenarioFileError,
    ScenarioSet,
    StreamErrorSpec,
    catalogue,
)

_RULE_KEYS = {"models", "endpoints", "stream", "prompt", "times", "error", "fault", "answer", "hidden", "stream_error",
              "headers", "delay", "safety_delay", "description", "unrecognized"}
_ERROR_KEYS = {"status", "message", "type", "param", "code", "order", "bare_headers", "body", "content_type"}
_STREAM_ERROR_KEYS = {"after", "message", "type", "param", "code", "responses", "reason"}
_SCENARIO_KEYS = {"name", "org", "org_name", "key", "description", "rules", "rule", "member_of", "default_org",
                  "safety_delay", "fault_delay", "trickle_interval", "oversize_bytes", "extra_models", "replies",
                  "shutdown_dates", "projects"}
_REPLY_KEYS = {"endpoint", "model", "stream", "status", "headers", "body", "at", "latency", "failure", "detail", "size",
               "when", "then"}
_ORG_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_TOP_KEYS = {"scenario", "scenarios", "defaults", "recording", "answer"}
_DEFAULT_KEYS = {"safety_delay", "fault_delay", "trickle_interval", "oversize_bytes"}
_HEADER_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
"""An HTTP header name: an RFC 9110 token."""


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
    body = data.get("body")
    if body is not None and not isinstance(body, str):
        raise _fail(path, f"{where}.body", "must be a string (the body exactly as sent)")
    message = data.get("message", "" if body is not None else None)
    if not isinstance(message, str):
        raise _fail(path, f"{where}.message", "must be a string")
    content_type = data.get("content_type", "application/json")
    if not isinstance(content_type, str) or not content_type or "\n" in content_type:
        raise _fail(path, f"{where}.content_type", "must be a one-line string")
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
                     bare_headers=bool(data.get("bare_headers", False)), body=body, content_type=content_type)


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
    prompt = data.get("prompt")
    if prompt is not None and (not isinstance(prompt, str) or not prompt):
        raise _fail(path, f"{where}.prompt", "must be a non-empty string (text the request must hold)")
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
        prompt=prompt,
        times=times,
        error=_error_from(data["error"], path, f"{where}.error") if "error" in data else None,
        fault=fault,
        answer=answer,
        hidden=hidden,
        stream_error=_stream_error_from(data["stream_error"], path, f"{where}.stream_error") if "stream_error" in data else None,
        headers=headers,
        delay=_number(data.get("delay", 0), path, f"{where}.delay"),
        safety_delay=bool(data.get("safety_delay", False)),
        unrecognized=_str_tuple(data.get("unrecognized", ()), path, f"{where}.unrecognized") if data.get("unrecognized") else (),
    )


_SHUTDOWN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}|\+[0-9]{1,4}d", re.ASCII)


def _projects_from(data: Any, path: str | Path | None, where: str) -> tuple[Any, ...]:
    """An org scenario's projects for the Admin API (simulator/admin.py reads them)."""
    from gpt56probe.simulator.admin import project_from

    if not isinstance(data, (list, tuple)):
        raise _fail(path, where, "must be a list of tables ([[scenario.projects]])")
    found = []
    for index, item in enumerate(data):
        try:
            found.append(project_from(item))
        except ValueError as exc:
            raise _fail(path, f"{where}[{index}]", str(exc)) from None
    return tuple(found)


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
    dates = data.get("shutdown_dates", {})
    if not isinstance(dates, dict) or not all(isinstance(k, str) and isinstance(v, str) and _SHUTDOWN.fullmatch(v) for k, v in dates.items()):
        raise _fail(path, f"{where}.shutdown_dates", 'must map model ids to "YYYY-MM-DD" or "+Nd" (N days from today)')
    if dates and org is None:
        raise _fail(path, f"{where}.shutdown_dates", "belongs to an org scenario (its model list announces them)")
    projects = data.get("projects", ())
    if projects and org is None:
        raise _fail(path, f"{where}.projects", "belongs to an org scenario (the org's Admin API answers)")
    return Scenario(
        name=name,
        description=data.get("description", ""),
        shutdown_dates=tuple(dates.items()),
        projects=_projects_from(projects, path, f"{where}.projects"),
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
_RECORDING_RESULT_KEYS = {"org", "model", "tier", "surface", "stream", "verdict", "expected"}


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
                if key in ("stream", "expected"):
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
    try:
        answers = evalbook.entries_from_data(data.get("answer", []))
    except evalbook.BookError as exc:
        raise _fail(path, "", str(exc)) from None
    return ScenarioSet(scenarios, knobs, recording, answers)


_TOML_LINE = re.compile(r"line (\d+)")


def load_scenario_file(path: str | Path) -> ScenarioSet:
    """Read a user's TOML (``.toml``) or JSON file; ScenarioFileError on any problem."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise ScenarioFileError(p, f"cannot read: {exc.strerror or exc}") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioFileError(p, f"not UTF-8: {exc}") from exc
    if p.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ScenarioFileError(p, f"invalid JSON: {exc.msg} (column {exc.colno})", exc.lineno) from exc
        except RecursionError:
            raise ScenarioFileError(p, f"nested more than {MAX_DOCUMENT_DEPTH} levels deep") from None
        except ValueError:  # a number with more digits than Python reads
            raise ScenarioFileError(p, "a number with more digits than Python reads") from None
    else:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            found = _TOML_LINE.search(str(exc))
            raise ScenarioFileError(p, f"invalid TOML: {exc}", int(found.group(1)) if found else None) from exc
        except RecursionError:
            raise ScenarioFileError(p, f"nested more than {MAX_DOCUMENT_DEPTH} levels deep") from None
        except ValueError:
            raise ScenarioFileError(p, "a number with more digits than Python reads") from None
    try:
        check_document(data)  # no nesting or number a scenario cannot mean
    except DocumentError as exc:
        raise ScenarioFileError(p, str(exc)) from None
    return scenarios_from_data(data, p)


def load_scenarios(scenarios_file: str | Path | None = None) -> ScenarioSet:
    """The built-ins, with a user's file merged on top (same name/org/key replaces)."""
    from gpt56probe.simulator.builtin import BUILTIN_SCENARIOS

    base = scenarios_from_data(BUILTIN_SCENARIOS, "<built-in>")
    if scenarios_file is None:
        return base
    return base.merged(load_scenario_file(scenarios_file))


def bundled_keys() -> tuple[str, ...]:
    """The key prefixes the built-in scenarios answer to (``sk-sim-restricted``): fake keys, public by design."""
    return tuple(s.key for s in load_scenarios().scenarios if s.key and s.key.startswith("sk-sim-"))


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
