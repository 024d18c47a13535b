"""The loopback HTTP server that plays the gated GPT-5.6 preview API.

stdlib only (ThreadingHTTPServer, HTTP/1.1 keep-alive, honest Content-Length or
chunked SSE) so the demo and the tests need nothing beyond the package, and a
benchmark can fan out hundreds of connections. Behaviour comes from a
ScenarioSet (scenarios.py); this module only routes, validates and writes.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import re
import socket
import struct
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, TextIO
from urllib.parse import unquote, urlsplit

from gpt56probe.models import DEFAULT_TABLE, NAMED_TIERS, TIERS, tier_by_name
from gpt56probe.simulator import bodies
from gpt56probe.simulator.builtin import MISMATCHED_ORG, MODEL_NOT_FOUND
from gpt56probe.simulator.scenarios import (
    DEFAULT_ORG,
    Rule,
    Scenario,
    ScenarioSet,
    Settings,
    catalogue,
    load_scenarios,
    scenario_listing,
)

_LOWER = "abcdefghijklmnopqrstuvwxyz"
_DIGITS = "0123456789"
LOOPBACK = "127.0.0.1"
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
class _State:
    scenarios: ScenarioSet
    settings: Settings
    latency: float
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: list[RecordedRequest] = field(default_factory=list)
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


@dataclass
class _Reply:
    """What to write: status, headers, body (bytes or chunks) and how."""

    status: int
    headers: dict[str, str]
    body: bytes | Iterable[bytes] = b""
    chunked: bool = False
    trickle: float | None = None
    reset: bool = False
    delay: float = 0.0


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512
    allow_reuse_address = True
    state: _State

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients hanging up mid-answer is normal here (timeouts, fault tests); stay quiet about it."""
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def version_string(self) -> str:
        return "cloudflare"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Library code does not print; requests are in ``handle.requests``."""

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def do_PUT(self) -> None:
        self._serve("PUT")

    # ------------------------------------------------------------------ plumbing

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("transfer-encoding") or "").lower():
            out = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(out)
                out += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _serve(self, method: str) -> None:
        state = self.server.state
        started = time.monotonic()
        raw = self._read_body()
        headers = {k.lower(): v for k, v in self.headers.items()}
        parsed: Any = None
        bad_json = False
        if raw:
            try:
                parsed = json.loads(raw)
            except (ValueError, UnicodeDecodeError):
                bad_json = True
        with state.lock:
            state.requests.append(RecordedRequest(method, self.path, headers, parsed, time.time()))
        if state.latency > 0 and state.stop.wait(state.latency):
            self.close_connection = True
            return
        reply = _Exchange(state, method, self.path, headers, parsed, bad_json, started).answer()
        self._write(reply, state)

    def _write(self, reply: _Reply, state: _State) -> None:
        if reply.delay > 0 and state.stop.wait(reply.delay):
            self.close_connection = True
            return
        if reply.reset:
            self.close_connection = True
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            return
        declared = reply.headers.pop("__length__", None)
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.chunked:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunks = [bytes(reply.body)] if isinstance(reply.body, (bytes, bytearray)) else reply.body
            for piece in chunks:
                if piece:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")
            return
        if isinstance(reply.body, (bytes, bytearray)):
            pieces: list[bytes] | Iterable[bytes] = [bytes(reply.body)]
            length = len(reply.body)
        else:
            pieces, length = reply.body, int(declared or 0)
        self.send_header("Content-Length", str(length))
        self.end_headers()
        if reply.trickle is not None:
            data = b"".join(pieces)
            for i in range(len(data)):
                self.wfile.write(data[i:i + 1])
                if i + 1 < len(data) and state.stop.wait(reply.trickle):
                    self.close_connection = True
                    return
            return
        for piece in pieces:
            self.wfile.write(piece)


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


class _Exchange:
    """One request's decision: auth, org, scenario rules, validation, then the answer."""

    def __init__(self, state: _State, method: str, path: str, headers: Mapping[str, str], body: Any,
                 bad_json: bool, started: float) -> None:
        self.state = state
        self.method = method
        self.path = urlsplit(path).path.rstrip("/") or "/"
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

    # ------------------------------------------------------------------ decision

    def answer(self) -> _Reply:
        route = self._route()
        if route is None:
            return self._error_reply(*bodies.plain_error(404, f"Invalid URL ({self.method} {self.path})"))
        self.endpoint, model = route
        self.model = model or ""
        scenarios = self.state.scenarios

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
            if not rule.matches(model, self.endpoint, self.stream):
                continue
            if rule.times is not None:
                key = (scenario.name, str(index), self.org or "", model, self.endpoint)
                if not self.state.take(key, rule.times):
                    continue
            return rule
        return None

    def _apply_rules(self, scenario: Scenario, key_level: bool) -> _Reply | None:
        """An error/fault reply when a rule says so; a success reply for ``answer`` rules; else None."""
        rule = self._effective_rule(scenario, self.model)
        if rule is None:
            return None
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

    def _list_models(self, scenario: Scenario | None) -> _Reply:
        ids: list[str] = []
        for model in catalogue(scenario):
            rule = self._effective_rule(scenario, model) if scenario else None
            if rule is None:
                ids.append(model)
                continue
            self.model = model
            if rule.error is not None:
                return self._error_reply(rule.error.status, bodies.error_body(rule.error, self._values()),
                                         extra=rule.headers, bare=rule.error.bare_headers,
                                         delay=self._delay(scenario, rule))
            if rule.fault is not None:
                return self._fault(scenario, rule)  # type: ignore[arg-type]
            if not rule.hidden:
                ids.append(model)
        self.model = ""
        return self._json_reply(200, bodies.models_list(ids))

    def _not_found(self) -> _Reply:
        return self._error_reply(404, {"error": {"message": bodies.fill(MODEL_NOT_FOUND, self._values()),
                                                 "type": "invalid_request_error", "param": None,
                                                 "code": "model_not_found"}})

    def _validate(self) -> _Reply | None:
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

    def _cap(self) -> int | None:
        keys = ("max_completion_tokens", "max_tokens") if self.endpoint == "chat" else ("max_output_tokens",)
        for key in keys:
            value = self.body.get(key)
            if isinstance(value, int) and not isinstance(value, bool):
                return value
        return None

    def _success(self, scenario: Scenario | None, rule: Rule | None) -> _Reply:
        if self.model not in catalogue(scenario):
            return self._not_found()
        if self.endpoint == "models.retrieve":
            return self._json_reply(200, bodies.model_object(self.model), extra=rule.headers if rule else None)
        invalid = self._validate()
        if invalid is not None:
            return invalid
        answer = rule.answer if rule and rule.answer else "ok"
        extra = dict(rule.headers) if rule else {}
        delay = self._delay(scenario, rule)
        cap = self._cap()
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
            return _Reply(200, headers, chunks, chunked=True, delay=delay)
        if self.endpoint == "chat":
            payload = bodies.chat_completion(self.model, answer, cap)
        else:
            payload = bodies.response_object(self.model, answer, cap, self._effort())
        return self._json_reply(200, payload, extra=extra, delay=delay)

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

    def _fault(self, scenario: Scenario, rule: Rule) -> _Reply:
        fault = rule.fault
        if fault == "reset":
            return _Reply(0, {}, reset=True, delay=rule.delay)
        if fault in ("html502", "html403", "html524"):
            ray = bodies.cf_ray()
            page = {"html502": bodies.HTML_502, "html403": bodies.html_403(ray), "html524": bodies.html_524(ray)}[fault]
            status = {"html502": 502, "html403": 403, "html524": 524}[fault]
            headers = {"Content-Type": "text/html", "CF-RAY": ray, "Cache-Control": "no-cache",
                       **dict(rule.headers)}
            if fault in ("html403", "html524"):
                headers["Content-Type"] = "text/html; charset=UTF-8"
                headers["X-Frame-Options"] = "SAMEORIGIN"
            return _Reply(status, headers, page.encode(), delay=rule.delay)
        payload, content_type = self._ok_payload()
        headers = self._headers(200, dict(rule.headers), content_type=content_type)
        if fault == "delay":
            return _Reply(200, headers, payload, delay=rule.delay + float(self.state.setting(scenario, "fault_delay")))
        if fault == "slowbody":
            return _Reply(200, headers, payload, trickle=float(self.state.setting(scenario, "trickle_interval")),
                          delay=rule.delay)
        if fault == "truncated":
            return _Reply(200, headers, payload[: max(1, len(payload) // 2)], delay=rule.delay)
        # oversize: the ok body padded with JSON whitespace to the configured size (still valid JSON)
        size = max(int(self.state.setting(scenario, "oversize_bytes")), len(payload))
        headers["__length__"] = str(size)
        return _Reply(200, headers, _padded(payload, size), delay=rule.delay)

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
                    delay: float = 0.0) -> _Reply:
        return _Reply(status, self._headers(status, extra), json.dumps(payload, indent=2).encode(), delay=delay)

    def _error_reply(self, status: int, payload: Any, extra: Mapping[str, str] | None = None, bare: bool = False,
                     with_org: bool = True, delay: float = 0.0) -> _Reply:
        headers = self._headers(status, extra, content_type="application/json; charset=utf-8",
                                with_org=with_org, bare=bare)
        return _Reply(status, headers, json.dumps(payload, indent=4).encode(), delay=delay)


_HTTP_DATE = re.compile(r"\{http_date([+-]\d+(?:\.\d+)?)?\}")


def _header_value(value: str) -> str:
    """A rule's header value; ``{http_date+N}`` becomes the HTTP date N seconds from now (retry-after dates)."""
    return _HTTP_DATE.sub(lambda m: email.utils.formatdate(time.time() + float(m.group(1) or 0), usegmt=True), value)


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


# --------------------------------------------------------------------------- public API


class SimulatorHandle:
    """A running simulator: where it listens, what it received, and how to stop it."""

    def __init__(self, server: _Server, thread: threading.Thread) -> None:
        self._server = server
        self._thread = thread
        self._state = server.state
        self.host: str = str(server.server_address[0])
        self.port: int = int(server.server_address[1])

    @property
    def base_url(self) -> str:
        """The OpenAI-style base URL, ``http://127.0.0.1:PORT/v1``."""
        return f"http://{self.host}:{self.port}/v1"

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of every request received so far, in arrival order."""
        with self._state.lock:
            return list(self._state.requests)

    def clear_requests(self) -> None:
        with self._state.lock:
            self._state.requests.clear()

    @property
    def scenarios(self) -> tuple[Scenario, ...]:
        return self._state.scenarios.scenarios

    @property
    def scenario_set(self) -> ScenarioSet:
        return self._state.scenarios

    @property
    def stopped(self) -> threading.Event:
        """Set once ``stop()`` has been called."""
        return self._state.stop

    @property
    def settings(self) -> Settings:
        return self._state.settings

    def stop(self) -> None:
        """Wake sleeping handlers, stop serving and close the socket; safe to call twice."""
        if self._state.stop.is_set():
            return
        self._state.stop.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> "SimulatorHandle":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _make_server(host: str, port: int, scenarios_file: str | Path | None, latency: float,
                 overrides: Mapping[str, Any]) -> _Server:
    if host not in (LOOPBACK, "localhost"):
        raise ValueError(f"the simulator binds {LOOPBACK} only, not {host!r}")
    if latency < 0:
        raise ValueError("latency must be >= 0")
    scenarios = load_scenarios(scenarios_file)
    knobs = {**scenarios.defaults, **{k: v for k, v in overrides.items() if v is not None}}
    if "oversize_bytes" in knobs:
        knobs["oversize_bytes"] = int(knobs["oversize_bytes"])
    server = _Server((LOOPBACK, port), _Handler)
    server.state = _State(scenarios=scenarios, settings=Settings(**knobs), latency=float(latency))
    return server


def start_simulator(port: int = 0, scenarios_file: str | Path | None = None, latency: float = 0.0, *,
                    host: str = LOOPBACK, safety_delay: float | None = None, fault_delay: float | None = None,
                    trickle_interval: float | None = None, oversize_bytes: int | None = None) -> SimulatorHandle:
    """Start the simulator in a daemon thread on 127.0.0.1 (``port=0``: an ephemeral port).

    Keyword knobs override the defaults (and a scenario file's [defaults]); a
    scenario's own value still wins. Use as a context manager or call ``stop()``.
    """
    server = _make_server(host, port, scenarios_file, latency, {
        "safety_delay": safety_delay, "fault_delay": fault_delay,
        "trickle_interval": trickle_interval, "oversize_bytes": oversize_bytes})
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                              name="gpt56probe-simulator", daemon=True)
    thread.start()
    return SimulatorHandle(server, thread)


def format_listing(rows: list[tuple[str, str, str, str]]) -> str:
    """Plain aligned columns (the CLI may use tabulate instead)."""
    header = ("scenario", "org", "key", "description")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]
    lines = []
    for row in [header, *rows]:
        lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3])
    return "\n".join(lines)


def run_forever(port: int = 0, scenarios_file: str | Path | None = None, latency: float = 0.0,
                out: TextIO | None = None, on_start: Callable[[SimulatorHandle], None] | None = None) -> None:
    """Foreground runner for ``gpt56probe simulate``: print the base URL and who selects what, serve until Ctrl-C.

    Raises ScenarioFileError for a bad ``scenarios_file`` and OSError when the port is taken,
    before printing anything. ``on_start`` receives the handle (tests stop it from another thread).
    """
    out = out or sys.stdout
    handle = start_simulator(port=port, scenarios_file=scenarios_file, latency=latency)
    if on_start is not None:
        on_start(handle)
    try:
        print(f"GPT-5.6 preview simulator listening on {handle.base_url}", file=out)
        print(f"  export OPENAI_BASE_URL={handle.base_url}", file=out)
        print("  any sk- key works (e.g. sk-test-demo); the OpenAI-Organization header picks the org scenario;", file=out)
        print("  org ids no scenario names behave as approved." + (f" Added latency: {latency}s." if latency else ""),
              file=out)
        print("", file=out)
        print(format_listing(scenario_listing(handle.scenario_set)), file=out)
        print("\nCtrl-C to stop.", file=out, flush=True)
        while not handle.stopped.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        handle.stop()
