"""cost.py arithmetic, the ``cost`` command, ``check --dry-run`` and the probe cost ``check`` reports."""

from __future__ import annotations

import json
from typing import Any, Iterator

import pytest
from click.testing import CliRunner

from gpt56probe.core import cost
from gpt56probe.cli import main
from gpt56probe.core.models import DEFAULT_TABLE
from gpt56probe.core.observation import Diagnosis, Target, Verdict


@pytest.mark.parametrize("text, tokens", [
    ("10M", 10_000_000), ("2m", 2_000_000), ("1.5M", 1_500_000), ("500K", 500_000), ("0.5k", 500),
    ("2000", 2000), ("0", 0), (" 3M ", 3_000_000), ("1,000", 1000), ("1_000k", 1_000_000), (".5M", 500_000),
    ("1B", 1_000_000_000), ("1.234567M", 1_234_567),
])
def test_parse_tokens(text: str, tokens: int) -> None:
    assert cost.parse_tokens(text) == tokens


@pytest.mark.parametrize("text", ["", "M", "-5", "10X", "1.5", "1.2345678M", "ten", "1e6", "10 M M", "nan", "inf"])
def test_parse_tokens_rejects(text: str) -> None:
    with pytest.raises(cost.TokenAmountError):
        cost.parse_tokens(text)


def test_cost_rows_reproduce_the_articles_figures() -> None:
    rows = {r.model: r for r in cost.cost_rows(DEFAULT_TABLE, 10_000_000, 2_000_000)}
    assert rows["gpt-5.6-sol"].cost_usd == pytest.approx(110.0)
    assert rows["gpt-5.6-terra"].cost_usd == pytest.approx(55.0)
    assert rows["gpt-5.6-luna"].cost_usd == pytest.approx(22.0)
    assert rows["gpt-5.5"].cost_usd is None and not rows["gpt-5.5"].published


def test_format_usd() -> None:
    assert cost.format_usd(110) == "$110.00"
    assert cost.format_usd(1234.5) == "$1,234.50"
    assert cost.format_usd(0.00011) == "$0.000110"
    assert cost.format_usd(0) == "$0.00"
    assert cost.format_usd(0.87) == "$0.870" and cost.format_usd(0.0234) == "$0.0234" and cost.format_usd(0.02) == "$0.0200"
    assert cost.format_usd(0.00761) == "$0.00761" and cost.format_usd(0.9996) == "$1.00" and cost.format_usd(0.00099999996) == "$0.00100"  # three significant digits below $1
    assert cost.format_usd(None) == "price not published"


def test_probe_constants_and_max_cost() -> None:
    from gpt56probe.net.probe import OUTPUT_TOKEN_CAP

    assert cost.PROBE_OUTPUT_TOKENS_MAX == OUTPUT_TOKEN_CAP
    sol = DEFAULT_TABLE.for_tier("sol")
    assert cost.probe_max_cost(sol) == pytest.approx(20 * 5.00 / 1e6 + 16 * 30.00 / 1e6)
    assert cost.probe_max_cost(DEFAULT_TABLE.get("gpt-5.5")) is None  # type: ignore[arg-type]


def _d(model: str, tokens_in: int, tokens_out: int) -> Diagnosis:
    return Diagnosis(Target("org", model, DEFAULT_TABLE.tier_of(model)), Verdict.OK, "", "",
                     usage_input_tokens=tokens_in, usage_output_tokens=tokens_out)


def test_probe_cost_sums_usage_and_names_unpriced_models() -> None:
    diagnoses = [_d("gpt-5.6-sol", 10, 2), _d("gpt-5.6-luna", 10, 2), _d("gpt-5.5", 10, 2), _d("gpt-5.4-mini", 0, 0)]
    assert cost.diagnosis_cost(diagnoses[0], DEFAULT_TABLE) == pytest.approx(10 * 5e-6 + 2 * 30e-6)
    assert cost.diagnosis_cost(diagnoses[2], DEFAULT_TABLE) is None
    assert cost.diagnosis_cost(diagnoses[3], DEFAULT_TABLE) == 0.0
    spent = cost.probe_cost(diagnoses, DEFAULT_TABLE)
    assert spent.total_usd == pytest.approx(1.1e-4 + 2.2e-5)
    assert spent.unpriced_models == ("gpt-5.5",)
    assert "$0.000132" in spent.note() and "gpt-5.5 (price not published)" in spent.note()


# --- the cost command -----------------------------------------------------------------------------


