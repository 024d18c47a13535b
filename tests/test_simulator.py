"""The simulator, driven with plain ``requests``: every contract scenario and fault, headers, SSE, files.

Everything stays on 127.0.0.1; delays are shortened through start_simulator's knobs.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from gpt56probe.core.models import DEFAULT_TABLE
from gpt56probe.simulator import (
    ScenarioFileError,
    catalogue,
    format_listing,
    load_scenario_file,
    run_forever,
    scenario_listing,
    start_simulator,
)
from gpt56probe.simulator.answers import org_name_for

SAFETY_DELAY = 0.3
FAULT_DELAY = 2.0
TRICKLE = 0.2
REQ_ID = re.compile(r"^req_[0-9a-f]{32}$")
SOL, TERRA, LUNA = (DEFAULT_TABLE.for_tier(t).id for t in ("sol", "terra", "luna"))
IDS_56 = (SOL, TERRA, LUNA)
KEY = "sk-test-0123456789abcdef"


@pytest.fixture(scope="module")
def sim():
    with start_simulator(safety_delay=SAFETY_DELAY, fault_delay=FAULT_DELAY, trickle_interval=TRICKLE) as handle:
        yield handle


def headers(org: str | None = None, key: str | None = KEY) -> dict[str, str]:
    out: dict[str, str] = {}
    if key is not None:
        out["Authorization"] = f"Bearer {key}"
    if org:
        out["OpenAI-Organization"] = org
    return out


def chat(sim, model: str = SOL, org: str | None = None, key: str | None = KEY, timeout: Any = 10,
         **extra: Any) -> requests.Response:
    body = {"model": model, "messages": [{"role": "user", "content": "Return ok."}], "max_completion_tokens": 16}
    body.update(extra)
    return requests.post(f"{sim.base_url}/chat/completions", json=body, headers=headers(org, key), timeout=timeout)


def respond(sim, model: str = SOL, org: str | None = None, key: str | None = KEY, timeout: Any = 10,
            **extra: Any) -> requests.Response:
    body = {"model": model, "input": "Return ok.", "max_output_tokens": 16}
    body.update(extra)
    return requests.post(f"{sim.base_url}/responses", json=body, headers=headers(org, key), timeout=timeout)


def list_models(sim, org: str | None = None, key: str | None = KEY) -> requests.Response:
    return requests.get(f"{sim.base_url}/models", headers=headers(org, key), timeout=10)


def retrieve(sim, model: str, org: str | None = None, key: str | None = KEY) -> requests.Response:
    return requests.get(f"{sim.base_url}/models/{model}", headers=headers(org, key), timeout=10)


def every_endpoint(sim, org: str | None = None, key: str | None = KEY) -> list[requests.Response]:
    return [chat(sim, org=org, key=key), respond(sim, org=org, key=key), list_models(sim, org, key),
            retrieve(sim, SOL, org, key)]


def error_of(resp: requests.Response, status: int, code: str | None, type_: str = "invalid_request_error",
             param: str | None = None) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    assert REQ_ID.match(resp.headers["x-request-id"])
    body = resp.json()
    assert set(body) == {"error"}
    err = body["error"]
    assert set(err) == {"message", "type", "param", "code"}
    assert (err["code"], err["type"], err["param"]) == (code, type_, param)
    assert isinstance(err["message"], str) and err["message"]
    return err


def model_ids(resp: requests.Response) -> list[str]:
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["object"] == "list"
    return [m["id"] for m in body["data"]]


# --------------------------------------------------------------------------- binding, headers, recording


def test_binds_loopback_only(sim):
    assert sim.host == "127.0.0.1"
    assert sim.base_url == f"http://127.0.0.1:{sim.port}/v1"
    assert sim.port > 0
    for host in ("0.0.0.0", "::", "192.168.1.10", "example.com", ""):
        with pytest.raises(ValueError):
            start_simulator(host=host)


def test_listening_socket_is_loopback(sim):
    assert sim._server.socket.getsockname()[0] == "127.0.0.1"


def test_success_headers(sim):
    resp = chat(sim, org="org-sim-approved")
    assert resp.status_code == 200
    h = resp.headers
    assert REQ_ID.match(h["x-request-id"])
    assert h["openai-organization"] == org_name_for("org-sim-approved")
    assert h["openai-processing-ms"].isdigit()
    assert h["openai-version"] == "2020-10-01"
    for name in ("limit-requests", "limit-tokens", "remaining-requests", "remaining-tokens", "reset-requests",
                 "reset-tokens"):
        assert f"x-ratelimit-{name}" in h
    assert h["content-type"].startswith("application/json")
    assert int(h["content-length"]) == len(resp.content)


def test_request_ids_differ(sim):
    assert chat(sim).headers["x-request-id"] != chat(sim).headers["x-request-id"]


def test_the_org_name_header_is_a_slug_never_the_org_id(sim):
    name = chat(sim, org="org-sim-approved").headers["openai-organization"]
    assert re.fullmatch(r"sim-approved-[a-z0-9]{6}", name)
    assert chat(sim, org="org-sim-approved").headers["openai-organization"] == name  # stable per org
    assert chat(sim, org="org-sim-quota").headers["openai-organization"] != name  # one name per org


def test_without_an_org_header_the_key_default_is_a_personal_org(sim):
    resp = chat(sim)
    assert resp.status_code == 200
    assert re.fullmatch(r"user-[a-z0-9]{24}", resp.headers["openai-organization"])


def test_unknown_org_behaves_as_approved(sim):
    for org in ("org-bench-0001", "org-bench-0499"):
        resp = respond(sim, org=org)
        assert resp.status_code == 200
        assert resp.headers["openai-organization"] == org_name_for(org)
        assert resp.json()["status"] == "completed"


def test_requests_are_recorded_with_lowercase_headers(sim):
    sim.clear_requests()
    chat(sim, org="org-sim-approved", key="sk-test-recorded")
    rec = sim.requests[-1]
    assert (rec.method, rec.path) == ("POST", "/v1/chat/completions")
    assert rec.headers["authorization"] == "Bearer sk-test-recorded"
    assert rec.headers["openai-organization"] == "org-sim-approved"
    assert rec.json["model"] == SOL


def test_keep_alive_reuses_one_connection(sim):
    conn = http.client.HTTPConnection("127.0.0.1", sim.port, timeout=5)
    for _ in range(3):
        conn.request("GET", "/v1/models", headers=headers())
        resp = conn.getresponse()
        assert resp.status == 200
        json.loads(resp.read())
    conn.close()


def test_many_concurrent_connections(sim):
    def one(i: int) -> int:
        return requests.post(f"{sim.base_url}/chat/completions", headers=headers(f"org-bench-{i:04d}"),
                             json={"model": LUNA, "messages": [{"role": "user", "content": "Return ok."}]},
                             timeout=20).status_code

    with ThreadPoolExecutor(max_workers=150) as pool:
        statuses = list(pool.map(one, range(300)))
    assert statuses == [200] * 300


def test_unknown_path(sim):
    resp = requests.post(f"{sim.base_url}/completions", json={}, headers=headers(), timeout=5)
    err = error_of(resp, 404, None)
    assert err["message"] == "Invalid URL (POST /v1/completions)"


def test_bad_json_body(sim):
    resp = requests.post(f"{sim.base_url}/chat/completions", data=b"{not json", headers=headers(), timeout=5)
    assert "could not parse the JSON body" in error_of(resp, 400, None)["message"]


# --------------------------------------------------------------------------- successes and SSE


def test_approved_chat_success_shape(sim):
    body = chat(sim, org="org-sim-approved").json()
    assert body["object"] == "chat.completion"
    assert body["id"].startswith("chatcmpl-")
    choice = body["choices"][0]
    assert choice["message"]["content"] == "ok"
    assert choice["finish_reason"] == "stop"
    assert body["usage"]["prompt_tokens"] == 10
    assert body["usage"]["completion_tokens"] == 2
    assert body["usage"]["completion_tokens_details"]["reasoning_tokens"] == 0


def test_approved_responses_success_shape(sim):
    body = respond(sim, org="org-sim-approved").json()
    assert body["object"] == "response"
    assert body["id"].startswith("resp_")
    assert body["status"] == "completed"
    texts = [c["text"] for item in body["output"] if item["type"] == "message" for c in item["content"]]
    assert texts == ["ok"]


def test_every_model_answers_on_both_surfaces(sim):
    for model in DEFAULT_TABLE.ids:
        assert chat(sim, model=model).status_code == 200
        assert respond(sim, model=model).status_code == 200


def test_catalogue_listing_and_retrieve(sim):
    ids = model_ids(list_models(sim))
    assert ids == list(catalogue())
    assert set(DEFAULT_TABLE.ids) <= set(ids) and "gpt-4o-mini" in ids
    resp = retrieve(sim, TERRA)
    assert resp.status_code == 200
    assert resp.json() == {"id": TERRA, "object": "model", "created": resp.json()["created"], "owned_by": "system"}


def sse_data(resp: requests.Response) -> list[str]:
    return [line[len("data: "):] for line in resp.text.splitlines() if line.startswith("data: ")]


def test_chat_stream_sse(sim):
    resp = chat(sim, stream=True, stream_options={"include_usage": True})
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/event-stream")
    data = sse_data(resp)
    assert data[-1] == "[DONE]"
    chunks = [json.loads(d) for d in data[:-1]]
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    assert text == "ok"
    finishes = [c["choices"][0]["finish_reason"] for c in chunks if c["choices"]]
    assert finishes[-1] == "stop"
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["completion_tokens"] == 2


def test_responses_stream_sse(sim):
    resp = respond(sim, stream=True)
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/event-stream")
    events = [line[len("event: "):] for line in resp.text.splitlines() if line.startswith("event: ")]
    assert events[0] == "response.created"
    assert "response.output_text.delta" in events
    assert events[-1] == "response.completed"
    payloads = [json.loads(d) for d in sse_data(resp)]
    assert [p["type"] for p in payloads] == events
    assert "".join(p["delta"] for p in payloads if p["type"] == "response.output_text.delta") == "ok"
    assert [p["sequence_number"] for p in payloads] == list(range(len(payloads)))


def test_errors_before_a_stream_are_json(sim):
    resp = chat(sim, org="org-sim-quota", stream=True)
    assert resp.headers["content-type"].startswith("application/json")
    error_of(resp, 429, "insufficient_quota", "insufficient_quota")


# --------------------------------------------------------------------------- key scenarios


def test_missing_key(sim):
    for resp in every_endpoint(sim, key=None):
        err = error_of(resp, 401, None)
        assert err["message"].startswith("You didn't provide an API key.")


def test_invalid_keys(sim):
    for key in ("not-a-key-at-all-1234", "sk-sim-invalid-abcdefghijklmnop"):
        for resp in every_endpoint(sim, key=key):
            err = error_of(resp, 401, "invalid_api_key")
            assert err["message"].startswith("Incorrect API key provided: ")
            assert key[-4:] in err["message"] and key not in err["message"]  # masked, last 4 kept
    resp = chat(sim, key="sk-sim-invalid-abcdefghijklmnop")
    assert "sk-sim-i****" in resp.json()["error"]["message"]


def test_restricted_key(sim):
    key = "sk-sim-restricted-1234567890"
    assert chat(sim, key=key).status_code == 200
    err = error_of(respond(sim, key=key), 401, None)
    assert "insufficient permissions" in err["message"]
    assert "Missing scopes: api.responses.write" in err["message"]


def test_deactivated_key(sim):
    for resp in every_endpoint(sim, key="sk-sim-deactivated-123456789"):
        err = error_of(resp, 401, "account_deactivated")
        assert "deactivated account" in err["message"]


def test_other_org_key(sim):
    key = "sk-sim-other-1234567890abcd"
    resp = chat(sim, key=key)
    assert resp.status_code == 200 and resp.headers["openai-organization"] == org_name_for("org-sim-other")
    assert chat(sim, key=key, org="org-sim-other").status_code == 200
    for org in ("org-sim-approved", "org-anything-else"):
        err = error_of(chat(sim, key=key, org=org), 401, "mismatched_organization")
        assert err["message"] == "OpenAI-Organization header should match organization for API key"


# --------------------------------------------------------------------------- org scenarios


def test_unprovisioned(sim):
    org = "org-sim-unprovisioned"
    ids = model_ids(list_models(sim, org))
    assert not set(IDS_56) & set(ids)
    assert {"gpt-5.5", "gpt-5.4-mini"} <= set(ids)
    for model in IDS_56:
        err = error_of(retrieve(sim, model, org), 404, "model_not_found")
        assert err["message"] == f"The model `{model}` does not exist or you do not have access to it."
        error_of(chat(sim, model=model, org=org), 404, "model_not_found")
        error_of(respond(sim, model=model, org=org), 404, "model_not_found")
    assert chat(sim, model="gpt-5.5", org=org).status_code == 200
    assert respond(sim, model="gpt-5.4-mini", org=org).status_code == 200


def test_pending(sim):
    org = "org-sim-pending"
    assert set(IDS_56) <= set(model_ids(list_models(sim, org)))
    assert retrieve(sim, SOL, org).status_code == 200
    for model in IDS_56:
        err = error_of(chat(sim, model=model, org=org), 403, "model_access_pending")
        assert model in err["message"] and "pending" in err["message"]
        error_of(respond(sim, model=model, org=org), 404, "model_not_found")
    assert chat(sim, model="gpt-5.5", org=org).status_code == 200


def test_foreign(sim):
    for resp in every_endpoint(sim, org="org-sim-foreign"):
        error_of(resp, 401, "mismatched_organization")


def test_project(sim):
    org = "org-sim-project"
    for resp in (chat(sim, model=SOL, org=org), respond(sim, model=SOL, org=org)):
        err = error_of(resp, 403, "model_not_found")
        assert re.fullmatch(r"Project `proj_[A-Za-z0-9]{24}` does not have access to model `gpt-5\.6-sol`",
                            err["message"])
    assert chat(sim, model=TERRA, org=org).status_code == 200
    assert SOL not in model_ids(list_models(sim, org)) and TERRA in model_ids(list_models(sim, org))
    error_of(retrieve(sim, SOL, org), 404, "model_not_found")  # the project's key does not see it


def test_region(sim):
    for resp in every_endpoint(sim, org="org-sim-region"):
        err = error_of(resp, 403, "unsupported_country_region_territory", "request_forbidden")
        assert err["message"] == "Country, region, or territory not supported"
        assert list(err) == ["code", "message", "param", "type"]  # the real block's own field order


def test_safety(sim):
    org = "org-sim-safety"
    started = time.monotonic()
    resp = chat(sim, model=SOL, org=org)
    assert time.monotonic() - started >= SAFETY_DELAY
    assert resp.status_code == 200
    assert resp.json()["choices"][0]["message"]["content"] == "ok"
    assert resp.headers["openai-safety-notice"] == (
        "This request requires additional safety checks, which can take extra time.")

    resp = chat(sim, model=TERRA, org=org)
    choice = resp.json()["choices"][0]
    assert resp.headers["openai-safety-notice"] == "This content can't be shown."
    assert choice["finish_reason"] == "content_filter"
    assert choice["message"]["content"] is None
    assert choice["message"]["refusal"] == "This content can't be shown."
    body = respond(sim, model=TERRA, org=org).json()
    assert body["status"] == "incomplete" and body["incomplete_details"] == {"reason": "content_filter"}

    started = time.monotonic()
    resp = chat(sim, model=LUNA, org=org)
    assert time.monotonic() - started < SAFETY_DELAY
    assert "openai-safety-notice" not in resp.headers
    assert resp.json()["choices"][0]["message"]["content"] == "ok"


def test_quota(sim):
    org = "org-sim-quota"
    for resp in (chat(sim, org=org), respond(sim, org=org)):
        err = error_of(resp, 429, "insufficient_quota", "insufficient_quota")
        assert err["message"].startswith("You exceeded your current quota")
        assert "retry-after" not in resp.headers
    assert list_models(sim, org).status_code == 200


def test_ratelimited(sim):
    org = "org-sim-ratelimited"
    for resp in (chat(sim, org=org), chat(sim, org=org), respond(sim, org=org)):
        err = error_of(resp, 429, "rate_limit_exceeded", "requests")
        assert err["message"].startswith("Rate limit reached for ")
        assert resp.headers["retry-after"] == "1"
    assert list_models(sim, org).status_code == 200


def test_flaky_once_per_model_and_surface():
    org = "org-sim-flaky"
    with start_simulator() as fresh:
        for call in (chat, respond):
            for model in (SOL, LUNA):
                first = call(fresh, model=model, org=org)
                err = error_of(first, 503, None, "server_error")
                assert err["message"].startswith("That model is currently overloaded")
                assert first.headers["x-request-id"] in err["message"]
                assert first.headers["retry-after"] == "0"
                assert call(fresh, model=model, org=org).status_code == 200
                assert call(fresh, model=model, org=org).status_code == 200


def test_unverified(sim):
    org = "org-sim-unverified"
    for model in IDS_56:
        for call in (chat, respond):
            err = error_of(call(sim, model=model, org=org, stream=True), 400, "unsupported_value", param="stream")
            assert err["message"].startswith("Your organization must be verified to stream this model.")
    for call in (chat, respond):
        resp = call(sim, model=SOL, org=org)
        err = error_of(resp, 404, None)
        assert err["message"].startswith("Your organization must be verified to use the model `gpt-5.6-sol`.")
        assert "openai-organization" not in resp.headers  # the real one carried no openai-* headers
        assert call(sim, model=TERRA, org=org).status_code == 200
    assert chat(sim, model="gpt-5.5", org=org, stream=True).status_code == 200


def test_tight(sim):
    org = "org-sim-tight"
    for model in IDS_56:
        choice = chat(sim, model=model, org=org).json()["choices"][0]
        assert choice["message"]["content"] == "" and choice["finish_reason"] == "length"
        body = respond(sim, model=model, org=org).json()
        assert body["status"] == "incomplete"
        assert body["incomplete_details"] == {"reason": "max_output_tokens"}
    assert chat(sim, model="gpt-5.5", org=org).json()["choices"][0]["finish_reason"] == "stop"


def test_fault_500(sim):
    org = "org-sim-fault-500"
    for resp in (chat(sim, org=org), respond(sim, org=org)):
        err = error_of(resp, 500, None, "server_error")
        assert err["message"].startswith("The server had an error processing your request.")
    assert list_models(sim, org).status_code == 200


# --------------------------------------------------------------------------- model-level rules


def test_unknown_model_is_404_everywhere(sim):
    for resp in (chat(sim, model="gpt-9"), respond(sim, model="gpt-9"), retrieve(sim, "gpt-9")):
        err = error_of(resp, 404, "model_not_found")
        assert err["message"] == "The model `gpt-9` does not exist or you do not have access to it."


def test_max_tokens_rejected_by_gpt5_models(sim):
    for model in DEFAULT_TABLE.ids:
        err = error_of(chat(sim, model=model, max_tokens=8), 400, "unsupported_parameter", param="max_tokens")
        assert err["message"] == ("Unsupported parameter: 'max_tokens' is not supported with this model. "
                                  "Use 'max_completion_tokens' instead.")
    assert chat(sim, model="gpt-4o-mini", max_tokens=8).status_code == 200
    assert chat(sim, model="gpt-4o-mini", max_completion_tokens=8).status_code == 200


def test_reasoning_effort_rules(sim):
    for model in IDS_56:
        for effort in ("none", "low", "medium", "high", "xhigh"):
            assert chat(sim, model=model, reasoning_effort=effort).status_code == 200
            assert respond(sim, model=model, reasoning={"effort": effort}).status_code == 200
        err = error_of(chat(sim, model=model, reasoning_effort="minimal"), 400, "unsupported_value",
                       param="reasoning_effort")
        assert err["message"].endswith("Supported values are: 'none', 'low', 'medium', 'high', and 'xhigh'.")
        error_of(respond(sim, model=model, reasoning={"effort": "minimal"}), 400, "unsupported_value",
                 param="reasoning.effort")
    for model in ("gpt-5.5", "gpt-5.4-mini"):
        assert chat(sim, model=model, reasoning_effort="minimal").status_code == 200
        err = error_of(chat(sim, model=model, reasoning_effort="none"), 400, "unsupported_value",
                       param="reasoning_effort")
        assert "Supported values are: 'minimal', 'low', 'medium', and 'high'." in err["message"]


def test_max_output_tokens_minimum(sim):
    err = error_of(respond(sim, max_output_tokens=8), 400, "integer_below_min_value", param="max_output_tokens")
    assert err["message"] == ("Invalid 'max_output_tokens': integer below minimum value. "
                              "Expected a value >= 16, but got 8 instead.")
    assert respond(sim, max_output_tokens=16).status_code == 200


# --------------------------------------------------------------------------- faults


def test_fault_delay(sim):
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        chat(sim, org="org-sim-fault-delay", timeout=(2, 0.5))
    assert time.monotonic() - started < FAULT_DELAY
    started = time.monotonic()
    resp = list_models(sim, "org-sim-fault-delay")
    assert resp.status_code == 200 and time.monotonic() - started >= FAULT_DELAY


def test_fault_slowbody(sim):
    started = time.monotonic()
    resp = requests.post(f"{sim.base_url}/chat/completions", headers=headers("org-sim-fault-slowbody"),
                         json={"model": SOL, "messages": []}, stream=True, timeout=5)
    assert resp.status_code == 200
    assert time.monotonic() - started < 1.0  # headers at once
    length = int(resp.headers["content-length"])
    assert length * TRICKLE > 5  # the whole body would take longer than 5 s
    started = time.monotonic()
    first = resp.raw.read(4)
    assert first == b"{\n  "[:4]
    assert time.monotonic() - started >= 3 * TRICKLE * 0.9
    resp.close()


def test_fault_reset(sim):
    with pytest.raises(requests.exceptions.ConnectionError):
        chat(sim, org="org-sim-fault-reset")
    with pytest.raises(requests.exceptions.ConnectionError):
        list_models(sim, "org-sim-fault-reset")


def test_fault_html502(sim):
    resp = chat(sim, org="org-sim-fault-html502")
    assert resp.status_code == 502
    assert resp.headers["content-type"].startswith("text/html")
    assert "<title>502 Bad Gateway</title>" in resp.text and "cloudflare" in resp.text
    assert resp.headers["server"] == "cloudflare" and "cf-ray" in resp.headers
    assert "x-request-id" not in resp.headers


def test_fault_html403_every_endpoint(sim):
    for resp in every_endpoint(sim, org="org-sim-fault-html403"):
        assert resp.status_code == 403
        assert resp.headers["content-type"].startswith("text/html")
        assert "Sorry, you have been blocked" in resp.text
        assert "Attention Required! | Cloudflare" in resp.text


def test_fault_truncated(sim):
    resp = chat(sim, org="org-sim-fault-truncated")
    assert resp.status_code == 200
    assert int(resp.headers["content-length"]) == len(resp.content)
    with pytest.raises(ValueError):
        json.loads(resp.content)
    assert resp.text.startswith('{\n  "id": "chatcmpl-')


def test_fault_oversize(sim):
    resp = chat(sim, org="org-sim-fault-oversize")
    assert resp.status_code == 200
    assert len(resp.content) == int(resp.headers["content-length"]) >= 20 * 1024 * 1024
    assert resp.json()["choices"][0]["message"]["content"] == "ok"  # big, but still valid JSON


# --------------------------------------------------------------------------- options


def test_latency_option():
    with start_simulator(latency=0.3) as slow:
        started = time.monotonic()
        assert list_models(slow).status_code == 200
        assert time.monotonic() - started >= 0.3
        started = time.monotonic()
        assert chat(slow).status_code == 200
        assert time.monotonic() - started >= 0.3


def test_negative_latency_refused():
    with pytest.raises(ValueError):
        start_simulator(latency=-1)


def test_fixed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with start_simulator(port=port) as fixed:
        assert fixed.port == port
        assert list_models(fixed).status_code == 200


def test_listing_names_every_contract_org_and_key():
    rows = scenario_listing()
    orgs = {row[1] for row in rows}
    for org in ("approved", "unprovisioned", "pending", "foreign", "project", "region", "safety", "quota",
                "ratelimited", "flaky", "unverified", "tight", "fault-delay", "fault-slowbody", "fault-reset",
                "fault-html502", "fault-html403", "fault-truncated", "fault-oversize", "fault-500"):
        assert f"org-sim-{org}" in orgs
    keys = " ".join(row[2] for row in rows)
    for key in ("sk-sim-invalid", "sk-sim-restricted", "sk-sim-deactivated", "sk-sim-other"):
        assert key in keys
    text = format_listing(rows)
    assert text.splitlines()[0].startswith("scenario")


def test_run_forever_prints_url_and_listing():
    import io
    import threading

    out = io.StringIO()
    handles: list[Any] = []

    def started(handle: Any) -> None:
        handles.append(handle)

    runner = threading.Thread(target=run_forever, kwargs={"out": out, "on_start": started, "latency": 0.01})
    runner.start()
    deadline = time.monotonic() + 5
    while "Ctrl-C" not in out.getvalue() and time.monotonic() < deadline:
        time.sleep(0.02)
    handle = handles[0]
    assert list_models(handle).status_code == 200
    handle.stop()
    runner.join(timeout=5)
    assert not runner.is_alive()
    text = out.getvalue()
    assert handle.base_url in text and "org-sim-pending" in text and "sk-sim-restricted" in text


# --------------------------------------------------------------------------- user scenario files

TOML_FILE = """
[defaults]
safety_delay = 0.1

