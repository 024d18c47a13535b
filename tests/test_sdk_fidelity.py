"""Fidelity: the official ``openai`` SDK against the simulator raises what it would raise live.

Per scenario, the exception class the real API's status maps to (openai-python
``_make_status_error``), the error code/param the SDK exposes, successes that
parse into ChatCompletion / Response / Model objects, and errors inside a 200
stream as ``Stream.__stream__`` surfaces them. Loopback only; fake keys.
"""

from __future__ import annotations

from typing import Any, Callable

import openai  # a test dependency ([test] extras): missing, the suite fails here; it never skips
import pytest

from gpt56probe.core.models import DEFAULT_TABLE
from gpt56probe.simulator import start_simulator

SOL, TERRA, LUNA = (DEFAULT_TABLE.for_tier(t).id for t in ("sol", "terra", "luna"))
KEY = "sk-test-sdk-0123456789abcdef"
MESSAGES = [{"role": "user", "content": "Return ok."}]


@pytest.fixture(scope="module")
def sim():
    with start_simulator(safety_delay=0.2, fault_delay=3.0) as handle:
        yield handle


def client(sim, org: str | None = None, key: str = KEY, timeout: float = 10.0) -> Any:
    return openai.OpenAI(api_key=key, organization=org, base_url=sim.base_url, max_retries=0, timeout=timeout)


def chat(c: Any, model: str = SOL, **kw: Any) -> Any:
    return c.chat.completions.create(model=model, messages=MESSAGES, max_completion_tokens=16, **kw)


def respond(c: Any, model: str = SOL, **kw: Any) -> Any:
    return c.responses.create(model=model, input="Return ok.", max_output_tokens=16, **kw)


def retrieve(c: Any, model: str = SOL) -> Any:
    return c.models.retrieve(model)


def listing(c: Any) -> Any:
    return list(c.models.list())


CASES: list[tuple[str, str | None, str, Callable[..., Any], dict[str, Any], type, str | None]] = [
    # (id, org, key, call, kwargs, exception, code)
    ("invalid-key", None, "sk-sim-invalid-0000000000000", chat, {}, openai.AuthenticationError, "invalid_api_key"),
    ("not-sk-key", None, "garbage-key-000000000000", listing, {}, openai.AuthenticationError, "invalid_api_key"),
    ("restricted-responses", None, "sk-sim-restricted-00000000", respond, {}, openai.AuthenticationError, None),
    ("deactivated", None, "sk-sim-deactivated-0000000", chat, {}, openai.AuthenticationError, "account_deactivated"),
    ("other-key-wrong-org", "org-sim-approved", "sk-sim-other-000000000000", chat, {}, openai.AuthenticationError,
     "mismatched_organization"),
    ("unprovisioned-chat", "org-sim-unprovisioned", KEY, chat, {}, openai.NotFoundError, "model_not_found"),
    ("unprovisioned-responses", "org-sim-unprovisioned", KEY, respond, {}, openai.NotFoundError, "model_not_found"),
    ("unprovisioned-retrieve", "org-sim-unprovisioned", KEY, retrieve, {}, openai.NotFoundError, "model_not_found"),
    ("pending-chat", "org-sim-pending", KEY, chat, {}, openai.PermissionDeniedError, "model_access_pending"),
    ("pending-responses", "org-sim-pending", KEY, respond, {}, openai.NotFoundError, "model_not_found"),
    ("foreign", "org-sim-foreign", KEY, chat, {}, openai.AuthenticationError, "mismatched_organization"),
    ("foreign-list", "org-sim-foreign", KEY, listing, {}, openai.AuthenticationError, "mismatched_organization"),
    ("project", "org-sim-project", KEY, chat, {}, openai.PermissionDeniedError, "model_not_found"),
    ("region", "org-sim-region", KEY, respond, {}, openai.PermissionDeniedError,
     "unsupported_country_region_territory"),
    ("region-retrieve", "org-sim-region", KEY, retrieve, {}, openai.PermissionDeniedError,
     "unsupported_country_region_territory"),
    ("quota", "org-sim-quota", KEY, chat, {}, openai.RateLimitError, "insufficient_quota"),
    ("ratelimited", "org-sim-ratelimited", KEY, respond, {}, openai.RateLimitError, "rate_limit_exceeded"),
    ("unverified-stream", "org-sim-unverified", KEY, chat, {"stream": True}, openai.BadRequestError,
     "unsupported_value"),
    ("unverified-use", "org-sim-unverified", KEY, chat, {}, openai.NotFoundError, None),
    ("fault-500", "org-sim-fault-500", KEY, chat, {}, openai.InternalServerError, None),
    ("fault-html502", "org-sim-fault-html502", KEY, chat, {}, openai.InternalServerError, None),
    ("fault-html403", "org-sim-fault-html403", KEY, listing, {}, openai.PermissionDeniedError, None),
    ("fault-html524", "org-sim-fault-html524", KEY, chat, {}, openai.InternalServerError, None),
    ("nosample-key", None, "sk-sim-nosample-0000000000", chat, {}, openai.PermissionDeniedError, None),
    ("max-tokens", None, KEY, lambda c: c.chat.completions.create(model=SOL, messages=MESSAGES, max_tokens=8), {},
     openai.BadRequestError, "unsupported_parameter"),
    ("effort-minimal-56", None, KEY, chat, {"reasoning_effort": "minimal"}, openai.BadRequestError,
     "unsupported_value"),
    ("effort-none-55", None, KEY, lambda c: chat(c, model="gpt-5.5", reasoning_effort="none"), {},
     openai.BadRequestError, "unsupported_value"),
    ("max-output-tokens", None, KEY, lambda c: c.responses.create(model=SOL, input="x", max_output_tokens=8), {},
     openai.BadRequestError, "integer_below_min_value"),
    ("unknown-model", None, KEY, lambda c: chat(c, model="gpt-9"), {}, openai.NotFoundError, "model_not_found"),
]


