"""What a probe does after an answer: adapt its own request, wait and retry, or stop.

Pure. urllib3's Retry sees only status codes; this decision has to read the body
(a quota 429 must not be retried, a rejected ``max_tokens`` must be renamed), so
it is written here rather than borrowed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping

from gpt56probe.models import CHAT_TOKEN_PARAMS, REASONING_EFFORTS
from gpt56probe.observation import Exchange, Failure
from gpt56probe.wire import error_in_body
from gpt56probe.wire import supported_values

MAX_TRANSIENT_RETRIES = 2
"""Retries of 429/5xx/reset per probe: enough for a blip, small enough for cron."""

MAX_ADAPTATIONS = 3
BACKOFF_BASE_S = 0.5
MAX_WAIT_S = 20.0

BILLING_CODES = frozenset({"insufficient_quota", "billing_hard_limit_reached", "billing_not_active", "credits_exhausted"})
_BILLING_WORDS = re.compile(r"quota|billing|credit|hard limit|spend limit", re.I)
_RETRYABLE_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524, 529})


@dataclass(frozen=True)
class RequestShape:
    """The knobs of a probe request that the API may reject and we may change."""

    token_param: str = "max_completion_tokens"
    reasoning_effort: str | None = "none"


@dataclass(frozen=True)
class Decision:
    action: str  # "stop", "retry" or "adapt"
    wait_s: float = 0.0
    shape: RequestShape | None = None
    note: str = ""
    changes: Mapping[str, str] = field(default_factory=dict)


STOP = Decision("stop")


def is_billing_429(exchange: Exchange) -> bool:
    """A 429 that is about money, not throughput: retrying cannot help."""
    err = error_in_body(exchange.body)
    if err is None:
        return False
    if (err.code or "") in BILLING_CODES or (err.type or "") in BILLING_CODES:
        return True
    return bool(err.message and _BILLING_WORDS.search(err.message) and "rate limit" not in err.message.lower())


def retry_after_s(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait from ``retry-after-ms`` / ``retry-after`` (seconds form), as the SDK reads them."""
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            return None
    return None


def adapt(exchange: Exchange, surface: str, shape: RequestShape) -> RequestShape | None:
    """A changed request shape when a 400 rejects one of the probe's own parameters, else None."""
    if exchange.status != 400:
        return None
    err = error_in_body(exchange.body)
    if err is None:
        return None
    param = (err.param or "").strip()
    message = err.message or ""
    code = err.code or ""
    if "verif" in message.lower():
        return None  # org verification reuses unsupported_value; it is not about our request
    if surface == "chat" and (param in CHAT_TOKEN_PARAMS or any(f"'{p}'" in message for p in CHAT_TOKEN_PARAMS)):
        rejected = param if param in CHAT_TOKEN_PARAMS else next(p for p in CHAT_TOKEN_PARAMS if f"'{p}'" in message)
        if rejected == shape.token_param and code in ("unsupported_parameter", "unsupported_value", ""):
            other = next(p for p in CHAT_TOKEN_PARAMS if p != rejected)
            return RequestShape(other, shape.reasoning_effort)
        return None
    if "reasoning" in param or "reasoning_effort" in message or "reasoning.effort" in message:
        if shape.reasoning_effort is None:
            return None
        allowed = [e for e in supported_values(message) if e in REASONING_EFFORTS]
        if allowed:
            lowest = min(allowed, key=REASONING_EFFORTS.index)
            if lowest != shape.reasoning_effort:
                return RequestShape(shape.token_param, lowest)
            return None
        if code == "unsupported_parameter":
            return RequestShape(shape.token_param, None)  # the model takes no effort at all
        index = REASONING_EFFORTS.index(shape.reasoning_effort) if shape.reasoning_effort in REASONING_EFFORTS else -1
        if 0 <= index < len(REASONING_EFFORTS) - 1:
            return RequestShape(shape.token_param, REASONING_EFFORTS[index + 1])
        return RequestShape(shape.token_param, None)
    return None


def decide(
    exchange: Exchange,
    *,
    surface: str,
    shape: RequestShape,
    transient_retries: int,
    adaptations: int,
    time_left_s: float,
) -> Decision:
    """The next move after one sampling answer.

    1. A 400 about our own parameter: adapt (at most MAX_ADAPTATIONS times).
    2. A billing 429: stop, whatever ``retry-after`` says.
    3. 408/409/429/5xx/edge gateway or a reset connection: retry after
       ``retry-after`` or exponential backoff, at most MAX_TRANSIENT_RETRIES
       times and never past the deadline.
    4. Anything else: stop.
    """
    if exchange.status == 400 and adaptations < MAX_ADAPTATIONS:
        new_shape = adapt(exchange, surface, shape)
        if new_shape is not None:
            return Decision("adapt", shape=new_shape, note=_describe(shape, new_shape))
    transient = exchange.failure is Failure.RESET or (exchange.status in _RETRYABLE_STATUSES)
    if not transient or transient_retries >= MAX_TRANSIENT_RETRIES:
        return STOP
    if exchange.status == 429 and is_billing_429(exchange):
        return STOP
    if exchange.headers.get("x-should-retry") == "false":
        return STOP
    wait = retry_after_s(exchange.headers)
    if wait is None:
        wait = BACKOFF_BASE_S * (2**transient_retries)
    wait = min(wait, MAX_WAIT_S)
    # A retry needs time to wait and then to be answered; keep a second for the answer.
    if wait + 1.0 > time_left_s:
        return STOP
    return Decision("retry", wait_s=wait)


def _describe(old: RequestShape, new: RequestShape) -> str:
    if old.token_param != new.token_param:
        return f"{old.token_param}->{new.token_param}"
    return f"reasoning_effort {old.reasoning_effort}->{new.reasoning_effort or '(omitted)'}"
