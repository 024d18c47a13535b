"""The probe's next move after an answer: adapt, retry or stop (pure)."""

from __future__ import annotations

import json

import pytest

from gpt56probe.observation import Exchange, Failure
from gpt56probe.retrypolicy import MAX_TRANSIENT_RETRIES, RequestShape, decide, retry_after_s


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
    d = decide(Exchange(status=status, body="<html>Bad gateway</html>"), surface="chat", shape=RequestShape(), transient_retries=1, adaptations=0, time_left_s=30)
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
