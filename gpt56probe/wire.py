"""Pure parsing of the OpenAI wire format: error envelopes, answers and usage.

Shared by the probe's retry decision and the classifier, so both read a body
the same way. Total: any text in, a value (possibly empty) out, never an exception.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

_MAX_RELAY_DEPTH = 3


@dataclass(frozen=True)
class ApiError:
    """The fields of an ``{"error": {...}}`` envelope; any may be None (the real API sends null codes)."""

    message: str | None = None
    type: str | None = None
    param: str | None = None
    code: str | None = None


@dataclass(frozen=True)
class Answer:
    """What a successful (HTTP 200) sample said."""

    text: str | None = None
    finish: str | None = None  # chat finish_reason, or responses status / incomplete reason
    refusal: str | None = None
    incomplete_reason: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0


def load_json(text: str) -> Any:
    """json.loads that answers None instead of raising."""
    try:
        return json.loads(text)
    except (ValueError, TypeError, RecursionError):
        return None


def as_dict(value: Any) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty one: lets parsers chain ``.get`` safely."""
    return value if isinstance(value, dict) else {}


def _str_or_none(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (str, int, float, bool)):
        return str(value)
    return None


def parse_error(body: str) -> ApiError | None:
    """The error envelope in a body, unwrapping relays.

    Proxies and gateways (LiteLLM, Azure front doors, in-house relays) often put
    the upstream body, as a string, inside their own ``message``; we follow that
    up to a few levels and keep the innermost envelope that has fields.
    """
    data = load_json(body) if isinstance(body, str) else None
    return _parse_error_obj(data, 0)


def _parse_error_obj(data: Any, depth: int) -> ApiError | None:
    if isinstance(data, list) and data:
        data = data[0]
    if not isinstance(data, dict):
        return None
    err = data.get("error")
    if isinstance(err, str):
        inner = _relayed(err, depth)
        return inner or ApiError(message=err, code=_str_or_none(data.get("code")), type=_str_or_none(data.get("type")))
    if not isinstance(err, dict):
        # Some relays flatten the envelope: {"message": ..., "type": ..., "code": ...}
        if "message" in data and ("code" in data or "type" in data):
            err = data
        else:
            return None
    message = err.get("message")
    if isinstance(message, str):
        inner = _relayed(message, depth)
        if inner is not None:
            return inner
    elif isinstance(message, list):
        message = "; ".join(str(m) for m in message)
    return ApiError(
        message=_str_or_none(message),
        type=_str_or_none(err.get("type")),
        param=_str_or_none(err.get("param")),
        code=_str_or_none(err.get("code")),
    )


def _relayed(text: str, depth: int) -> ApiError | None:
    if depth >= _MAX_RELAY_DEPTH:
        return None
    start = text.find("{")
    if start < 0:
        return None
    for end in range(len(text), start, -1):
        if text[end - 1] != "}":
            continue
        candidate = load_json(text[start:end])
        if candidate is not None:
            inner = _parse_error_obj(candidate, depth + 1)
            if inner is not None and (inner.code or inner.type or inner.message):
                return inner
            return None
    return None


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def parse_answer(body: str) -> Answer | None:
    """The answer of a chat completion or a response object; None when the body is neither."""
    data = load_json(body) if isinstance(body, str) else None
    if not isinstance(data, dict):
        return None
    usage = as_dict(data.get("usage"))
    if isinstance(data.get("choices"), list):
        choice = as_dict(data["choices"][0] if data["choices"] else None)
        message = as_dict(choice.get("message"))
        return Answer(
            text=_str_or_none(message.get("content")),
            finish=_str_or_none(choice.get("finish_reason")),
            refusal=_str_or_none(message.get("refusal")),
            input_tokens=_int(usage.get("prompt_tokens")),
            output_tokens=_int(usage.get("completion_tokens")),
        )
    if data.get("object") == "response" or isinstance(data.get("output"), list):
        texts: list[str] = []
        refusal = None
        for item in data.get("output") or []:
            if not isinstance(item, dict):
                continue
            for part in item.get("content") or []:
                if not isinstance(part, dict):
                    continue
                if part.get("type") == "output_text" and isinstance(part.get("text"), str):
                    texts.append(part["text"])
                elif part.get("type") == "refusal":
                    refusal = _str_or_none(part.get("refusal"))
        details = as_dict(data.get("incomplete_details"))
        return Answer(
            text="".join(texts) if texts else (_str_or_none(data.get("output_text")) if "output_text" in data else None),
            finish=_str_or_none(data.get("status")),
            refusal=refusal,
            incomplete_reason=_str_or_none(details.get("reason")),
            input_tokens=_int(usage.get("input_tokens")),
            output_tokens=_int(usage.get("output_tokens")),
        )
    return None


_SUPPORTED_VALUES = re.compile(r"[Ss]upported values (?:are|is)[:\s]+(.*)")
_QUOTED = re.compile(r"'([^']+)'")


def supported_values(message: str | None) -> tuple[str, ...]:
    """The values an ``unsupported_value`` message lists ("Supported values are: 'low', 'medium'…")."""
    if not message:
        return ()
    match = _SUPPORTED_VALUES.search(message)
    if not match:
        return ()
    return tuple(_QUOTED.findall(match.group(1)))
