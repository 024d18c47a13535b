"""The probe's next move after an answer: adapt, retry or stop (pure)."""

from __future__ import annotations

import json

import pytest

from gpt56probe.core.observation import Exchange, Failure
from email.utils import formatdate

from gpt56probe.core.retrypolicy import MAX_TRANSIENT_RETRIES, RequestShape, backoff_s, decide, retry_after_s


def error(status: int, message: str, type_: str | None = "invalid_request_error", param: str | None = None, code: str | None = None, headers: dict | None = None) -> Exchange:
    body = json.dumps({"error": {"message": message, "type": type_, "param": param, "code": code}})
    return Exchange(status=status, headers=headers or {}, body=body)


MAX_TOKENS_REJECTED = error(400, "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.", param="max_tokens", code="unsupported_parameter")
EFFORT_REJECTED = error(400, "Unsupported value: 'reasoning_effort' does not support 'minimal' with this model. Supported values are: 'none', 'low', 'medium', 'high', and 'xhigh'.", param="reasoning_effort", code="unsupported_value")
QUOTA = error(429, "You exceeded your current quota, please check your plan and billing details.", type_="insufficient_quota", code="insufficient_quota", headers={"retry-after": "1"})
RATE = error(429, "Rate limit reached for gpt-5.6-sol in organization org-x on requests per min (RPM): Limit 3, Used 3, Requested 1.", type_="requests", code="rate_limit_exceeded", headers={"retry-after": "2"})
VERIFY = error(400, "Your organization must be verified to stream this model. Please go to: https://platform.openai.com/settings/organization/general and click on Verify Organization.", param="stream", code="unsupported_value")


def test_a_rejected_max_tokens_is_renamed_to_max_completion_tokens():
    d = decide(MAX_TOKENS_REJECTED, surface="chat", shape=RequestShape("max_tokens", "none"), transient_retries=0, adaptations=0, time_left_s=30)
    assert d.action == "adapt" and d.shape == RequestShape("max_completion_tokens", "none")
    assert d.note == "max_tokens->max_completion_tokens"


def test_a_rejected_reasoning_effort_moves_to_the_lowest_supported_value():
    d = decide(EFFORT_REJECTED, surface="chat", shape=RequestShape("max_completion_tokens", "minimal"), transient_retries=0, adaptations=0, time_left_s=30)
    assert d.action == "adapt" and d.shape is not None and d.shape.reasoning_effort == "none"


def test_adaptation_stops_after_the_budget():
    d = decide(MAX_TOKENS_REJECTED, surface="chat", shape=RequestShape("max_tokens", "none"), transient_retries=0, adaptations=3, time_left_s=30)
    assert d.action == "stop"


def test_org_verification_is_not_mistaken_for_a_parameter_problem():
    d = decide(VERIFY, surface="chat", shape=RequestShape(), transient_retries=0, adaptations=0, time_left_s=30)
    assert d.action == "stop"


def test_a_billing_429_is_never_retried_even_with_retry_after():
    d = decide(QUOTA, surface="chat", shape=RequestShape(), transient_retries=0, adaptations=0, time_left_s=30)
    assert d.action == "stop"


def test_a_throughput_429_is_retried_after_retry_after():
    d = decide(RATE, surface="chat", shape=RequestShape(), transient_retries=0, adaptations=0, time_left_s=30)
    assert d.action == "retry" and d.wait_s == 2.0


def test_retries_never_run_past_the_deadline():
    d = decide(RATE, surface="chat", shape=RequestShape(), transient_retries=0, adaptations=0, time_left_s=2.5)
    assert d.action == "stop"


def test_the_transient_retry_budget_is_small():
    d = decide(RATE, surface="chat", shape=RequestShape(), transient_retries=MAX_TRANSIENT_RETRIES, adaptations=0, time_left_s=30)
    assert d.action == "stop"


@pytest.mark.parametrize("status", [500, 502, 503, 504, 520, 524])
def test_server_errors_are_retried_with_backoff(status):
    d = decide(Exchange(status=status, body="<html>Bad gateway</html>"), surface="chat", shape=RequestShape(), transient_retries=1, adaptations=0, time_left_s=30, jitter=0.0)
    assert d.action == "retry" and d.wait_s == 1.0


def test_a_reset_connection_is_retried_but_a_timeout_is_not():
    reset = decide(Exchange(failure=Failure.RESET), surface="chat", shape=RequestShape(), transient_retries=0, adaptations=0, time_left_s=30)
    timeout = decide(Exchange(failure=Failure.READ_TIMEOUT), surface="chat", shape=RequestShape(), transient_retries=0, adaptations=0, time_left_s=30)
    assert reset.action == "retry" and timeout.action == "stop"


def test_x_should_retry_false_is_honoured():
    d = decide(Exchange(status=503, headers={"x-should-retry": "false"}), surface="chat", shape=RequestShape(), transient_retries=0, adaptations=0, time_left_s=30)
    assert d.action == "stop"


