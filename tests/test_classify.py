"""The classifier, as a specification: what each answer means and what to do next.

Real bodies captured in the wild live in tests/fixtures/real_bodies/ (each names
its source); the simulator shapes follow docs/contract.md.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gpt56probe.core.rules import REMEDIATIONS
from gpt56probe.core.classify import classify, classify_all
from gpt56probe.core.expectations import overall_severity, summarize
from gpt56probe.core.observation import (
    PRECHECK_ERROR,
    PRECHECK_LISTED,
    PRECHECK_NOT_LISTED,
    PRECHECK_SKIPPED,
    Diagnosis,
    Exchange,
    Failure,
    Observation,
    Severity,
    Target,
    Verdict,
)

FIXTURES = Path(__file__).parent / "fixtures" / "real_bodies"
MODEL_BY_TIER = {"sol": "gpt-5.6-sol", "terra": "gpt-5.6-terra", "luna": "gpt-5.6-luna", "fallback": "gpt-5.5"}
REQ = "req_0123456789abcdef0123456789abcdef"


def target(org: str | None = "org-a", tier: str = "sol", surface: str = "chat", stream: bool = False, key: str = "sk-…aaaa") -> Target:
    return Target(org=org, model=MODEL_BY_TIER.get(tier, tier), tier=tier, surface=surface, stream=stream, key_id=key)


def ex(status: int | None = 200, body: Any = "", headers: dict[str, str] | None = None, latency: float = 0.3, **kw: Any) -> Exchange:
    text = body if isinstance(body, str) else json.dumps(body)
    return Exchange(status=status, headers=headers or {}, body=text, latency_s=latency, **kw)


def obs(exchange: Exchange | None, tgt: Target | None = None, precheck: str = PRECHECK_SKIPPED, **kw: Any) -> Observation:
    return Observation(target=tgt or target(), precheck=precheck, sample=exchange, attempts=1, started_at="2026-09-01T10:00:00+02:00", **kw)


def api_error(message: str | None, type_: str | None = "invalid_request_error", param: str | None = None, code: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


def chat_ok(content: Any = "ok", finish: str = "stop", refusal: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-5.6-sol",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content, "refusal": refusal}, "finish_reason": finish}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12},
    }


def responses_ok(text: str | None = "ok", status: str = "completed", reason: str | None = None) -> dict[str, Any]:
    content = [{"type": "output_text", "text": text, "annotations": []}] if text is not None else []
    return {
        "id": "resp_1", "object": "response", "status": status,
        "incomplete_details": {"reason": reason} if reason else None,
        "output": [{"type": "reasoning", "summary": []}, {"type": "message", "role": "assistant", "content": content}],
        "usage": {"input_tokens": 10, "output_tokens": 2},
    }


STREAM = {"content-type": "text/event-stream; charset=utf-8", "x-request-id": REQ}


def chat_sse(*deltas: str, finish: str | None = "stop", done: bool = True, error: dict[str, Any] | None = None) -> str:
    """A chat completion stream: a role chunk, one chunk per delta, then a finish (or an in-band error), usage, [DONE]."""
    def chunk(delta: dict[str, Any], reason: str | None = None) -> str:
        return "data: " + json.dumps({"id": "chatcmpl-1", "object": "chat.completion.chunk", "model": "gpt-5.6-sol",
                                      "choices": [{"index": 0, "delta": delta, "finish_reason": reason}]}) + "\n\n"
    out = chunk({"role": "assistant", "content": ""}) + "".join(chunk({"content": d}) for d in deltas)
    if error is not None:
        out += "data: " + json.dumps({"error": error}) + "\n\n"
    elif finish is not None:
        out += chunk({}, finish)
        out += "data: " + json.dumps({"id": "chatcmpl-1", "object": "chat.completion.chunk", "choices": [],
                                      "usage": {"prompt_tokens": 10, "completion_tokens": 2}}) + "\n\n"
    return out + ("data: [DONE]\n\n" if done else "")


def responses_sse(*deltas: str, terminal: tuple[str, dict[str, Any]] | None = None) -> str:
    """A Responses event stream: created, text deltas, then ``terminal`` (event name, data) or response.completed."""
    def event(name: str, **data: Any) -> str:
        return f"event: {name}\ndata: " + json.dumps({"type": name, **data}) + "\n\n"
    start = {"id": "resp_1", "object": "response", "status": "in_progress", "output": [], "error": None}
    out = event("response.created", response=start, sequence_number=0)
    out += "".join(event("response.output_text.delta", delta=d, output_index=0, content_index=0) for d in deltas)
    if terminal is None:
        terminal = ("response.completed", {"response": responses_ok("".join(deltas))})
    name, data = terminal
    return out + f"event: {name}\ndata: " + json.dumps({"type": name, **data}) + "\n\n"


def verdict(exchange: Exchange | None, **kw: Any) -> Verdict:
    return classify(obs(exchange, **kw)).verdict


# ------------------------------------------------------------------ real captured bodies


def _fixtures() -> list[Any]:
    cases = []
    for path in sorted(FIXTURES.glob("*.json")):
        case = json.loads(path.read_text())
        cases.append(pytest.param(case, id=path.stem))
    return cases


def test_every_fixture_names_its_source() -> None:
    for path in FIXTURES.glob("*.json"):
        case = json.loads(path.read_text())
        assert case["source"].startswith("https://"), path.name
        assert Verdict(case["verdict"])


def test_every_verdict_with_a_body_has_a_real_capture() -> None:
    """ok has no error body to capture; timeout has the edge's 524 page, network_error a proxy's own pages (Squid's 407 and 403)."""
    covered = {json.loads(p.read_text())["verdict"] for p in FIXTURES.glob("*.json")}
    assert {v.value for v in Verdict} - covered == {"ok"}


@pytest.mark.parametrize("case", _fixtures())
def test_real_captured_body_gets_its_verdict(case: dict[str, Any]) -> None:
    tgt = target(tier=case["tier"], surface=case["surface"], stream=case["stream"])
    diagnosis = classify(obs(ex(case["status"], case["body"], case["headers"]), tgt, precheck=case["precheck"]))
    assert diagnosis.verdict.value == case["verdict"], diagnosis.reason
    assert diagnosis.http_status == case["status"]
    assert diagnosis.remediation
    if diagnosis.error_message:
        assert len(diagnosis.error_message) <= 500


def test_real_invalid_key_message_stays_masked() -> None:
    case = json.loads((FIXTURES / "invalid_api_key.json").read_text())
    diagnosis = classify(obs(ex(401, case["body"])))
    assert diagnosis.error_code == "invalid_api_key"
    assert "sk-PMafP" in (diagnosis.error_message or "") and "E873" in (diagnosis.error_message or "")


def test_real_headers_fill_request_id_and_the_org_name() -> None:
    case = json.loads((FIXTURES / "invalid_prompt_with_headers.json").read_text())
    diagnosis = classify(obs(ex(case["status"], case["body"], case["headers"])))
    assert diagnosis.request_id == "req_bf2eadd66b9f5c652172871aebf34737"
    assert diagnosis.org_name == "user-qgmljulyw225lidrfb9zojtg"
    assert "served by" not in diagnosis.reason and "not the org asked for" not in diagnosis.reason


def test_relayed_litellm_error_uses_the_inner_openai_code() -> None:
    case = json.loads((FIXTURES / "litellm_wrapped_not_found.json").read_text())
    diagnosis = classify(obs(ex(404, case["body"])))
    assert diagnosis.error_code == "model_not_found"


# ------------------------------------------------------------------ simulator scenarios (docs/contract.md)

SIM_HEADERS = {"x-request-id": REQ, "content-type": "application/json"}


def sim(status: int, body: Any, org: str = "org-sim-approved", **headers: str) -> Exchange:
    return ex(status, body, {**SIM_HEADERS, "openai-organization": org, **headers})


SIMULATOR_CASES = [
    ("approved chat", sim(200, chat_ok()), PRECHECK_LISTED, "sol", "chat", Verdict.OK),
    ("approved responses", sim(200, responses_ok()), PRECHECK_LISTED, "terra", "responses", Verdict.OK),
    ("approved stream", ex(200, chat_sse("ok"), SIM_HEADERS), PRECHECK_LISTED, "luna", "chat", Verdict.OK),
    ("missing key", sim(401, api_error("You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username and password. You can obtain an API key from https://platform.openai.com/account/api-keys.")), PRECHECK_SKIPPED, "sol", "chat", Verdict.INVALID_KEY),
    ("invalid key", sim(401, api_error("Incorrect API key provided: sk-sim-in***alid. You can find your API key at https://platform.openai.com/account/api-keys.", code="invalid_api_key")), PRECHECK_ERROR, "sol", "chat", Verdict.INVALID_KEY),
    ("restricted key on responses", sim(401, api_error("You have insufficient permissions for this operation. Missing scopes: api.responses.write. Check that you have the correct role in your organization (Reader, Writer, Owner) and project (Member, Owner), and if you're using a restricted API key, that it has the necessary scopes.")), PRECHECK_LISTED, "sol", "responses", Verdict.KEY_PERMISSIONS),
    ("deactivated", sim(401, api_error("This key is associated with a deactivated account. If you feel this is an error, contact us through our help center at help.openai.com.", code="account_deactivated")), PRECHECK_ERROR, "sol", "chat", Verdict.ACCOUNT_BLOCKED),
    ("foreign org", sim(401, api_error("OpenAI-Organization header should match organization for API key", code="mismatched_organization")), PRECHECK_ERROR, "sol", "chat", Verdict.WRONG_ORG),
    ("unprovisioned", sim(404, api_error("The model `gpt-5.6-sol` does not exist or you do not have access to it.", code="model_not_found")), PRECHECK_NOT_LISTED, "sol", "chat", Verdict.NOT_PROVISIONED),
    ("pending chat", sim(403, api_error("Access to model `gpt-5.6-sol` is pending provisioning for this organization.", code="model_access_pending")), PRECHECK_LISTED, "sol", "chat", Verdict.PROVISIONING_PENDING),
    ("pending responses", sim(404, api_error("The model `gpt-5.6-sol` does not exist or you do not have access to it.", code="model_not_found")), PRECHECK_LISTED, "sol", "responses", Verdict.PROVISIONING_PENDING),
    ("project", sim(403, api_error("Project `proj_abcdefghijklmnopqrstuvwx` does not have access to model `gpt-5.6-sol`", code="model_not_found")), PRECHECK_LISTED, "sol", "chat", Verdict.PROJECT_NO_ACCESS),
    ("region", sim(403, {"error": {"code": "unsupported_country_region_territory", "message": "Country, region, or territory not supported", "param": None, "type": "request_forbidden"}}), PRECHECK_ERROR, "sol", "chat", Verdict.REGION_VPN),
    ("safety sol slow", sim(200, chat_ok(), **{"openai-safety-notice": "This request requires additional safety checks, which can take extra time."}), PRECHECK_LISTED, "sol", "chat", Verdict.SAFETY_CHECK),
    ("safety terra withheld chat", sim(200, chat_ok(content=None, finish="content_filter", refusal="This content can't be shown."), **{"openai-safety-notice": "This content can't be shown."}), PRECHECK_LISTED, "terra", "chat", Verdict.SAFETY_CHECK),
    ("safety terra withheld responses", sim(200, responses_ok(text=None, status="incomplete", reason="content_filter"), **{"openai-safety-notice": "This content can't be shown."}), PRECHECK_LISTED, "terra", "responses", Verdict.SAFETY_CHECK),
    ("quota", sim(429, api_error("You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.", "insufficient_quota", code="insufficient_quota")), PRECHECK_LISTED, "sol", "chat", Verdict.QUOTA_EXHAUSTED),
    ("rate limited", sim(429, api_error("Rate limit reached for gpt-5.6-sol in organization org-sim-ratelimited on requests per min (RPM): Limit 1, Used 1, Requested 1. Please try again in 1s.", "requests", code="rate_limit_exceeded"), **{"retry-after": "1"}), PRECHECK_LISTED, "sol", "chat", Verdict.RATE_LIMITED),
    ("unverified stream", sim(400, api_error("Your organization must be verified to stream this model. Please go to: https://platform.openai.com/settings/organization/general and click on Verify Organization. If you just verified, it can take up to 15 minutes for access to propagate.", param="stream", code="unsupported_value")), PRECHECK_LISTED, "sol", "chat", Verdict.ORG_NOT_ELIGIBLE),
    ("unverified sol", sim(400, api_error("Your organization must be verified to use the model `gpt-5.6-sol`. Please go to: https://platform.openai.com/settings/organization/general and click on Verify Organization. If you just verified, it can take up to 15 minutes for access to propagate.", code="model_not_found")), PRECHECK_LISTED, "sol", "chat", Verdict.ORG_NOT_ELIGIBLE),
    ("max_tokens rejected, not adapted", sim(400, api_error("Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.", param="max_tokens", code="unsupported_parameter")), PRECHECK_LISTED, "sol", "chat", Verdict.UNSUPPORTED_PARAMETER),
    ("minimal effort rejected", sim(400, api_error("Unsupported value: 'reasoning_effort' does not support 'minimal' with this model. Supported values are: 'none', 'low', 'medium', 'high', and 'xhigh'.", param="reasoning_effort", code="unsupported_value")), PRECHECK_LISTED, "sol", "chat", Verdict.UNSUPPORTED_PARAMETER),
    ("max_output_tokens too low", sim(400, api_error("Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 16, but got 8 instead.", param="max_output_tokens", code="integer_below_min_value")), PRECHECK_LISTED, "sol", "responses", Verdict.UNSUPPORTED_PARAMETER),
    ("flaky 503 still failing", sim(503, api_error("That model is currently overloaded with other requests.", "server_error"), **{"retry-after": "0"}), PRECHECK_LISTED, "sol", "chat", Verdict.SERVER_ERROR),
    ("tight chat", sim(200, chat_ok(content="", finish="length")), PRECHECK_LISTED, "sol", "chat", Verdict.OK),
    ("tight responses", sim(200, responses_ok(text=None, status="incomplete", reason="max_output_tokens")), PRECHECK_LISTED, "sol", "responses", Verdict.OK),
    ("html 502", ex(502, "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>cloudflare</center></body></html>", {"content-type": "text/html"}), PRECHECK_ERROR, "sol", "chat", Verdict.SERVER_ERROR),
    ("html 403 block", ex(403, "<!DOCTYPE html><html><head><title>Attention Required! | Cloudflare</title></head><body><h1>Sorry, you have been blocked</h1></body></html>", {"content-type": "text/html; charset=UTF-8"}), PRECHECK_ERROR, "sol", "chat", Verdict.REGION_VPN),
    ("truncated json", ex(200, '{"id": "chatcmpl-1", "object": "chat.completion", "choices": [{"index": 0, "mess', SIM_HEADERS), PRECHECK_LISTED, "sol", "chat", Verdict.UNKNOWN),
    ("500 server_error", sim(500, api_error("The server had an error while processing your request. Sorry about that!", "server_error", code="server_error")), PRECHECK_LISTED, "sol", "chat", Verdict.SERVER_ERROR),
]


@pytest.mark.parametrize("name, exchange, precheck, tier, surface, expected", SIMULATOR_CASES, ids=[c[0] for c in SIMULATOR_CASES])
def test_simulator_scenario_gets_its_verdict(name: str, exchange: Exchange, precheck: str, tier: str, surface: str, expected: Verdict) -> None:
    diagnosis = classify(obs(exchange, target(tier=tier, surface=surface), precheck=precheck))
    assert diagnosis.verdict is expected, diagnosis.reason


@pytest.mark.parametrize(
    "failure, expected",
    [
        (Failure.CONNECT_TIMEOUT, Verdict.TIMEOUT),
        (Failure.READ_TIMEOUT, Verdict.TIMEOUT),  # fault-delay, fault-slowbody
        (Failure.DEADLINE, Verdict.TIMEOUT),
        (Failure.DNS, Verdict.NETWORK_ERROR),
        (Failure.REFUSED, Verdict.NETWORK_ERROR),
        (Failure.RESET, Verdict.NETWORK_ERROR),  # fault-reset
        (Failure.TLS, Verdict.NETWORK_ERROR),
        (Failure.PROXY, Verdict.NETWORK_ERROR),
        (Failure.OTHER, Verdict.NETWORK_ERROR),
        (Failure.INVALID_URL, Verdict.UNKNOWN),  # the check could not be made
        (Failure.TOO_LARGE, Verdict.UNKNOWN),  # fault-oversize: a 20 MB answer is not judged
    ],
)
def test_transport_failure_maps_to_its_verdict(failure: Failure, expected: Verdict) -> None:
    assert verdict(Exchange(status=None, failure=failure, failure_detail="boom")) is expected


def test_oversize_200_is_unknown_even_with_a_status() -> None:
    assert verdict(Exchange(status=200, failure=Failure.TOO_LARGE)) is Verdict.UNKNOWN


# ------------------------------------------------------------------ ok answers


def test_ok_answer_fills_the_diagnosis() -> None:
    headers = {"x-request-id": REQ, "openai-organization": "acme-x1y2z3"}
    o = Observation(target=target(), precheck=PRECHECK_LISTED, sample=ex(200, chat_ok(), headers, latency=0.42), attempts=2,
                    adaptations=("max_tokens->max_completion_tokens",), started_at="2026-09-01T10:00:00+02:00")
    d = classify(o)
    assert (d.verdict, d.answer, d.truncated, d.http_status) == (Verdict.OK, "ok", False, 200)
    assert (d.request_id, d.org_name, d.precheck) == (REQ, "acme-x1y2z3", PRECHECK_LISTED)
    assert d.latency_ms == pytest.approx(420.0)
    assert (d.timestamp, d.attempts, d.adaptations) == ("2026-09-01T10:00:00+02:00", 2, ("max_tokens->max_completion_tokens",))
    assert (d.usage_input_tokens, d.usage_output_tokens) == (10, 2)
    assert d.remediation == REMEDIATIONS[Verdict.OK]


def test_answer_other_than_ok_is_still_ok_but_noted() -> None:
    d = classify(obs(ex(200, chat_ok("Sure! ok."))))
    assert d.verdict is Verdict.OK and "not \"ok\"" in d.reason


def test_answer_cut_by_length_is_ok_and_truncated() -> None:
    d = classify(obs(ex(200, chat_ok(content="", finish="length"))))
    assert d.verdict is Verdict.OK and d.truncated and "cut short" in d.reason


def test_responses_incomplete_max_output_tokens_is_ok_and_truncated() -> None:
    d = classify(obs(ex(200, responses_ok(text=None, status="incomplete", reason="max_output_tokens")), target(surface="responses")))
    assert d.verdict is Verdict.OK and d.truncated


def test_empty_answer_with_stop_is_ok_and_truncated() -> None:
    d = classify(obs(ex(200, chat_ok(content=None))))
    assert d.verdict is Verdict.OK and d.truncated and "empty" in d.reason


def test_responses_answer_text_is_read_from_output_text_parts() -> None:
    d = classify(obs(ex(200, responses_ok("ok")), target(surface="responses")))
    assert d.verdict is Verdict.OK and d.answer == "ok" and d.usage_output_tokens == 2


def test_streamed_answer_is_read_from_the_raw_events() -> None:
    d = classify(obs(ex(200, chat_sse("o", "k"), STREAM), target(stream=True)))
    assert d.verdict is Verdict.OK and d.answer == "ok" and (d.usage_input_tokens, d.usage_output_tokens) == (10, 2)


def test_streamed_content_filter_is_a_safety_check() -> None:
    assert verdict(ex(200, chat_sse("", finish="content_filter"), STREAM)) is Verdict.SAFETY_CHECK


def test_streamed_length_is_ok_and_truncated() -> None:
    d = classify(obs(ex(200, chat_sse("", finish="length"), STREAM)))
    assert d.verdict is Verdict.OK and d.truncated


def test_raw_sse_chat_body_is_assembled() -> None:
    body = (
        'data: {"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}\n\n'
        'data: {"choices":[{"index":0,"delta":{"content":"ok"},"finish_reason":null}]}\n\n'
        'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n'
        "data: [DONE]\n\n"
    )
    d = classify(obs(ex(200, body, {"content-type": "text/event-stream"})))
    assert d.verdict is Verdict.OK and d.answer == "ok"


def test_raw_sse_error_event_is_judged_as_an_error() -> None:
    body = 'event: error\ndata: {"type":"error","code":"server_error","message":"An error occurred while processing your request.","param":null}\n\n'
    assert verdict(ex(200, body, {"content-type": "text/event-stream"})) is Verdict.SERVER_ERROR


def test_responses_failed_with_error_object_is_judged_as_that_error() -> None:
    body = {"object": "response", "status": "failed", "output": [], "error": {"code": "server_error", "message": "The model failed."}}
    assert verdict(ex(200, body), tgt=target(surface="responses")) is Verdict.SERVER_ERROR


def test_model_answering_although_not_listed_is_ok_with_a_note() -> None:
    d = classify(obs(ex(200, chat_ok()), precheck=PRECHECK_NOT_LISTED))
    assert d.verdict is Verdict.OK and "not show" in d.reason


def test_slow_luna_is_not_a_safety_check() -> None:
    """Luna does not use the additional-check experience."""
    luna = obs(ex(200, chat_ok(), latency=30.0), target(tier="luna"))
    assert classify(luna).verdict is Verdict.OK


def test_slow_sol_without_notice_is_ok_but_noted_against_luna() -> None:
    sol = obs(ex(200, chat_ok(), latency=20.0), target(tier="sol"))
    luna = obs(ex(200, chat_ok(), latency=0.4), target(tier="luna"))
    d = classify_all([sol, luna])[0]
    assert d.verdict is Verdict.OK and "slower than Luna" in d.reason


# ------------------------------------------------------------------ safety checks


def test_safety_notice_header_on_sol_names_luna_as_faster_retry() -> None:
    notice = {"openai-safety-notice": "This request requires additional safety checks, which can take extra time."}
    sol = obs(ex(200, chat_ok(), notice, latency=2.0), target(tier="sol"))
    luna = obs(ex(200, chat_ok(), latency=0.4), target(tier="luna"))
    d = classify_all([sol, luna])[0]
    assert d.verdict is Verdict.SAFETY_CHECK
    assert "Luna answered in 0.4 s" in d.remediation and "faster retry path" in d.remediation
    assert "2.0 s against Luna's 0.4 s" in d.reason


def test_safety_check_says_when_luna_failed_too() -> None:
    sol = obs(ex(200, chat_ok(content=None, finish="content_filter")), target(tier="sol"))
    luna = obs(ex(429, api_error("Rate limit reached", "requests", code="rate_limit_exceeded")), target(tier="luna"))
    d = classify_all([sol, luna])[0]
    assert d.verdict is Verdict.SAFETY_CHECK and "Luna did not answer in this org" in d.remediation


def test_safety_check_suggests_luna_when_not_checked() -> None:
    d = classify(obs(ex(200, chat_ok(content=None, finish="content_filter")), target(tier="terra")))
    assert "Luna" in d.remediation and "not checked" in d.remediation


def test_luna_in_another_org_is_not_used_for_the_comparison() -> None:
    sol = obs(ex(200, chat_ok(content=None, finish="content_filter")), target("org-a", "sol"))
    luna_b = obs(ex(200, chat_ok(), latency=0.1), target("org-b", "luna"))
    d = classify(sol, [luna_b])
    assert "Luna answered" not in d.remediation


def test_refusal_on_the_benign_probe_is_a_safety_check() -> None:
    assert verdict(ex(200, chat_ok(content=None, refusal="I'm sorry, I can't help with that."))) is Verdict.SAFETY_CHECK


def test_responses_refusal_part_is_a_safety_check() -> None:
    body = {"object": "response", "status": "completed", "output": [{"type": "message", "content": [{"type": "refusal", "refusal": "This content can't be shown."}]}]}
    assert verdict(ex(200, body), tgt=target(surface="responses")) is Verdict.SAFETY_CHECK


@pytest.mark.parametrize(
    "message",
    [
        "Your account was flagged for potentially high-risk cyber activity. Requests may be slower while additional verification is applied.",
        "Your conversations have multiple flags for possible cybersecurity risk. Responses may take longer because extra safety checks are on.",
        "This request was flagged for possible biological risk.",
    ],
)
def test_cyber_and_bio_flags_are_safety_checks(message: str) -> None:
    """Wording from openai/codex safety-check issues (#19272, #21411); the bio variant follows the articles' 'older wording'."""
    assert verdict(ex(400, api_error(message))) is Verdict.SAFETY_CHECK


# ------------------------------------------------------------------ peers: wrong org, not provisioned


def test_same_key_reaching_the_model_elsewhere_makes_it_wrong_org() -> None:
    nf = api_error("The model `gpt-5.6-sol` does not exist or you do not have access to it.", code="model_not_found")
    here = obs(ex(404, nf), target("org-x", key="sk-…aaaa"), precheck=PRECHECK_NOT_LISTED)
    there = obs(ex(200, chat_ok()), target("org-approved", key="sk-…aaaa"), precheck=PRECHECK_LISTED)
    d = classify_all([here, there])[0]
    assert d.verdict is Verdict.WRONG_ORG
    assert "org-approved" in d.remediation and "org-approved" in d.reason


def test_another_key_reaching_the_model_keeps_not_provisioned_and_names_that_org() -> None:
    nf = api_error("The model `gpt-5.6-sol` does not exist or you do not have access to it.", code="model_not_found")
    here = obs(ex(404, nf), target("org-x", key="sk-…aaaa"))
    there = obs(ex(200, chat_ok()), target("org-other", key="sk-…bbbb"))
    d = classify_all([here, there])[0]
    assert d.verdict is Verdict.NOT_PROVISIONED and "org-other" in d.remediation


def test_not_provisioned_with_no_org_reaching_says_so() -> None:
    nf = api_error("The model `gpt-5.6-sol` does not exist or you do not have access to it.", code="model_not_found")
    d = classify(obs(ex(404, nf)))
    assert d.verdict is Verdict.NOT_PROVISIONED and "No checked org reaches" in d.remediation


def test_mismatched_org_names_the_org_where_the_same_key_works() -> None:
    foreign = obs(ex(401, api_error("OpenAI-Organization header should match organization for API key", code="mismatched_organization")), target("org-sim-foreign"))
    home = obs(ex(200, chat_ok()), target("org-sim-approved"))
    d = classify_all([foreign, home])[0]
    assert d.verdict is Verdict.WRONG_ORG and "org-sim-approved" in d.remediation


def test_precheck_not_listed_without_a_sample_is_not_provisioned() -> None:
    o = Observation(target=target(), precheck=PRECHECK_NOT_LISTED, precheck_exchange=ex(200, {"object": "list", "data": []}))
    assert classify(o).verdict is Verdict.NOT_PROVISIONED


def test_precheck_error_without_a_sample_is_judged_from_the_precheck() -> None:
    o = Observation(target=target(), precheck=PRECHECK_ERROR, precheck_exchange=ex(401, api_error("Incorrect API key provided: sk-abc***xyz.", code="invalid_api_key")))
    d = classify(o)
    assert d.verdict is Verdict.INVALID_KEY and "pre-check" in d.reason


def test_listed_but_never_sampled_is_unknown() -> None:
    o = Observation(target=target(), precheck=PRECHECK_LISTED, precheck_exchange=ex(200, {"id": "gpt-5.6-sol", "object": "model"}))
    assert classify(o).verdict is Verdict.UNKNOWN


def test_nothing_recorded_is_unknown() -> None:
    assert classify(Observation(target=target())).verdict is Verdict.UNKNOWN


# ------------------------------------------------------------------ remediations carry facts


def test_rate_limited_remediation_mentions_retry_after() -> None:
    d = classify(obs(ex(429, api_error("Rate limit reached", "requests", code="rate_limit_exceeded"), {"retry-after": "1"})))
    assert d.verdict is Verdict.RATE_LIMITED and "retry-after 1 s" in d.remediation


def test_rate_limited_without_header_uses_the_message_wait() -> None:
    d = classify(obs(ex(429, api_error("Rate limit reached ... Please try again in 644ms.", "tokens", code="rate_limit_exceeded"))))
    assert "644ms" in d.remediation


def test_bare_429_after_retries_is_rate_limited() -> None:
    assert verdict(ex(429, "")) is Verdict.RATE_LIMITED


@pytest.mark.parametrize(
    "verdict_, words",
    [
        (Verdict.REGION_VPN, "VPN/proxy"),
        (Verdict.QUOTA_EXHAUSTED, "Billing"),
        (Verdict.PROVISIONING_PENDING, "account rep"),
        (Verdict.ORG_NOT_ELIGIBLE, "Verify"),
    ],
)
def test_remediation_wording(verdict_: Verdict, words: str) -> None:
    bodies = {
        Verdict.REGION_VPN: ex(403, {"error": {"code": "unsupported_country_region_territory", "message": "Country, region, or territory not supported", "param": None, "type": "request_forbidden"}}),
        Verdict.QUOTA_EXHAUSTED: ex(429, api_error("You exceeded your current quota", "insufficient_quota", code="insufficient_quota")),
        Verdict.PROVISIONING_PENDING: ex(403, api_error("pending", code="model_access_pending")),
        Verdict.ORG_NOT_ELIGIBLE: ex(400, api_error("Your organization must be verified to stream this model.", param="stream", code="unsupported_value")),
    }
    d = classify(obs(bodies[verdict_]))
    assert d.verdict is verdict_ and words in d.remediation


def test_every_verdict_has_a_remediation() -> None:
    assert set(REMEDIATIONS) == set(Verdict)


@pytest.mark.parametrize("name", ["acme-x1y2z3", "user-qgmljulyw225lidrfb9zojtg", "org-someone-else"])
def test_the_org_name_header_is_recorded_and_never_compared_with_the_org_id(name: str) -> None:
    d = classify(obs(ex(200, chat_ok(), {"openai-organization": name}), target("org-asked")))
    assert d.verdict is Verdict.OK and d.org_name == name
    assert d.reason == "answered 200", d.reason


def test_the_default_org_is_named_when_no_org_was_asked_for() -> None:
    d = classify(obs(ex(200, chat_ok(), {"openai-organization": "user-qgmljulyw225lidrfb9zojtg"}), target(None)))
    assert "the key's default org is named user-qgmljulyw225lidrfb9zojtg" in d.reason


# ------------------------------------------------------------------ odd real-world shapes


@pytest.mark.parametrize(
    "status, body, expected",
    [
        (401, {"error": "Incorrect API key provided"}, Verdict.INVALID_KEY),  # error is a string
        (404, [{"error": {"message": "The model `x` does not exist", "code": "model_not_found"}}], Verdict.NOT_PROVISIONED),  # JSON array
        (404, {"error": {"message": json.dumps(api_error("The model `gpt-5.6-sol` does not exist or you do not have access to it.", code="model_not_found")), "type": "upstream_error"}}, Verdict.NOT_PROVISIONED),  # relayed JSON in message
        (502, {"error": {"message": "{\"error\": {\"message\": \"Country, region, or territory not supported\", \"code\": \"unsupported_country_region_territory\"}}"}}, Verdict.REGION_VPN),  # relay changes the status
        (403, "Error code: 403 - {'error': {'message': 'Project `proj_x` does not have access to model `gpt-5.6-sol`', 'type': 'invalid_request_error', 'param': None, 'code': 'model_not_found'}}", Verdict.PROJECT_NO_ACCESS),  # SDK repr as plain text
        (500, "", Verdict.SERVER_ERROR),  # empty body
        (503, "upstream connect error or disconnect/reset before headers. reset reason: overflow", Verdict.SERVER_ERROR),  # envoy text
        (404, "", Verdict.UNKNOWN),
        (418, "I'm a teapot", Verdict.UNKNOWN),
        (401, {"error": {"message": None, "type": None, "param": None, "code": None}}, Verdict.UNKNOWN),
        (400, {"error": {"message": "We could not parse the JSON body of your request.", "type": "invalid_request_error", "param": None, "code": None}}, Verdict.UNSUPPORTED_PARAMETER),
        (200, {"error": {"message": "No models available", "type": "invalid_request_error"}}, Verdict.UNKNOWN),  # LiteLLM 200 + error body is not ok
        (200, "<html><title>Login - Captive portal</title></html>", Verdict.UNKNOWN),
        (None, "", Verdict.UNKNOWN),
        (429, {"error": {"message": "Billing hard limit has been reached.", "type": "invalid_request_error", "code": "billing_hard_limit_reached"}}, Verdict.QUOTA_EXHAUSTED),
        (403, "Access denied", Verdict.REGION_VPN),
    ],
)
def test_odd_shapes_are_judged(status: int | None, body: Any, expected: Verdict) -> None:
    d = classify(obs(ex(status, body)))
    assert d.verdict is expected, d.reason


def test_unknown_reason_shows_status_and_a_redacted_snippet() -> None:
    d = classify(obs(ex(418, "teapot with key sk-proj-abcdefghijklmnopqrstuvwxyz0123456789")))
    assert d.verdict is Verdict.UNKNOWN and "418" in d.reason
    assert "abcdefghijklmnop" not in d.reason and "sk-proj-" in d.reason


def test_error_message_is_redacted_and_capped() -> None:
    message = "boom sk-abcdefghijklmnopqrstuvwxyz012345 " + "x" * 2000
    d = classify(obs(ex(500, api_error(message, "server_error"))))
    assert d.error_message is not None and len(d.error_message) <= 500
    assert "abcdefghijklmnopqrstuvwxyz" not in d.error_message


# ------------------------------------------------------------------ overall severity and summary


def diag(v: Verdict, tier: str = "sol") -> Diagnosis:
    return Diagnosis(target=target(tier=tier), verdict=v, reason="", remediation="")


@pytest.mark.parametrize(
    "verdicts, expected",
    [
        ([(Verdict.OK, "sol"), (Verdict.OK, "terra"), (Verdict.OK, "luna")], Severity.OK),
        ([(Verdict.OK, "sol"), (Verdict.SAFETY_CHECK, "terra"), (Verdict.OK, "luna")], Severity.WARNING),
        ([(Verdict.OK, "sol"), (Verdict.NETWORK_ERROR, "terra")], Severity.WARNING),  # some, not all, on the network
        ([(Verdict.NETWORK_ERROR, "sol"), (Verdict.NETWORK_ERROR, "terra"), (Verdict.NETWORK_ERROR, "fallback")], Severity.UNKNOWN),
        ([(Verdict.OK, "sol"), (Verdict.NOT_PROVISIONED, "terra")], Severity.CRITICAL),
        ([(Verdict.UNKNOWN, "sol"), (Verdict.WRONG_ORG, "terra")], Severity.CRITICAL),  # CRITICAL outranks UNKNOWN
        ([(Verdict.UNSUPPORTED_PARAMETER, "sol"), (Verdict.TIMEOUT, "terra")], Severity.UNKNOWN),  # UNKNOWN outranks WARNING
        ([(Verdict.OK, "sol"), (Verdict.OK, "terra"), (Verdict.OK, "luna"), (Verdict.NOT_PROVISIONED, "fallback")], Severity.OK),  # fallbacks never count
        ([(Verdict.OK, "sol"), (Verdict.SERVER_ERROR, "fallback")], Severity.OK),
        ([(Verdict.QUOTA_EXHAUSTED, "fallback")], Severity.CRITICAL),  # only extra models probed: they are judged
        ([], Severity.UNKNOWN),
    ],
)
def test_overall_severity(verdicts: list[tuple[Verdict, str]], expected: Severity) -> None:
    assert overall_severity([diag(v, t) for v, t in verdicts]) is expected


@pytest.mark.parametrize("v", sorted(Verdict, key=lambda v: v.value))
def test_one_expected_verdict_gives_the_state_of_its_class(v: Verdict) -> None:
    expected = {
        Verdict.OK: Severity.OK, Verdict.NETWORK_ERROR: Severity.UNKNOWN,  # alone = every probe failed
        Verdict.UNSUPPORTED_PARAMETER: Severity.UNKNOWN, Verdict.UNKNOWN: Severity.UNKNOWN,
        Verdict.SAFETY_CHECK: Severity.WARNING, Verdict.RATE_LIMITED: Severity.WARNING,
        Verdict.SERVER_ERROR: Severity.WARNING, Verdict.TIMEOUT: Severity.WARNING,
    }.get(v, Severity.CRITICAL)
    assert overall_severity([diag(v)]) is expected


def test_summarize_counts_verdicts_and_reports_status() -> None:
    summary = summarize([diag(Verdict.OK, "sol"), diag(Verdict.OK, "fallback"), diag(Verdict.NOT_PROVISIONED, "terra")])
    assert summary == {
        "status": "CRITICAL", "exit_code": 2, "total": 3, "expected": 2, "expected_ok": 1,
        "counts": {"ok": 2, "not_provisioned": 1},
    }


def test_classify_all_keeps_order_and_length() -> None:
    items = [obs(ex(200, chat_ok()), target(tier=t)) for t in ("luna", "sol", "terra")]
    assert [d.target.tier for d in classify_all(items)] == ["luna", "sol", "terra"]


def test_account_deactivated_wording_without_a_code_is_account_blocked() -> None:
    """NextChat#2782 wording, as a relay that drops the code would pass it on."""
    message = "The OpenAI account associated with this API key has been deactivated. If you are the developer for this OpenAI app, please check your email for more information."
    assert verdict(ex(401, api_error(message))) is Verdict.ACCOUNT_BLOCKED


def test_edge_401_with_a_uuid_request_id_keeps_it() -> None:
    """An edge-level 401 (docs/real-error-bodies.md 16a) carries a UUID x-request-id, not req_…."""
    d = classify(obs(ex(401, api_error("Incorrect API key provided: sk-abc***wxyz.", code="invalid_api_key"), {"x-request-id": "6f1101a3-ebe9-4c31-a29c-a16593d85274"})))
    assert d.request_id == "6f1101a3-ebe9-4c31-a29c-a16593d85274"


@pytest.mark.parametrize(
    "message",
    [
        "The model: `gpt-4` does not exist",  # 2023 wording, marcolardera/chatgpt-cli#13
        "Model not found gpt-5.4",  # openai/codex#18790 (ChatGPT backend wording)
        "no such model",
    ],
)
def test_model_access_wordings_without_a_code_are_not_provisioned(message: str) -> None:
    assert verdict(ex(404, api_error(message))) is Verdict.NOT_PROVISIONED


# ------------------------------------------------------------------ shapes seen in public reports (issue 11, item 4)


CF_524 = json.loads((FIXTURES / "cloudflare_524_html.json").read_text())


@pytest.mark.parametrize("status, body, headers", [
    (524, CF_524["body"], CF_524["headers"]),
    (524, "error code: 524", {"content-type": "text/plain; charset=UTF-8"}),
    (524, "", {}),
    (504, CF_524["body"], CF_524["headers"]),  # a relay re-labelling the edge's page keeps its meaning
], ids=["html", "plain", "empty", "relayed-page"])
def test_a_cloudflare_524_is_a_timeout_not_a_server_error(status: int, body: str, headers: dict[str, str]) -> None:
    d = classify(obs(ex(status, body, headers)))
    assert d.verdict is Verdict.TIMEOUT, d.reason
    if status == 524:
        assert "raising --timeout will not help" in d.remediation


def test_other_gateway_pages_stay_server_errors() -> None:
    bad_gateway = json.loads((FIXTURES / "bad_gateway_html.json").read_text())
    assert verdict(ex(502, bad_gateway["body"], bad_gateway["headers"])) is Verdict.SERVER_ERROR


@pytest.mark.parametrize("precheck", [PRECHECK_LISTED, PRECHECK_NOT_LISTED, PRECHECK_SKIPPED])
def test_not_allowed_to_sample_is_the_key_not_the_org(precheck: str) -> None:
    body = api_error("You are not allowed to sample from this model")
    d = classify(obs(ex(403, body), precheck=precheck))
    assert d.verdict is Verdict.KEY_PERMISSIONS, d.reason
    assert "Model capabilities" in d.remediation and "model.request" in d.remediation


def test_a_missing_scope_is_named_in_the_next_step() -> None:
    case = json.loads((FIXTURES / "missing_scopes.json").read_text())
    d = classify(obs(ex(case["status"], case["body"], case["headers"]), target(surface="responses")))
    assert d.verdict is Verdict.KEY_PERMISSIONS and "api.responses.write" in d.remediation


# ------------------------------------------------------------------ errors inside a 200 stream (issue 11, item 1)


SERVER_ERROR_TEXT = ("The server had an error processing your request. Sorry about that! You can retry your request, or contact us "
                     "through our help center at help.openai.com if you keep seeing this error.")
RATE_TEXT = "Rate limit reached for gpt-5.6-sol in organization org-a on requests per min (RPM): Limit 3, Used 3, Requested 1."
FLAGGED_TEXT = "Invalid prompt: your prompt was flagged as potentially violating our usage policy. Please try again with a different prompt."

STREAM_CASES = [
    # chat: data: {"error": {...}} after the text (go-openai #396 captured it, followed by [DONE])
    ("chat server_error", chat_sse("ok", error={"message": SERVER_ERROR_TEXT, "type": "server_error", "param": None, "code": None}), "chat", Verdict.SERVER_ERROR),
    ("chat rate limit", chat_sse("ok", error={"message": RATE_TEXT, "type": "requests", "param": None, "code": "rate_limit_exceeded"}), "chat", Verdict.RATE_LIMITED),
    ("chat invalid_prompt", chat_sse("o", error={"message": FLAGGED_TEXT, "type": "invalid_request_error", "param": None, "code": "invalid_prompt"}), "chat", Verdict.SAFETY_CHECK),
    ("chat content_filter", chat_sse("ok", finish="content_filter"), "chat", Verdict.SAFETY_CHECK),
    # responses: event: error with top-level code/message/param (openai-python ResponseErrorEvent)
    ("responses error event", responses_sse("ok", terminal=("error", {"code": "server_error", "message": SERVER_ERROR_TEXT, "param": None, "sequence_number": 5})), "responses", Verdict.SERVER_ERROR),
    ("responses error event rate", responses_sse("ok", terminal=("error", {"code": "rate_limit_exceeded", "message": RATE_TEXT, "param": None, "sequence_number": 5})), "responses", Verdict.RATE_LIMITED),
    ("responses error nested", responses_sse("ok", terminal=("error", {"error": {"type": "invalid_request_error", "code": "invalid_prompt", "message": FLAGGED_TEXT}})), "responses", Verdict.SAFETY_CHECK),
    # responses: response.failed carrying response.error
    ("responses failed server", responses_sse("ok", terminal=("response.failed", {"response": {"object": "response", "status": "failed", "output": [], "error": {"code": "server_error", "message": SERVER_ERROR_TEXT}}})), "responses", Verdict.SERVER_ERROR),
    ("responses failed rate", responses_sse("ok", terminal=("response.failed", {"response": {"object": "response", "status": "failed", "output": [], "error": {"code": "rate_limit_exceeded", "message": RATE_TEXT}}})), "responses", Verdict.RATE_LIMITED),
    ("responses failed invalid_prompt", responses_sse("ok", terminal=("response.failed", {"response": {"object": "response", "status": "failed", "output": [], "error": {"code": "invalid_prompt", "message": FLAGGED_TEXT}}})), "responses", Verdict.SAFETY_CHECK),
    ("responses failed bio_policy", responses_sse("ok", terminal=("response.failed", {"response": {"object": "response", "status": "failed", "output": [], "error": {"code": "bio_policy", "message": "This request was blocked."}}})), "responses", Verdict.SAFETY_CHECK),
    # responses: response.incomplete with incomplete_details.reason
    ("responses incomplete content_filter", responses_sse("ok", terminal=("response.incomplete", {"response": responses_ok("ok", status="incomplete", reason="content_filter")})), "responses", Verdict.SAFETY_CHECK),
    ("responses incomplete max_output_tokens", responses_sse("o", terminal=("response.incomplete", {"response": responses_ok(None, status="incomplete", reason="max_output_tokens")})), "responses", Verdict.OK),
]


@pytest.mark.parametrize("name, body, surface, expected", STREAM_CASES, ids=[c[0] for c in STREAM_CASES])
def test_an_error_inside_a_200_stream_is_judged_like_any_error(name: str, body: str, surface: str, expected: Verdict) -> None:
    d = classify(obs(ex(200, body, STREAM), target(surface=surface, stream=True)))
    assert d.verdict is expected, d.reason
    assert d.http_status == 200 and d.request_id == REQ
    if expected is not Verdict.OK and "content_filter" not in name:
        assert d.error_code or d.error_type or d.error_message
        assert "inside the 200 stream" in d.reason


def test_max_output_tokens_in_a_stream_is_ok_and_truncated() -> None:
    body = responses_sse("o", terminal=("response.incomplete", {"response": responses_ok(None, status="incomplete", reason="max_output_tokens")}))
    d = classify(obs(ex(200, body, STREAM), target(surface="responses", stream=True)))
    assert d.verdict is Verdict.OK and d.truncated


def test_a_stream_cut_before_its_end_is_not_ok() -> None:
    for body in (chat_sse("ok", finish=None, done=False), responses_sse("ok", terminal=("response.output_text.done", {"text": "ok"}))):
        d = classify(obs(ex(200, body, STREAM), target(stream=True)))
        assert d.verdict is Verdict.SERVER_ERROR and "stopped before its end" in d.reason


def test_events_after_done_are_not_read() -> None:
    body = chat_sse("ok") + 'data: {"error": {"message": "late", "type": "server_error"}}\n\n'
    assert verdict(ex(200, body, STREAM)) is Verdict.OK


def test_an_error_event_without_json_is_still_an_error() -> None:
    body = chat_sse("ok", finish=None, done=False) + "event: error\ndata: upstream went away\n\n"
    d = classify(obs(ex(200, body, STREAM)))
    assert d.verdict is not Verdict.OK and "upstream went away" in (d.error_message or "")


def test_multi_line_data_fields_are_joined_as_the_sdks_do() -> None:
    error = json.dumps({"error": {"message": "boom", "type": "server_error", "code": None}}, indent=1)
    body = chat_sse("ok", finish=None, done=False) + "".join(f"data: {line}\n" for line in error.splitlines()) + "\n"
    assert verdict(ex(200, body, STREAM)) is Verdict.SERVER_ERROR
