"""What the simulated preview API answers: one request in, one reply out (status, headers, body, how to write it).

The decision for one request (key, org, scenario rules, parameter checks, then the answer
or the fault) lives here; server.py only reads requests off the socket and writes replies.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Mapping
from urllib.parse import parse_qs, unquote, urlsplit

from gpt56probe.core.models import DEFAULT_TABLE, NAMED_TIERS, TIERS, tier_by_name
from gpt56probe.simulator import bodies, evalbook
from gpt56probe.simulator.builtin import MISMATCHED_ORG, MODEL_NOT_FOUND
from gpt56probe.simulator.scenarios import DEFAULT_ORG, Rule, Scenario, ScenarioSet, Settings, catalogue, shutdown_date_for

ADMIN_PATH = "/v1/organization/projects"

_LOWER = "abcdefghijklmnopqrstuvwxyz"
_DIGITS = "0123456789"
OPENAI_VERSION = "2020-10-01"
EFFORTS_56 = ("none", "low", "medium", "high", "xhigh")
EFFORTS_OLDER_GPT5 = ("minimal", "low", "medium", "high")
MIN_OUTPUT_TOKENS = 16
_RATELIMIT_HEADERS = {
    "x-ratelimit-limit-requests": "10000",
    "x-ratelimit-limit-tokens": "30000000",
    "x-ratelimit-remaining-requests": "9999",
    "x-ratelimit-remaining-tokens": "29999990",
    "x-ratelimit-reset-requests": "6ms",
    "x-ratelimit-reset-tokens": "0s",
}
REQUEST_LOG_LIMIT = 10_000
"""Requests kept in ``handle.requests``, newest last; older ones are dropped."""
_BAD_JSON = (
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP "
    "library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you "
    "have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)"
)


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server saw it; header names lower case."""

    method: str
    path: str
    headers: dict[str, str]
    json: Any | None
    time: float = 0.0


@dataclass
class ServerState:
    scenarios: ScenarioSet
    settings: Settings
    latency: float
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: deque[RecordedRequest] = field(default_factory=lambda: deque(maxlen=REQUEST_LOG_LIMIT))
    counters: dict[tuple[str, ...], int] = field(default_factory=dict)

    def setting(self, scenario: Scenario | None, name: str) -> Any:
        own = getattr(scenario, name, None) if scenario is not None else None
        return own if own is not None else getattr(self.settings, name)

    def take(self, key: tuple[str, ...], times: int) -> bool:
        """Count one use of a ``times``-limited rule; False once it is used up."""
        with self.lock:
            used = self.counters.get(key, 0)
            if used >= times:
                return False
            self.counters[key] = used + 1
            return True

    def take_index(self, key: tuple[str, ...], length: int) -> int:
        """The next index of an ordered list of ``length`` replies under ``key``; the last one repeats."""
        with self.lock:
            used = self.counters.get(key, 0)
            self.counters[key] = used + 1
            return min(used, max(0, length - 1))


@dataclass
class Reply:
    """What to write: status, headers, body (bytes or chunks) and how."""

    status: int
    headers: dict[str, str]
    body: bytes | Iterable[bytes] = b""
    chunked: bool = False
    trickle: float | None = None
    reset: bool = False  # reset the connection: at once (status 0), or after the headers and body
    delay: float = 0.0
    hold: bool = False  # answer nothing more until the client gives up: at once (status 0), or after the headers and body


def _join_alternatives(values: Iterable[str]) -> str:
    quoted = [f"'{v}'" for v in values]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + ", and " + quoted[-1]


def _stable_chars(seed: str, n: int, alphabet: str) -> str:
    digest = hashlib.sha256(seed.encode()).hexdigest()
    return "".join(alphabet[int(digest[i:i + 2], 16) % len(alphabet)] for i in range(0, 2 * n, 2))


def _project_for(org: str) -> str:
    """A stable fake ``proj_`` + 24 alphanumerics per org, as the real ids look."""
    return "proj_" + _stable_chars(org, 24, _LOWER + _LOWER.upper() + _DIGITS)


def org_name_for(org: str) -> str:
    """The org's name as ``openai-organization`` carries it: a slug (``sim-approved-x1y2z3``), never the id.

    The real header names the org (real-error-bodies.md 16a); the simulator derives
    a stable slug from the id: the id without ``org-``, then six characters.
    """
    stem = re.sub(r"[^a-z0-9]+", "-", org.lower().removeprefix("org-")).strip("-")[:40] or "org"
    return f"{stem}-{_stable_chars(org, 6, _LOWER + _DIGITS)}"


