"""The loopback HTTP server that plays the gated GPT-5.6 preview API.

stdlib only (ThreadingHTTPServer, HTTP/1.1 keep-alive, honest Content-Length or
chunked SSE) so the demo and the tests need nothing beyond the package, and a
benchmark can fan out hundreds of connections. Behaviour comes from a
ScenarioSet (scenarios.py) and the decision from answers.py; this module only reads requests
and writes replies.
"""

from __future__ import annotations

import json
import re
import select
import socket
import struct
import sys
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, TextIO

from gpt56probe.simulator.answers import (
    REQUEST_LOG_LIMIT,
    AnswerBuilder,
    RecordedRequest,
    Reply,
    ServerState,
)
from gpt56probe.simulator import bodies
from gpt56probe.simulator.scenarios import Scenario, ScenarioSet, Settings
from gpt56probe.simulator.scenario_file import load_scenarios, scenario_listing

LOOPBACK = "127.0.0.1"
MAX_REQUEST_BODY_BYTES = 1 << 20
"""A request body past this is refused with 413, unread (the probe's own bodies are a few hundred bytes)."""
IDLE_TIMEOUT_S = 30.0
"""A connection that sends nothing for this long is closed, so idle or stalled clients cannot hold threads."""
RECORDED_BODY_LIMIT = 64 * 1024
"""A request body bigger than this is not kept (``RecordedRequest.json`` is None)."""
HOLD_LIMIT_S = 600.0
"""A replayed timeout holds its connection at most this long (the client gives up long before)."""
HOLD_POLL_S = 0.2
_CONTENT_LENGTH = re.compile(r"^[0-9]{1,19}$")
_CHUNK_SIZE = re.compile(rb"^[0-9A-Fa-f]{1,16}$")


