"""An org id that cannot be one is refused with the reason, before anything is sent; config orgs and labels stay welcome."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from gpt56probe.cli import main
from gpt56probe.store.config import config_path
from tests.conftest import FAKE_KEY

EVAL_TASKS = Path(__file__).resolve().parents[1] / "gpt56probe" / "migrate" / "examples" / "eval-tasks.toml"
CASES = {
    "abc": "is not an org id: OpenAI org ids start with org-",
    "proj_123": "is a project id, not an org id: use --project proj_123",
    "org-abc,org-def": "is a comma-separated list: repeat --org for each org (--org org-abc --org org-def)",
}


def run(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(main, list(args), env={"OPENAI_API_KEY": FAKE_KEY, **(env or {})}, catch_exceptions=False)


@pytest.mark.parametrize("org", sorted(CASES))
def test_check_refuses_an_org_id_that_cannot_be_one_with_the_reason_and_sends_nothing(sim: Any, org: str) -> None:
    before = len(sim.requests)
    result = run("check", "--base-url", sim.base_url, "--org", org, "--format", "json")
    assert result.exit_code == 3, result.output
    assert CASES[org] in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert json.loads(result.stdout)["summary"]["status"] == "UNKNOWN"
    assert len(sim.requests) == before


@pytest.mark.parametrize("command", [["models"], ["plan", "--emit", "json"], ["support-packet", "--model", "gpt-5.6-sol", "--no-input"],
                                     ["config", "show"], ["eval", str(EVAL_TASKS), "--dry-run"]])
def test_every_command_taking_an_org_refuses_the_same_ids(sim: Any, command: list[str]) -> None:
    for org, said in CASES.items():
        result = run(*command, "--org", org, "--base-url", sim.base_url)
        assert result.exit_code != 0 and said in result.stderr, (command, org, result.output)


def test_the_environment_variable_is_checked_as_the_flag_is(sim: Any) -> None:
    result = run("check", "--base-url", sim.base_url, env={"OPENAI_ORG_ID": "proj_123"})
    assert result.exit_code == 3 and CASES["proj_123"] in result.stderr


def test_auth_set_refuses_a_project_id_as_org() -> None:
    result = CliRunner().invoke(main, ["auth", "set", "--org", "proj_123"], input="sk-test-fake-auth-0000000000\n")
    assert result.exit_code == 3 and CASES["proj_123"] in result.stderr


def test_config_orgs_and_their_labels_stay_welcome(sim: Any) -> None:
    config_path().parent.mkdir(parents=True, exist_ok=True)
    config_path().write_text('[orgs."staging"]\nlabel = "stage"\n[orgs."org-sim-pending"]\nlabel = "prod"\n')
    as_label = run("check", "--base-url", sim.base_url, "--org", "prod", "--tier", "sol", "--format", "json")
    assert as_label.exit_code == 2, as_label.output
    [row] = json.loads(as_label.stdout)["results"]
    assert row["org"] == "org-sim-pending" and row["verdict"] == "provisioning_pending"  # the label is its org id
    configured = run("check", "--base-url", sim.base_url, "--org", "staging", "--tier", "sol", "--format", "json")
    assert configured.exit_code == 0, configured.output  # an org id written in the config is the user's to choose


def test_an_org_named_twice_or_by_its_id_and_its_label_is_probed_once(sim: Any) -> None:
    config_path().parent.mkdir(parents=True, exist_ok=True)
    config_path().write_text('[orgs."org-sim-approved"]\nlabel = "prod"\n')
    before = len(sim.requests)
    result = run("check", "--base-url", sim.base_url, "--org", "org-sim-approved", "--org", "prod", "--org", "org-sim-approved",
                 "--tier", "luna", "--format", "json")
    assert result.exit_code == 0, result.output
    assert [r["org"] for r in json.loads(result.stdout)["results"]] == ["org-sim-approved"]
    assert len(sim.requests) - before == 2  # one model listing, one sample