def personal_org_name_for(key: str) -> str:
    """A personal org's name, ``user-`` + 24 lowercase alphanumerics (real-error-bodies.md 16a)."""
    return "user-" + _stable_chars("personal:" + key, 24, _LOWER + _DIGITS)


class AnswerBuilder:
    """One request's decision: auth, org, scenario rules, validation, then the answer."""

    def __init__(self, state: ServerState, method: str, path: str, headers: Mapping[str, str], body: Any,
                 bad_json: bool, started: float) -> None:
        self.state = state
        self.method = method
        self.path = urlsplit(path).path.rstrip("/") or "/"
        self.query = {k: v[-1] for k, v in parse_qs(urlsplit(path).query).items()}
        self.headers = headers
        self.body = body if isinstance(body, dict) else {}
        self.bad_json = bad_json
        self.started = started
        self.request_id = bodies.request_id()
        self.org: str | None = None
        self.org_name = ""  # what openai-organization says: the org's name, not its id
        self.project: str | None = headers.get("openai-project")
        self.key = ""
        self.model = ""
        self.endpoint = ""
        self.stream = bool(self.body.get("stream") is True)
        self._request_text: str | None = None

    # ------------------------------------------------------------------ decision

    def answer(self) -> Reply:
        if self.path == ADMIN_PATH or self.path.startswith(ADMIN_PATH + "/"):
            return self._admin()
        route = self._route()
        if route is None:
            return self._error_reply(*bodies.plain_error(404, f"Invalid URL ({self.method} {self.path})"))
        self.endpoint, model = route
        self.model = model or ""
        scenarios = self.state.scenarios
        recorded = scenarios.recorded_for(self.headers.get("openai-organization"))
        if recorded is not None:
            return self._replay(recorded)

        auth = self.headers.get("authorization", "")
        self.key = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
        key_scenario = scenarios.by_key(self.key)
        if key_scenario is not None:
            reply = self._apply_rules(key_scenario, key_level=True)
            if reply is not None:
                return reply

        asked = self.headers.get("openai-organization")
        default_org = key_scenario.default_org if key_scenario and key_scenario.default_org else None
        self.org = asked or default_org or DEFAULT_ORG
        if self.project is None:
            self.project = _project_for(self.org)
        named = scenarios.by_org(self.org)
        if asked or default_org:
            self.org_name = named.org_name if named is not None and named.org_name else org_name_for(self.org)
        else:
            self.org_name = personal_org_name_for(self.key)  # no header: the key's default is a personal org
        if key_scenario is not None and key_scenario.member_of is not None and self.org not in key_scenario.member_of:
            return self._error_reply(*bodies.plain_error(401, MISMATCHED_ORG, code="mismatched_organization"))

        if self.bad_json:
            return self._error_reply(*bodies.plain_error(400, _BAD_JSON))
        if self.endpoint in ("chat", "responses"):
            model_value = self.body.get("model")
            if not isinstance(model_value, str) or not model_value:
                return self._error_reply(*bodies.plain_error(400, "you must provide a model parameter"))
            self.model = model_value

        org_scenario = scenarios.by_org(self.org)
        if self.endpoint == "models.list":
            return self._list_models(org_scenario)
        reply = self._apply_rules(org_scenario, key_level=False) if org_scenario else None
        if reply is not None:
            return reply
        return self._success(org_scenario, None)

    def _admin(self) -> Reply:
        """The Admin API's project paths (simulator/admin.py), for the org the header names (else the key's)."""
        from gpt56probe.simulator.admin import admin_answer

        auth = self.headers.get("authorization", "")
        self.key = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
        self.org = self.headers.get("openai-organization") or DEFAULT_ORG
        self.org_name = org_name_for(self.org)
        scenario = self.state.scenarios.by_org(self.org)
        status, payload = admin_answer(self.key, scenario.projects if scenario else (), _project_for(self.org),
                                       catalogue(scenario), self.method, self.path[len(ADMIN_PATH):], self.query)
        return self._json_reply(status, payload) if status == 200 else self._error_reply(status, payload)

    def _replay(self, scenario: Scenario) -> Reply:
        """A recording's answer, as it was recorded (simulator/replay.py), whatever the key."""
        from gpt56probe.simulator import replay

        model = self.body.get("model") if self.endpoint in ("chat", "responses") else self.model
        self.model = model if isinstance(model, str) else ""
        reply = replay.pick(scenario, self.endpoint, self.model, self.stream, replay.request_shape(self.endpoint, self.body),
                            self.state.take_index)
        if reply is None:
            headers = {"Content-Type": "application/json; charset=utf-8", "x-request-id": self.request_id}
            return Reply(replay.NOT_RECORDED_STATUS, headers,
                         replay.not_recorded_body(self.endpoint, self.model, self.stream, scenario.org or ""))
        # A header goes out as latin-1: a mask the gate left in a recorded value (sk-…abcd) becomes "?".
        headers = {name: _header_value(value).encode("latin-1", "replace").decode("latin-1")
                   for name, value in reply.headers.items()}
        body = reply.body.encode("utf-8")
        if reply.failure == "timeout":
            return Reply(reply.status or 0, headers, body, chunked=True, hold=True)
        if reply.failure == "reset":
            return Reply(reply.status or 0, headers, body, chunked=True, reset=True, delay=reply.latency)
        if reply.failure == "too_large":
            size = max(reply.size or 0, len(body) + 1)
            headers["__length__"] = str(size)
            return Reply(reply.status or 200, headers, _padded(body or b"{}", size), delay=reply.latency)
        streamed = "text/event-stream" in headers.get("content-type", "").lower()
        return Reply(reply.status or 200, headers, body, chunked=streamed, delay=reply.latency)

    def _route(self) -> tuple[str, str | None] | None:
        if self.method == "GET" and self.path == "/v1/models":
            return "models.list", None
        if self.method == "GET" and self.path.startswith("/v1/models/"):
            return "models.retrieve", unquote(self.path[len("/v1/models/"):])
        if self.method == "POST" and self.path == "/v1/chat/completions":
            return "chat", None
        if self.method == "POST" and self.path == "/v1/responses":
            return "responses", None
        return None

    def _effective_rule(self, scenario: Scenario, model: str) -> Rule | None:
        for index, rule in enumerate(scenario.rules):
            if not rule.matches(model, self.endpoint, self.stream, self._text()):
                continue
            if rule.times is not None:
                key = (scenario.name, str(index), self.org or "", model, self.endpoint)
                if not self.state.take(key, rule.times):
                    continue
            return rule
        return None

    def _apply_rules(self, scenario: Scenario, key_level: bool) -> Reply | None:
        """An error/fault reply when a rule says so; a success reply for ``answer`` rules; else None."""
        rule = self._effective_rule(scenario, self.model)
        if rule is None:
            return None
        if rule.error is not None and rule.error.body is not None:
            return self._raw_reply(rule, self._delay(scenario, rule))
        if rule.error is not None:
            values = self._values()
            status_body = (rule.error.status, bodies.error_body(rule.error, values))
            return self._error_reply(*status_body, extra=rule.headers, bare=rule.error.bare_headers,
                                     with_org=not key_level, delay=self._delay(scenario, rule))
        if rule.fault is not None:
            return self._fault(scenario, rule)
        if rule.hidden:
            return self._not_found()
        if key_level:
            return None  # a key scenario's answer (or stream_error) rule just lets the request through
        return self._success(scenario, rule)

    def _delay(self, scenario: Scenario | None, rule: Rule | None) -> float:
        if rule is None:
            return 0.0
        return rule.delay + (float(self.state.setting(scenario, "safety_delay")) if rule.safety_delay else 0.0)

    def _values(self) -> dict[str, str]:
        return {"model": self.model, "org": self.org or "", "project": self.project or "",
                "key_masked": bodies.mask_key(self.key), "request_id": self.request_id}

    # ------------------------------------------------------------------ answers

    def _list_models(self, scenario: Scenario | None) -> Reply:
        ids: list[str] = []
        for model in catalogue(scenario):
            rule = self._effective_rule(scenario, model) if scenario else None
            if rule is None:
                ids.append(model)
                continue
            self.model = model
            if rule.error is not None and rule.error.body is not None:
                return self._raw_reply(rule, self._delay(scenario, rule))
            if rule.error is not None:
                return self._error_reply(rule.error.status, bodies.error_body(rule.error, self._values()),
                                         extra=rule.headers, bare=rule.error.bare_headers,
                                         delay=self._delay(scenario, rule))
            if rule.fault is not None:
                return self._fault(scenario, rule)  # type: ignore[arg-type]
            if not rule.hidden:
                ids.append(model)
        self.model = ""
        dates = {m: shutdown_date_for(v) for m, v in scenario.shutdown_dates} if scenario else {}
        return self._json_reply(200, bodies.models_list(ids, dates))

    def _not_found(self) -> Reply:
        return self._error_reply(404, {"error": {"message": bodies.fill(MODEL_NOT_FOUND, self._values()),
                                                 "type": "invalid_request_error", "param": None,
                                                 "code": "model_not_found"}})

    def _validate(self) -> Reply | None:
        """Parameter checks the real API makes, in the real wording (real-error-bodies.md section 10)."""
        body, model = self.body, self.model
        spec = DEFAULT_TABLE.get(model)
        is_56 = (spec is not None and spec.tier in TIERS) or tier_by_name(model) in NAMED_TIERS  # a dated 5.6 snapshot too
        is_gpt5 = model.startswith("gpt-5")
        efforts = EFFORTS_56 if is_56 else EFFORTS_OLDER_GPT5 if is_gpt5 else ()
        if self.endpoint == "chat":
            if "messages" not in body:
                return self._error_reply(*bodies.plain_error(400, "Missing required parameter: 'messages'.",
                                                             "messages", "missing_required_parameter"))
            if is_gpt5 and body.get("max_tokens") is not None:
                return self._error_reply(*bodies.plain_error(
                    400, "Unsupported parameter: 'max_tokens' is not supported with this model. "
                         "Use 'max_completion_tokens' instead.", "max_tokens", "unsupported_parameter"))
            effort = body.get("reasoning_effort")
            if effort is not None:
                if not efforts:
                    return self._error_reply(*bodies.plain_error(
                        400, "Unsupported parameter: 'reasoning_effort' is not supported with this model.",
                        "reasoning_effort", "unsupported_parameter"))
                if effort not in efforts:
                    return self._error_reply(*bodies.plain_error(
                        400, f"Unsupported value: 'reasoning_effort' does not support {json.dumps(effort)[1:-1]!r} "
                             f"with this model. Supported values are: {_join_alternatives(efforts)}.",
                        "reasoning_effort", "unsupported_value"))
        elif self.endpoint == "responses":
            reasoning = body.get("reasoning")
            effort = reasoning.get("effort") if isinstance(reasoning, dict) else None
            if effort is not None:
                if not efforts:
                    return self._error_reply(*bodies.plain_error(
                        400, "Unsupported parameter: 'reasoning.effort' is not supported with this model.",
                        "reasoning.effort", "unsupported_parameter"))
                if effort not in efforts:
                    return self._error_reply(*bodies.plain_error(
                        400, f"Unsupported value: {str(effort)!r} is not supported with the {model!r} model. "
                             f"Supported values are: {_join_alternatives(efforts)}.",
                        "reasoning.effort", "unsupported_value"))
            cap = body.get("max_output_tokens")
            if isinstance(cap, int) and not isinstance(cap, bool) and cap < MIN_OUTPUT_TOKENS:
                return self._error_reply(*bodies.plain_error(
                    400, f"Invalid 'max_output_tokens': integer below minimum value. Expected a value >= "
                         f"{MIN_OUTPUT_TOKENS}, but got {cap} instead.", "max_output_tokens", "integer_below_min_value"))
        return None

    def _unrecognized(self, rule: Rule | None) -> Reply | None:
        """An older API version that does not know an argument: 400 "Unrecognized request argument supplied: X",
        param and code null (Azure OpenAI before max_completion_tokens, openai/openai-python#1724)."""
        if rule is None:
            return None
        for name in rule.unrecognized:
            if name in self.body or (name == "reasoning_effort" and "reasoning" in self.body):
                return self._error_reply(400, {"error": {"message": f"Unrecognized request argument supplied: {name}",
                                                         "type": "invalid_request_error", "param": None, "code": None}},
                                         extra=rule.headers, bare=True)
        return None

    def _raw_reply(self, rule: Rule, delay: float) -> Reply:
        """A gateway's or proxy's own answer, byte for byte as the rule gives it, with only the rule's headers."""
        spec = rule.error
        assert spec is not None and spec.body is not None
        headers = {"Content-Type": spec.content_type}
        headers.update({name: _header_value(value) for name, value in rule.headers.items()})
        return Reply(spec.status, headers, bodies.fill(spec.body, self._values()).encode("utf-8"), delay=delay)

    def _cap(self) -> int | None:
        keys = ("max_completion_tokens", "max_tokens") if self.endpoint == "chat" else ("max_output_tokens",)
        for key in keys:
            value = self.body.get(key)
            if isinstance(value, int) and not isinstance(value, bool):
                return value
        return None

    def _success(self, scenario: Scenario | None, rule: Rule | None) -> Reply:
        if self.model not in catalogue(scenario):
            return self._not_found()
        if self.endpoint == "models.retrieve":
            return self._json_reply(200, bodies.model_object(self.model), extra=rule.headers if rule else None)
        # An older API version knows neither the new arguments nor the checks that came with them.
        invalid = self._unrecognized(rule) or (None if rule is not None and rule.unrecognized else self._validate())
        if invalid is not None:
            return invalid
        answer = rule.answer if rule and rule.answer else "ok"
        extra = dict(rule.headers) if rule else {}
        delay = self._delay(scenario, rule)
        cap = self._cap()
        if self.endpoint == "chat" and not self.stream and answer == "ok":
            graded = evalbook.grade(self.state.scenarios.answers + evalbook.BUILTIN_BOOK, self.body, self.model,
                                    self._chat_effort(), cap)
            if graded is not None:  # an eval task: its answer, as able as this model is at this effort
                payload = evalbook.chat_payload(self.model, graded, bodies.completion_id(), int(time.time()))
                return self._json_reply(200, payload, extra=extra, delay=delay + graded.delay_s)
        if self.stream:
            broken = rule.stream_error if rule else None
            if self.endpoint == "chat":
                options = self.body.get("stream_options")
                usage = isinstance(options, dict) and options.get("include_usage") is True
                chunks: Iterator[bytes] = (bodies.chat_stream_broken(self.model, broken, self._values(), usage) if broken
                                           else bodies.chat_stream(self.model, answer, cap, usage))
            elif broken:
                chunks = bodies.responses_stream_broken(self.model, broken, self._values(), cap, self._effort())
            else:
                chunks = bodies.responses_stream(self.model, answer, cap, self._effort())
            headers = self._headers(200, extra, content_type="text/event-stream; charset=utf-8")
            return Reply(200, headers, chunks, chunked=True, delay=delay)
        if self.endpoint == "chat":
            payload = bodies.chat_completion(self.model, answer, cap)
        else:
            payload = bodies.response_object(self.model, answer, cap, self._effort())
        return self._json_reply(200, payload, extra=extra, delay=delay)

    def _chat_effort(self) -> str | None:
        effort = self.body.get("reasoning_effort")
        return effort if isinstance(effort, str) else None

    def _text(self) -> str:
        """Every text the request carries (what a rule's ``prompt`` and the answer book match on)."""
        if self._request_text is None:
            self._request_text = evalbook.request_text(self.body)
        return self._request_text

    def _effort(self) -> str | None:
        reasoning = self.body.get("reasoning")
        return reasoning.get("effort") if isinstance(reasoning, dict) else None

    def _ok_payload(self) -> tuple[bytes, str]:
        """The body an approved org would get, for faults that mangle or delay it."""
        cap = self._cap()
        if self.endpoint == "models.list":
            data: Any = bodies.models_list(list(catalogue()))
        elif self.endpoint == "models.retrieve":
            data = bodies.model_object(self.model)
        elif self.stream:
            chunks = (bodies.chat_stream(self.model, "ok", cap, False) if self.endpoint == "chat"
                      else bodies.responses_stream(self.model, "ok", cap, self._effort()))
            return b"".join(chunks), "text/event-stream; charset=utf-8"
        elif self.endpoint == "chat":
            data = bodies.chat_completion(self.model, "ok", cap)
        else:
            data = bodies.response_object(self.model, "ok", cap, self._effort())
        return json.dumps(data, indent=2).encode(), "application/json"

    def _fault(self, scenario: Scenario, rule: Rule) -> Reply:
        fault = rule.fault
        if fault == "reset":
            return Reply(0, {}, reset=True, delay=rule.delay)
        if fault in ("html502", "html403", "html524"):
            ray = bodies.cf_ray()
            page = {"html502": bodies.HTML_502, "html403": bodies.html_403(ray), "html524": bodies.html_524(ray)}[fault]
            status = {"html502": 502, "html403": 403, "html524": 524}[fault]
            headers = {"Content-Type": "text/html", "CF-RAY": ray, "Cache-Control": "no-cache",
                       **dict(rule.headers)}
            if fault in ("html403", "html524"):
                headers["Content-Type"] = "text/html; charset=UTF-8"
                headers["X-Frame-Options"] = "SAMEORIGIN"
            return Reply(status, headers, page.encode(), delay=rule.delay)
        payload, content_type = self._ok_payload()
        headers = self._headers(200, dict(rule.headers), content_type=content_type)
        if fault == "delay":
            return Reply(200, headers, payload, delay=rule.delay + float(self.state.setting(scenario, "fault_delay")))
        if fault == "slowbody":
            return Reply(200, headers, payload, trickle=float(self.state.setting(scenario, "trickle_interval")),
                          delay=rule.delay)
        if fault == "truncated":
            return Reply(200, headers, payload[: max(1, len(payload) // 2)], delay=rule.delay)
        if fault == "cutbody":
            # 200 and its headers, the first half of the body, then the connection is reset mid-body
            return Reply(200, headers, payload[: max(1, len(payload) // 2)], chunked=True, reset=True, delay=rule.delay)
        # oversize: the ok body padded with JSON whitespace to the configured size (still valid JSON)
        size = max(int(self.state.setting(scenario, "oversize_bytes")), len(payload))
        headers["__length__"] = str(size)
        return Reply(200, headers, _padded(payload, size), delay=rule.delay)

    # ------------------------------------------------------------------ headers

    def _headers(self, status: int, extra: Mapping[str, str] | None, content_type: str = "application/json",
                 with_org: bool = True, bare: bool = False) -> dict[str, str]:
        headers = {"Content-Type": content_type, "x-request-id": self.request_id}
        if not bare:
            if with_org and self.org:
                headers["openai-organization"] = self.org_name or org_name_for(self.org)
                if self.project:
                    headers["openai-project"] = self.project
            elapsed = int((time.monotonic() - self.started) * 1000)
            headers["openai-processing-ms"] = str(max(1, elapsed))
            headers["openai-version"] = OPENAI_VERSION
            if status < 400:
                headers.update(_RATELIMIT_HEADERS)
                headers["access-control-expose-headers"] = "X-Request-ID"
        headers["strict-transport-security"] = "max-age=31536000; includeSubDomains; preload"
        headers["cf-cache-status"] = "DYNAMIC"
        headers["CF-RAY"] = bodies.cf_ray()
        if extra:
            headers.update({name: _header_value(value) for name, value in extra.items()})
        return headers

    def _json_reply(self, status: int, payload: Any, extra: Mapping[str, str] | None = None,
                    delay: float = 0.0) -> Reply:
        return Reply(status, self._headers(status, extra), json.dumps(payload, indent=2).encode(), delay=delay)

    def _error_reply(self, status: int, payload: Any, extra: Mapping[str, str] | None = None, bare: bool = False,
                     with_org: bool = True, delay: float = 0.0) -> Reply:
        headers = self._headers(status, extra, content_type="application/json; charset=utf-8",
                                with_org=with_org, bare=bare)
        return Reply(status, headers, json.dumps(payload, indent=4).encode(), delay=delay)


_HTTP_DATE = re.compile(r"\{http_date([+-]\d+(?:\.\d+)?)?\}")


def _header_value(value: str) -> str:
    """A rule's header value; ``{http_date+N}`` becomes the HTTP date N seconds from now (retry-after dates).
    An N no calendar holds leaves the placeholder as it is (a recording keeps what a server sent)."""
    def date(match: re.Match[str]) -> str:
        try:
            return email.utils.formatdate(time.time() + float(match.group(1) or 0), usegmt=True)
        except (OverflowError, ValueError, OSError):
            return match.group(0)

    return _HTTP_DATE.sub(date, value)


def _padded(payload: bytes, size: int) -> Iterator[bytes]:
    """``payload`` with spaces before its last byte so the total is ``size``, in 1 MiB pieces."""
    yield payload[:-1]
    left = size - len(payload)
    block = b" " * (1 << 20)
    while left > 0:
        piece = block[: min(left, len(block))]
        yield piece
        left -= len(piece)
    yield payload[-1:]


