"""The support packet uses everything the config knows and refuses what check refuses (real CLI, the simulator)."""

from __future__ import annotations

import json
from typing import Any

from click.testing import CliRunner

from gpt56probe.cli import main
from gpt56probe.store.config import config_path
from tests.conftest import FAKE_KEY

CONFIG = '''[orgs."org-sim-approved"]
label = "prod"
project = "proj_packet"
email = "owner@example.com"

[models.sol]
id = "gpt-5.6-sol-2026-06-26"
'''


def write_config(text: str) -> None:
    config_path().parent.mkdir(parents=True, exist_ok=True)
    config_path().write_text(text)


def packet(sim: Any, *args: str, input: str | None = None) -> Any:
    return CliRunner().invoke(main, ["support-packet", "--base-url", sim.base_url, "--format", "json", *args],
                              env={"OPENAI_API_KEY": FAKE_KEY}, input=input, catch_exceptions=False)


def test_the_packet_takes_the_orgs_email_and_project_from_the_config_as_config_show_reports_them(sim: Any) -> None:
    write_config(CONFIG)
    shown = CliRunner().invoke(main, ["config", "show", "--org", "org-sim-approved", "--format", "json"], env={"OPENAI_API_KEY": FAKE_KEY})
    rows = {r["setting"]: r["value"] for r in json.loads(shown.stdout)}
    before = len(sim.requests)
    result = packet(sim, "--org", "org-sim-approved", "--model", "gpt-5.6-luna", "--no-input")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["email"] == rows["email[org-sim-approved]"] == "owner@example.com"
    assert {r.headers.get("openai-project") for r in sim.requests[before:]} == {rows["project[org-sim-approved]"]} == {"proj_packet"}


def test_the_email_prompt_offers_the_configured_email(sim: Any, monkeypatch: Any) -> None:
    import gpt56probe.cli.packet as packet_cli

    write_config(CONFIG)
    monkeypatch.setattr(packet_cli, "_interactive", lambda: True)
    result = packet(sim, "--org", "org-sim-approved", "--model", "gpt-5.6-luna", "--task", "a probe", input="\n")
    assert result.exit_code == 0, result.output
    assert "Approved account email [owner@example.com]:" in result.stderr + result.stdout
    assert json.loads(result.stdout[result.stdout.index("{"):])["email"] == "owner@example.com"


def test_a_flag_email_wins_over_the_config(sim: Any) -> None:
    write_config(CONFIG)
    result = packet(sim, "--org", "org-sim-approved", "--model", "gpt-5.6-luna", "--no-input", "--email", "me@corp.example")
    assert json.loads(result.stdout)["email"] == "me@corp.example"


def test_the_packet_refuses_the_model_ids_check_refuses_before_any_probe(sim: Any) -> None:
    before = len(sim.requests)
    for model, said in (("gpt-5.6-sool", "did you mean gpt-5.6-sol?"), ("sol", "is a tier, not a model id")):
        result = packet(sim, "--org", "org-sim-unprovisioned", "--model", model, "--no-input")
        check = CliRunner().invoke(main, ["check", "--base-url", sim.base_url, "--org", "org-sim-unprovisioned", "--model", model],
                                   env={"OPENAI_API_KEY": FAKE_KEY})
        assert result.exit_code == check.exit_code == 3, result.output
        assert said in result.stderr and said in check.stderr
        assert result.stdout == ""  # no packet written
    assert len(sim.requests) == before


def test_the_packet_probes_the_configured_id_of_a_tier(sim: Any) -> None:
    write_config('[models.sol]\nid = "gpt-5.6-sol-2026-06-26"\n')
    result = packet(sim, "--org", "org-sim-dated", "--model", "gpt-5.6-sol-2026-06-26", "--no-input")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["verdict"].startswith("ok")
