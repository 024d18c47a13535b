"""Free evidence from the Admin API: models --projects and check --admin-key-env, against the simulator.

org-sim-project's default project has an allow list without gpt-5.6-sol (a second project, "research",
has no list); org-sim-quota's default project has an enforcing $50/month hard spend limit.
"""

from __future__ import annotations

import json
from typing import Any

from click.testing import CliRunner

from gpt56probe.cli import main
from tests.conftest import FAKE_KEY
from tests.hostile_server import hostile_server

ADMIN_KEY = "sk-admin-sim-test-fake-0000"


def run(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(main, list(args), env={"OPENAI_API_KEY": FAKE_KEY, "ADMIN": ADMIN_KEY, **(env or {})},
                              catch_exceptions=False)


def test_models_projects_shows_project_by_model_permissions_without_a_sample(sim: Any) -> None:
    sim.clear_requests()
    result = run("models", "--org", "org-sim-project", "--projects", "--admin-key-env", "ADMIN", "--base-url", sim.base_url)
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "gpt-5.6-sol not on allow list" in text and "(research) gpt-5.6-sol allowed (no list)" in text
    assert "cannot use gpt-5.6-sol by its model permissions: allow it in that project's settings" in text
    asked = [(r.method, r.path) for r in sim.requests]
    assert asked and all(method == "GET" and "/organization/projects" in path for method, path in asked)  # read only, no sample


def test_models_projects_json_has_each_projects_list_rate_limits_and_spend_limit(sim: Any) -> None:
    result = run("models", "--org", "org-sim-quota", "--org", "org-sim-project", "--projects", "--admin-key-env", "ADMIN",
                 "--base-url", sim.base_url, "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    orgs = {o["org"]: o for o in doc["orgs"]}
    quota = orgs["org-sim-quota"]["projects"][0]
    assert quota["spend_limit"] == {"threshold_amount": 5000, "interval": "month", "enforcing": True}
    project = orgs["org-sim-project"]["projects"][0]
    assert project["model_permissions"]["mode"] == "allow_list"
    assert project["models"]["gpt-5.6-sol"]["allowed"] is False and project["models"]["gpt-5.6-terra"]["allowed"] is True
    assert project["models"]["gpt-5.6-terra"]["rate_limit"]["max_requests_per_1_minute"] == 500


def test_check_explains_project_no_access_by_the_project_whose_list_blocks_the_model(sim: Any) -> None:
    result = run("check", "--org", "org-sim-project", "--admin-key-env", "ADMIN", "--base-url", sim.base_url, "--no-keyring",
                 "--format", "json")
    assert result.exit_code == 2, result.output
    sol = next(r for r in json.loads(result.stdout)["results"] if r["model"] == "gpt-5.6-sol")
    assert sol["verdict"] == "project_no_access"
    assert "(Default project) of org-sim-project has a model allow list that leaves out gpt-5.6-sol" in sol["remediation"]
    assert "that project's settings" in sol["remediation"] and "research" in sol["remediation"]


def test_check_explains_a_quota_refusal_by_the_enforcing_spend_limit(sim: Any) -> None:
    result = run("check", "--org", "org-sim-quota", "--admin-key-env", "ADMIN", "--base-url", sim.base_url, "--no-keyring", "--details")
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split())
    assert "has reached its hard spend limit ($50.00 a month, enforcing)" in text and "adding org credits will not help" in text


def test_check_without_an_admin_key_keeps_its_own_next_step(sim: Any) -> None:
    result = run("check", "--org", "org-sim-project", "--base-url", sim.base_url, "--no-keyring", "--format", "json")
    sol = next(r for r in json.loads(result.stdout)["results"] if r["model"] == "gpt-5.6-sol")
    assert "Admin API" not in sol["remediation"]


def test_an_unset_admin_key_variable_is_one_line_naming_it() -> None:
    models = run("models", "--projects", "--admin-key-env", "NOT_SET_ANYWHERE")
    assert models.exit_code == 3 and "NOT_SET_ANYWHERE is not set or empty" in models.output and "Traceback" not in models.output
    check = run("check", "--org", "org-a", "--admin-key-env", "NOT_SET_ANYWHERE", "--no-keyring")
    assert check.exit_code == 3 and check.stdout.startswith("GPT56 UNKNOWN - ") and "NOT_SET_ANYWHERE" in check.stdout
    no_key = run("models", "--projects")
    assert no_key.exit_code == 3 and "--admin-key-env" in no_key.output


def test_a_key_that_is_not_an_admin_key_is_told_so_in_one_line(sim: Any) -> None:
    result = run("models", "--org", "org-sim-project", "--projects", "--admin-key-env", "ADMIN", "--base-url", sim.base_url,
                 env={"ADMIN": "sk-test-not-admin-1111"})
    assert result.exit_code == 1
    assert "HTTP 403" in result.output and "an admin key, sk-admin-..., with read access is needed" in result.output


def test_the_admin_key_never_comes_back_whatever_its_shape_even_from_a_server_that_echoes_it() -> None:
    odd_key = "adminZq9QxKey77"  # no known shape: only its value can catch it
    with hostile_server() as (url, seen):
        result = run("models", "-v", "--org", "org-a", "--projects", "--admin-key-env", "ADMIN", "--base-url", url + "/v1",
                     env={"ADMIN": odd_key})
        result_check = run("models", "-v", "--org", "org-a", "--projects", "--admin-key-env", "ADMIN", "--base-url", url + "/v1",
                           "--format", "json", env={"ADMIN": odd_key})
    assert any(odd_key in a for a in seen.authorizations)  # positive control: the server did get it and echo it
    for out in (result.stdout, result.stderr, result_check.stdout, result_check.stderr):
        assert odd_key not in out
    assert "HTTP 403" in result.output


def test_a_scenario_file_describes_an_orgs_projects_for_the_admin_api(tmp_path: Any) -> None:
    from gpt56probe.simulator import start_simulator

    path = tmp_path / "acme.toml"
    path.write_text('''
[[scenario]]
name = "acme"
org = "org-acme"
[[scenario.projects]]
id = "default"
name = "prod"
model_permissions = {mode = "deny_list", model_ids = ["gpt-5.6-terra"]}
rate_limits = [{model = "gpt-5.6-terra", max_requests_per_1_minute = 60, max_tokens_per_1_minute = 90000}]
''')
    with start_simulator(port=0, scenarios_file=path) as sim:
        result = run("models", "--org", "org-acme", "--projects", "--admin-key-env", "ADMIN", "--base-url", sim.base_url)
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "(prod) gpt-5.6-terra on deny list (60 rpm, 90,000 tpm)" in text
    bad = tmp_path / "bad.toml"
    bad.write_text('[[scenario]]\nname = "x"\norg = "org-x"\n[[scenario.projects]]\nmodel_permissions = {mode = "maybe"}\n')
    refused = run("simulate", "--scenarios", str(bad))
    assert refused.exit_code != 0 and "projects[0]" in refused.output and "model_permissions" in refused.output


def test_check_names_the_projects_own_rate_limit_for_a_rate_limited_model(sim: Any) -> None:
    result = run("check", "--org", "org-sim-ratelimited", "--tier", "luna", "--admin-key-env", "ADMIN", "--base-url", sim.base_url,
                 "--no-keyring", "--format", "json")
    luna = next(r for r in json.loads(result.stdout)["results"] if r["model"] == "gpt-5.6-luna")
    assert luna["verdict"] == "rate_limited"
    assert "allows gpt-5.6-luna 500 requests and 500,000 tokens a minute" in luna["remediation"]
