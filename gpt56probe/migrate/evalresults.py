"""The eval results document (``gpt56probe.eval/1``), reading one back, and comparing two. Pure.

The JSON Schema is ``gpt56probe/schema/eval-result.schema.json``; other commands (``plan --from-eval``,
``eval --compare``, the report page, the rollout checklist) read results through ``read_results``,
which refuses a document it cannot trust with the place and the problem, never a traceback.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from gpt56probe.migrate.scoring import CURRENT, Outcome, Recommendation, Score
from gpt56probe.migrate.tasks import TaskSet

SCHEMA = "gpt56probe.eval/1"
MAX_RESULTS_BYTES = 64 << 20


class ResultsError(ValueError):
    """A results document that cannot be used; names the file and the place."""


def _num(value: float | None, digits: int = 6) -> float | None:
    return None if value is None else round(value, digits)


@dataclass(frozen=True)
class ModelAccess:
    model: str
    tier: str
    state: str  # evaluated | unreachable
    verdict: str
    reason: str
    request_id: str | None


def score_doc(s: Score) -> dict[str, Any]:
    interval = s.interval
    return {
        "class": s.cls, "model": s.model, "tier": s.tier, "effort_label": s.effort_label, "efforts": list(s.efforts),
        "tasks": s.tasks, "answered": s.answered, "passed": s.passed,
        "pass_rate": _num(s.pass_rate, 4), "interval": None if interval is None else [round(interval[0], 4), round(interval[1], 4)],
        "small": s.small, "errors": dict(s.errors), "truncated": s.truncated,
        "latency_ms": {"median": _num(s.latency_median_ms, 1), "p95": _num(s.latency_p95_ms, 1)},
        "tokens": {"input": s.input_tokens, "output": s.output_tokens, "reasoning": s.reasoning_tokens},
        "cost_usd": {"total": _num(s.cost_total_usd, 8), "per_task": _num(s.cost_per_task, 8),
                     "per_success": _num(s.cost_per_success, 8)},
    }


def recommendation_doc(r: Recommendation) -> dict[str, Any]:
    return {
        "class": r.cls, "status": r.status, "model": r.model, "tier": r.tier, "effort_label": r.effort_label,
        "efforts": list(r.efforts), "fallbacks": list(r.fallbacks), "pass_rate": _num(r.pass_rate, 4),
        "baseline_pass_rate": _num(r.baseline_pass_rate, 4), "cost_per_task_usd": _num(r.cost_per_task, 8),
        "baseline_cost_per_task_usd": _num(r.baseline_cost_per_task, 8), "too_small": r.too_small, "tasks": r.tasks,
        "qualified": list(r.qualified), "reason": r.reason,
    }


def outcome_doc(o: Outcome, keep_text: bool) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "task": o.task, "class": o.cls, "model": o.model, "tier": o.tier, "effort_label": o.effort_label,
        "effort": o.effort, "outcome": o.outcome, "reason": o.reason, "verdict": o.verdict, "truncated": o.truncated,
        "latency_ms": _num(o.latency_ms, 1), "input_tokens": o.input_tokens, "output_tokens": o.output_tokens,
        "reasoning_tokens": o.reasoning_tokens, "cost_usd": _num(o.cost_usd, 8), "request_id": o.request_id,
    }
    if keep_text:
        doc["answer"] = o.answer
    return doc


def results_doc(*, started_at: str, finished_at: str, org: str | None, base_url: str, vantage: str | None,
                tasks: TaskSet, baseline: str, efforts: Sequence[str], estimate: Mapping[str, Any],
                models: Sequence[ModelAccess], outcomes: Sequence[Outcome], scores: Sequence[Score],
                recommendations: Sequence[Recommendation], keep_text: bool, notes: Sequence[str] = ()) -> dict[str, Any]:
    costs = [o.cost_usd for o in outcomes]
    unpriced = sorted({o.model for o in outcomes if o.cost_usd is None})
    task_docs = []
    for t in tasks.tasks:
        entry: dict[str, Any] = {"id": t.id, "class": t.cls, "check": dict(t.check.spec), "max_output_tokens": t.max_output_tokens,
                                 "effort": t.effort}
        if keep_text:
            entry["input"] = t.input_doc()
        task_docs.append(entry)
    return {
        "schema": SCHEMA,
        "started_at": started_at,
        "finished_at": finished_at,
        "org": org,
        "base_url": base_url,
        "vantage": vantage,
        "task_file": {"path": tasks.source, "sha256": tasks.sha256, "tasks": len(tasks.tasks), "classes": list(tasks.classes)},
        "baseline": baseline,
        "efforts": list(efforts),
        "text_kept": keep_text,
        "estimate": dict(estimate),
        "cost_usd": {"total": round(sum(c for c in costs if c is not None), 8), "unpriced_models": unpriced},
        "models": [{"model": m.model, "tier": m.tier, "state": m.state, "verdict": m.verdict, "reason": m.reason,
                    "request_id": m.request_id} for m in models],
        "tasks": task_docs,
        "outcomes": [outcome_doc(o, keep_text) for o in outcomes],
        "scores": [score_doc(s) for s in scores],
        "recommendations": [recommendation_doc(r) for r in recommendations],
        "notes": list(notes),
    }


# --------------------------------------------------------------------------- reading back

_REQUIRED_TOP = ("schema", "finished_at", "baseline", "models", "tasks", "outcomes", "scores", "recommendations")


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def read_results(text: str, source: str) -> dict[str, Any]:
    """A results document, checked enough for every reader here; ResultsError names what is wrong."""
    try:
        doc = json.loads(text, parse_constant=_not_json)
    except (ValueError, RecursionError) as exc:
        raise ResultsError(f"{source}: not JSON ({exc})") from None
    if not isinstance(doc, dict):
        raise ResultsError(f"{source}: not an eval results document (the top level is not an object)")
    if doc.get("schema") != SCHEMA:
        raise ResultsError(f"{source}: not an eval results document (schema {doc.get('schema')!r}, expected {SCHEMA!r})")
    for key in _REQUIRED_TOP:
        if key not in doc:
            raise ResultsError(f"{source}: {key} is missing")
    for key in ("models", "tasks", "outcomes", "scores", "recommendations"):
        if not isinstance(doc[key], list) or not all(isinstance(x, dict) for x in doc[key]):
            raise ResultsError(f"{source}: {key} must be a list of objects")
    for index, rec in enumerate(doc["recommendations"]):
        if not isinstance(rec.get("class"), str) or not (rec.get("model") is None or isinstance(rec.get("model"), str)):
            raise ResultsError(f"{source}: recommendations[{index}] needs a class and a model (or null)")
        if not isinstance(rec.get("fallbacks", []), list) or not all(isinstance(f, str) for f in rec.get("fallbacks", [])):
            raise ResultsError(f"{source}: recommendations[{index}].fallbacks must be a list of model ids")
    for index, s in enumerate(doc["scores"]):
        for key in ("class", "model", "effort_label"):
            if not isinstance(s.get(key), str):
                raise ResultsError(f"{source}: scores[{index}].{key} must be a string")
        for key in ("tasks", "passed"):
            if isinstance(s.get(key), bool) or not isinstance(s.get(key), int):
                raise ResultsError(f"{source}: scores[{index}].{key} must be a whole number")
    for index, o in enumerate(doc["outcomes"]):
        for key in ("task", "model", "effort_label", "outcome"):
            if not isinstance(o.get(key), str):
                raise ResultsError(f"{source}: outcomes[{index}].{key} must be a string")
    return doc


# --------------------------------------------------------------------------- comparing two runs


@dataclass(frozen=True)
class ScoreChange:
    cls: str
    model: str
    effort_label: str
    old_passed: int | None
    old_tasks: int | None
    new_passed: int | None
    new_tasks: int | None
    old_cost_per_task: float | None
    new_cost_per_task: float | None

    @property
    def direction(self) -> str:
        if self.old_tasks is None:
            return "new"
        if self.new_tasks is None:
            return "gone"
        old = self.old_passed / self.old_tasks if self.old_tasks else 0.0  # type: ignore[operator]
        new = self.new_passed / self.new_tasks if self.new_tasks else 0.0  # type: ignore[operator]
        if math.isclose(old, new):
            return "same"
        return "better" if new > old else "worse"


@dataclass(frozen=True)
class Flip:
    task: str
    model: str
    effort_label: str
    old: str
    new: str

    @property
    def direction(self) -> str:
        if self.new == "pass":
            return "better"
        if self.old == "pass":
            return "worse"
        return "changed"


@dataclass(frozen=True)
class Comparison:
    changes: tuple[ScoreChange, ...]
    flips: tuple[Flip, ...]
    recommendation_changes: tuple[tuple[str, str | None, str | None], ...]  # (class, old model, new model)
    same_tasks: bool
    notes: tuple[str, ...]

    @property
    def worse(self) -> int:
        return sum(c.direction == "worse" for c in self.changes)

    @property
    def better(self) -> int:
        return sum(c.direction == "better" for c in self.changes)


def _score_key(s: Mapping[str, Any]) -> tuple[str, str, str]:
    return (str(s.get("class")), str(s.get("model")), str(s.get("effort_label") or CURRENT))


def _cost(s: Mapping[str, Any] | None) -> float | None:
    if s is None:
        return None
    cost = s.get("cost_usd")
    value = cost.get("per_task") if isinstance(cost, dict) else None
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def compare(old: Mapping[str, Any], new: Mapping[str, Any]) -> Comparison:
    """What got better or worse from ``old`` to ``new``: per class x run, per task, per recommendation."""
    old_scores = {_score_key(s): s for s in old["scores"]}
    new_scores = {_score_key(s): s for s in new["scores"]}
    keys = list(dict.fromkeys([*old_scores, *new_scores]))
    changes = []
    for key in keys:
        o, n = old_scores.get(key), new_scores.get(key)
        changes.append(ScoreChange(key[0], key[1], key[2], o.get("passed") if o else None, o.get("tasks") if o else None,
                                   n.get("passed") if n else None, n.get("tasks") if n else None, _cost(o), _cost(n)))
    old_out = {(o["task"], o["model"], o["effort_label"]): o["outcome"] for o in old["outcomes"]}
    flips = []
    for o in new["outcomes"]:
        key = (o["task"], o["model"], o["effort_label"])
        if key in old_out and old_out[key] != o["outcome"]:
            flips.append(Flip(*key, old_out[key], o["outcome"]))
    old_recs = {r["class"]: r.get("model") for r in old["recommendations"]}
    new_recs = {r["class"]: r.get("model") for r in new["recommendations"]}
    rec_changes = tuple((c, old_recs.get(c), new_recs.get(c)) for c in dict.fromkeys([*old_recs, *new_recs])
                        if old_recs.get(c) != new_recs.get(c))
    old_sha = (old.get("task_file") or {}).get("sha256") if isinstance(old.get("task_file"), dict) else None
    new_sha = (new.get("task_file") or {}).get("sha256") if isinstance(new.get("task_file"), dict) else None
    same = old_sha is not None and old_sha == new_sha
    notes = [] if same else ["the two runs used different task files: compare pass rates with care"]
    return Comparison(tuple(changes), tuple(flips), rec_changes, same, tuple(notes))


def comparison_doc(c: Comparison) -> dict[str, Any]:
    return {
        "schema": "gpt56probe.eval-compare/1",
        "same_task_file": c.same_tasks,
        "better": c.better,
        "worse": c.worse,
        "scores": [{"class": s.cls, "model": s.model, "effort_label": s.effort_label, "direction": s.direction,
                    "old": None if s.old_tasks is None else {"passed": s.old_passed, "tasks": s.old_tasks, "cost_per_task_usd": s.old_cost_per_task},
                    "new": None if s.new_tasks is None else {"passed": s.new_passed, "tasks": s.new_tasks, "cost_per_task_usd": s.new_cost_per_task}}
                   for s in c.changes],
        "flips": [{"task": f.task, "model": f.model, "effort_label": f.effort_label, "old": f.old, "new": f.new,
                   "direction": f.direction} for f in c.flips],
        "recommendations": [{"class": cls, "old": o, "new": n} for cls, o, n in c.recommendation_changes],
        "notes": list(c.notes),
    }
