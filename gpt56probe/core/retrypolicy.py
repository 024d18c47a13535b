"""The probe's next move after an answer: adapt its own request, wait and retry, or stop.

Pure. urllib3's Retry sees only status codes; this decision has to read the body
(a quota 429 must not be retried, a rejected ``max_tokens`` must be renamed), so
it is written here rather than borrowed. The retry rules are openai-python's
(``src/openai/_base_client.py``: ``_should_retry``, ``_calculate_retry_timeout``,
``_parse_retry_after_header``; docs/real-error-bodies.md section 17), bounded by
the check's deadline and with billing and blocked accounts never retried.
"""

from __future__ import annotations

import email.utils
import math
import random
import re
import time
from dataclasses import dataclass, field
from typing import Mapping

from gpt56probe.core.models import CHAT_TOKEN_PARAMS, REASONING_EFFORTS
from gpt56probe.core.observation import Exchange, Failure
from gpt56probe.core.wire import error_in_body
from gpt56probe.core.wire import supported_values

MAX_TRANSIENT_RETRIES = 2
"""Retries of 408/409/429/5xx/reset per probe: openai-python's DEFAULT_MAX_RETRIES, enough for a blip."""

MAX_ADAPTATIONS = 3
INITIAL_RETRY_DELAY_S = 0.5
"""Exponential backoff as openai-python: 0.5 s doubling per retry, capped at 8 s, times a jitter of 0.75-1."""
MAX_RETRY_DELAY_S = 8.0
MAX_RETRY_AFTER_S = 60.0
"""A server-directed wait is obeyed exactly when it is above 0 and at most this (openai-python before
2.52 used 60 s); a longer one is not retried at all: a health check cannot wait that long, and
retrying sooner than asked only adds load (openai-python 2.52+ also stops, above 120 s)."""
ANSWER_ALLOWANCE_S = 1.0
"""Time left for the retried request itself: a retry is only made when the wait plus this fits the deadline."""

BILLING_CODES = frozenset({"insufficient_quota", "billing_hard_limit_reached", "billing_not_active", "credits_exhausted",
                           # 2026 (help.openai.com 6614457): each is a limit or a balance, never a rate
                           "organization_usage_limit_exceeded", "organization_spend_limit_exceeded",
                           "project_spend_limit_exceeded", "credit_balance_exhausted",
                           # a gateway's own budget (LiteLLM's ProxyErrorTypes.budget_exceeded, a 429)
                           "budget_exceeded"})
BLOCKED_CODES = frozenset({"access_terminated", "account_deactivated", "account_suspended", "organization_deactivated"})
_BILLING_WORDS = re.compile(r"quota|billing|credit|hard limit|spend limit|budget", re.I)


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


def never_retried(exchange: Exchange) -> bool:
    """Billing and blocked accounts: no retry can change the answer, whatever status or headers say."""
    err = error_in_body(exchange.body)
    if err is not None and ({err.code or "", err.type or ""} & (BILLING_CODES | BLOCKED_CODES)):
        return True
    return exchange.status == 429 and is_billing_429(exchange)