class _BadRequest(Exception):
    """The request's framing is unusable: answer ``status`` and close the connection."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512
    allow_reuse_address = True
    state: ServerState
    idle_timeout: float = IDLE_TIMEOUT_S

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients hanging up mid-answer is normal here (timeouts, fault tests); stay quiet about it."""
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.idle_timeout)  # every read and write; idle clients are dropped

    def version_string(self) -> str:
        return bodies.SQUID_VERSION if getattr(self, "_as_proxy", False) else "cloudflare"

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

    def do_CONNECT(self) -> None:
        """Asked to tunnel (the client's HTTPS_PROXY points here): a proxy that wants credentials, 407."""
        self._proxy_auth_required("https://" + self.path.split(":")[0] + "/*")

    def _proxy_auth_required(self, url: str) -> None:
        """Squid's 407 Proxy Authentication Required with its "Cache Access Denied" page (docs/simulator.md: proxy)."""
        self._as_proxy = True
        self.close_connection = True
        page = bodies.squid_407(url).encode()
        with self.server.state.lock:
            self.server.state.requests.append(RecordedRequest(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, None, time.time()))
        try:
            self.send_response(407, "Proxy Authentication Required")
            self.send_header("Mime-Version", "1.0")
            self.send_header("Content-Type", "text/html;charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.send_header("X-Squid-Error", "ERR_CACHE_ACCESS_DENIED 0")
            self.send_header("Proxy-Authenticate", 'Basic realm="Squid proxy-caching web server"')
            self.send_header("Via", f"1.1 sim-proxy ({bodies.SQUID_VERSION})")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(page)
            self.wfile.flush()
        except OSError:
            pass

    # ------------------------------------------------------------------ plumbing

    def _framing(self) -> int | None:
        """How the body is framed, from the headers alone: its Content-Length, or None when chunked;
        _BadRequest for framing that cannot be trusted or a length over MAX_REQUEST_BODY_BYTES."""
        encoding = self.headers.get_all("transfer-encoding") or []
        lengths = self.headers.get_all("content-length") or []
        if encoding:
            if [e.strip().lower() for e in encoding] != ["chunked"]:
                raise _BadRequest(400, "Unsupported Transfer-Encoding; only chunked is accepted.")
            if lengths:
                raise _BadRequest(400, "Both Content-Length and Transfer-Encoding were sent.")
            return None
        if not lengths:
            return 0
        if len(set(v.strip() for v in lengths)) != 1 or not _CONTENT_LENGTH.match(lengths[0].strip()):
            raise _BadRequest(400, "Malformed Content-Length header.")
        length = int(lengths[0].strip())
        if length > MAX_REQUEST_BODY_BYTES:
            raise _BadRequest(413, f"Request body too large: {length} bytes; the limit is {MAX_REQUEST_BODY_BYTES} bytes.")
        return length

    def handle_expect_100(self) -> bool:
        """``Expect: 100-continue``: invite the body only when it could be taken. A body the headers already
        refuse (over the cap, malformed framing) gets its final status at once, never 100 Continue first
        (RFC 9110 10.1.1: a server may answer with the final status instead, and the client then sends nothing)."""
        try:
            self._framing()
        except _BadRequest as bad:
            self._refuse(bad)
            return False
        return super().handle_expect_100()

    def _read_body(self) -> bytes:
        """The request body, within MAX_REQUEST_BODY_BYTES; _BadRequest for framing that cannot be trusted."""
        length = self._framing()
        if length is None:
            return self._read_chunked(MAX_REQUEST_BODY_BYTES)
        data = self.rfile.read(length) if length else b""
        if len(data) < length:
            raise _BadRequest(400, "The request body ended before its Content-Length.")
        return data

    def _read_chunked(self, cap: int) -> bytes:
        out = bytearray()
        while True:
            line = self.rfile.readline(1024)
            size_text = line.split(b";")[0].strip()
            if not line.endswith(b"\n") or not _CHUNK_SIZE.match(size_text):
                raise _BadRequest(400, "Malformed chunked encoding.")
            size = int(size_text, 16)
            if size == 0:
                for _ in range(64):  # trailer lines, bounded
                    if self.rfile.readline(1024) in (b"\r\n", b"\n", b""):
                        return bytes(out)
                raise _BadRequest(400, "Malformed chunked encoding (too many trailer lines).")
            if len(out) + size > cap:
                raise _BadRequest(413, f"Request body too large; the limit is {cap} bytes.")
            piece = self.rfile.read(size)
            if len(piece) < size or self.rfile.readline(3) not in (b"\r\n", b"\n"):
                raise _BadRequest(400, "Malformed chunked encoding.")
            out += piece

    def _refuse(self, bad: _BadRequest) -> None:
        """Answer a request whose body was not read, and close: the unread rest cannot be framed."""
        self.close_connection = True
        body = json.dumps({"error": {"message": bad.message, "type": "invalid_request_error", "param": None,
                                     "code": None}}, indent=4).encode()
        try:
            self.send_response(bad.status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
            self._drain()
        except OSError:
            pass

    def _drain(self) -> None:
        """Read (and drop) what the client still sends, briefly, so closing does not reset the answer away."""
        self.connection.settimeout(0.2)
        left = 2 * MAX_REQUEST_BODY_BYTES
        try:
            self.connection.shutdown(socket.SHUT_WR)
            while left > 0:
                piece = self.connection.recv(65536)
                if not piece:
                    return
                left -= len(piece)
        except OSError:
            return

    def _serve(self, method: str) -> None:
        state = self.server.state
        started = time.monotonic()
        try:
            raw = self._read_body()
        except _BadRequest as bad:
            self._refuse(bad)
            return
        if self.path.startswith(("http://", "https://")):
            self._proxy_auth_required(self.path)  # an absolute-form request: the client uses us as its proxy
            return
        headers = {k.lower(): v for k, v in self.headers.items()}
        parsed: Any = None
        bad_json = False
        if raw:
            try:
                parsed = json.loads(raw)
            except (ValueError, UnicodeDecodeError, RecursionError):
                bad_json = True
        with state.lock:
            kept = parsed if len(raw) <= RECORDED_BODY_LIMIT else None
            state.requests.append(RecordedRequest(method, self.path, headers, kept, time.time()))
        if state.latency > 0 and state.stop.wait(state.latency):
            self.close_connection = True
            return
        reply = AnswerBuilder(state, method, self.path, headers, parsed, bad_json, started).answer()
        self._write(reply, state)

    def _write(self, reply: Reply, state: ServerState) -> None:
        if reply.delay > 0 and state.stop.wait(reply.delay):
            self.close_connection = True
            return
        if (reply.reset or reply.hold) and not reply.status:
            self._cut(reply, state)
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
            if reply.reset or reply.hold:
                self.wfile.flush()
                self._cut(reply, state)
                return
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


    def _cut(self, reply: Reply, state: ServerState) -> None:
        """End an answer the way a recording says it ended: a reset, or nothing more until the client gives up."""
        self.close_connection = True
        if reply.hold:
            self._hold(state)
            return
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()

    def _hold(self, state: ServerState) -> None:
        """Send nothing until the client closes, the simulator stops, or HOLD_LIMIT_S passes (a replayed timeout)."""
        end = time.monotonic() + HOLD_LIMIT_S
        while time.monotonic() < end and not state.stop.is_set():
            try:
                readable, _, _ = select.select([self.connection], [], [], HOLD_POLL_S)
                if readable:
                    if not self.connection.recv(1, socket.MSG_PEEK):
                        return  # the client gave up and closed
                    state.stop.wait(HOLD_POLL_S)  # it sent more than it should: still nothing for it
            except (OSError, ValueError):
                return


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
        """A snapshot of the requests received so far (the last ``request_log_limit``), in arrival order."""
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
                 overrides: Mapping[str, Any], idle_timeout: float | None = None,
                 request_log_limit: int = REQUEST_LOG_LIMIT) -> _Server:
    if host not in (LOOPBACK, "localhost"):
        raise ValueError(f"the simulator binds {LOOPBACK} only, not {host!r}")
    if latency < 0:
        raise ValueError("latency must be >= 0")
    scenarios = load_scenarios(scenarios_file)
    knobs = {**scenarios.defaults, **{k: v for k, v in overrides.items() if v is not None}}
    if "oversize_bytes" in knobs:
        knobs["oversize_bytes"] = int(knobs["oversize_bytes"])
    server = _Server((LOOPBACK, port), _Handler)
    server.state = ServerState(scenarios=scenarios, settings=Settings(**knobs), latency=float(latency),
                          requests=deque(maxlen=max(1, int(request_log_limit))))
    if idle_timeout is not None:
        if not idle_timeout > 0:
            raise ValueError("idle_timeout must be > 0")
        server.idle_timeout = float(idle_timeout)
    return server


def start_simulator(port: int = 0, scenarios_file: str | Path | None = None, latency: float = 0.0, *,
                    host: str = LOOPBACK, safety_delay: float | None = None, fault_delay: float | None = None,
                    trickle_interval: float | None = None, oversize_bytes: int | None = None,
                    idle_timeout: float | None = None, request_log_limit: int = REQUEST_LOG_LIMIT) -> SimulatorHandle:
    """Start the simulator in a daemon thread on 127.0.0.1 (``port=0``: an ephemeral port).

    Keyword knobs override the defaults (and a scenario file's [defaults]); a
    scenario's own value still wins. ``idle_timeout`` (seconds, default 30) closes
    a connection that sends nothing; ``request_log_limit`` bounds ``handle.requests``.
    Use as a context manager or call ``stop()``.
    """
    server = _make_server(host, port, scenarios_file, latency, {
        "safety_delay": safety_delay, "fault_delay": fault_delay,
        "trickle_interval": trickle_interval, "oversize_bytes": oversize_bytes},
        idle_timeout=idle_timeout, request_log_limit=request_log_limit)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                              name="gpt56probe-simulator", daemon=True)
    thread.start()
    return SimulatorHandle(server, thread)


