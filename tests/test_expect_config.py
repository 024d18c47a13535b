"""What each org must reach decides the exit status: --expect, else the config's per-org `expect`."""

from __future__ import annotations

import os
from pathlib import Path

from click.testing import CliRunner

from gpt56probe.cli import main
from tests.conftest import FAKE_KEY


def write_config(text: str) -> None:
    home = Path(os.environ["GPT56PROBE_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(text)


def check(sim, *args):
    return CliRunner().invoke(main, ["check", "--base-url", sim.base_url, "--format", "nagios", *args],
                              env={"OPENAI_API_KEY": FAKE_KEY}, catch_exceptions=False)


def test_an_org_that_need_not_reach_sol_is_ok_without_sol(sim):
    write_config('[orgs."org-sim-project"]\nexpect = ["terra", "luna"]\n')
    assert check(sim, "--org", "org-sim-project").exit_code == 0


def test_an_org_without_expect_in_the_config_must_reach_every_tier(sim):
    write_config('[orgs."org-sim-approved"]\nexpect = ["luna"]\n')
    assert check(sim, "--org", "org-sim-project", "--org", "org-sim-approved").exit_code == 2


def test_the_expect_flag_overrides_the_config_for_every_org(sim):
    write_config('[orgs."org-sim-project"]\nexpect = ["terra"]\n')
    assert check(sim, "--org", "org-sim-project", "--expect", "sol").exit_code == 2


def test_the_status_line_counts_only_the_tiers_an_org_must_reach(sim):
    write_config('[orgs."org-sim-project"]\nexpect = ["terra", "luna"]\n')
    assert check(sim, "--org", "org-sim-project").stdout.startswith("GPT56 OK - 2/2 expected tiers reachable")
