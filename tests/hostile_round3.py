"""The round-three attacks of tests/hostile_server.py: odd charsets, the key in encoded forms, Markdown in
error text, and hostile ping answers. Obviously fake keys only; loopback only."""

from __future__ import annotations

import gzip
import json
from functools import lru_cache
from typing import Any, Iterator

INVISIBLES = ("\u00ad", "\u2062", "\U000e0041", "\u200b", "\u2063")
MARKDOWN_ATTACK = ("see [the fix](http://evil.example/steal) ![pixel](http://evil.example/p.png) "
                   "<img src=x onerror=alert(1)> **urgent** _now_ | col")


def hex_of(key: str) -> str:
    return key.encode().hex()


def percent_of(key: str) -> str:
    return "".join(f"%{b:02X}" for b in key.encode())


def interleaved(key: str) -> str:
    return "".join(c + INVISIBLES[i % len(INVISIBLES)] for i, c in enumerate(key))


def u_escaped(key: str) -> str:
    return "".join(f"\\u{ord(c):04x}" for c in key)


@lru_cache(maxsize=1)
def gzip_bomb() -> bytes:
    """About 1 MB of gzip that inflates to about 1 GB of zeros."""
    block = gzip.compress(b"\0" * (1 << 20), compresslevel=9)  # ~1 KB per MB
    inner = gzip.decompress(block)
    assert len(inner) == 1 << 20
    # Concatenated gzip members decode as one stream: 1000 of them is ~1 MB on the wire, 1000 MB inflated.
    return block * 1000


def endless_chunks() -> Iterator[bytes]:
    piece = b"x" * 65536
    chunk = f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    for _ in range(1 << 20):  # 64 GiB: longer than any test waits
        yield chunk


def _send(handler: Any, status: int, ctype: str, data: bytes, headers: dict[str, str]) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", ctype)
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


def _chat(text: str) -> dict[str, Any]:
    return {"object": "chat.completion", "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                                                        "finish_reason": "stop"}]}


def _response(text: str) -> dict[str, Any]:
    return {"object": "response", "status": "completed",
            "output": [{"type": "message", "content": [{"type": "output_text", "text": text}]}]}


def serve(handler: Any, seen: Any, path: str, key: str, raw: bytes) -> None:
    from tests.hostile_server import MODELS

    try:
        body = json.loads(raw) if raw else {}
    except ValueError:
        body = {}
    model = body.get("model") if isinstance(body, dict) else None
    stream = bool(isinstance(body, dict) and body.get("stream"))
    with seen.lock:
        seen.echoed += 1
    if seen.mode == "charset":
        ctype = f"application/json; charset={seen.charset}"
        if path.startswith("/v1/models"):
            data = json.dumps({"object": "list", "data": [{"id": m, "object": "model"} for m in MODELS]}).encode()
        else:
            data = json.dumps(_response("ok") if path.endswith("/responses") else _chat("ok")).encode()
        _send(handler, 200, ctype, data, {"x-request-id": "req_0123456789abcdef0123456789abcdef"})
        return
    # "encoded": the key in every form a plain match misses
    headers = {"x-request-id": f"req_{hex_of(key)}", "x-ratelimit-echo-percent": percent_of(key),
               "set-cookie": f"session={key}; Path=/", "location": f"https://relay.example/next?key={key}"}
    if path.startswith("/v1/models"):
        data = json.dumps({"object": "list", "data": [{"id": m, "object": "model"} for m in MODELS]}).encode()
        _send(handler, 200, "application/json", data, headers)
    elif stream:
        events = []
        for i in range(0, len(key), 3):
            if path.endswith("/responses"):
                events.append({"type": "response.output_text.delta", "delta": key[i:i + 3]})
            else:
                events.append({"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": key[i:i + 3]}}]})
        if path.endswith("/responses"):
            events.append({"type": "response.completed", "response": {"status": "completed"}})
            text = "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events)
        else:
            events.append({"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
            text = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
        _send(handler, 200, "text/event-stream", text.encode(), headers)
    elif model == "gpt-5.6-sol":
        message = f"Incorrect API key provided: {percent_of(key)}."
        _send(handler, 401, "application/json", json.dumps({"error": {"message": message, "type": "invalid_request_error",
                                                                      "code": "invalid_api_key"}}).encode(), headers)
    elif model == "gpt-5.6-terra":
        _send(handler, 200, "application/json", json.dumps(_response(f"ok {interleaved(key)}") if path.endswith("/responses")
                                                           else _chat(f"ok {interleaved(key)}"), ensure_ascii=False).encode(), headers)
    elif model == "gpt-5.6-luna":
        # JSON \u escapes of every character: one json.loads away from the key
        data = ('{"error": {"message": "The model does not exist or you do not have access to it (' + u_escaped(key)
                + ')", "type": "invalid_request_error", "code": "model_not_found"}}').encode()
        _send(handler, 404, "application/json", data, headers)
    elif model == "gpt-5.5":
        message = f"Project `proj_abc` does not have access to model `gpt-5.5` ({interleaved(key)})"
        _send(handler, 403, "application/json", json.dumps({"error": {"message": message, "type": "invalid_request_error",
                                                                      "code": "model_not_found"}}, ensure_ascii=False).encode(), headers)
    else:
        message = f"Project `proj_abc` does not have access to model `{model}`; {MARKDOWN_ATTACK}{getattr(seen, 'extra_text', '')}"
        _send(handler, 403, "application/json", json.dumps({"error": {"message": message, "type": "invalid_request_error",
                                                                      "code": "model_not_found"}}).encode(), headers)
