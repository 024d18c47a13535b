"""The arithmetic and the rules behind a recommendation: Wilson intervals, percentiles, cost per task
and per success, and the cheapest qualifying tier per class."""

from __future__ import annotations

import pytest

from gpt56probe.core.models import DEFAULT_TABLE
from gpt56probe.migrate.scoring import (CURRENT, ERROR, FAIL, LOWER, PASS, STATUS_KEEP_BASELINE, STATUS_NO_ANSWER,
                                        STATUS_NO_BASELINE, STATUS_RECOMMENDED, Outcome, all_scores, lower_effort, recommend)
from gpt56probe.migrate.stats import median, percentile, wilson

G55, SOL, TERRA, LUNA = "gpt-5.5", "gpt-5.6-sol", "gpt-5.6-terra", "gpt-5.6-luna"
TIER = {G55: "fallback", SOL: "sol", TERRA: "terra", LUNA: "luna"}


def test_wilson_interval_matches_the_textbook_values() -> None:
    low, high = wilson(5, 10)  # type: ignore[misc]
    assert (round(low, 4), round(high, 4)) == (0.2366, 0.7634)
    low, high = wilson(0, 10)  # type: ignore[misc]
    assert (low, round(high, 4)) == (0.0, 0.2775)
    low, high = wilson(10, 10)  # type: ignore[misc]
    assert (round(low, 4), high) == (0.7225, 1.0)
    low, high = wilson(1, 1)  # type: ignore[misc]
    assert round(low, 4) == 0.2065  # one task proves little
    assert wilson(0, 0) is None
    with pytest.raises(ValueError):
        wilson(3, 2)


def test_median_and_nearest_rank_p95() -> None:
    assert median([3.0, 1.0, 2.0]) == 2.0 and median([1.0, 2.0, 3.0, 4.0]) == 2.5 and median([]) is None
    assert percentile(list(range(1, 21)), 95) == 19
    assert percentile([5.0], 95) == 5.0 and percentile([], 95) is None


def test_lower_effort_is_one_level_down_and_none_stays_none() -> None:
    assert lower_effort("medium") == "low" and lower_effort("low") == "minimal" and lower_effort("none") == "none"


def outcomes(model: str, results: str, cls: str = "hard", label: str = CURRENT, cost: float | None = 0.01,
             verdict: str = "ok") -> list[Outcome]:
    kinds = {"p": PASS, "f": FAIL, "e": ERROR}
    return [Outcome(f"t{i}", cls, model, TIER[model], label, "medium", kinds[r], "", verdict if r == "e" else "ok",
                    latency_ms=100.0 + i, input_tokens=10, output_tokens=20, reasoning_tokens=5,
                    cost_usd=None if cost is None else (0.0 if r == "e" else cost)) for i, r in enumerate(results)]


RUNS = [(G55, CURRENT), (SOL, CURRENT), (TERRA, CURRENT), (LUNA, CURRENT)]


def test_scores_count_passes_errors_apart_and_cost_per_task_and_per_success() -> None:
    scores = all_scores(outcomes(TERRA, "ppfe", verdict="safety_check"), ["hard"], RUNS)
    s = scores[0]
    assert (s.tasks, s.answered, s.passed, dict(s.errors)) == (4, 3, 2, {"safety_check": 1})
    assert s.cost_total_usd == pytest.approx(0.03) and s.cost_per_task == pytest.approx(0.0075)
    assert s.cost_per_success == pytest.approx(0.015)
    assert s.small and not s.complete
    assert s.latency_median_ms == 101.0


def test_the_cheapest_tier_passing_as_many_tasks_as_the_baseline_is_recommended() -> None:
    data = (outcomes(G55, "ppppf", cost=None) + outcomes(SOL, "ppppp", cost=0.03) + outcomes(TERRA, "ppppf", cost=0.015)
            + outcomes(LUNA, "ppfff", cost=0.006))
    rec = recommend(all_scores(data, ["hard"], RUNS), "hard", G55, DEFAULT_TABLE)
    assert rec.status == STATUS_RECOMMENDED and rec.model == TERRA
    assert rec.fallbacks == (SOL, G55, "gpt-5.4-mini")  # the other qualifying run, then the table's fallbacks
    assert rec.too_small and "too small" in rec.reason


def test_a_tier_with_a_safety_check_on_one_task_does_not_qualify_even_if_cheaper() -> None:
    data = outcomes(G55, "ppp", cost=None) + outcomes(TERRA, "ppp", cost=0.02) + outcomes(LUNA, "ppe", cost=0.005, verdict="safety_check")
    rec = recommend(all_scores(data, ["hard"], RUNS), "hard", G55, DEFAULT_TABLE)
    assert rec.model == TERRA


def test_no_tier_as_good_as_the_baseline_keeps_the_baseline() -> None:
    data = outcomes(G55, "ppp", cost=None) + outcomes(TERRA, "ppf") + outcomes(LUNA, "fff")
    rec = recommend(all_scores(data, ["hard"], RUNS), "hard", G55, DEFAULT_TABLE)
    assert rec.status == STATUS_KEEP_BASELINE and rec.model == G55


def test_a_lower_effort_run_wins_when_it_passes_and_costs_less() -> None:
    data = outcomes(G55, "pp", cost=None) + outcomes(SOL, "pp", cost=0.03) + outcomes(SOL, "pp", label=LOWER, cost=0.01)
    rec = recommend(all_scores(data, ["hard"], [*RUNS, (SOL, LOWER)]), "hard", G55, DEFAULT_TABLE)
    assert (rec.model, rec.effort_label) == (SOL, LOWER)


def test_without_a_baseline_the_best_pass_rate_seen_is_the_bar() -> None:
    data = outcomes(G55, "pe", cost=None, verdict="rate_limited") + outcomes(TERRA, "pp", cost=0.02) + outcomes(LUNA, "pf", cost=0.01)
    rec = recommend(all_scores(data, ["hard"], RUNS), "hard", G55, DEFAULT_TABLE)
    assert rec.status == STATUS_NO_BASELINE and rec.model == TERRA and "rate_limited x1" in rec.reason


def test_nothing_answered_fully_gives_no_recommendation() -> None:
    data = outcomes(G55, "e", cost=None, verdict="timeout") + outcomes(TERRA, "e", verdict="timeout")
    rec = recommend(all_scores(data, ["hard"], RUNS), "hard", G55, DEFAULT_TABLE)
    assert rec.status == STATUS_NO_ANSWER and rec.model is None


def test_an_unpriced_run_is_never_cheapest_over_a_priced_one() -> None:
    data = outcomes(G55, "pp", cost=None) + outcomes(SOL, "pp", cost=0.5)
    rec = recommend(all_scores(data, ["hard"], RUNS), "hard", G55, DEFAULT_TABLE)
    assert rec.model == SOL