def test_retry_after_ms_wins_over_retry_after():
    assert retry_after_s({"retry-after-ms": "250", "retry-after": "3"}) == 0.25
    assert retry_after_s({"retry-after": "soon"}) is None


def next_move(exchange: Exchange, retries: int = 0, left: float = 30.0, jitter: float = 0.0):
    return decide(exchange, surface="chat", shape=RequestShape(), transient_retries=retries, adaptations=0, time_left_s=left, jitter=jitter)


@pytest.mark.parametrize("status, retried", [(408, True), (409, True), (429, True), (500, True), (503, True), (524, True),
                                             (599, True), (400, False), (401, False), (403, False), (404, False), (422, False)])
def test_the_sdk_statuses_are_retried_and_no_others(status, retried):
    assert (next_move(Exchange(status=status, body="{}")).action == "retry") is retried


def test_x_should_retry_true_retries_a_status_the_sdk_would_not():
    d = next_move(error(400, "The server is busy, try again.", headers={"x-should-retry": "true"}))
    assert d.action == "retry"


@pytest.mark.parametrize("exchange", [
    QUOTA,
    error(429, "You exceeded your current quota", type_="insufficient_quota", code="insufficient_quota", headers={"x-should-retry": "true"}),
    error(429, "Billing hard limit has been reached", code="billing_hard_limit_reached"),
    error(429, "Your access was terminated due to violation of our policies", type_="access_terminated", code=None),
    error(401, "This key is associated with a deactivated account.", code="account_deactivated", headers={"x-should-retry": "true"}),
    error(503, "Your access was terminated", type_="access_terminated", code="access_terminated"),
], ids=["quota", "quota-should-retry", "billing-limit", "access-terminated-429", "deactivated-should-retry", "terminated-503"])
def test_billing_and_blocked_accounts_are_never_retried_whatever_the_headers_say(exchange):
    assert next_move(exchange).action == "stop"


@pytest.mark.parametrize("retries, expected", [(0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (5, 8.0), (60, 8.0)])
def test_backoff_is_half_a_second_doubling_capped_at_eight(retries, expected):
    assert backoff_s(retries, jitter=0.0) == expected
    assert backoff_s(retries, jitter=0.999) == pytest.approx(expected * (1 - 0.25 * 0.999))


def test_backoff_jitter_only_shortens_the_wait_by_at_most_a_quarter():
    waits = [next_move(Exchange(status=503), jitter=j).wait_s for j in (0.0, 0.5, 0.999)]
    assert waits == sorted(waits, reverse=True) and 0.375 < waits[-1] < waits[0] == 0.5


@pytest.mark.parametrize("headers, expected", [
    ({"retry-after-ms": "250", "retry-after": "30"}, 0.25),
    ({"retry-after": "1.5"}, 1.5),
    ({"retry-after": "60"}, 60.0),
    ({"retry-after-ms": "nonsense", "retry-after": "2"}, 2.0),
])
def test_a_server_directed_wait_up_to_sixty_seconds_is_obeyed_exactly(headers, expected):
    d = next_move(error(429, "Rate limit reached", code="rate_limit_exceeded", headers=headers), left=120.0)
    assert d.action == "retry" and d.wait_s == pytest.approx(expected)


def test_retry_after_as_an_http_date_is_read_relative_to_now():
    now = 1_800_000_000.0
    assert retry_after_s({"retry-after": formatdate(now + 3, usegmt=True)}, now=now) == pytest.approx(3.0)
    d = next_move(Exchange(status=503, headers={"retry-after": formatdate(None, usegmt=True)}))  # now: 0 s or less
    assert d.action == "retry" and d.wait_s == 0.5  # not above 0: the SDK backs off instead


@pytest.mark.parametrize("headers", [{"retry-after": "0"}, {"retry-after": "-3"}, {"retry-after-ms": "0"}, {"retry-after": "soon"}, {},
                                     {"retry-after": "nan"}, {"retry-after-ms": "-inf"}, {"retry-after": "Thu, 99 Foo 2026"}])
def test_a_zero_negative_or_unreadable_wait_falls_back_to_the_backoff(headers):
    d = next_move(Exchange(status=503, headers=headers), retries=1)
    assert d.action == "retry" and d.wait_s == 1.0


@pytest.mark.parametrize("headers", [{"retry-after": "61"}, {"retry-after-ms": "90000"}, {"retry-after": "1e400"}])
def test_a_wait_longer_than_a_minute_is_not_retried(headers):
    d = next_move(error(429, "Rate limit reached", code="rate_limit_exceeded", headers=headers), left=600.0)
    assert d.action == "stop" and "longer than the check can wait" in d.note


def test_a_retry_is_only_made_when_the_wait_and_the_answer_fit_the_deadline():
    hinted = error(429, "Rate limit reached", code="rate_limit_exceeded", headers={"retry-after": "5"})
    assert next_move(hinted, left=6.5).action == "retry"
    assert next_move(hinted, left=5.5).action == "stop"
    assert next_move(Exchange(status=503), retries=1, left=1.9).action == "stop"  # backoff 1 s + 1 s for the answer