[[scenario]]
name = "acme-pending"
org = "org-acme"
description = "what we saw on 2026-11-20"

[[scenario.rules]]
models = ["gpt-5.6-*"]
endpoints = ["chat"]
error = { status = 403, message = "Nope for {model} in {org}", code = "model_access_pending" }

[[scenario.rules]]
models = "gpt-5.6-luna"
endpoints = "responses"
answer = "ok"
safety_delay = true
headers = { "openai-safety-notice" = "slow" }

[[scenario]]
name = "approved-now-broken"
org = "org-sim-approved"
description = "override a built-in by org"
rules = [{ endpoints = "sampling", fault = "html502" }]
"""


def test_user_toml_file(tmp_path: Path):
    path = tmp_path / "seen.toml"
    path.write_text(TOML_FILE)
    with start_simulator(scenarios_file=path) as custom:
        err = error_of(chat(custom, model=TERRA, org="org-acme"), 403, "model_access_pending")
        assert err["message"] == f"Nope for {TERRA} in org-acme"
        assert chat(custom, model="gpt-5.5", org="org-acme").status_code == 200
        started = time.monotonic()
        resp = respond(custom, model=LUNA, org="org-acme")
        assert resp.status_code == 200 and resp.headers["openai-safety-notice"] == "slow"
        assert time.monotonic() - started >= 0.1
        assert chat(custom, org="org-sim-approved").status_code == 502
        assert chat(custom, org="org-sim-pending").status_code == 403  # other built-ins kept
        names = [s.name for s in custom.scenarios]
        assert "approved" not in names and "approved-now-broken" in names and "acme-pending" in names


def test_a_scenario_file_can_name_its_org(tmp_path: Path):
    path = tmp_path / "named.json"
    path.write_text(json.dumps({"scenario": [{"name": "acme", "org": "org-acme", "org_name": "acme-x1y2z3"}]}))
    with start_simulator(scenarios_file=path) as custom:
        assert chat(custom, org="org-acme").headers["openai-organization"] == "acme-x1y2z3"


def test_user_json_file(tmp_path: Path):
    path = tmp_path / "seen.json"
    path.write_text(json.dumps({"scenario": [{
        "name": "acme-region", "org": "org-acme", "rules": [
            {"error": {"status": 403, "message": "Country, region, or territory not supported",
                       "type": "request_forbidden", "code": "unsupported_country_region_territory"}}]}]}))
    with start_simulator(scenarios_file=path) as custom:
        error_of(list_models(custom, "org-acme"), 403, "unsupported_country_region_territory", "request_forbidden")
        assert list_models(custom, "org-other").status_code == 200


def test_malformed_toml_names_file_and_line(tmp_path: Path):
    path = tmp_path / "broken.toml"
    path.write_text('[[scenario]]\nname = "x"\norg = "org-x\n')
    with pytest.raises(ScenarioFileError) as caught:
        load_scenario_file(path)
    assert caught.value.line == 3
    assert str(path) in str(caught.value) and ":3" in str(caught.value)


def test_malformed_json_names_line(tmp_path: Path):
    path = tmp_path / "broken.json"
    path.write_text('{\n  "scenario": [\n    {"name": "x",}\n  ]\n}\n')
    with pytest.raises(ScenarioFileError) as caught:
        load_scenario_file(path)
    assert caught.value.line == 3 and str(path) in str(caught.value)


@pytest.mark.parametrize("scenario, fragment", [
    ({"name": "x"}, "needs an org or a key"),
    ({"org": "org-x"}, "needs a name"),
    ({"name": "x", "org": "org-x", "colour": "red"}, "unknown key(s) colour"),
    ({"name": "x", "org": "org-x", "rules": [{"models": "*"}]}, "exactly one of error, fault, answer, hidden"),
    ({"name": "x", "org": "org-x", "rules": [{"fault": "explode"}]}, "unknown fault 'explode'"),
    ({"name": "x", "org": "org-x", "rules": [{"answer": "ok", "fault": "reset"}]}, "exactly one"),
    ({"name": "x", "org": "org-x", "rules": [{"error": {"status": 200, "message": "m"}}]}, "400 to 599"),
    ({"name": "x", "org": "org-x", "rules": [{"endpoints": "embeddings", "answer": "ok"}]}, "unknown endpoint"),
    ({"name": "x", "key": "pk-123", "rules": []}, "must start with 'sk-'"),
    ({"name": "x", "org": "org-x", "org_name": "acme\r\nx-evil: 1"}, "org_name"),
])
def test_malformed_scenarios_are_explained(tmp_path: Path, scenario: dict[str, Any], fragment: str):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"scenario": [scenario]}))
    with pytest.raises(ScenarioFileError) as caught:
        start_simulator(scenarios_file=path)
    assert fragment in str(caught.value)
    assert str(path) in str(caught.value) and "scenario[0]" in str(caught.value)


def test_missing_file_is_a_scenario_file_error(tmp_path: Path):
    with pytest.raises(ScenarioFileError):
        load_scenario_file(tmp_path / "nope.toml")
