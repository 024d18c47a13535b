"""gpt56probe.views.metrics: the node_exporter textfile rendering."""

from __future__ import annotations

import re

from gpt56probe.views.metrics import escape_label_value, render_metrics
from gpt56probe.core.observation import Diagnosis, Target, Verdict

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


# ---------------------------------------------------------------------- vantage, expected tiers, streaks, interval

from gpt56probe.views.metrics import parse_gaps, parse_samples  # noqa: E402


def sample(text: str, name: str, **labels: str) -> float | None:
    return parse_samples(text).get((name, tuple(sorted(labels.items()))))


SOL = dict(org="org-a", model="gpt-5.6-sol", tier="sol", surface="chat", stream="false", vantage="eu")


def test_every_series_carries_the_vantage_and_the_expected_tier_is_its_own_series() -> None:
    text = render_metrics([diag("org-a", "gpt-5.6-sol", "sol", Verdict.OK), diag("org-a", "gpt-5.5", "fallback", Verdict.OK),
                           diag("org-b", "gpt-5.6-sol", "sol", Verdict.OK)], 0, 100.0, vantage="eu",
                          expected={"org-a": ("sol",), "org-b": ("terra",)})
    for line in text.splitlines():
        if not line.startswith("#"):
            assert SAMPLE.match(line) and 'vantage="eu"' in line, line
    assert sample(text, "gpt56probe_expected", **SOL) == 1
    assert sample(text, "gpt56probe_expected", **{**SOL, "model": "gpt-5.5", "tier": "fallback"}) == 0
    assert sample(text, "gpt56probe_expected", **{**SOL, "org": "org-b"}) == 0  # org-b expects terra only
    assert sample(text, "gpt56probe_exit_status", vantage="eu") == 0


def test_down_runs_count_the_runs_in_a_row_a_target_failed_and_reset_when_it_answers() -> None:
    text = ""
    seen = []
    for t, verdict in enumerate([Verdict.OK, Verdict.NOT_PROVISIONED, Verdict.REGION_VPN, Verdict.NOT_PROVISIONED, Verdict.OK,
                                 Verdict.TIMEOUT]):
        text = render_metrics([diag("org-a", "gpt-5.6-sol", "sol", verdict)], 0, 1000.0 + 900 * t, vantage="eu", previous=text)
        seen.append(sample(text, "gpt56probe_down_runs", **SOL))
    assert seen == [0, 1, 2, 3, 0, 1]


def test_unknown_runs_count_runs_that_could_not_judge_even_those_that_probed_nothing() -> None:
    text, seen = "", []
    for t, status in enumerate([3, 3, 0, 3, 3, 3]):
        text = render_metrics([], status, 1000.0 + 900 * t, vantage="eu", previous=text)
        seen.append(sample(text, "gpt56probe_unknown_runs", vantage="eu"))
    assert seen == [1, 2, 0, 1, 2, 3]


def test_the_run_interval_is_the_median_gap_so_one_extra_run_or_one_outage_does_not_move_it() -> None:
    text = render_metrics([], 0, 1000.0, vantage="eu")
    assert sample(text, "gpt56probe_run_interval_seconds", vantage="eu") is None  # one run: no gap yet
    for at in (1900, 2800, 2860, 3700, 90000, 90900):  # a run by hand at 2860, a day-long outage before 90000
        text = render_metrics([], 0, float(at), vantage="eu", previous=text)
    assert parse_gaps(text) == [900.0, 60.0, 840.0, 86300.0, 900.0]  # the last five
    assert sample(text, "gpt56probe_run_interval_seconds", vantage="eu") == 900.0
    for at in (91200, 91500, 91800):  # the schedule changes to every 5 minutes: the median follows in three runs
        text = render_metrics([], 0, float(at), vantage="eu", previous=text)
    assert sample(text, "gpt56probe_run_interval_seconds", vantage="eu") == 300.0


def test_the_file_it_replaces_may_be_anything_and_only_loses_its_memory() -> None:
    for junk in ("\x00\xff garbage {{{", 'gpt56probe_down_runs{org="a" 7', "gpt56probe_unknown_runs{vantage=\"eu\"} NaN-ish",
                 "# gpt56probe-gaps: -5 x inf 1e999", "gpt56probe_last_run_timestamp_seconds{vantage=\"eu\"} 99999999999"):
        text = render_metrics([diag("org-a", "gpt-5.6-sol", "sol", Verdict.TIMEOUT)], 3, 1000.0, vantage="eu", previous=junk)
        assert sample(text, "gpt56probe_down_runs", **SOL) == 1
        assert sample(text, "gpt56probe_unknown_runs", vantage="eu") == 1
        assert sample(text, "gpt56probe_run_interval_seconds", vantage="eu") is None


def test_streaks_belong_to_their_vantage() -> None:
    eu = render_metrics([diag("org-a", "gpt-5.6-sol", "sol", Verdict.REGION_VPN)], 2, 1000.0, vantage="eu")
    us = render_metrics([diag("org-a", "gpt-5.6-sol", "sol", Verdict.REGION_VPN)], 2, 1900.0, vantage="us", previous=eu)
    assert sample(us, "gpt56probe_down_runs", **{**SOL, "vantage": "us"}) == 1
    assert sample(us, "gpt56probe_run_interval_seconds", vantage="us") is None


def test_label_values_round_trip_through_the_parser() -> None:
    odd = 'org-"x"\\\n,y'
    text = render_metrics([diag(odd, "m", "sol", Verdict.NOT_PROVISIONED)], 2, 1.0, vantage='v"1')
    again = render_metrics([diag(odd, "m", "sol", Verdict.NOT_PROVISIONED)], 2, 2.0, vantage='v"1', previous=text)
    assert sample(again, "gpt56probe_down_runs", org=odd, model="m", tier="sol", surface="chat", stream="false", vantage='v"1') == 2
