"""Gateways, proxies and the 2026 codes: `check` against the simulator's scenarios that play each real body.

The bodies are the real ones quoted in public issues and docs (tests/fixtures/real_bodies names each source;
docs/real-error-bodies.md sections 19-25). Each test runs the real CLI over real HTTP on loopback.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from gpt56probe.cli import main
from gpt56probe.core.gateways import detect
from tests.conftest import FAKE_KEY

FIXTURES = Path(__file__).parent / "fixtures" / "real_bodies"


def check(sim: Any, *args: str, key: str = FAKE_KEY, env: dict[str, str] | None = None) -> tuple[Any, dict[str, Any]]:
    result = CliRunner().invoke(main, ["check", "--base-url", sim.base_url, "--format", "json", "--timeout", "5",
                                       "--deadline", "30", *args], env={"OPENAI_API_KEY": key, **(env or {})},
                                catch_exceptions=False)
    return result, json.loads(result.stdout)


def one(doc: dict[str, Any], model: str = "gpt-5.6-sol", surface: str = "chat") -> dict[str, Any]:
    return next(r for r in doc["results"] if r["model"] == model and r["surface"] == surface)


# ------------------------------------------------------------------ 1. gateways and Azure


def test_a_litellm_message_object_is_read_and_the_model_is_no_access_through_the_gateway(sim):
    result, doc = check(sim, "--org", "org-sim-litellm-model", "--tier", "sol")
    r = one(doc)
    assert r["verdict"] == "not_provisioned", r["reason"]
    assert "Invalid model name passed in model=gpt-5.6-sol" in r["error_message"]
    assert "None" not in r["reason"].split(":")[0]  # never "400 None" again
    assert r["gateway"] == "LiteLLM proxy (x-litellm-call-id header)"
    assert "through LiteLLM proxy" in r["remediation"]
    assert result.exit_code == 2


def test_a_gateway_budget_is_the_gateways_limit_and_is_not_retried(sim):
    _, doc = check(sim, "--org", "org-sim-litellm-budget", "--tier", "sol")
    r = one(doc)
    assert r["verdict"] == "quota_exhausted" and r["attempts"] == 1, r
    assert r["remediation"].startswith("LiteLLM proxy enforces this budget") and "not OpenAI" in r["remediation"]
    assert "Billing: add credits" not in r["remediation"]


def test_a_key_the_gateway_does_not_know_is_invalid_key_naming_the_gateway(sim):
    _, doc = check(sim, "--org", "org-x", "--tier", "sol", key="sk-sim-litellm-bad-0123456789abcdef")
    r = one(doc)
    assert r["verdict"] == "invalid_key" and r["gateway"].startswith("LiteLLM proxy")
    assert "use a key issued by LiteLLM proxy" in r["remediation"]
    assert "0123456789abcdef" not in json.dumps(doc)


def test_an_azure_deployment_that_does_not_exist_is_no_access_through_azure(sim):
    _, doc = check(sim, "--org", "org-sim-azure-deployment", "--tier", "sol")
    r = one(doc)
    assert r["verdict"] == "not_provisioned" and r["error_code"] == "DeploymentNotFound", r["reason"]
    assert r["gateway"] == "Azure OpenAI (apim-request-id header)"
    assert "through Azure OpenAI" in r["remediation"]


def test_azure_access_denied_is_invalid_key_with_the_azure_step(sim):
    _, doc = check(sim, "--tier", "sol", key="sk-sim-azure-bad-0123456789abcdef")
    r = one(doc)
    assert r["verdict"] == "invalid_key" and r["gateway"].startswith("Azure OpenAI"), r
    assert "regional endpoint" in r["remediation"]


def test_openrouter_credits_are_openrouters_not_openai_billing(sim):
    _, doc = check(sim, "--org", "org-sim-openrouter-credits", "--tier", "sol")
    r = one(doc)
    assert r["verdict"] == "quota_exhausted" and r["attempts"] == 1 and r["gateway"] == "OpenRouter (its error envelope)"
    assert "openrouter.ai/settings/credits" in r["remediation"] and "OpenAI billing is not the cause" in r["remediation"]


def test_openrouter_without_the_model_is_no_access_through_openrouter(sim):
    _, doc = check(sim, "--org", "org-sim-openrouter-model", "--tier", "sol")
    r = one(doc)
    assert r["verdict"] == "not_provisioned" and "is not a valid model ID" in r["error_message"]
    assert r["gateway"].startswith("OpenRouter")


def test_the_summary_and_the_trace_say_who_answered(sim):
    result = CliRunner().invoke(main, ["check", "--base-url", sim.base_url, "--org", "org-sim-litellm-budget", "--tier", "sol",
                                       "--timeout", "5", "-v"], env={"OPENAI_API_KEY": FAKE_KEY, "COLUMNS": "100"},
                                catch_exceptions=False)
    assert "answered by: LiteLLM proxy (x-litellm-call-id header)" in result.stdout
    assert "via=LiteLLM proxy" in result.stderr
    _, plain = check(sim, "--org", "org-sim-approved", "--tier", "sol")
    assert one(plain)["gateway"] is None


def test_the_support_packet_names_the_gateway(sim):
    result = CliRunner().invoke(main, ["support-packet", "--base-url", sim.base_url, "--org", "org-sim-azure-deployment",
                                       "--model", "gpt-5.6-sol", "--timeout", "5"], env={"OPENAI_API_KEY": FAKE_KEY},
                                catch_exceptions=False)
    assert "answered by Azure OpenAI (apim-request-id header), not api.openai.com itself" in result.stdout, result.stdout


# ------------------------------------------------------------------ 2. proxies


def test_a_407_page_means_authenticate_to_your_proxy_never_region(sim):
    _, doc = check(sim, "--org", "org-sim-proxy-407", "--tier", "sol")
    r = one(doc)
    assert r["verdict"] == "network_error", r["reason"]
    assert r["remediation"].startswith("Authenticate to your proxy")
    assert r["gateway"].startswith("Squid proxy")


def test_a_proxys_own_block_page_is_not_openais_edge(sim):
    _, doc = check(sim, "--org", "org-sim-proxy-block", "--tier", "sol")
    r = one(doc)
    assert r["verdict"] == "network_error" and "not OpenAI's edge" in r["reason"], r["reason"]
    assert "Your proxy (Squid proxy) blocks the API" in r["remediation"]


def test_a_connect_answered_407_says_authenticate_to_your_proxy(sim):
    proxy = sim.base_url.rsplit("/v1", 1)[0]
    result = CliRunner().invoke(main, ["check", "--base-url", "https://api.openai.com/v1", "--org", "org-a", "--tier", "sol",
                                       "--timeout", "5"], env={"OPENAI_API_KEY": FAKE_KEY, "HTTPS_PROXY": proxy, "NO_PROXY": "",
                                                               "COLUMNS": "100"}, catch_exceptions=False)
    assert "the proxy wants credentials (407 Proxy Authentication Required)" in result.stdout, result.stdout
    assert "Authenticate to your proxy" in result.stdout and "region" not in result.stdout.split("next")[0]
    _, doc = check(sim, "--org", "org-a", "--tier", "sol", env={"HTTPS_PROXY": proxy, "NO_PROXY": ""})
    assert doc["results"]  # the simulator base URL is http: no CONNECT, the proxy is not used for it
    result, doc = (lambda r: (r, json.loads(r.stdout)))(CliRunner().invoke(
        main, ["check", "--base-url", "https://api.openai.com/v1", "--org", "org-a", "--tier", "sol", "--timeout", "5",
               "--format", "json"], env={"OPENAI_API_KEY": FAKE_KEY, "HTTPS_PROXY": proxy, "NO_PROXY": ""}, catch_exceptions=False))
    r = one(doc)
    assert r["verdict"] == "network_error" and "407" in r["reason"] and r["remediation"].startswith("Authenticate to your proxy")


def test_a_forward_proxy_answering_407_to_a_plain_request_is_read_the_same(sim):
    proxy = sim.base_url.rsplit("/v1", 1)[0]
    result = CliRunner().invoke(main, ["check", "--base-url", "http://api.example.test/v1", "--org", "org-a", "--tier", "sol",
                                       "--timeout", "5", "--format", "json"],
                                env={"OPENAI_API_KEY": FAKE_KEY, "HTTP_PROXY": proxy, "NO_PROXY": ""}, catch_exceptions=False)
    r = one(json.loads(result.stdout))
    assert r["http_status"] == 407 and r["verdict"] == "network_error", r["reason"]
    assert r["remediation"].startswith("Authenticate to your proxy") and r["gateway"].startswith("Squid proxy")


# ------------------------------------------------------------------ 3. missing or unreadable credentials


def test_missing_bearer_is_invalid_key_and_its_wording_survives_redaction(sim):
    _, doc = check(sim, "--tier", "sol", key="sk-sim-nobearer-0123456789abcdef")
    r = one(doc)
    assert r["verdict"] == "invalid_key", r["reason"]
    assert r["error_message"] == "Missing bearer or basic authentication in header"
    assert "Authorization header" in r["remediation"]


def test_a_restricted_key_without_model_request_is_key_permissions_naming_the_scope(sim):
    _, doc = check(sim, "--tier", "sol", key="sk-sim-noscope-0123456789abcdef")
    r = one(doc)
    assert r["verdict"] == "key_permissions" and "model.request" in r["remediation"], r


# ------------------------------------------------------------------ 4. parameters by meaning


def test_an_api_that_does_not_know_max_completion_tokens_is_answered_in_two_requests(sim):
    _, doc = check(sim, "--org", "org-sim-azure-oldapi", "--tier", "sol", "--tier", "luna")
    for model in ("gpt-5.6-sol", "gpt-5.6-luna"):
        r = one(doc, model)
        assert r["verdict"] == "ok", r["reason"]
        assert r["attempts"] == 2 and r["adaptations"] == ["max_completion_tokens->max_tokens, reasoning_effort none->(omitted)"], r


@pytest.mark.parametrize("org", ["org-sim-approved", "org-sim-azure-oldapi"])
def test_a_non_reasoning_model_is_ok_in_at_most_two_requests_per_surface(sim, org):
    _, doc = check(sim, "--org", org, "--model", "gpt-4o-mini", "--surface", "both")
    for surface in ("chat", "responses"):
        r = one(doc, "gpt-4o-mini", surface)
        assert r["verdict"] == "ok" and r["attempts"] <= 2, (surface, r["reason"], r["adaptations"])


# ------------------------------------------------------------------ 5. the 2026 codes


BILLING = {
    "organization_usage_limit_exceeded": "approved usage limit",
    "organization_spend_limit_exceeded": "organization's hard spend limit",
    "project_spend_limit_exceeded": "project's hard spend limit",
    "credit_balance_exhausted": "Add credits",
}


@pytest.mark.parametrize("code", sorted(BILLING))
def test_each_2026_billing_code_has_its_own_next_step_and_is_never_retried(sim, code):
    _, doc = check(sim, "--org", "org-sim-" + code.replace("_", "-"), "--tier", "sol")
    r = one(doc)
    assert r["verdict"] == "quota_exhausted" and r["error_code"] == code and r["attempts"] == 1, r
    assert BILLING[code] in r["remediation"]


def test_ip_not_authorized_is_the_allowlist_of_this_vantage_not_the_region(sim):
    _, doc = check(sim, "--org", "org-sim-ip", "--tier", "sol")
    r = one(doc)
    assert r["verdict"] == "key_permissions" and "IP allowlist" in r["remediation"] and "not a region block" in r["remediation"]


def test_cyber_policy_is_a_safety_revocation_for_a_while(sim):
    _, doc = check(sim, "--org", "org-sim-cyber")
    assert one(doc)["verdict"] == "safety_check" and "cyber" in one(doc)["remediation"]
    assert one(doc, "gpt-5.6-luna")["verdict"] == "ok"


def test_invalid_access_program_is_the_projects_access(sim):
    _, doc = check(sim, "--org", "org-sim-access-program", "--tier", "sol")
    r = one(doc)
    assert r["verdict"] == "project_no_access" and "access program" in r["remediation"]


# ------------------------------------------------------------------ 6. a blank answer


def test_a_blank_200_is_a_warning_with_its_reading_and_request_id(sim):
    result, doc = check(sim, "--org", "org-sim-blank", "--tier", "sol", "--surface", "both")
    for surface in ("chat", "responses"):
        r = one(doc, surface=surface)
        assert r["verdict"] == "safety_check" and r["http_status"] == 200, r["reason"]
        assert "blank answer" in r["reason"] and "a safety check running, or a block" in r["reason"]
        assert r["request_id"].startswith("req_")
    assert result.exit_code == 1


# ------------------------------------------------------------------ fixtures: who answered


def test_every_gateway_fixture_is_recognised_as_its_gateway():
    cases = [json.loads(p.read_text()) for p in sorted(FIXTURES.glob("*.json"))]
    named = [c for c in cases if "gateway" in c]
    assert len(named) >= 12
    for case in named:
        found = detect(case["headers"], case["body"])
        assert found is not None and found.name == case["gateway"], case["source"]
    for case in cases:
        if "gateway" not in case and case["source"].startswith("https://github.com/") and "litellm" not in case["source"]:
            found = detect(case["headers"], case["body"])
            assert found is None or case["verdict"] in ("unknown",), (case["source"], found)


# ------------------------------------------------------------------ 7. say what is sent


def test_check_help_and_dry_run_describe_the_requests_actually_sent(sim):
    help_text = " ".join(CliRunner().invoke(main, ["check", "--help"]).stdout.split())
    assert "one free GET /v1/models per org and key (beside the samples)" in help_text
    assert "/v1/models/{id}" not in help_text
    before = len(sim.requests)
    result = CliRunner().invoke(main, ["check", "--dry-run", "--base-url", sim.base_url, "--org", "org-a", "--org", "org-b",
                                       "--tier", "sol", "--format", "json"], catch_exceptions=False)
    doc = json.loads(result.stdout)
    assert len(sim.requests) == before
    assert doc["listings"] == [{"org": "org-a", "request": "GET /v1/models", "max_cost_usd": 0},
                               {"org": "org-b", "request": "GET /v1/models", "max_cost_usd": 0}]
    assert all(p["requests"] == ["POST /v1/chat/completions"] for p in doc["probes"])
    _, real = check(sim, "--org", "org-a", "--org", "org-b", "--tier", "sol")
    sent = [(q.method, q.path.split("?")[0]) for q in sim.requests[before:]]
    assert sent.count(("GET", "/v1/models")) == 2 and sent.count(("POST", "/v1/chat/completions")) == 2, sent


def test_a_stream_cut_mid_body_is_not_retried_and_a_plain_body_cut_is_retried_as_the_sdk_does(sim):
    _, doc = check(sim, "--org", "org-sim-fault-cutbody", "--tier", "luna", "--stream")
    streamed = next(r for r in doc["results"] if r["stream"])
    plain = next(r for r in doc["results"] if not r["stream"])
    assert streamed["verdict"] == "server_error" and streamed["attempts"] == 1, streamed["reason"]
    assert "cut mid-body" in streamed["reason"] and streamed["http_status"] == 200
    assert plain["verdict"] == "server_error" and plain["attempts"] == 3, plain["reason"]


def test_a_rejection_is_read_by_meaning_and_a_flagged_prompt_is_never_adapted():
    from gpt56probe.core.observation import Exchange
    from gpt56probe.core.retrypolicy import RequestShape, adapt

    def rejected(message: str, param: str | None = None, code: str | None = None) -> Exchange:
        return Exchange(status=400, body=json.dumps({"error": {"message": message, "type": "invalid_request_error",
                                                               "param": param, "code": code}}))

    sent = RequestShape("max_completion_tokens", "none")
    assert adapt(rejected("Unrecognized request argument supplied: max_completion_tokens"), "chat", sent) == RequestShape("max_tokens", None)
    assert adapt(rejected("Unrecognized request argument supplied: reasoning_effort"), "chat", sent) == RequestShape("max_completion_tokens", None)
    assert adapt(rejected("Unsupported parameter: 'reasoning.effort' is not supported with this model.", "reasoning.effort",
                          "unsupported_parameter"), "responses", sent) == RequestShape("max_completion_tokens", None)
    value = "Unsupported value: 'reasoning_effort' does not support 'none' with this model. Supported values are: 'low' and 'high'."
    assert adapt(rejected(value, "reasoning_effort", "unsupported_value"), "chat", sent) == RequestShape("max_completion_tokens", "low")
    flagged = ("Invalid prompt: your prompt was flagged as potentially violating our usage policy. Please try again with a "
               "different prompt: https://platform.openai.com/docs/guides/reasoning#advice-on-prompting")
    assert adapt(rejected(flagged, code="invalid_prompt"), "chat", sent) is None


def test_a_refused_connect_and_an_intercepted_certificate_are_named_from_the_failure_alone():
    from gpt56probe.core.classify import classify
    from gpt56probe.core.observation import Exchange, Failure, Observation, Target

    def judged(failure: Failure, detail: str) -> Any:
        target = Target(org="org-a", model="gpt-5.6-sol", tier="sol")
        return classify(Observation(target=target, precheck="skipped", sample=Exchange(failure=failure, failure_detail=detail), attempts=1))

    connect = judged(Failure.PROXY, "ProxyError('Unable to connect to proxy', OSError('Tunnel connection failed: 407 Proxy Authentication Required'))")
    assert connect.verdict.value == "network_error" and connect.remediation.startswith("Authenticate to your proxy")
    tls = judged(Failure.TLS, "SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "
                              "self-signed certificate in certificate chain (_ssl.c:1000)'))")
    assert tls.verdict.value == "network_error" and "REQUESTS_CA_BUNDLE" in tls.remediation
    assert tls.gateway == "a TLS-intercepting proxy"
    other = judged(Failure.PROXY, "ProxyError('Unable to connect to proxy', NewConnectionError('Connection refused'))")
    assert "Authenticate" not in other.remediation


def test_a_recorded_gateway_incident_replays_to_the_same_verdict_and_gateway(sim, tmp_path):
    from gpt56probe.simulator import start_simulator

    record = tmp_path / "gateway.toml"
    orgs = ["org-sim-litellm-budget", "org-sim-azure-deployment", "org-sim-proxy-block"]
    args = [a for org in orgs for a in ("--org", org)]
    _, first = check(sim, *args, "--tier", "sol", "--record", str(record))
    with start_simulator(port=0, scenarios_file=record) as replay:
        _, again = check(replay, *args, "--tier", "sol")
    seen = {(r["org"], r["model"]): (r["verdict"], r["gateway"]) for r in first["results"]}
    assert {(r["org"], r["model"]): (r["verdict"], r["gateway"]) for r in again["results"]} == seen
    assert seen[("org-sim-litellm-budget", "gpt-5.6-sol")] == ("quota_exhausted", "LiteLLM proxy (x-litellm-call-id header)")
