"""gpt56probe.metrics: the node_exporter textfile rendering."""

from __future__ import annotations

import re

from gpt56probe.metrics import escape_label_value, render_metrics
from gpt56probe.observation import Diagnosis, Target, Verdict

SAMPLE = re.compile(r'^([a-z_0-9]+)(\{(?:[a-z_]+="(?:[^"\\\n]|\\.)*",?)*\})? (-?[0-9.e+]+)$')


def diag(org: str | None, model: str, tier: str, verdict: Verdict, latency_ms: float | None = 410.0, stream: bool = False) -> Diagnosis:
    return Diagnosis(Target(org, model, tier, "chat", stream), verdict, "r", "n", latency_ms=latency_ms)


def test_every_family_has_help_and_type_and_every_sample_parses() -> None:
    text = render_metrics([diag("org-a", "gpt-5.6-sol", "sol", Verdict.OK),
                           diag("org-a", "gpt-5.6-terra", "terra", Verdict.NOT_PROVISIONED, latency_ms=None)],
                          exit_status=2, run_timestamp=1763900000.5)
    assert text.endswith("\n")
    families = ["gpt56probe_up", "gpt56probe_latency_seconds", "gpt56probe_verdict",
                "gpt56probe_last_run_timestamp_seconds", "gpt56probe_exit_status"]
    for name in families:
        assert f"# HELP {name} " in text
        assert f"# TYPE {name} gauge" in text
    for line in text.splitlines():
        if not line.startswith("#"):
            assert SAMPLE.match(line), line
    assert 'gpt56probe_up{org="org-a",model="gpt-5.6-sol",tier="sol",surface="chat",stream="false"} 1' in text
    assert 'gpt56probe_up{org="org-a",model="gpt-5.6-terra",tier="terra",surface="chat",stream="false"} 0' in text
    assert 'gpt56probe_latency_seconds{org="org-a",model="gpt-5.6-sol",tier="sol",surface="chat",stream="false"} 0.41' in text
    assert "gpt56probe_latency_seconds{org=\"org-a\",model=\"gpt-5.6-terra\"" not in text  # no answer, no latency
    assert 'gpt56probe_verdict{org="org-a",model="gpt-5.6-terra",tier="terra",surface="chat",stream="false",verdict="not_provisioned"} 1' in text
    assert "gpt56probe_last_run_timestamp_seconds 1763900000.5" in text
    assert "gpt56probe_exit_status 2" in text


def test_label_values_are_escaped() -> None:
    assert escape_label_value('a"b\\c\nd') == 'a\\"b\\\\c\\nd'
    text = render_metrics([diag('org-"x"\\\n', "m", "sol", Verdict.OK)], 0, 1.0)
    assert 'org="org-\\"x\\"\\\\\\n"' in text
    for line in text.splitlines():
        if not line.startswith("#"):
            assert SAMPLE.match(line), line


def test_default_org_stream_label_and_no_duplicate_series() -> None:
    text = render_metrics([diag(None, "m", "sol", Verdict.OK), diag(None, "m", "sol", Verdict.OK, stream=True),
                           diag(None, "m", "sol", Verdict.RATE_LIMITED)], 1, 1.0)
    ups = [line for line in text.splitlines() if line.startswith("gpt56probe_up{")]
    assert ups == ['gpt56probe_up{org="default",model="m",tier="sol",surface="chat",stream="false"} 1',
                   'gpt56probe_up{org="default",model="m",tier="sol",surface="chat",stream="true"} 1']


def test_empty_run_still_has_run_metrics() -> None:
    text = render_metrics([], 3, 10.0)
    assert "gpt56probe_exit_status 3" in text and "gpt56probe_last_run_timestamp_seconds 10" in text