def invoke(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


def test_cost_command_table() -> None:
    result = invoke("cost", "--input", "10M", "--output", "2M")
    assert result.exit_code == 0, result.output
    lines = {line.split()[1]: line for line in result.stdout.splitlines() if line.startswith(("sol", "terra", "luna", "fallback"))}
    assert "$110.00" in lines["gpt-5.6-sol"]
    assert "$55.00" in lines["gpt-5.6-terra"]
    assert "$22.00" in lines["gpt-5.6-luna"]
    assert "price not published" in lines["gpt-5.5"] and "price not published" in lines["gpt-5.4-mini"]


def test_cost_command_json_and_tier_filter() -> None:
    result = invoke("cost", "--input", "1.5M", "--output", "500k", "--tier", "terra", "--tier", "fallback", "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["input_tokens"] == 1_500_000 and doc["output_tokens"] == 500_000
    rows = {r["model"]: r for r in doc["rows"]}
    assert set(rows) == {"gpt-5.6-terra", "gpt-5.5", "gpt-5.4-mini"}
    assert rows["gpt-5.6-terra"]["cost_usd"] == pytest.approx(1.5 * 2.5 + 0.5 * 15)
    assert rows["gpt-5.5"]["cost_usd"] is None and rows["gpt-5.5"]["note"] == "price not published"


@pytest.mark.parametrize("args", [
    ["--input", "10X", "--output", "2M"],
    ["--input", "-1", "--output", "2M"],
    ["--input", "10M", "--output", "1.5"],
    ["--input", "10M"],
    ["--input", "10M", "--output", "2M", "--tier", "mars"],
])
def test_cost_command_bad_values_one_line_exit_3(args: list[str]) -> None:
    result = invoke("cost", *args)
    assert result.exit_code == 3
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith("Error:")
    assert "Traceback" not in result.output


# --- check --dry-run and probe cost on the simulator ---------------------------------------------


@pytest.fixture(scope="module")
def simulator() -> Iterator[Any]:
    from gpt56probe.simulator import start_simulator

    with start_simulator(port=0, safety_delay=0.2) as handle:
        yield handle


def test_dry_run_sends_nothing(simulator: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    before = len(simulator.requests)
    result = invoke("check", "--dry-run", "--org", "org-a", "--org", "org-b", "--surface", "both", "--base-url", simulator.base_url)
    assert result.exit_code == 0, result.output
    assert len(simulator.requests) == before
    out = result.stdout
    assert "GET /v1/models/" not in out  # no per-model retrieve is sent any more (issue 11)
    assert "one free GET /v1/models per org and key (2 request(s))" in out
    assert "POST /v1/chat/completions" in out and "POST /v1/responses" in out
    assert "nothing was sent; 20 probe(s) would be made" in out
    assert "$0.000580" in out  # sol: 20 in x $5 + 16 out x $30 per Mtok
    assert "price not published" in out


def test_dry_run_json_needs_no_key() -> None:
    result = invoke("check", "--dry-run", "--tier", "sol", "--tier", "luna", "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["dry_run"] is True
    assert [p["model"] for p in doc["probes"]] == ["gpt-5.6-sol", "gpt-5.6-luna"]
    assert doc["probes"][0]["requests"] == ["POST /v1/chat/completions"]
    assert doc["listings"] == [{"org": None, "request": "GET /v1/models", "max_cost_usd": 0}]
    assert doc["max_cost_usd"] == pytest.approx((20 * 5 + 16 * 30 + 20 * 1 + 16 * 6) / 1e6)


def test_check_reports_what_the_probes_cost(simulator: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-cost-0000")
    result = invoke("check", "--org", "org-sim-approved", "--base-url", simulator.base_url, "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    by_model = {r["model"]: r for r in doc["results"]}
    sol = by_model["gpt-5.6-sol"]
    expected_sol = sol["usage"]["input_tokens"] * 5e-6 + sol["usage"]["output_tokens"] * 30e-6
    assert sol["usage"]["input_tokens"] > 0
    assert sol["cost_usd"] == pytest.approx(expected_sol)
    assert by_model["gpt-5.5"]["cost_usd"] is None  # used tokens, no published price
    priced = sum(r["cost_usd"] for r in doc["results"] if r["cost_usd"] is not None)
    assert doc["summary"]["probe_cost_usd"] == pytest.approx(priced)

    table = invoke("check", "--org", "org-sim-approved", "--base-url", simulator.base_url, "--details")
    assert table.exit_code == 0, table.output
    assert "note: the probes cost $0.000" in table.stdout
    assert "gpt-5.5" in table.stdout.split("note: the probes cost", 1)[1]