def _fit(text: str, width: int | None, indent: str = "", rest: str = "    ") -> list[str]:
    """``text`` in lines of at most ``width`` columns, broken between words only (None: one line)."""
    if not width or len(indent + text) <= width:
        return [indent + text]
    import textwrap

    return textwrap.wrap(text, width, initial_indent=indent, subsequent_indent=rest, break_long_words=False,
                         break_on_hyphens=False) or [indent]


def format_listing(rows: list[tuple[str, str, str, str]], width: int | None = None) -> str:
    """Plain aligned columns; on a terminal of ``width`` columns a description that does not fit beside
    its row goes under it, wrapped between words."""
    header = ("scenario", "org", "key", "description")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]
    lines = []
    for row in [header, *rows]:
        left = "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3]))
        if width is None or len(left) + 2 + len(row[3]) <= width:
            lines.append(left + "  " + row[3])
        else:
            lines += _fit(left.rstrip(), width, "", "    ")
            lines += _fit(row[3], width, "    ", "    ")
    return "\n".join(lines)


def run_forever(port: int = 0, scenarios_file: str | Path | None = None, latency: float = 0.0,
                out: TextIO | None = None, on_start: Callable[[SimulatorHandle], None] | None = None,
                width: int | None = None) -> None:
    """Foreground runner for ``gpt56probe simulate``: print the base URL and who selects what, serve until Ctrl-C.

    Raises ScenarioFileError for a bad ``scenarios_file`` and OSError when the port is taken,
    before printing anything. ``on_start`` receives the handle (tests stop it from another thread).
    """
    out = out or sys.stdout
    handle = start_simulator(port=port, scenarios_file=scenarios_file, latency=latency)
    if on_start is not None:
        on_start(handle)
    try:
        from gpt56probe.core.gate import EXAMPLE_KEY, GATE
        from gpt56probe.simulator.scenario_file import bundled_keys

        for key in bundled_keys():  # the simulator's own fake keys, shown so that a reader can pick a scenario
            GATE.add_public(key)

        intro = [f"GPT-5.6 preview simulator listening on {handle.base_url}", f"  export OPENAI_BASE_URL={handle.base_url}",
                 f"  any sk- key works (e.g. {EXAMPLE_KEY}); the OpenAI-Organization header picks the org scenario;",
                 "  org ids no scenario names behave as approved." + (f" Added latency: {latency}s." if latency else "")]
        recording = handle.scenario_set.recording
        if recording:
            from gpt56probe.simulator.replay import replay_hint

            intro += replay_hint(recording, handle.base_url).split("\n")
        for line in intro:
            stripped = line.lstrip(" ")
            indent = line[: len(line) - len(stripped)]
            print("\n".join(_fit(stripped, width, indent, indent + "  ")), file=out)
        print("", file=out)
        print(format_listing(scenario_listing(handle.scenario_set), width), file=out)
        print("\nCtrl-C to stop.", file=out, flush=True)
        while not handle.stopped.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        handle.stop()
