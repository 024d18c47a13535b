"""A loopback server that attacks the client: it echoes every credential it receives and sends escapes.

Not a reading of the OpenAI API (the simulator is that): a worst case for the output gate. It quotes
the Authorization and Proxy-Authorization values back in headers (x-request-id, openai-organization,
x-echo), in error messages, in an answer's text and in an HTML page, with ANSI and OSC escapes mixed in.
It also serves as an HTTP proxy (absolute-URI requests) and as a ping endpoint that records bodies.

Round three (``Hostility.mode``): "charset" answers every probe well in an odd declared charset;
"encoded" echoes the key in the forms a plain match misses (hex in x-request-id, %-encoded,
interleaved with invisible characters, JSON \\u escapes, spread over SSE deltas) and puts Markdown
and HTML in an error message. ``ping_answer`` makes the ping endpoint hostile: "bomb" (1 MB of gzip
that inflates to 1 GB) or "endless" (a body that never ends).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator
from urllib.parse import urlsplit
from contextlib import contextmanager

from tests import hostile_round3 as round3

MODELS = ("gpt-5.6-sol", "gpt-5.6-terra", "gpt-5.6-luna", "gpt-5.5", "gpt-5.4-mini")
ESCAPES = "\x1b[2J\x1b[H\x1b]0;pwned\x07\r"


@dataclass
class Hostility:
    """What the server saw and sent, for the tests' positive controls."""

    authorizations: list[str] = field(default_factory=list)
    proxy_authorizations: list[str] = field(default_factory=list)
    pings: list[bytes] = field(default_factory=list)
    echoed: int = 0
    sol_answers: bool = False  # flip to make Sol's verdict change between runs (so --on-change fires)
    mode: str = "echo"  # "echo" (the round-one attack), "charset", "encoded"
    charset: str = "utf8mb4"
    ping_answer: str = "ok"  # "ok", "bomb", "endless"
    ping_bytes_sent: int = 0
    extra_text: str = ""  # "encoded": appended to the last model's error message
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Any

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        seen: Hostility = self.server.hostility
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        path = urlsplit(self.path).path
        auth = self.headers.get("authorization", "")
        proxy_auth = self.headers.get("proxy-authorization", "")
        with seen.lock:
            seen.authorizations.append(auth)
            if proxy_auth:
                seen.proxy_authorizations.append(proxy_auth)
        if path.startswith("/ping"):
            with seen.lock:
                seen.pings.append(raw)
            if seen.ping_answer == "ok":
                self._send(200, "text/plain", b"OK", {})
            else:
                self._hostile_ping(seen)
            return
        if seen.mode != "echo":
            key = auth[7:] if auth.lower().startswith("bearer ") else auth
            return round3.serve(self, seen, path, key, raw)
        key = auth[7:] if auth.lower().startswith("bearer ") else auth
        echo = f"{auth} {proxy_auth}".strip()
        headers = {"x-request-id": f"req_{echo}{ESCAPES}", "openai-organization": f"{key}{ESCAPES}", "x-echo": echo,
                   "openai-processing-ms": key, "x-ratelimit-padded-echo": "pad " * 30 + key}  # a header an answer keeps
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = {}
        model = body.get("model") if isinstance(body, dict) else None
        with seen.lock:
            seen.echoed += 1
        if path == "/v1/models":
            listed = [*MODELS, f"gpt-5.6-{key}", f"gpt-5.6-terra-{key}{ESCAPES}"]  # ids that echo the key, escapes too
            self._json(200, {"object": "list", "data": [{"id": m, "object": "model"} for m in listed]}, headers)
        elif path.startswith("/v1/models/"):
            self._json(200, {"id": path.rsplit("/", 1)[1], "object": "model", "owned_by": key}, headers)
        elif model == "gpt-5.6-sol" and not seen.sol_answers:
            self._json(401, {"error": {"message": f"Incorrect API key provided: {key}. {ESCAPES}Proxy said: {proxy_auth}",
                                       "type": "invalid_request_error", "param": None, "code": "invalid_api_key"}}, headers)
        elif model in ("gpt-5.6-sol", "gpt-5.6-terra"):
            text = f"ok {key} {ESCAPES}"
            if path.endswith("/responses"):
                payload: Any = {"object": "response", "status": "completed", "output": [
                    {"type": "message", "content": [{"type": "output_text", "text": text}]}]}
            else:
                payload = {"object": "chat.completion", "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}]}
            self._json(200, payload, headers)
        elif model == "gpt-5.6-luna":
            page = f"<html><head><title>502 Bad Gateway {key}</title></head><body>{echo}{ESCAPES}</body></html>"
            self._send(502, "text/html", page.encode(), headers)
        elif model == "gpt-5.5":
            self._json(400, {"error": {"message": f"Unsupported parameter: '{key}' {ESCAPES}", "type": "invalid_request_error",
                                       "param": key, "code": key}}, headers)
        else:
            self._json(403, {"error": {"message": f"Project `proj_abc` does not have access to model `{model}` ({echo})",
                                       "type": "invalid_request_error", "param": None, "code": "model_not_found"}}, headers)

    def _hostile_ping(self, seen: Hostility) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        if seen.ping_answer == "bomb":
            bomb = round3.gzip_bomb()
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(bomb)))
            self.end_headers()
            chunks: Any = [bomb]
        else:  # endless: chunked, never a last chunk
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunks = round3.endless_chunks()
        try:
            for chunk in chunks:
                self.wfile.write(chunk)
                with seen.lock:
                    seen.ping_bytes_sent += len(chunk)
        except OSError:
            pass  # the client hung up: what it should do
        self.close_connection = True

    def _json(self, status: int, payload: Any, headers: dict[str, str]) -> None:
        self._send(status, "application/json", json.dumps(payload).encode(), headers)

    def _send(self, status: int, ctype: str, data: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        for name, value in headers.items():
            # header values must be latin-1 and one line: escapes other than CR/LF do go through
            self.send_header(name, value.replace("\r", "").replace("\n", "").encode("latin-1", "replace").decode("latin-1"))
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@contextmanager
def hostile_server() -> Iterator[tuple[str, Hostility]]:
    """(``http://127.0.0.1:PORT``, what it saw); stops on exit."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.hostility = Hostility()  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", server.hostility  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()
