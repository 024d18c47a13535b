"""Retirement dates: the shutdown_date an org's model list announces, in check, models, report, metrics and the alert rule.

The simulator's org-sim-retiring lists gpt-5.5 as shutting down 10 days from today and Luna in 60.
"""

from __future__ import annotations

import json
import subprocess
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from gpt56probe.cli import main
from gpt56probe.core.observation import Diagnosis, Target, Verdict
from gpt56probe.views.metrics import parse_samples, render_metrics
from tests.conftest import FAKE_KEY
from tests.test_prometheus_rules import RULES, _series_name, promtool

ORG = "org-sim-retiring"


def run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args), env={"OPENAI_API_KEY": FAKE_KEY}, catch_exceptions=False)


def in_days(n: int) -> str:
    return (datetime.now(timezone.utc).date() + timedelta(days=n)).isoformat()


def test_check_json_carries_each_models_shutdown_date_and_days_left(sim: Any) -> None:
    result = run("check", "--org", ORG, "--base-url", sim.base_url, "--no-keyring", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = {r["model"]: r for r in json.loads(result.stdout)["results"]}
    assert rows["gpt-5.5"]["shutdown_date"] == in_days(10) and rows["gpt-5.5"]["days_left"] == 10
    assert rows["gpt-5.6-luna"]["days_left"] == 60
    assert "shutdown_date" not in rows["gpt-5.6-sol"]  # nothing announced: no key at all


def test_check_summary_says_days_left_and_urges_a_move_inside_two_weeks(sim: Any) -> None:
    result = run("check", "--org", ORG, "--base-url", sim.base_url, "--no-keyring")
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert f"gpt-5.5 shuts down on {in_days(10)} (10 days left)" in text and "within 14 days: move its traffic" in text
    assert f"gpt-5.6-luna shuts down on {in_days(60)} (60 days left)" in text
    assert "gpt-5.6-luna shuts down" in text.split("within 14 days")[0] or "60 days left) (listed so by org-sim-retiring) note" in text


def test_models_shows_the_shutdown_date_with_days_left(sim: Any) -> None:
    result = run("models", "--org", ORG, "--base-url", sim.base_url, "--no-keyring")
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert f"gpt-5.5 fallback yes yes configured (fallback); retiring: shuts down on {in_days(10)} (10 days left) (within 14 days" in text
    doc = json.loads(run("models", "--org", ORG, "--base-url", sim.base_url, "--no-keyring", "--format", "json").stdout)
    by_id = {m["id"]: m for m in doc["orgs"][0]["models"]}
    assert by_id["gpt-5.5"]["shutdown_date"] == in_days(10) and by_id["gpt-5.5"]["days_left"] == 10


def test_report_lists_retiring_models_from_results(sim: Any, tmp_path: Path) -> None:
    results = tmp_path / "now.json"
    results.write_text(run("check", "--org", ORG, "--base-url", sim.base_url, "--no-keyring", "--format", "json").stdout)
    md = run("report", "--format", "markdown", str(results))
    assert md.exit_code == 0, md.output
    assert "Retiring" in md.output and f"gpt-5.5 shuts down on {in_days(10)}" in md.output


def test_metrics_carry_the_shutdown_date_per_org_and_model(sim: Any, tmp_path: Path) -> None:
    prom = tmp_path / "gpt56.prom"
    run("check", "--org", ORG, "--base-url", sim.base_url, "--no-keyring", "--quiet", "--prom-file", str(prom))
    samples = parse_samples(prom.read_text())
    shut = {dict(labels)["model"]: value for (name, labels), value in samples.items() if name == "gpt56probe_model_shutdown_timestamp_seconds"}
    day = date.fromisoformat(in_days(10))
    assert shut["gpt-5.5"] == datetime(day.year, day.month, day.day, tzinfo=timezone.utc).timestamp()
    assert set(shut) == {"gpt-5.5", "gpt-5.6-luna"}  # one series per org and model, not per surface


START = 1_795_000_000.0


def test_the_retiring_soon_rule_warns_14_days_ahead_and_not_before(tmp_path: Path) -> None:
    start_day = datetime.fromtimestamp(START, timezone.utc).date()
    shutdown_day = start_day + timedelta(days=20)
    diagnoses = [Diagnosis(Target("org-a", "gpt-5.5", "fallback"), Verdict.OK, "r", "n", latency_ms=100.0,
                           shutdown_date=shutdown_day.isoformat(), timestamp="x")]
    text = render_metrics(diagnoses, 0, START, vantage="eu")
    series = []
    for (name, labels), value in parse_samples(text).items():
        if name != "gpt56probe_model_shutdown_timestamp_seconds":
            continue
        key = _series_name(name, [*labels, ("instance", "eu:9100"), ("job", "node")])
        series.append({"series": key, "values": f"{value - START!r}+0x500"})  # promtool's hour 0 is START
    assert series, text
    fires_at_h = ((datetime(shutdown_day.year, shutdown_day.month, shutdown_day.day, tzinfo=timezone.utc).timestamp() - START)
                  - 14 * 86400) / 3600
    labels = {"org": "org-a", "model": "gpt-5.5", "tier": "fallback", "vantage": "eu", "instance": "eu:9100", "job": "node"}
    expected = {"exp_labels": {"severity": "warning", **labels}, "exp_annotations": {
        "summary": "gpt-5.5 retires within 14 days for org-a",
        "description": "The model list of org-a (seen from eu) announces a shutdown_date for gpt-5.5 (fallback) less than 14 days "
                       "ahead. Move its traffic before then: `gpt56probe models --org org-a` shows the date, "
                       "`gpt56probe plan --org org-a` a chain without it."}}
    before, after = int(fires_at_h) - 1, int(fires_at_h) + 2
    spec = {"rule_files": [str(RULES)], "evaluation_interval": "1h", "tests": [{"interval": "1h", "input_series": series,
            "alert_rule_test": [{"eval_time": f"{before}h", "alertname": "GPT56ModelRetiringSoon", "exp_alerts": []},
                                {"eval_time": f"{after}h", "alertname": "GPT56ModelRetiringSoon", "exp_alerts": [expected]}]}]}
    path = tmp_path / "retiring.test.yml"
    path.write_text(json.dumps(spec))
    done = subprocess.run([promtool(), "test", "rules", str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_report_page_has_a_retiring_section_from_results(sim: Any, tmp_path: Path) -> None:
    results = tmp_path / "now.json"
    results.write_text(run("check", "--org", ORG, "--base-url", sim.base_url, "--no-keyring", "--format", "json").stdout)
    page = tmp_path / "status.html"
    assert run("report", "--html", str(page), str(results)).exit_code == 0
    html = page.read_text()
    assert 'id="retiring"' in html and f"gpt-5.5 shuts down on {in_days(10)} (10 days left) for org-sim-retiring" in html


def test_a_shutdown_date_that_is_no_calendar_date_is_ignored_never_shown() -> None:
    from gpt56probe.core.wire import shutdown_dates_in_body

    body = json.dumps({"object": "list", "data": [
        {"id": "a", "shutdown_date": "2026-12-21"}, {"id": "b", "shutdown_date": "2026-99-99"},
        {"id": "c", "shutdown_date": "\x1b[2Jsoon"}, {"id": "d", "shutdown_date": None}, {"id": "e", "shutdown_date": 1766275200},
        {"id": "f", "shutdown_date": "2026-12-21T00:00:00Z"}, "garbage", {"shutdown_date": "2026-12-21"}]})
    assert shutdown_dates_in_body(body) == {"a": "2026-12-21", "f": "2026-12-21"}
    assert shutdown_dates_in_body("not json \x00") == {}
