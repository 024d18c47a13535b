"""deploy/prometheus/gpt56probe-served-rules.yml under `promtool test rules`, against the series
`served --prom-file` renders itself (promtool from Debian's prometheus package; .ci/run installs it,
without it this test fails, it never skips)."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

from gpt56probe.migrate.served import ServedCall, build_report
from gpt56probe.migrate.servedview import render_metrics
from gpt56probe.views.metrics import parse_samples

RULES = Path(__file__).resolve().parents[1] / "deploy" / "prometheus" / "gpt56probe-served-rules.yml"
NOW = datetime(2026, 12, 7, 5, 0, tzinfo=timezone.utc)


def promtool() -> str:
    found = shutil.which("promtool")
    assert found, "promtool is missing: apt-get install prometheus (.ci/run installs it)"
    return found


def calls(role: str, asked: str, by_tier: int, by_fallback: int, reason: str) -> list[ServedCall]:
    ts = NOW - timedelta(hours=1)
    return ([ServedCall(ts, role, asked, asked, None, 100.0, 100.0)] * by_tier
            + [ServedCall(ts, role, asked, "gpt-5.5", reason, 120.0, 110.0)] * by_fallback)


def series(text: str) -> dict[str, float]:
    out = {}
    for (name, labels), value in parse_samples(text).items():
        pairs = [*labels, ("instance", "app-1:9100"), ("job", "node")]
        out[name + "{" + ",".join(f"{k}={json.dumps(v)}" for k, v in sorted(pairs)) + "}"] = value
    return out


def test_the_served_rules_file_is_valid() -> None:
    done = subprocess.run([promtool(), "check", "rules", str(RULES)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS: 1 rules found" in done.stdout


def test_a_role_mostly_served_by_its_fallback_alerts_with_its_reason_and_a_healthy_or_quiet_role_does_not(tmp_path: Path) -> None:
    report = build_report(calls("hard", "gpt-5.6-sol", 38, 62, "provisioning_pending")
                          + calls("balanced", "gpt-5.6-terra", 95, 5, "timeout")
                          + calls("cheap", "gpt-5.6-luna", 2, 8, "region_vpn"),  # mostly fallback, but too few calls to page
                          NOW)
    text = render_metrics(report)
    values = series(text)
    input_series = [{"series": key, "values": f"{value!r}x60"} for key, value in sorted(values.items())]
    spec = {
        "rule_files": [str(RULES)],
        "evaluation_interval": "1m",
        "tests": [{
            "interval": "1m",
            "input_series": input_series,
            "alert_rule_test": [
                {"eval_time": "20m", "alertname": "GPT56RoleServedByFallback", "exp_alerts": []},
                {"eval_time": "40m", "alertname": "GPT56RoleServedByFallback", "exp_alerts": [{
                    "exp_labels": {"severity": "warning", "role": "hard", "asked": "gpt-5.6-sol", "error_class": "provisioning_pending",
                                   "instance": "app-1:9100", "job": "node"},
                    "exp_annotations": {
                        "summary": "hard is mostly served by its fallback: 62% of calls not served by gpt-5.6-sol, mostly provisioning_pending",
                        "description": "The router's log says gpt-5.6-sol did not serve 62% of the hard calls in the window (most often "
                                       "provisioning_pending). Run `gpt56probe served` on the log for the details and `gpt56probe check` "
                                       "for the org's next step.",
                    },
                }]},
            ],
        }],
    }
    path = tmp_path / "served-rules.test.yml"
    path.write_text(json.dumps(spec, indent=2))
    done = subprocess.run([promtool(), "test", "rules", str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
