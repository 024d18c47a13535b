"""A metrics file whose directory does not exist is an error before any probe: a typo must not send metrics nowhere."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from gpt56probe.cli import main
from gpt56probe.store.config import config_path
from tests.conftest import FAKE_KEY


def run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args), env={"OPENAI_API_KEY": FAKE_KEY}, catch_exceptions=False)


def test_a_prom_file_in_a_missing_directory_is_unknown_and_creates_nothing(sim: Any, tmp_path: Path) -> None:
    target = tmp_path / "nonexistent" / "dir" / "x.prom"
    before = len(sim.requests)
    result = run("check", "--base-url", sim.base_url, "--org", "org-sim-approved", "--prom-file", str(target), "--format", "json")
    assert result.exit_code == 3, result.output
    assert f"the directory '{target.parent}' does not exist; gpt56probe does not create it" in result.stderr
    assert json.loads(result.stdout)["summary"]["status"] == "UNKNOWN"
    assert not (tmp_path / "nonexistent").exists() and len(sim.requests) == before


def test_a_prom_file_whose_parent_is_a_file_is_refused(sim: Any, tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("x")
    result = run("check", "--base-url", sim.base_url, "--prom-file", str(tmp_path / "plain" / "x.prom"))
    assert result.exit_code == 3 and "is not a directory" in result.stderr


def test_the_same_check_applies_to_prom_file_from_the_config(sim: Any, tmp_path: Path) -> None:
    config_path().parent.mkdir(parents=True, exist_ok=True)
    config_path().write_text(f'[defaults]\nprom_file = "{tmp_path / "typo" / "g.prom"}"\n')
    result = run("check", "--base-url", sim.base_url, "--org", "org-sim-approved")
    assert result.exit_code == 3 and "does not exist" in result.stderr and not (tmp_path / "typo").exists()


def test_an_existing_directory_gets_the_file(sim: Any, tmp_path: Path) -> None:
    result = run("check", "--base-url", sim.base_url, "--org", "org-sim-approved", "--tier", "luna", "--prom-file", str(tmp_path / "g.prom"))
    assert result.exit_code == 0 and (tmp_path / "g.prom").read_text().startswith("# HELP")
