"""deploy/prometheus/gpt56probe-rules.yml under `promtool test rules`, against series gpt56probe renders itself.

Each run's .prom text comes from metrics.render_metrics (the file it replaces carried over, as
check --prom-file does); the textfile collector exposes a file's samples until the next run
rewrites it, so each series' value at a minute is the one of the latest run before it. Nothing is
copied by hand. promtool comes from Debian's prometheus package (.ci/run installs it): without it
this test fails, it never skips.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from gpt56probe.core.expectations import ExpectedTiers
from gpt56probe.views.metrics import parse_samples, render_metrics
from gpt56probe.core.models import TIERS
from gpt56probe.core.observation import Diagnosis, Target, Verdict

RULES = Path(__file__).resolve().parents[1] / "deploy" / "prometheus" / "gpt56probe-rules.yml"
RUN_EVERY_MIN = 15
START = 1_795_000_000.0  # promtool's clock starts at 0; run timestamps are shifted so minute 0 is START
MODELS = {"sol": "gpt-5.6-sol", "terra": "gpt-5.6-terra", "luna": "gpt-5.6-luna", "fallback": "gpt-5.5"}


def promtool() -> str:
    found = shutil.which("promtool")
    assert found, "promtool is missing: apt-get install prometheus (Debian's package provides /usr/bin/promtool; .ci/run installs it)"
    return found


@dataclass
class Vantage:
    """One vantage's runs: minute -> (exit status, {(org, tier): verdict}); the instance its node_exporter has."""

    name: str
    instance: str
    runs: dict[int, tuple[int, dict[tuple[str, str], Verdict]]]
    expected: ExpectedTiers = TIERS
    files: dict[int, str] = field(default_factory=dict)

    def render(self) -> None:
        """Each run's file, exactly as check --prom-file writes it (the previous file carried over)."""
        previous = ""
        for minute in sorted(self.runs):
            status, verdicts = self.runs[minute]
            diagnoses = [Diagnosis(Target(org, MODELS[tier], tier), verdict, "r", "n", latency_ms=120.0)
                         for (org, tier), verdict in verdicts.items()]
            previous = render_metrics(diagnoses, status, START + minute * 60, vantage=self.name, expected=self.expected,
                                      previous=previous)
            self.files[minute] = previous


def input_series(vantages: Sequence[Vantage], minutes: int) -> list[dict[str, str]]:
    """promtool input series: every sample of every file, scraped each minute with the job and instance labels,
    a value per minute from the latest run so far ("_" before a series exists or after a run drops it). Time
    series are shifted: promtool's minute 0 is START (the timestamp gauges are read against time())."""
    series: dict[str, list[str]] = {}
    for vantage in vantages:
        vantage.render()
        runs = sorted(vantage.files)
        for minute in range(minutes + 1):
            current = max((m for m in runs if m <= minute), default=None)
            samples = parse_samples(vantage.files[current]) if current is not None else {}
            for (name, labels), value in samples.items():
                key = _series_name(name, [*labels, ("instance", vantage.instance), ("job", "node")])
                values = series.setdefault(key, ["_"] * (minutes + 1))
                values[minute] = _value(name, value)
    return [{"series": key, "values": " ".join(values)} for key, values in sorted(series.items())]


def _series_name(name: str, labels: Sequence[tuple[str, str]]) -> str:
    return name + "{" + ",".join(f"{k}={json.dumps(v)}" for k, v in sorted(labels)) + "}"


def _value(name: str, value: float) -> str:
    if name == "gpt56probe_last_run_timestamp_seconds":
        value -= START  # promtool evaluates at 0..N minutes: the run's own minute, in seconds
    return repr(float(value))


def alert(name: str, severity: str, labels: Mapping[str, str], annotations: Mapping[str, str]) -> dict[str, Any]:
    return {"exp_labels": {"severity": severity, **labels}, "exp_annotations": dict(annotations)}


def target_labels(vantage: Vantage, org: str, tier: str, **extra: str) -> dict[str, str]:
    return {"org": org, "model": MODELS[tier], "tier": tier, "surface": "chat", "stream": "false", "vantage": vantage.name,
            "instance": vantage.instance, "job": "node", **extra}


def run_promtool(tmp_path: Path, tests: list[dict[str, Any]]) -> tuple[subprocess.CompletedProcess[str], float]:
    spec = {"rule_files": [str(RULES)], "evaluation_interval": "1m", "tests": tests}
    path = tmp_path / "gpt56probe-rules.test.yml"
    path.write_text(json.dumps(spec, indent=2))  # JSON is YAML
    started = time.monotonic()
    done = subprocess.run([promtool(), "test", "rules", str(path)], capture_output=True, text=True, timeout=120)
    return done, time.monotonic() - started


OK, LOST, REGION = Verdict.OK, Verdict.NOT_PROVISIONED, Verdict.REGION_VPN


