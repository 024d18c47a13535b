"""--fail-after counts, per target, the runs in a row with an access verdict (gpt56probe.core.streaks, pure)."""

from __future__ import annotations

from gpt56probe.core.history import verdict_key
from gpt56probe.store import state
from gpt56probe.core.observation import Diagnosis, Severity, Target, Verdict
from gpt56probe.core.streaks import apply_fail_after, streaks_from_history, update_streaks, valid_streaks


def row(org: str, verdict: str, model: str = "gpt-5.6-sol", run_id: str = "r") -> dict:
    return {"run_id": run_id, "org": org, "model": model, "tier": "sol", "surface": "chat", "stream": False, "verdict": verdict}


def key(org: str, model: str = "gpt-5.6-sol") -> str:
    return verdict_key(row(org, "ok", model))


def diag(org: str, verdict: Verdict, tier: str = "sol", model: str = "gpt-5.6-sol") -> Diagnosis:
    return Diagnosis(Target(org, model, tier), verdict, "", "")


def test_interleaved_runs_of_two_orgs_each_keep_their_own_streak() -> None:
    """Two crontab lines share a state dir: org-a fails every run, org-b is fine; org-a still escalates."""
    streaks: dict[str, int] = {}
    for run in range(5):
        org, verdict = ("org-a", "not_provisioned") if run % 2 == 0 else ("org-b", "ok")
        streaks = update_streaks(streaks, [row(org, verdict, run_id=str(run))])
    assert streaks == {key("org-a"): 3, key("org-b"): 0}
    critical = apply_fail_after(Severity.CRITICAL, [diag("org-a", Verdict.NOT_PROVISIONED)], ("sol",), streaks, 3)
    assert critical is Severity.CRITICAL


def test_degraded_runs_never_count_towards_an_access_alert() -> None:
    """Three timeouts, then the first access verdict: a streak of one, not four."""
    history = [row("org-a", "timeout", run_id=str(i)) for i in range(3)]
    streaks = update_streaks(streaks_from_history(history), [row("org-a", "not_provisioned", run_id="4")])
    assert streaks[key("org-a")] == 1
    assert apply_fail_after(Severity.CRITICAL, [diag("org-a", Verdict.NOT_PROVISIONED)], ("sol",), streaks, 3) is Severity.WARNING


def test_a_run_that_does_not_probe_a_target_leaves_its_streak_alone_and_an_ok_ends_it() -> None:
    streaks = update_streaks({key("org-a"): 2}, [row("org-b", "ok")])
    assert streaks[key("org-a")] == 2
    assert update_streaks(streaks, [row("org-a", "ok")])[key("org-a")] == 0


def test_only_an_expected_target_escalates() -> None:
    """A fallback (or a tier the org is not expected to reach) with a long streak does not make the run CRITICAL."""
    streaks = {key("org-a", "gpt-5.5"): 9, key("org-a"): 1}
    diagnoses = [diag("org-a", Verdict.NOT_PROVISIONED), diag("org-a", Verdict.NOT_PROVISIONED, tier="fallback", model="gpt-5.5")]
    assert apply_fail_after(Severity.CRITICAL, diagnoses, ("sol",), streaks, 3) is Severity.WARNING


def test_apply_fail_after_leaves_other_states_and_no_flag_alone() -> None:
    diagnoses = [diag("org-a", Verdict.NOT_PROVISIONED)]
    assert apply_fail_after(Severity.CRITICAL, diagnoses, ("sol",), {}, None) is Severity.CRITICAL
    assert apply_fail_after(Severity.WARNING, diagnoses, ("sol",), {}, 3) is Severity.WARNING
    assert apply_fail_after(Severity.OK, [], ("sol",), {}, 3) is Severity.OK


def test_streaks_of_another_shape_are_rebuilt() -> None:
    assert valid_streaks({"a": 1}) == {"a": 1}
    for odd in (None, [], {"a": -1}, {"a": True}, {"a": "2"}, {1: 2}):
        assert valid_streaks(odd) is None