def retry_after_s(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """The server-directed wait in seconds, as openai-python's ``_parse_retry_after_header`` reads it:
    ``retry-after-ms`` (milliseconds), else ``retry-after`` as (float) seconds, else as an HTTP date.
    None when absent or unreadable; the value may be 0 or negative (the caller then backs off)."""
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            seconds = float(value) / divisor
        except ValueError:
            continue
        return seconds if math.isfinite(seconds) else (MAX_RETRY_AFTER_S + 1 if seconds > 0 else None)
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        when = email.utils.parsedate_tz(value)
        if when is None:
            return None
        return float(email.utils.mktime_tz(when) - (time.time() if now is None else now))
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def backoff_s(retries_done: int, jitter: float) -> float:
    """openai-python's ``_calculate_retry_timeout`` without a usable retry-after: 0.5 s x 2^n, at most 8 s,
    times ``1 - 0.25 * jitter`` (``jitter`` in [0, 1), random in the SDK)."""
    return min(INITIAL_RETRY_DELAY_S * 2.0 ** min(retries_done, 30), MAX_RETRY_DELAY_S) * (1.0 - 0.25 * jitter)


def should_retry(exchange: Exchange) -> bool:
    """openai-python's ``_should_retry`` (x-should-retry first, then 408, 409, 429, >= 500), plus a
    connection reset before any answer; billing and blocked accounts never."""
    if exchange.failure is not None:
        # A reset before any answer is retried, as the SDK's connection errors are; a stream cut after its
        # 200 headers is not: openai-python iterates a stream outside its retry loop (_streaming.py), so
        # the SDK never retries it (a plain body is read inside the loop, and a cut one is retried).
        streamed = "text/event-stream" in (exchange.headers.get("content-type") or "")
        return exchange.failure is Failure.RESET and not (exchange.status is not None and streamed)
    if exchange.status is None or never_retried(exchange):
        return False
    hint = exchange.headers.get("x-should-retry")
    if hint == "true":
        return True
    if hint == "false":
        return False
    return exchange.status in (408, 409, 429) or exchange.status >= 500


_PARAMETER_ITSELF = re.compile(
    r"unrecognized request argument|unknown (?:request )?(?:parameter|argument|field)|unsupported parameter"
    r"|is not supported with this model|extra (?:inputs|fields) (?:are )?not permitted|unexpected keyword|has moved to", re.I)
"""A message about a parameter itself (not about one of its values): "Unrecognized request argument supplied: X"
(Azure before max_completion_tokens, openai/openai-python#1724; api.openai.com for reasoning_effort on gpt-4o-mini),
"Unsupported parameter: 'X' is not supported with this model.", "… has moved to 'reasoning.effort'"."""


def _names(param: str, message: str, names: tuple[str, ...]) -> list[str]:
    """Which of ``names`` an error is about: its ``param``, else the names its message quotes or lists."""
    found = [n for n in names if param == n]
    if found:
        return found
    return [n for n in names if re.search(r"(?<![A-Za-z0-9_.])['\"`]?" + re.escape(n) + r"['\"`]?(?![A-Za-z0-9_])", message)]


def adapt(exchange: Exchange, surface: str, shape: RequestShape) -> RequestShape | None:
    """A changed request shape when a 400 rejects one of the probe's own parameters, else None.

    By meaning, not by one wording: a token parameter rejected in any wording (quoted or not, with
    or without ``param``) switches to the other one; an API that does not know ``max_completion_tokens``
    predates reasoning parameters too, so the effort goes in the same step (two requests, not three);
    a reasoning parameter rejected itself is dropped, only a rejected value walks the efforts."""
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
    itself = bool(_PARAMETER_ITSELF.search(message)) or code in ("unsupported_parameter", "unknown_parameter")
    tokens = _names(param, message, CHAT_TOKEN_PARAMS) if surface == "chat" else []
    if tokens:
        # "Use 'max_completion_tokens' instead." names both: the rejected one is the one we sent.
        rejected = shape.token_param if shape.token_param in tokens else tokens[0]
        if rejected == shape.token_param and code in ("unsupported_parameter", "unsupported_value", "unknown_parameter", ""):
            other = next(p for p in CHAT_TOKEN_PARAMS if p != rejected)
            old_api = rejected == "max_completion_tokens" and "unrecognized request argument" in message.lower()
            return RequestShape(other, None if old_api else shape.reasoning_effort)
        return None
    if "reasoning" in param or re.search(r"reasoning[_.]effort", message):
        if shape.reasoning_effort is None:
            return None
        if itself and not supported_values(message) and not re.search(r"does not support|unsupported value", message, re.I):
            return RequestShape(shape.token_param, None)  # the model or endpoint takes no effort at all
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
    jitter: float | None = None,
) -> Decision:
    """The next move after one sampling answer.

    1. A 400 about our own parameter: adapt (at most MAX_ADAPTATIONS times).
    2. ``should_retry`` says no (billing, blocked, x-should-retry: false, a status the SDK
       does not retry): stop.
    3. Otherwise retry, at most MAX_TRANSIENT_RETRIES times: after exactly the server's
       ``retry-after-ms``/``retry-after`` when it is above 0 and at most MAX_RETRY_AFTER_S (a longer
       one: stop), else after the SDK's jittered exponential backoff; never when the wait and
       ANSWER_ALLOWANCE_S no longer fit the deadline. ``jitter`` in [0, 1) (random when None).
    """
    if exchange.status == 400 and adaptations < MAX_ADAPTATIONS:
        new_shape = adapt(exchange, surface, shape)
        if new_shape is not None:
            return Decision("adapt", shape=new_shape, note=_describe(shape, new_shape))
    if transient_retries >= MAX_TRANSIENT_RETRIES or not should_retry(exchange):
        return STOP
    asked = retry_after_s(exchange.headers)
    if asked is not None and asked > MAX_RETRY_AFTER_S:
        return Decision("stop", note=f"retry-after {asked:.0f} s is longer than the check can wait")
    if asked is not None and asked > 0:
        wait = asked
    else:
        wait = backoff_s(transient_retries, random.random() if jitter is None else jitter)
    if wait + ANSWER_ALLOWANCE_S > time_left_s:
        return Decision("stop", note=f"a retry after {wait:.1f} s would not fit the deadline")
    return Decision("retry", wait_s=wait)


def _describe(old: RequestShape, new: RequestShape) -> str:
    effort = f"reasoning_effort {old.reasoning_effort}->{new.reasoning_effort or '(omitted)'}"
    if old.token_param != new.token_param:
        tokens = f"{old.token_param}->{new.token_param}"
        return f"{tokens}, {effort}" if old.reasoning_effort != new.reasoning_effort else tokens
    return effort
