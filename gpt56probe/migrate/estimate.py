"""What an eval run can cost, worked out before anything is sent. Pure.

Input tokens are estimated from the text (one token per 3 characters, plus 4 per message: high on
purpose, English averages about 4 characters a token); output is bounded by each task's cap (reasoning
and answer together), which is what the API can bill at most. Each model's access probe adds its
``cost.probe_max_cost``. A model without a published price is listed with its token bound and shown as
unknown, never as $0; the guard compares the priced part.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from gpt56probe.core.cost import probe_max_cost
from gpt56probe.core.models import ModelSpec
from gpt56probe.migrate.tasks import Task

CHARS_PER_TOKEN_ESTIMATE = 3
TOKENS_PER_MESSAGE = 4
DEFAULT_MAX_COST_USD = 1.00


def input_tokens_estimate(task: Task) -> int:
    return math.ceil(task.input_chars / CHARS_PER_TOKEN_ESTIMATE) + TOKENS_PER_MESSAGE * len(task.messages)


@dataclass(frozen=True)
class ModelEstimate:
    model: str
    tier: str
    calls: int
    input_tokens: int
    output_tokens: int
    max_cost_usd: float | None  # None: price not published


@dataclass(frozen=True)
class Estimate:
    rows: tuple[ModelEstimate, ...]

    @property
    def priced_usd(self) -> float:
        return sum(r.max_cost_usd for r in self.rows if r.max_cost_usd is not None)

    @property
    def unpriced(self) -> tuple[ModelEstimate, ...]:
        return tuple(r for r in self.rows if r.max_cost_usd is None)

    def doc(self) -> dict:
        return {
            "max_cost_usd": round(self.priced_usd, 6),
            "unpriced_models": [r.model for r in self.unpriced],
            "models": [{"model": r.model, "tier": r.tier, "calls": r.calls, "input_tokens": r.input_tokens,
                        "output_tokens": r.output_tokens,
                        "max_cost_usd": None if r.max_cost_usd is None else round(r.max_cost_usd, 6)} for r in self.rows],
        }


def estimate(tasks: Sequence[Task], models: Sequence[ModelSpec], runs_per_model: int) -> Estimate:
    """Every model x ``runs_per_model`` effort levels x every task, at its cap, plus the model's access probe."""
    in_tokens = sum(input_tokens_estimate(t) for t in tasks) * runs_per_model
    out_tokens = sum(t.max_output_tokens for t in tasks) * runs_per_model
    rows = []
    for spec in models:
        cost = spec.cost_usd(in_tokens, out_tokens)
        probe = probe_max_cost(spec)
        total = None if cost is None or probe is None else cost + probe
        rows.append(ModelEstimate(spec.id, spec.tier, len(tasks) * runs_per_model, in_tokens, out_tokens, total))
    return Estimate(tuple(rows))
