"""`gpt56probe check` and `demo`: the real CLI over real HTTP against the loopback simulator."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from gpt56probe.cli import main
from tests.conftest import FAKE_KEY

REQ_ID = re.compile(r"^req_[0-9a-f]{32}$")


def run(args, env=None, key=FAKE_KEY):
    environ = {"OPENAI_API_KEY": key} if key else {}
    environ.update(env or {})
    return CliRunner().invoke(main, args, env=environ, catch_exceptions=False)


def check_json(sim, *args, key=FAKE_KEY):
    result = run(["check", "--base-url", sim.base_url, "--format", "json", "--timeout", "3", "--deadline", "20", *args], key=key)
    return result, json.loads(result.stdout)


def verdicts(doc):
    return {(r["org"], r["model"], r["surface"], r["stream"]): r["verdict"] for r in doc["results"]}


# scenario org -> expected verdict of each 5.6 tier (sol, terra, luna) on chat, one key for that org alone
SCENARIO_VERDICTS = {
    "org-sim-approved": ("ok", "ok", "ok"),
    "org-sim-unprovisioned": ("not_provisioned",) * 3,
    "org-sim-pending": ("provisioning_pending",) * 3,
    "org-sim-foreign": ("wrong_org",) * 3,
    "org-sim-project": ("project_no_access", "ok", "ok"),
    "org-sim-region": ("region_vpn",) * 3,
    "org-sim-safety": ("safety_check", "safety_check", "ok"),
    "org-sim-quota": ("quota_exhausted",) * 3,
    "org-sim-ratelimited": ("rate_limited",) * 3,
    "org-sim-unverified": ("org_not_eligible", "ok", "ok"),
    "org-sim-tight": ("ok", "ok", "ok"),
    "org-sim-flaky": ("ok", "ok", "ok"),
    "org-sim-fault-html403": ("region_vpn",) * 3,
    "org-sim-fault-html502": ("server_error",) * 3,
    "org-sim-fault-500": ("server_error",) * 3,
    "org-sim-fault-html524": ("timeout",) * 3,
    "org-sim-noretry": ("server_error",) * 3,
}
EXIT_BY_WORST = {"ok": 0, "safety_check": 1, "rate_limited": 1, "server_error": 1, "timeout": 1}


@pytest.mark.parametrize("org", sorted(SCENARIO_VERDICTS))
def test_each_simulator_scenario_gets_its_verdict_on_every_tier(sim, org):
    result, doc = check_json(sim, "--org", org, "--tier", "sol", "--tier", "terra", "--tier", "luna")
    got = tuple(r["verdict"] for r in doc["results"])
    assert got == SCENARIO_VERDICTS[org], doc["results"]
    expected_exit = max((EXIT_BY_WORST.get(v, 2) for v in got))
    assert result.exit_code == expected_exit == doc["summary"]["exit_code"]


def test_every_answer_carries_a_real_request_id_and_the_org_name(sim):
    from gpt56probe.simulator.answers import org_name_for

    _, doc = check_json(sim, "--org", "org-sim-approved")
    for r in doc["results"]:
        assert REQ_ID.match(r["request_id"]), r
        assert r["org_name"] == r["served_org"] == org_name_for("org-sim-approved")
        assert not r["org_name"].startswith("org-")
        assert r["ok"] is True and r["precheck"] == "listed" and isinstance(r["latency_ms"], float)
        assert "served by" not in r["reason"] and "asked for" not in r["reason"]


def test_a_healthy_answer_to_an_org_id_gets_no_served_by_note_in_the_table(sim):
    result = run(["check", "--base-url", sim.base_url, "--timeout", "3", "--deadline", "20", "--org", "org-sim-approved", "--tier", "luna"])
    assert result.exit_code == 0, result.output
    assert "answered as" not in result.output and "not the org asked for" not in result.output


def test_fallbacks_inform_but_never_change_the_status(sim):
    result, doc = check_json(sim, "--org", "org-sim-unprovisioned")
    fallbacks = [r for r in doc["results"] if r["tier"] == "fallback"]
    assert [r["verdict"] for r in fallbacks] == ["ok", "ok"]
    assert result.exit_code == 2


def test_one_model_listing_per_org_and_refused_samples_that_bill_nothing(sim):
    before = len(sim.requests)
    _, doc = check_json(sim, "--org", "org-sim-unprovisioned", "--tier", "sol", "--tier", "terra", "--tier", "luna")
    sent = [r for r in sim.requests[before:] if r.headers.get("openai-organization") == "org-sim-unprovisioned"]
    assert [(r.method, r.path) for r in sent if r.method == "GET"] == [("GET", "/v1/models")]
    assert len([r for r in sent if r.method == "POST"]) == 3
    assert [(r["verdict"], r["precheck"], r["http_status"]) for r in doc["results"]] == [("not_provisioned", "not_listed", 404)] * 3


def test_the_same_key_reaching_a_model_through_another_org_is_named_in_the_next_step_not_the_verdict(sim):
    _, doc = check_json(sim, "--org", "org-sim-approved", "--org", "org-sim-unprovisioned", "--tier", "sol")
    by_org = {r["org"]: r for r in doc["results"]}
    assert by_org["org-sim-unprovisioned"]["verdict"] == "not_provisioned"
    assert "the same key reaches it through org-sim-approved" in by_org["org-sim-unprovisioned"]["remediation"]


def test_the_probe_adapts_to_max_completion_tokens_and_reuses_the_lesson(sim):
    from gpt56probe.net.checkrun import CheckRequest, OrgCredential, perform_check
    from gpt56probe.core.models import DEFAULT_TABLE

    table = DEFAULT_TABLE.with_overrides({"sol": {"chat_token_param": "max_tokens"}})
    before = len(sim.requests)
    orgs = [OrgCredential("org-sim-approved", FAKE_KEY)]
    outcome = perform_check(CheckRequest(orgs, table.select(["sol"]), table, stream=True, base_url=sim.base_url, concurrency=1))
    assert [d.verdict.value for d in outcome.diagnoses] == ["ok", "ok"]
    posts = [r.json for r in sim.requests[before:] if r.method == "POST"]
    assert ["max_tokens" in p for p in posts] == [True, False, False]
    assert all(p.get("max_completion_tokens", 16) <= 16 for p in posts)


def test_responses_probes_ask_for_at_most_16_output_tokens(sim):
    before = len(sim.requests)
    _, doc = check_json(sim, "--org", "org-sim-approved", "--surface", "responses")
    assert {r["verdict"] for r in doc["results"]} == {"ok"}
    posts = [r.json for r in sim.requests[before:] if r.method == "POST"]
    assert posts and all(p["max_output_tokens"] == 16 and p["input"] == "Return ok." for p in posts)


def test_streaming_probes_catch_the_streaming_only_verification_gate(sim):
    _, doc = check_json(sim, "--org", "org-sim-unverified", "--tier", "terra", "--stream")
    assert [(r["stream"], r["verdict"]) for r in doc["results"]] == [(False, "ok"), (True, "org_not_eligible")]


def test_a_restricted_key_without_the_responses_scope_is_key_permissions(sim):
    _, doc = check_json(sim, "--org", "org-sim-approved", "--tier", "luna", "--surface", "both", key="sk-sim-restricted-test-0000")
    assert [(r["surface"], r["verdict"]) for r in doc["results"]] == [("chat", "ok"), ("responses", "key_permissions")]


@pytest.mark.parametrize("key,verdict", [("sk-sim-invalid-test-0000", "invalid_key"), ("sk-sim-deactivated-test-0000", "account_blocked")])
def test_key_level_failures(sim, key, verdict):
    result, doc = check_json(sim, "--tier", "sol", key=key)
    assert doc["results"][0]["verdict"] == verdict and result.exit_code == 2


def test_the_details_show_verdict_request_id_and_next_step(sim):
    result = run(["check", "--base-url", sim.base_url, "--org", "org-sim-pending", "--tier", "sol", "--details"])
    assert result.exit_code == 2
    assert "provisioning_pending" in result.stdout and "req_" in result.stdout
    assert "GPT56 CRITICAL - 0/1 expected tiers reachable" in result.stdout


def test_a_timeout_is_reported_within_the_deadline(sim):
    result, doc = check_json(sim, "--org", "org-sim-fault-delay", "--tier", "luna", "--timeout", "0.5")
    assert doc["results"][0]["verdict"] == "timeout" and result.exit_code == 1


@pytest.mark.parametrize("args,message", [
    (["--tier", "mars"], "mars"),
    (["--base-url", "ftp://x"], "http"),
    (["--base-url", "not a url"], "http"),
])
def test_bad_input_is_one_line_and_exit_3(args, message):
    result = run(["check", *args])
    assert result.exit_code == 3
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_no_key_is_one_line_naming_the_fix_and_exit_3():
    result = run(["check", "--base-url", "http://127.0.0.1:9/v1"], key=None)
    assert result.exit_code == 3 and "OPENAI_API_KEY" in result.stderr and "Traceback" not in result.output


def test_verbose_traces_requests_on_stderr_without_the_key(sim):
    result = run(["check", "-v", "--base-url", sim.base_url, "--org", "org-sim-approved", "--tier", "luna"])
    assert "GET http://127.0.0.1" in result.stderr and "POST http://127.0.0.1" in result.stderr
    assert FAKE_KEY not in result.stderr + result.stdout
    assert re.search(r"POST \S+ -> 200 \d+ ms x-request-id=req_[0-9a-f]{32} openai-organization=sim-approved-[a-z0-9]{6}", result.stderr), \
        result.stderr


def test_demo_runs_offline_and_exits_0():
    result = run(["demo", "--details"], key=None)
    assert result.exit_code == 0
    for verdict in ("ok", "not_provisioned", "provisioning_pending", "wrong_org", "region_vpn", "safety_check", "quota_exhausted"):
        assert verdict in result.stdout


def test_json_output_validates_against_the_shipped_schema(sim):
    import jsonschema  # a test extra: a missing one fails the test, never skips it
    _, doc = check_json(sim, "--org", "org-sim-approved", "--org", "org-sim-quota")
    schema = json.loads((Path(__file__).parents[1] / "gpt56probe" / "schema" / "check-result.schema.json").read_text())
    jsonschema.validate(doc, schema)


def test_python_dash_m_and_version_work():
    out = subprocess.run([sys.executable, "-m", "gpt56probe", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("gpt56probe, version ")


def test_every_command_has_help_text():
    import click

    ctx = click.Context(main)
    for name in main.list_commands(ctx):
        command = main.get_command(ctx, name)
        assert command is not None and command.help, f"{name} has no help"
        assert run([name, "-h"], key=None).exit_code == 0


def test_a_key_without_model_capabilities_is_key_permissions_not_provisioning(sim):
    result, doc = check_json(sim, "--org", "org-sim-approved", "--tier", "sol", key="sk-sim-nosample-0123456789abcd")
    [r] = doc["results"]
    assert (r["verdict"], r["http_status"], r["precheck"]) == ("key_permissions", 403, "listed"), r
    assert "Model capabilities" in r["remediation"]
    assert result.exit_code == 2
