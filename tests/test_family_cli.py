"""A family is data: another gated family described in config.toml works in every command, no code change.

The simulator's scenario file gives an org that lists and answers the next preview's ids
(gpt-5.7-*) and a one-tier cyber preview id; the config's [family] and [models.*] describe them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterator

import pytest
from click.testing import CliRunner

from gpt56probe.cli import main
from gpt56probe.simulator import start_simulator
from tests.conftest import FAKE_KEY

ORG = "org-next"
SCENARIOS = """
[[scenario]]
name = "next-preview"
org = "org-next"
description = "lists and answers the next preview's ids"
extra_models = ["gpt-5.7-sol", "gpt-5.7-terra", "gpt-5.7-luna", "gpt-5.7-terra-2026-09-01", "gpt-5.6-cyber"]
"""
NEXT_FAMILY = """
[family]
name = "GPT-5.7"
prefix = "gpt-5.7"
prices_read = 2026-08-01
[models.sol]
input_price = 4.0
output_price = 24.0
[models.terra]
input_price = 2.0
output_price = 12.0
[models.luna]
input_price = 0.8
output_price = 5.0
"""
CYBER_FAMILY = """
[family]
name = "GPT-5.6 cyber preview"
tiers = ["cyber"]
prices_read = "2026-07-10"
[models.cyber]
input_price = 10.0
output_price = 40.0
"""


@pytest.fixture(scope="module")
def next_sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    path = tmp_path_factory.mktemp("scenarios") / "next.toml"
    path.write_text(SCENARIOS)
    with start_simulator(port=0, scenarios_file=path) as handle:
        yield handle


def run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args), env={"OPENAI_API_KEY": FAKE_KEY}, catch_exceptions=False)


def write_config(text: str) -> Path:
    path = Path(os.environ["GPT56PROBE_HOME"]) / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_check_probes_the_configured_familys_ids_and_judges_its_tiers(next_sim: Any) -> None:
    write_config(NEXT_FAMILY)
    result = run("check", "--org", ORG, "--base-url", next_sim.base_url, "--no-keyring", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = {r["model"]: r for r in json.loads(result.stdout)["results"]}
    assert {"gpt-5.7-sol", "gpt-5.7-terra", "gpt-5.7-luna"} <= set(rows)
    assert not any(m.startswith("gpt-5.6") for m in rows)
    assert rows["gpt-5.7-terra"]["tier"] == "terra" and rows["gpt-5.7-terra"]["verdict"] == "ok"


def test_plan_routes_each_role_to_the_familys_ids(next_sim: Any) -> None:
    write_config(NEXT_FAMILY)
    result = run("plan", "--org", ORG, "--base-url", next_sim.base_url, "--no-keyring", "--emit", "json")
    assert result.exit_code == 0, result.output
    roles = json.loads(result.stdout)["roles"]
    assert {role: r["model"] for role, r in roles.items()} == {"hard": "gpt-5.7-sol", "balanced": "gpt-5.7-terra", "cheap": "gpt-5.7-luna"}


def test_models_maps_the_familys_listed_ids_to_its_tiers_by_name(next_sim: Any) -> None:
    write_config(NEXT_FAMILY)
    result = run("models", "--org", ORG, "--base-url", next_sim.base_url, "--no-keyring", "--format", "json")
    assert result.exit_code == 0, result.output
    ids = {m["id"]: m for m in json.loads(result.stdout)["orgs"][0]["models"]}
    assert ids["gpt-5.7-terra-2026-09-01"]["tier"] == "terra" and ids["gpt-5.7-terra-2026-09-01"]["configured_as"] is None
    assert ids["gpt-5.7-sol"]["configured_as"] == "sol"


def test_cost_prices_the_family_from_the_config_and_prints_the_date_they_were_read() -> None:
    write_config(NEXT_FAMILY)
    result = run("cost", "--input", "10M", "--output", "2M")
    assert result.exit_code == 0, result.output
    assert "gpt-5.7-sol" in result.output and "$88.00" in result.output  # 10 x 4 + 2 x 24
    assert "GPT-5.7 as read on 2026-08-01" in result.output
    doc = json.loads(run("cost", "--input", "10M", "--output", "2M", "--format", "json").stdout)
    assert doc["prices_read"] == "2026-08-01" and doc["family"] == "GPT-5.7"


def test_a_one_tier_family_is_the_only_expected_tier_and_its_word_is_a_tier(next_sim: Any) -> None:
    write_config(CYBER_FAMILY)
    result = run("check", "--org", ORG, "--base-url", next_sim.base_url, "--no-keyring", "--tier", "cyber", "--expect", "cyber")
    assert result.exit_code == 0, result.output
    assert "1/1 expected tiers reachable" in result.output
    refused = run("check", "--org", ORG, "--base-url", next_sim.base_url, "--no-keyring", "--tier", "sol")
    assert refused.exit_code == 3 and "unknown tier 'sol'" in refused.output and "cyber" in refused.output
    plan = json.loads(run("plan", "--org", ORG, "--base-url", next_sim.base_url, "--no-keyring", "--emit", "json").stdout)
    assert {r["model"] for r in plan["roles"].values()} == {"gpt-5.6-cyber"}
    cost = run("cost", "--input", "1M", "--output", "1M", "--tier", "cyber")
    assert "$50.00" in cost.output and "as read on 2026-07-10" in cost.output


def test_cost_built_in_prices_say_their_date_and_price_overrides_win_for_the_run() -> None:
    result = run("cost", "--input", "10M", "--output", "2M", "--price", "terra=2/12")
    assert result.exit_code == 0, result.output
    assert "$44.00" in result.output and "$110.00" in result.output  # terra overridden, sol as built in
    assert "GPT-5.6 as read on 2026-06-27 (built-in table)" in result.output and "terra from --price" in result.output
    bad = run("cost", "--input", "1M", "--output", "1M", "--price", "terra=cheap")
    assert bad.exit_code == 3 and "TIER=INPUT/OUTPUT" in bad.output


def test_a_family_section_that_cannot_describe_a_family_is_one_error_line_naming_the_key() -> None:
    write_config('[family]\ntiers = ["Sol!"]\n')
    result = run("cost", "--input", "1M", "--output", "1M")
    assert result.exit_code != 0
    assert "family.tiers" in result.output and "Traceback" not in result.output


def test_rollout_judges_the_configured_familys_ids(next_sim: Any) -> None:
    write_config(NEXT_FAMILY)
    assert run("check", "--org", ORG, "--base-url", next_sim.base_url, "--no-keyring", "--quiet").exit_code == 0
    result = run("rollout", "--org", ORG, "--base-url", next_sim.base_url, "--no-keyring", "--format", "json")
    steps = {s["key"]: s for s in json.loads(result.stdout)["steps"]}
    assert json.loads(result.stdout)["family"] == "GPT-5.7"
    assert steps["access"]["state"] == "done" and "sol ok, terra ok, luna ok" in steps["access"]["evidence"][0]
    assert steps["ids"]["state"] == "done" and "gpt-5.7-sol" in steps["ids"]["evidence"][0]


def test_config_show_names_the_family_its_prices_date_and_where_each_id_comes_from() -> None:
    path = write_config(CYBER_FAMILY)
    result = run("config", "show")
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert f"family GPT-5.6 cyber preview (gpt-5.6-<cyber>), prices read 2026-07-10 file {path} [family]" in text
    assert f"model[cyber] gpt-5.6-cyber <prefix>-<tier> of file {path} [family]" in text


def test_eval_runs_the_familys_tiers_and_rollout_reads_its_results(next_sim: Any, tmp_path: Path) -> None:
    from gpt56probe.migrate import tasks as _tasks  # noqa: F401  (the example set ships in the package)

    write_config(NEXT_FAMILY)
    example = Path(__file__).resolve().parents[1] / "gpt56probe" / "migrate" / "examples" / "eval-tasks.toml"
    results = tmp_path / "eval.json"
    done = run("eval", str(example), "--org", ORG, "--base-url", next_sim.base_url, "--no-keyring", "-o", str(results))
    assert done.exit_code == 0, done.output
    doc = json.loads(results.read_text())
    assert {m["model"] for m in doc["models"]} == {"gpt-5.5", "gpt-5.7-sol", "gpt-5.7-terra", "gpt-5.7-luna"}
    rollout = run("rollout", "--org", ORG, "--base-url", next_sim.base_url, "--no-keyring", "--eval", str(results), "--format", "json")
    step = next(s for s in json.loads(rollout.stdout)["steps"] if s["key"] == "eval")
    assert step["state"] == "done" and any(e.startswith("cheap: recommended gpt-5.7-") for e in step["evidence"])
