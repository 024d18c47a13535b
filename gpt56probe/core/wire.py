"""The OpenAI wire format, read: error envelopes, answers, server-sent event streams.

The one parser of API bodies in the package: the probe, the classifier and
the retry policy all read bodies through it, so adapting, retrying and
judging never disagree on what a body said. Pure and total: any text in, a
value out, never an exception.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from typing import Any

# ---------------------------------------------------------------- small helpers


DEFAULT_MAX_BODY_BYTES = 1 << 20
"""How much of an answer is read (more is ``too_large``): a one-word probe never needs more."""

def decode_body(raw: bytes, charset: str | None) -> str:
    """An answer's bytes as text: in its declared charset when Python knows that as a text encoding,
    else as UTF-8 (what the official SDKs do); bytes that do not decode become U+FFFD.

    A server may declare anything (``utf8mb4``, ``binary``, ``none``, ``base64``, ``rot13``): an odd
    charset is never a reason to lose the answer, or the run."""
    if not raw:
        return ""
    try:
        return raw.decode(charset or "utf-8", "replace")
    except (LookupError, ValueError, TypeError):  # unknown codec, or one that is not bytes -> str
        return raw.decode("utf-8", "replace")


MAX_DOCUMENT_DEPTH = 64
"""Our documents (check results, recordings, scenario files) nest a few levels; one nesting deeper than
this is not ours, and refusing it is cheaper than recursing into it."""
MAX_INTEGER = 2 ** 63
"""Larger integers mean nothing in any document of ours (the wire format's counts, sizes and times)."""


class DocumentError(ValueError):
    """A JSON or TOML document that cannot be used; the message is one line. ``syntax``: it does not parse
    at all (else it parses, to something no document of ours holds)."""

    def __init__(self, message: str, syntax: bool = False) -> None:
        super().__init__(message)
        self.syntax = syntax


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > 30:
        raise DocumentError(f"a number of {len(text.lstrip('-'))} digits (larger than any count or time)")
    return int(text)


def parse_document(text: str, fmt: str = "json") -> Any:
    """``text`` parsed as JSON (``fmt`` "json") or TOML ("toml"), or DocumentError in one line: not valid,
    nested deeper than MAX_DOCUMENT_DEPTH (a 100,000-deep file included), or holding an integer beyond
    MAX_INTEGER (a 5,000-digit number included). Never RecursionError, never Python's digit-limit ValueError."""
    import tomllib

    try:
        data = json.loads(text, parse_int=_bounded_int) if fmt == "json" else tomllib.loads(text)
    except DocumentError:
        raise
    except RecursionError:
        raise DocumentError(f"nested more than {MAX_DOCUMENT_DEPTH} levels deep") from None
    except ValueError as exc:  # JSONDecodeError, TOMLDecodeError, and int()'s own limit inside tomllib
        lines = str(exc).strip().splitlines()
        first = lines[0] if lines else type(exc).__name__
        if "integer string conversion" in first:
            first = "a number with more digits than Python reads"
        raise DocumentError(f"not {fmt.upper()} ({first[:200]})", syntax="more digits" not in first) from None
    return check_document(data)


def check_document(data: Any) -> Any:
    """``data`` (parsed JSON or TOML) when no deeper than MAX_DOCUMENT_DEPTH and without an integer beyond
    MAX_INTEGER, else DocumentError; walked without recursion."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DOCUMENT_DEPTH:
            raise DocumentError(f"nested more than {MAX_DOCUMENT_DEPTH} levels deep")
        if isinstance(node, dict):
            stack.extend((child, depth + 1) for child in node.values())
        elif isinstance(node, list):
            stack.extend((child, depth + 1) for child in node)
        elif isinstance(node, int) and not isinstance(node, bool) and abs(node) > MAX_INTEGER:
            raise DocumentError("a number larger than any count or time")
    return data


def scalar_text(value: Any) -> str | None:
    """A JSON scalar as text; None for null, objects and booleans."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return str(value)
    return None


def text_of(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    try:
        return str(value)
    except Exception:  # noqa: BLE001 - totality: an object whose __str__ fails
        return ""


def squash(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def count_of(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return 0


def load_json(text: str) -> Any:
    """json.loads that answers None instead of raising."""
    try:
        return json.loads(text)
    except (ValueError, TypeError, RecursionError):
        return None


def as_dict(value: Any) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty one: lets parsers chain ``.get`` safely."""
    return value if isinstance(value, dict) else {}


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


# ---------------------------------------------------------------- body parsing


@dataclass(frozen=True)
class ErrorInfo:
    """The fields of an OpenAI-style error object, whatever shape carried it."""

    code: str | None = None
    type: str | None = None
    message: str | None = None
    param: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.code or self.type or self.message or self.param)


@dataclass
class Answer:
    """What a 2xx sampling answer said."""

    text: str | None = None
    finish: str | None = None  # chat finish_reason, responses status/incomplete reason, stream finish
    refusal: str | None = None
    incomplete_reason: str | None = None
    status: str | None = None  # responses status
    usage_in: int = 0
    usage_out: int = 0
    recognised: bool = False
    error: ErrorInfo | None = None
    ended: bool = False  # streams only: the stream reached its end ([DONE], a finish, a terminal event, an error)


def parse_json(text: str) -> Any:
    stripped = text.strip().lstrip("\ufeff")
    if not stripped or stripped[0] not in "{[\"":
        return None
    try:
        return json.loads(stripped)
    except (ValueError, RecursionError, TypeError, OverflowError):
        return None


_EMBEDDED_START = re.compile(r"\{\s*(?:\\?['\"])error(?:\\?['\"])\s*:")


def embedded_error(message: str | None, depth: int) -> ErrorInfo | None:
    """An OpenAI error object quoted inside a message or a plain-text body (relays, SDK reprs)."""
    if not message or depth > 4 or "{" not in message:
        return None
    starts = [m.start() for m in _EMBEDDED_START.finditer(message)][:3]
    if not starts:
        first = message.find("{")
        starts = [first] if first >= 0 else []
    decoder = json.JSONDecoder()
    for start in starts:
        candidate = message[start:]
        obj: Any = None
        try:
            obj, _ = decoder.raw_decode(candidate)
        except (ValueError, RecursionError):
            obj = None
        if obj is None and len(candidate) <= 20000:
            # openai-python prints the body as a Python dict: {'error': {... 'param': None ...}}
            ends = [i for i, ch in enumerate(candidate) if ch == "}"][-4:]
            for end in reversed(ends):
                try:
                    obj = ast.literal_eval(candidate[: end + 1])
                    break
                except Exception:  # noqa: BLE001 - SyntaxError, ValueError, MemoryError, RecursionError…
                    obj = None
        if obj is not None:
            found = find_error(obj, depth + 1)
            if found is not None and not found.empty:
                return found
    return None


def _field(value: Any) -> str | None:
    """A code, type or param: a proxy's literal string "None" (LiteLLM before PR #39536) is no value."""
    text = scalar_text(value)
    return None if text is None or text.strip() in ("None", "null", "") else text


def _message_text(value: Any, depth: int) -> str | None:
    """An error message; LiteLLM's proxy sometimes sends an object there (``{"error": "…Invalid model
    name passed in model=…"}``, BerriAI/litellm#8821): its text is the message, not "None"."""
    if isinstance(value, (dict, list)):
        inner = find_error(value, depth + 1)
        if inner is not None and inner.message:
            return inner.message
        if isinstance(value, dict):
            texts = [v for v in value.values() if isinstance(v, str) and v.strip()]
            if texts:
                return texts[0]
        return squash(text_of(value), 300) or None
    return scalar_text(value)


def find_error(obj: Any, depth: int = 0) -> ErrorInfo | None:
    """The error object in a parsed body, or None when the body carries no error."""
    if depth > 6:
        return None
    if isinstance(obj, list):
        for item in obj[:8]:
            found = find_error(item, depth + 1)
            if found is not None:
                return found
        return None
    if isinstance(obj, str):
        return embedded_error(obj, depth) or (ErrorInfo(message=obj) if obj.strip() else None)
    if not isinstance(obj, dict):
        return None
    err = obj.get("error")
    info: ErrorInfo | None = None
    if isinstance(err, dict):
        nested = err.get("error")
        if isinstance(nested, (dict, str)) and not err.get("message"):
            return find_error(err, depth + 1)
        info = ErrorInfo(_field(err.get("code")), _field(err.get("type")), _message_text(err.get("message"), depth), _field(err.get("param")))
        if info.empty:
            info = ErrorInfo(message=squash(text_of(err), 300)) if err else None
    elif isinstance(err, str) and err.strip():
        info = ErrorInfo(message=err, type=scalar_text(obj.get("type")), code=scalar_text(obj.get("code")))
    elif isinstance(obj.get("response"), dict):  # responses stream event: response.failed
        return find_error(obj["response"], depth + 1)
    elif "message" in obj and ("code" in obj or "type" in obj or "param" in obj) and "choices" not in obj and "output" not in obj:
        info = ErrorInfo(scalar_text(obj.get("code")), scalar_text(obj.get("type")), scalar_text(obj.get("message")), scalar_text(obj.get("param")))
    elif isinstance(obj.get("detail"), str):
        info = ErrorInfo(message=obj["detail"])
    if info is None or info.empty:
        return None
    inner = embedded_error(info.message, depth)
    if inner is not None and (inner.code or inner.type):
        return inner
    return info


def error_in_body(body: str) -> ErrorInfo | None:
    """The API error a JSON body carries, in whatever shape (envelope, relay, SDK printout).

    The one error parser of the package: the probe's retry decision reads bodies
    through it too, so adapting, retrying and judging never disagree on a body.
    """
    found = find_error(parse_json(body)) if isinstance(body, str) else None
    return found if found is not None and not found.empty else None


def answer_in_body(body: str) -> Answer:
    """What a 2xx chat completion or response object said (``recognised`` False for anything else)."""
    return parse_answer(parse_json(body)) if isinstance(body, str) else Answer()


MAX_SSE_EVENTS = 20000
DONE = "[DONE]"


@dataclass(frozen=True)
class SseEvent:
    """One server-sent event: its ``event:`` name ("" when absent) and its ``data:``, parsed as JSON."""

    name: str
    data: Any  # the JSON value; None when the data is not JSON (or is [DONE])
    raw: str  # the data as sent (``[DONE]`` ends a chat stream)


def sse_events(body: str) -> list[SseEvent]:
    """The events of an SSE body, decoded as the SDKs do (openai-python ``SSEDecoder``): ``event:`` and
    ``data:`` fields up to a blank line, several ``data:`` lines joined by newlines, comments skipped.
    Events after ``data: [DONE]`` are not read (the SDKs stop there)."""
    events: list[SseEvent] = []
    name = ""
    data: list[str] = []

    def dispatch() -> bool:
        nonlocal name, data
        if data:
            raw = "\n".join(data)
            events.append(SseEvent(name, None if raw == DONE else parse_json(raw), raw))
        name, data = "", []
        return bool(events) and events[-1].raw == DONE

    for line in text_of(body).splitlines():
        if len(events) >= MAX_SSE_EVENTS:
            break
        if not line.strip():
            if dispatch():
                return events
            continue
        field_name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if field_name == "event":
            name = value.strip()
        elif field_name == "data":
            data.append(value)
    dispatch()
    return events


def _content_text(content: Any) -> tuple[str | None, str | None]:
    """(text, refusal) from a chat message content (str or list of parts) or a responses content list."""
    if isinstance(content, str):
        return content, None
    texts: list[str] = []
    refusals: list[str] = []
    if isinstance(content, list):
        for part in content[:50]:
            if isinstance(part, str):
                texts.append(part)
            elif isinstance(part, dict):
                kind = scalar_text(part.get("type"))
                if kind == "refusal":
                    refusal = scalar_text(part.get("refusal")) or scalar_text(part.get("text"))
                    if refusal:
                        refusals.append(refusal)
                elif kind in (None, "text", "output_text"):
                    text = scalar_text(part.get("text"))
                    if text is not None:
                        texts.append(text)
    return ("".join(texts) if texts else None), ("".join(refusals) if refusals else None)


def _usage(obj: dict[str, Any], answer: Answer) -> None:
    usage = obj.get("usage")
    if isinstance(usage, dict):
        answer.usage_in = count_of(usage.get("prompt_tokens")) or count_of(usage.get("input_tokens"))
        answer.usage_out = count_of(usage.get("completion_tokens")) or count_of(usage.get("output_tokens"))


def parse_answer(obj: Any) -> Answer:
    answer = Answer()
    if not isinstance(obj, dict):
        return answer
    choices = obj.get("choices")
    if isinstance(choices, list):
        answer.recognised = True
        _usage(obj, answer)
        first = choices[0] if choices else None
        if isinstance(first, dict):
            message: dict[str, Any] = {}
            for key in ("message", "delta"):
                candidate = first.get(key)
                if isinstance(candidate, dict):
                    message = candidate
                    break
            text, refusal = _content_text(message.get("content"))
            if text is None and isinstance(first.get("text"), str):
                text = first["text"]  # legacy completions
            answer.text = text
            answer.refusal = scalar_text(message.get("refusal")) or refusal
            answer.finish = scalar_text(first.get("finish_reason"))
        return answer
    output = obj.get("output")
    if isinstance(output, list) or obj.get("object") == "response":
        answer.recognised = True
        _usage(obj, answer)
        texts: list[str] = []
        refusals: list[str] = []
        for item in output if isinstance(output, list) else []:
            if not isinstance(item, dict):
                continue
            if scalar_text(item.get("type")) in (None, "message"):
                text, refusal = _content_text(item.get("content"))
                if text:
                    texts.append(text)
                if refusal:
                    refusals.append(refusal)
        if not texts and isinstance(obj.get("output_text"), str):
            texts.append(obj["output_text"])
        answer.text = "".join(texts) if texts else None
        answer.refusal = "".join(refusals) if refusals else None
        answer.status = scalar_text(obj.get("status"))
        details = obj.get("incomplete_details")
        if isinstance(details, dict):
            answer.incomplete_reason = scalar_text(details.get("reason"))
        answer.finish = answer.incomplete_reason or answer.status
        if answer.status == "failed" or isinstance(obj.get("error"), dict):
            answer.error = find_error(obj)
        return answer
    return answer


TERMINAL_RESPONSE_EVENTS = frozenset({"response.completed", "response.incomplete", "response.failed", "response.cancelled"})


def _stream_error(event: SseEvent) -> ErrorInfo | None:
    """The error an event carries, as the SDKs see it: chat ``data: {"error": {...}}`` (openai-python and
    openai-node raise APIError), a Responses ``event: error`` with ``{"type": "error", "code", "message",
    "param"}`` (openai-node raises; openai-python yields a ResponseErrorEvent), or an ``error`` nested in it."""
    data = event.data
    if not isinstance(data, dict):
        return ErrorInfo(message=squash(event.raw, 300)) if event.name == "error" and event.raw.strip() else None
    nested = data.get("error")
    if nested:
        found = find_error({"error": nested})
        return found if found is not None and not found.empty else ErrorInfo(message="An error occurred during streaming")
    if event.name == "error" or scalar_text(data.get("type")) == "error":
        info = ErrorInfo(scalar_text(data.get("code")), None, scalar_text(data.get("message")), scalar_text(data.get("param")))
        return info if not info.empty else ErrorInfo(message="An error occurred during streaming")
    return None


def parse_stream(events: list[SseEvent]) -> Answer:
    """Assemble an answer from SSE events (chat chunks or Responses events), errors included.

    ``ended`` says whether the stream reached an end: ``[DONE]``, a chat finish reason, a terminal
    Responses event (completed, incomplete, failed, cancelled) or an error event. The first error
    is kept, as the SDKs raise at the first one.
    """
    answer = Answer()
    parts: list[str] = []
    for event in events:
        if event.raw == DONE and event.data is None:
            answer.ended = True
            break
        error = _stream_error(event)
        if error is not None:
            answer.recognised = answer.ended = True
            answer.error = answer.error or error
            continue
        data = event.data
        if not isinstance(data, dict):
            continue
        kind = scalar_text(data.get("type")) or event.name
        if isinstance(data.get("response"), dict) and kind.startswith("response."):
            final = parse_answer(data["response"])
            answer.recognised = True
            answer.status = final.status or answer.status
            answer.incomplete_reason = final.incomplete_reason or answer.incomplete_reason
            answer.finish = final.finish or answer.finish
            answer.usage_in, answer.usage_out = final.usage_in or answer.usage_in, final.usage_out or answer.usage_out
            answer.refusal = final.refusal or answer.refusal
            if final.error is not None:
                answer.error = answer.error or final.error
            if final.text and not parts:
                parts.append(final.text)
            if kind in TERMINAL_RESPONSE_EVENTS:
                answer.ended = True
            continue
        if kind == "response.output_text.delta":
            answer.recognised = True
            parts.append(text_of(data.get("delta")))
            continue
        if kind == "response.refusal.delta":
            answer.recognised = True
            answer.refusal = (answer.refusal or "") + text_of(data.get("delta"))
            continue
        choices = data.get("choices")
        if isinstance(choices, list):
            answer.recognised = True
            chunk = parse_answer(data)
            if chunk.text:
                parts.append(chunk.text)
            if chunk.refusal:
                answer.refusal = (answer.refusal or "") + chunk.refusal
            if chunk.finish:
                answer.finish, answer.ended = chunk.finish, True
            if chunk.usage_in or chunk.usage_out:
                answer.usage_in, answer.usage_out = chunk.usage_in, chunk.usage_out
    answer.text = "".join(parts) if parts else None
    return answer


@dataclass
class BodyReading:
    """Everything a body says: the parsed JSON, the answer it carries and the error object, if any."""

    parsed: Any = None  # the JSON value; None for an SSE stream or a body that is not JSON
    answer: Answer = field(default_factory=Answer)
    error: ErrorInfo | None = None
    stream: bool = False  # the body was a server-sent event stream


def read_body(body: str) -> BodyReading:
    """Read any body: a JSON answer or error, an SSE stream, or a plain-text relay printout."""
    text = text_of(body)
    parsed = parse_json(text)
    events: list[SseEvent] = []
    if parsed is None and "data:" in text[:4000]:
        events = sse_events(text)
    if events:
        answer = parse_stream(events)
        return BodyReading(None, answer, answer.error, True)
    answer = parse_answer(parsed)
    info = answer.error if answer.recognised else find_error(parsed)
    if info is None and parsed is None and text.strip():
        info = embedded_error(text, 0)
    return BodyReading(parsed, answer, info)


def model_ids_in_body(body: str) -> tuple[str, ...] | None:
    """The ids of a ``GET /v1/models`` answer (``{"object": "list", "data": [{"id": …}, …]}``), in order;
    None when the body is not such a list."""
    parsed = parse_json(text_of(body))
    data = parsed.get("data") if isinstance(parsed, dict) else None
    if not isinstance(data, list):
        return None
    ids = (item.get("id") for item in data if isinstance(item, dict))
    return tuple(dict.fromkeys(i for i in ids if isinstance(i, str) and i))


_SHUTDOWN_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


def shutdown_dates_in_body(body: str) -> dict[str, str]:
    """Each listed id's ``shutdown_date`` (``"2026-12-21"``; the Models API: "the date when the model will
    shut down, or null if not announced"), for the ids that carry a real calendar date; others are left out."""
    from datetime import date

    parsed = parse_json(text_of(body))
    data = parsed.get("data") if isinstance(parsed, dict) else None
    dates: dict[str, str] = {}
    for item in data if isinstance(data, list) else ():
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            continue
        value = item.get("shutdown_date")
        if isinstance(value, str) and _SHUTDOWN_DATE.fullmatch(value[:10]):
            try:
                dates.setdefault(item["id"], date.fromisoformat(value[:10]).isoformat())
            except ValueError:
                continue
    return dates