@pytest.mark.parametrize("org, key, call, kwargs, exc, code", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_exception_class_per_scenario(sim, org, key, call, kwargs, exc, code):
    with pytest.raises(exc) as caught:
        result = call(client(sim, org, key), **kwargs)
        if kwargs.get("stream"):
            list(result)
    assert type(caught.value) is exc
    if isinstance(caught.value, openai.APIStatusError) and isinstance(caught.value.body, dict):
        assert caught.value.code == code
        assert caught.value.request_id and caught.value.request_id.startswith("req_")


def test_missing_key_is_authentication_error(sim):
    c = client(sim, key="sk-placeholder")
    with pytest.raises(openai.AuthenticationError) as caught:
        c.models.list(extra_headers={"Authorization": openai.Omit()})
    assert caught.value.code is None
    assert "You didn't provide an API key" in caught.value.message


def test_flaky_is_internal_server_error_then_ok():
    with start_simulator() as fresh:
        c = client(fresh, "org-sim-flaky")
        with pytest.raises(openai.InternalServerError) as caught:
            chat(c, model=LUNA)
        assert caught.value.status_code == 503
        assert chat(c, model=LUNA).choices[0].message.content == "ok"


def test_flaky_is_absorbed_by_sdk_retry():
    """retry-after: 0 on the 503, so the SDK's own retry succeeds at once."""
    with start_simulator() as fresh:
        c = openai.OpenAI(api_key=KEY, organization="org-sim-flaky", base_url=fresh.base_url, max_retries=1)
        assert chat(c, model=TERRA).choices[0].message.content == "ok"
        assert len(fresh.requests) == 2


def test_transport_faults(sim):
    with pytest.raises(openai.APIConnectionError):
        chat(client(sim, "org-sim-fault-reset"))
    with pytest.raises(openai.APITimeoutError):
        chat(client(sim, "org-sim-fault-delay", timeout=0.5))


def test_chat_success_parses(sim):
    completion = chat(client(sim, "org-sim-approved"), reasoning_effort="none")
    assert isinstance(completion, openai.types.chat.ChatCompletion)
    assert completion.choices[0].message.content == "ok"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None and completion.usage.completion_tokens == 2


def test_responses_success_parses(sim):
    response = respond(client(sim, "org-sim-approved"), reasoning={"effort": "low"})
    assert isinstance(response, openai.types.responses.Response)
    assert response.status == "completed"
    assert response.output_text == "ok"


def test_models_retrieve_and_list_parse(sim):
    c = client(sim)
    model = c.models.retrieve(TERRA)
    assert isinstance(model, openai.types.Model) and model.id == TERRA
    ids = [m.id for m in c.models.list()]
    assert set(DEFAULT_TABLE.ids) <= set(ids)
    assert not {SOL, TERRA, LUNA} & {m.id for m in client(sim, "org-sim-unprovisioned").models.list()}


def test_streams_parse(sim):
    c = client(sim)
    deltas = [chunk.choices[0].delta.content for chunk in chat(c, stream=True) if chunk.choices]
    assert "".join(d or "" for d in deltas) == "ok"
    with c.responses.stream(model=TERRA, input="Return ok.", max_output_tokens=16) as stream:
        for _ in stream:
            pass
        assert stream.get_final_response().output_text == "ok"


def test_safety_and_tight_answers_parse(sim):
    withheld = chat(client(sim, "org-sim-safety"), model=TERRA)
    assert withheld.choices[0].finish_reason == "content_filter"
    assert withheld.choices[0].message.refusal == "This content can't be shown."
    raw = client(sim, "org-sim-safety").chat.completions.with_raw_response.create(
        model=SOL, messages=MESSAGES, max_completion_tokens=16)
    assert raw.headers["openai-safety-notice"].startswith("This request requires additional safety checks")
    assert raw.parse().choices[0].message.content == "ok"
    tight = respond(client(sim, "org-sim-tight"), model=LUNA)
    assert tight.status == "incomplete" and tight.incomplete_details.reason == "max_output_tokens"
    assert tight.output_text == ""


def test_sdk_headers_reach_the_server(sim):
    sim.clear_requests()
    chat(client(sim, "org-sim-approved", key="sk-test-sdk-headers"))
    rec = sim.requests[-1]
    assert rec.headers["authorization"] == "Bearer sk-test-sdk-headers"
    assert rec.headers["openai-organization"] == "org-sim-approved"


def test_the_sdk_obeys_the_retry_rules_the_simulator_plays():
    """The SDK itself waits what org-sim-retry asks (retry-after-ms over retry-after) and stops on x-should-retry: false."""
    import time

    with start_simulator() as fresh:
        c = openai.OpenAI(api_key=KEY, organization="org-sim-retry", base_url=fresh.base_url, max_retries=2)
        started = time.monotonic()
        assert chat(c, model=SOL).choices[0].message.content == "ok"
        assert 0.25 <= time.monotonic() - started < 5
        assert chat(c, model="gpt-5.5").choices[0].message.content == "ok"  # a 400 retried on x-should-retry: true
        stubborn = openai.OpenAI(api_key=KEY, organization="org-sim-noretry", base_url=fresh.base_url, max_retries=2)
        fresh.clear_requests()
        with pytest.raises(openai.InternalServerError):
            chat(stubborn, model=LUNA)
        assert len(fresh.requests) == 1


# ------------------------------------------------------------------ errors inside a 200 stream (issue 11)


def test_a_chat_stream_error_after_text_raises_api_error(sim):
    """openai-python ``Stream.__stream__``: a chunk whose data has "error" raises APIError (not a status error)."""
    c = client(sim, "org-sim-stream-error")
    seen: list[str] = []
    with pytest.raises(openai.APIError) as caught:
        for chunk in chat(c, stream=True):
            seen += [chunk.choices[0].delta.content or ""] if chunk.choices else []
    assert type(caught.value) is openai.APIError
    assert "".join(seen) == "ok", "the text came first"
    assert caught.value.message.startswith("The server had an error processing your request")
    assert isinstance(caught.value.body, dict) and caught.value.body["type"] == "server_error"


@pytest.mark.parametrize("org, code", [("org-sim-stream-ratelimit", "rate_limit_exceeded"), ("org-sim-stream-flagged", "invalid_prompt")])
def test_chat_stream_errors_carry_their_code(sim, org, code):
    with pytest.raises(openai.APIError) as caught:
        list(chat(client(sim, org), stream=True))
    assert caught.value.code == code


def test_a_responses_error_event_after_text_is_an_error_event_in_python(sim):
    """openai-python yields ``event: error`` as a ResponseErrorEvent (its data has no "error" key, so
    ``__stream__`` does not raise); openai-node's ``Stream.fromSSEResponse`` throws APIError for it."""
    events = list(respond(client(sim, "org-sim-stream-error"), stream=True))
    deltas = [e.delta for e in events if e.type == "response.output_text.delta"]
    last = events[-1]
    assert deltas == ["ok"] and isinstance(last, openai.types.responses.ResponseErrorEvent)
    assert last.message.startswith("The server had an error processing your request")


@pytest.mark.parametrize("org, code", [("org-sim-stream-ratelimit", "rate_limit_exceeded"), ("org-sim-stream-flagged", "invalid_prompt")])
def test_a_responses_failed_event_carries_response_error(sim, org, code):
    last = list(respond(client(sim, org), stream=True))[-1]
    assert isinstance(last, openai.types.responses.ResponseFailedEvent)
    assert last.response.status == "failed" and last.response.error is not None and last.response.error.code == code


@pytest.mark.parametrize("org, reason", [("org-sim-stream-filtered", "content_filter"), ("org-sim-stream-capped", "max_output_tokens")])
def test_a_responses_incomplete_event_carries_its_reason(sim, org, reason):
    last = list(respond(client(sim, org), stream=True))[-1]
    assert isinstance(last, openai.types.responses.ResponseIncompleteEvent)
    assert last.response.incomplete_details is not None and last.response.incomplete_details.reason == reason


def test_a_chat_stream_cut_by_the_content_filter_ends_with_that_finish_reason(sim):
    chunks = [c for c in chat(client(sim, "org-sim-stream-filtered"), stream=True) if c.choices]
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "ok"
    assert chunks[-1].choices[0].finish_reason == "content_filter"


@pytest.mark.parametrize("org", ["org-sim-stream-error", "org-sim-stream-ratelimit", "org-sim-stream-filtered"])
def test_the_sdk_stream_helper_refuses_a_final_response_for_a_broken_stream(sim, org):
    with client(sim, org).responses.stream(model=SOL, input="Return ok.", max_output_tokens=16) as stream:
        for _ in stream:
            pass
        with pytest.raises(RuntimeError, match="response.completed"):
            stream.get_final_response()