def test_the_rules_file_is_valid() -> None:
    done = subprocess.run([promtool(), "check", "rules", str(RULES)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS: 5 rules found" in done.stdout


def test_the_alerting_rules_fire_when_they_should_and_only_then(tmp_path: Path) -> None:
    # An expected tier lost for 2 runs: eu loses Sol for org-a at minute 15; a fallback lost as long, and
    # org-b's Sol (org-b expects only Luna) never page.
    eu = Vantage("eu-office", "eu-1:9100", {
        0: (0, {("org-a", "sol"): OK, ("org-a", "fallback"): OK, ("org-b", "sol"): OK, ("org-b", "luna"): OK}),
        15: (2, {("org-a", "sol"): LOST, ("org-a", "fallback"): LOST, ("org-b", "sol"): LOST, ("org-b", "luna"): OK}),
        30: (2, {("org-a", "sol"): LOST, ("org-a", "fallback"): LOST, ("org-b", "sol"): LOST, ("org-b", "luna"): OK}),
        45: (0, {("org-a", "sol"): OK, ("org-a", "fallback"): LOST, ("org-b", "sol"): LOST, ("org-b", "luna"): OK}),
    }, expected={"org-a": TIERS, "org-b": ("luna",)})
    lost_tests = [
        {"eval_time": "29m", "alertname": "GPT56ExpectedTierLost", "exp_alerts": []},
        {"eval_time": "31m", "alertname": "GPT56ExpectedTierLost", "exp_alerts": [alert(
            "GPT56ExpectedTierLost", "critical", target_labels(eu, "org-a", "sol", verdict="not_provisioned"),
            {"summary": "org-a lost gpt-5.6-sol at eu-office: not_provisioned",
             "description": "gpt-5.6-sol (sol, chat) has not answered org-a for 2 runs in a row from eu-office; the last verdict "
                            "is not_provisioned. Run `gpt56probe check --org org-a` there for the next step."})]},
        {"eval_time": "46m", "alertname": "GPT56ExpectedTierLost", "exp_alerts": []},  # Sol is back
    ]
    # Stale: us runs every 15 minutes until minute 30, then stops; 3 intervals later (minute 75) it is stale.
    us = Vantage("us-ci", "us-1:9100", {m: (0, {("org-a", "sol"): OK}) for m in (0, 15, 30)})
    stale_tests = [
        {"eval_time": "74m", "alertname": "GPT56CheckStale", "exp_alerts": []},
        {"eval_time": "76m", "alertname": "GPT56CheckStale", "exp_alerts": [alert(
            "GPT56CheckStale", "warning", {"vantage": "us-ci", "instance": "us-1:9100", "job": "node"},
            {"summary": "gpt56probe has not run at us-ci for 3 intervals",
             "description": "The last check at us-ci started 46m 0s ago, more than 3 times its usual interval."})]},
    ]
    # UNKNOWN for 3 runs: ap cannot judge (no key) from minute 15 on.
    ap = Vantage("ap-lab", "ap-1:9100", {0: (0, {("org-a", "sol"): OK}), 15: (3, {}), 30: (3, {}), 45: (3, {}), 60: (3, {})})
    unknown_tests = [
        {"eval_time": "44m", "alertname": "GPT56CheckUnknown", "exp_alerts": []},
        {"eval_time": "46m", "alertname": "GPT56CheckUnknown", "exp_alerts": [alert(
            "GPT56CheckUnknown", "warning", {"vantage": "ap-lab", "instance": "ap-1:9100", "job": "node"},
            {"summary": "gpt56probe at ap-lab could not judge for 3 runs in a row",
             "description": "Run the check by hand at ap-lab: its first line says why (GPT56 UNKNOWN - ...)."})]},
    ]
    # A vantage that disagrees: org-c's Sol is region-blocked from eu2 but answers at us2.
    eu2 = Vantage("eu-office", "eu-2:9100", {m: (2, {("org-c", "sol"): REGION, ("org-c", "luna"): OK}) for m in (0, 15)})
    us2 = Vantage("us-ci", "us-2:9100", {m: (0, {("org-c", "sol"): OK, ("org-c", "luna"): OK}) for m in (0, 15)})
    disagree_tests = [{"eval_time": "20m", "alertname": "GPT56VantageDisagrees", "exp_alerts": [alert(
        "GPT56VantageDisagrees", "warning", target_labels(eu2, "org-c", "sol", verdict="region_vpn"),
        {"summary": "org-c gpt-5.6-sol fails at eu-office (region_vpn) but works from another vantage",
         "description": "Access depends on where you call from: compare the vantages with `gpt56probe merge` "
                        "(region, VPN or proxy at eu-office)."})]}]
    tests = [
        {"interval": "1m", "input_series": input_series([eu], 60), "alert_rule_test": lost_tests},
        {"interval": "1m", "input_series": input_series([us], 80), "alert_rule_test": stale_tests},
        {"interval": "1m", "input_series": input_series([ap], 70), "alert_rule_test": unknown_tests},
        {"interval": "1m", "input_series": input_series([eu2, us2], 20), "alert_rule_test": disagree_tests},
    ]
    done, took = run_promtool(tmp_path, tests)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout
    print(f"\npromtool test rules: {took:.2f}s for {sum(len(t['alert_rule_test']) for t in tests)} alert checks")


def test_a_rule_that_would_fire_wrongly_is_caught(tmp_path: Path) -> None:
    """The positive control: promtool fails the run when an alert the test expects is not there."""
    us = Vantage("us-ci", "us-1:9100", {m: (0, {("org-a", "sol"): OK}) for m in (0, 15, 30)})
    done, _ = run_promtool(tmp_path, [{"interval": "1m", "input_series": input_series([us], 40), "alert_rule_test": [
        {"eval_time": "35m", "alertname": "GPT56CheckStale", "exp_alerts": [{"exp_labels": {"vantage": "us-ci"}}]}]}])
    assert done.returncode != 0 and "FAILED" in done.stdout + done.stderr


def test_the_input_series_are_the_files_own_samples() -> None:
    eu = Vantage("eu", "eu:9100", {0: (2, {("org-a", "sol"): LOST}), 15: (2, {("org-a", "sol"): LOST})})
    series = {s["series"]: s["values"].split() for s in input_series([eu], 20)}
    down = _series_name("gpt56probe_down_runs", [*target_labels(eu, "org-a", "sol").items()])
    assert series[down][0] == "1.0" and series[down][14] == "1.0" and series[down][15] == "2.0"
    assert len(series) == len(parse_samples(eu.files[15])) + 0  # every sample of the file, nothing else
