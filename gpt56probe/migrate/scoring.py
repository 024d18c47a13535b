"""From one outcome per task and run to scores per class and a recommendation per class. Pure.

A *run* is one model at one effort level (``current``: each task's own effort; ``lower``: one level
below it). The rules, as the migration guide states them (the cheapest tier that passes wins):

* An outcome is ``pass`` or ``fail`` when the model answered (a wrong answer, or one cut short by the
  output cap, is a fail), ``error`` when there was no answer to judge (a safety check, a rate limit, a
  timeout: counted apart, with its verdict, and never as a wrong answer).
* The pass rate of a class is passed / tasks of the class, with its Wilson 95 % interval; a class with
  fewer than ``stats.SMALL_SET`` tasks is *small*.
* The baseline is gpt-5.5 (the table's first fallback, the live safety net) at the current effort.
  A run *qualifies* for a class when it answered every task of the class and passed at least as many as
  the baseline did. The qualifying 5.6 run with the lowest measured cost per task is recommended (a run
  without a published price is never "cheapest" over a priced one); when none qualifies, the baseline is
  kept. Its fallbacks are the other qualifying runs' models, cheapest first, then the table's fallbacks.
* Without a usable baseline (unreachable, or it did not answer every task), the bar is the best pass rate
  a fully answered run reached.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

from gpt56probe.core.models import REASONING_EFFORTS, TIERS, ModelTable
from gpt56probe.migrate.stats import SMALL_SET, median, percentile, wilson

PASS, FAIL, ERROR = "pass", "fail", "error"
CURRENT, LOWER = "current", "lower"
EFFORT_LABELS: tuple[str, ...] = (CURRENT, LOWER)

STATUS_RECOMMENDED = "recommended"
STATUS_KEEP_BASELINE = "keep_baseline"
STATUS_NO_BASELINE = "no_baseline"
STATUS_NO_ANSWER = "no_answer"


def lower_effort(effort: str) -> str:
    """One level below ``effort`` in REASONING_EFFORTS (``none`` stays ``none``: there is nothing lower)."""
    index = REASONING_EFFORTS.index(effort) if effort in REASONING_EFFORTS else REASONING_EFFORTS.index("medium")
    return REASONING_EFFORTS[max(0, index - 1)]


@dataclass(frozen=True)
class Outcome:
    """One task on one run: what happened, what it used, what it cost. ``answer`` only when kept."""

    task: str
    cls: str
    model: str
    tier: str
    effort_label: str
    effort: str | None
    outcome: str
    reason: str
    verdict: str
    truncated: bool = False
    latency_ms: float | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    cost_usd: float | None = 0.0
    request_id: str | None = None
    answer: str | None = None


@dataclass(frozen=True)
class Score:
    cls: str
    model: str
    tier: str
    effort_label: str
    tasks: int
    answered: int
    passed: int
    errors: Mapping[str, int]
    truncated: int
    latency_median_ms: float | None
    latency_p95_ms: float | None
    input_tokens: int
    output_tokens: int
    reasoning_tokens: int
    cost_total_usd: float | None
    efforts: tuple[str, ...] = ()

    @property
    def pass_rate(self) -> float | None:
        return self.passed / self.tasks if self.tasks else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson(self.passed, self.tasks)

    @property
    def small(self) -> bool:
        return self.tasks < SMALL_SET

    @property
    def complete(self) -> bool:
        """Every task of the class got an answer to judge."""
        return self.answered == self.tasks

    @property
    def cost_per_task(self) -> float | None:
        return None if self.cost_total_usd is None or not self.tasks else self.cost_total_usd / self.tasks

    @property
    def cost_per_success(self) -> float | None:
        return None if self.cost_total_usd is None or not self.passed else self.cost_total_usd / self.passed

    @property
    def run(self) -> tuple[str, str]:
        return (self.model, self.effort_label)


def score(outcomes: Sequence[Outcome], cls: str, model: str, effort_label: str) -> Score | None:
    mine = [o for o in outcomes if o.cls == cls and o.model == model and o.effort_label == effort_label]
    if not mine:
        return None
    errors: dict[str, int] = {}
    for o in mine:
        if o.outcome == ERROR:
            errors[o.verdict] = errors.get(o.verdict, 0) + 1
    latencies = [o.latency_ms for o in mine if o.latency_ms is not None and o.outcome != ERROR]
    costs = [o.cost_usd for o in mine]
    total = None if any(c is None for c in costs) else sum(c for c in costs if c is not None)
    return Score(
        cls, model, mine[0].tier, effort_label, len(mine), sum(o.outcome != ERROR for o in mine),
        sum(o.outcome == PASS for o in mine), dict(sorted(errors.items())), sum(o.truncated for o in mine),
        median(latencies), percentile(latencies, 95),
        sum(o.input_tokens for o in mine), sum(o.output_tokens for o in mine), sum(o.reasoning_tokens for o in mine),
        total, tuple(dict.fromkeys(o.effort for o in mine if o.effort)),
    )


def all_scores(outcomes: Sequence[Outcome], classes: Sequence[str], runs: Sequence[tuple[str, str]]) -> tuple[Score, ...]:
    """Per class (in order), per run (in order)."""
    found = []
    for cls in classes:
        for model, label in runs:
            s = score(outcomes, cls, model, label)
            if s is not None:
                found.append(s)
    return tuple(found)


@dataclass(frozen=True)
class Recommendation:
    cls: str
    status: str
    model: str | None
    tier: str | None
    effort_label: str | None
    efforts: tuple[str, ...]
    fallbacks: tuple[str, ...]
    pass_rate: float | None
    baseline_pass_rate: float | None
    cost_per_task: float | None
    baseline_cost_per_task: float | None
    too_small: bool
    tasks: int
    reason: str
    qualified: tuple[str, ...] = field(default_factory=tuple)  # "model@label" of every qualifying run, cheapest first


def _pct(rate: float | None) -> str:
    return "n/a" if rate is None else f"{100 * rate:.0f}%"


def _cost_key(s: Score, tiers: Sequence[str] = TIERS) -> tuple[int, float, float, int]:
    cost = s.cost_per_task
    tier_rank = list(tiers).index(s.tier) if s.tier in tiers else len(tiers)
    return (1 if cost is None else 0, cost or 0.0, -(s.pass_rate or 0.0), -tier_rank)


def _label(s: Score) -> str:
    efforts = "/".join(s.efforts)
    return s.model if s.effort_label == CURRENT else f"{s.model} at {efforts or 'a lower'} effort (one level lower)"


def recommend(scores: Sequence[Score], cls: str, baseline: str, table: ModelTable) -> Recommendation:
    mine = [s for s in scores if s.cls == cls]
    tasks = max((s.tasks for s in mine), default=0)
    small = tasks < SMALL_SET
    base = next((s for s in mine if s.model == baseline and s.effort_label == CURRENT), None)
    usable_base = base is not None and base.complete
    complete = [s for s in mine if s.complete]
    table_fallbacks = [m.id for m in table.fallbacks]
    size_note = (f"; small set ({tasks} task{'s' if tasks != 1 else ''}, under {SMALL_SET}): too small to tell a few points apart, add tasks"
                 if small else "")

    def result(status: str, chosen: Score | None, bar_rate: float | None, qualified: list[Score], reason: str) -> Recommendation:
        fallbacks: list[str] = []
        if chosen is not None:
            fallbacks = [s.model for s in qualified if s.model != chosen.model]
            fallbacks += table_fallbacks
            fallbacks = [m for m in dict.fromkeys(fallbacks) if m != chosen.model]
        return Recommendation(
            cls, status, chosen.model if chosen else None, chosen.tier if chosen else None,
            chosen.effort_label if chosen else None, chosen.efforts if chosen else (), tuple(fallbacks),
            chosen.pass_rate if chosen else None, bar_rate, chosen.cost_per_task if chosen else None,
            base.cost_per_task if base is not None else None, small, tasks, reason + size_note,
            tuple(f"{s.model}@{s.effort_label}" for s in qualified),
        )

    if not complete:
        return result(STATUS_NO_ANSWER, None, base.pass_rate if base else None, [],
                      "no run answered every task of this class (see the errors)")
    if usable_base:
        assert base is not None
        bar = base.passed
        qualified = sorted((s for s in complete if s.passed >= bar), key=lambda s: _cost_key(s, table.tier_names))
        candidates = [s for s in qualified if s.tier in table.tier_names]
        if candidates:
            chosen = candidates[0]
            return result(STATUS_RECOMMENDED, chosen, base.pass_rate, qualified,
                          f"the cheapest run passing at least as many tasks as {baseline} "
                          f"({chosen.passed}/{chosen.tasks} vs {base.passed}/{base.tasks})")
        return result(STATUS_KEEP_BASELINE, base, base.pass_rate, qualified,
                      f"no {table.family.name} run passed as many tasks as {baseline} ({base.passed}/{base.tasks}): keep {baseline}")
    best = max(s.passed for s in complete)
    qualified = sorted((s for s in complete if s.passed == best), key=lambda s: _cost_key(s, table.tier_names))
    chosen = next((s for s in qualified if s.tier in table.tier_names), qualified[0])
    why = "was not reachable" if base is None else f"did not answer every task ({', '.join(f'{v} x{n}' for v, n in base.errors.items())})"
    return result(STATUS_NO_BASELINE, chosen, None, qualified,
                  f"{baseline} {why}, so there is nothing to compare with: {_label(chosen)} is the cheapest run with "
                  f"the best pass rate seen ({chosen.passed}/{chosen.tasks})")


def recommendations(scores: Sequence[Score], classes: Iterable[str], baseline: str, table: ModelTable) -> tuple[Recommendation, ...]:
    return tuple(recommend(scores, cls, baseline, table) for cls in classes)


def pct(rate: float | None) -> str:
    return _pct(rate)
