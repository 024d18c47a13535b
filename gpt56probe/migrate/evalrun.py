"""An eval run, end to end: access first (as ``check`` probes it), then every task on every reachable
model and effort level, judged and scored. No click, no rendering: the CLI wires, views/ draws.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

from gpt56probe.core.classify import classify
from gpt56probe.core.models import ModelSpec, ModelTable
from gpt56probe.core.observation import Verdict
from gpt56probe.core.routing import STATE_UNREACHABLE, model_states
from gpt56probe.core.wire import count_of, parse_json, read_body
from gpt56probe.migrate.checks import judge
from gpt56probe.migrate.evalresults import ModelAccess
from gpt56probe.migrate.scoring import CURRENT, ERROR, FAIL, LOWER, PASS, Outcome, lower_effort
from gpt56probe.migrate.tasks import Task, TaskSet
from gpt56probe.net.checkrun import CheckOutcome, CheckRequest, OrgCredential, perform_check
from gpt56probe.net.evalcall import EvalTarget, run_calls
from gpt56probe.net.probe import DEFAULT_BASE_URL, HttpSettings, key_id, now_iso


@dataclass(frozen=True)
class EvalRequest:
    tasks: TaskSet
    cred: OrgCredential
    table: ModelTable
    models: Sequence[ModelSpec]  # baseline first, then the candidates
    efforts: Sequence[str] = (CURRENT,)
    base_url: str = DEFAULT_BASE_URL
    proxy: str | None = None
    timeout_s: float = 120.0
    deadline_s: float = 900.0
    concurrency: int = 8
    trust_env: bool = True
    keep_text: bool = False
    tracer: Callable[[str], None] | None = None
    access_progress: Callable[[int, int], None] | None = None
    progress: Callable[[int, int], None] | None = None


@dataclass(frozen=True)
class EvalOutcome:
    started_at: str
    finished_at: str
    access: tuple[ModelAccess, ...]
    outcomes: tuple[Outcome, ...]
    runs: tuple[tuple[str, str], ...]  # (model, effort label) in report order
    wall_s: float
    check: CheckOutcome | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


def usage_of(body: str) -> tuple[int, int, int]:
    """(input, output, reasoning) tokens a chat or Responses answer reports; reasoning is inside output."""
    data = parse_json(body)
    usage = data.get("usage") if isinstance(data, dict) else None
    if not isinstance(usage, dict):
        return 0, 0, 0
    details = usage.get("completion_tokens_details") or usage.get("output_tokens_details")
    reasoning = count_of(details.get("reasoning_tokens")) if isinstance(details, dict) else 0
    return (count_of(usage.get("prompt_tokens")) or count_of(usage.get("input_tokens")),
            count_of(usage.get("completion_tokens")) or count_of(usage.get("output_tokens")), reasoning)


def check_access(request: EvalRequest) -> tuple[tuple[ModelAccess, ...], CheckOutcome]:
    """Probe the org on every model the eval would use, as ``check`` does (chat surface)."""
    check = perform_check(CheckRequest(
        orgs=[request.cred], models=list(request.models), table=request.table, surface="chat", base_url=request.base_url,
        proxy=request.proxy, timeout_s=min(request.timeout_s, 30.0), deadline_s=min(request.deadline_s, 60.0),
        concurrency=request.concurrency, tracer=request.tracer, trust_env=request.trust_env, progress=request.access_progress,
    ))
    states = {s.model: s for s in model_states(check.diagnoses, request.table, request.cred.org)}
    found = []
    for spec in request.models:
        diagnosis = next((d for d in check.diagnoses if d.target.model == spec.id), None)
        state = states.get(spec.id)
        reachable = state is not None and state.state != STATE_UNREACHABLE
        verdict = diagnosis.verdict.value if diagnosis is not None else "not probed"
        found.append(ModelAccess(spec.id, spec.tier, "evaluated" if reachable else "unreachable", verdict,
                                 diagnosis.reason if diagnosis is not None else "not probed",
                                 diagnosis.request_id if diagnosis is not None else None))
    return tuple(found), check


def _effort(task: Task, label: str) -> str:
    return task.effort if label == CURRENT else lower_effort(task.effort)


def plan_calls(request: EvalRequest, reachable: Sequence[ModelSpec]) -> list[EvalTarget]:
    kid = key_id(request.cred.key)
    targets = []
    for label in request.efforts:
        for spec in reachable:
            for task in request.tasks.tasks:
                targets.append(EvalTarget(request.cred.org, spec.id, spec.tier, project=request.cred.project, key_id=kid,
                                          task_id=task.id, messages=task.messages, cap=task.max_output_tokens,
                                          effort=_effort(task, label), effort_label=label))
    return targets


def judge_call(task: Task, target: EvalTarget, observation, table: ModelTable, keep_text: bool) -> Outcome:  # type: ignore[no-untyped-def]
    """One outcome: judged when the model answered, counted apart (with its verdict) when it did not."""
    diagnosis = classify(observation)
    sample = observation.sample
    body = sample.body if sample is not None else ""
    answer = read_body(body).answer if sample is not None and sample.status == 200 else None
    text = answer.text if answer is not None else None
    in_tokens, out_tokens, reasoning = usage_of(body) if sample is not None and sample.status == 200 else (0, 0, 0)
    spec = table.spec_for(target.model)
    cost = 0.0 if not (in_tokens or out_tokens) else spec.cost_usd(in_tokens, out_tokens)
    sent_effort = next((a.reasoning_effort for a in reversed(observation.attempt_log) if a.reasoning_effort is not None), target.effort) \
        if observation.attempt_log else target.effort
    latency = None if sample is None or sample.failure is not None else round(sample.latency_s * 1000, 1)
    common = dict(task=task.id, cls=task.cls, model=target.model, tier=target.tier, effort_label=target.effort_label,
                  effort=sent_effort, verdict=diagnosis.verdict.value, truncated=diagnosis.truncated, latency_ms=latency,
                  input_tokens=in_tokens, output_tokens=out_tokens, reasoning_tokens=reasoning, cost_usd=cost,
                  request_id=diagnosis.request_id)
    answered = diagnosis.verdict is Verdict.OK or (diagnosis.verdict is Verdict.SAFETY_CHECK and bool(text))
    if not answered or text is None:
        return Outcome(outcome=ERROR, reason=diagnosis.reason, answer=None, **common)  # type: ignore[arg-type]
    if diagnosis.truncated and not text.strip():
        return Outcome(outcome=FAIL, reason="no answer within the output cap (reasoning used it up)",
                       answer=text if keep_text else None, **common)  # type: ignore[arg-type]
    verdict = judge(task.check, text)
    reason = verdict.reason + ("; cut short by the output cap" if diagnosis.truncated else "")
    if diagnosis.verdict is Verdict.SAFETY_CHECK:
        reason += "; answered after an additional safety check"
    return Outcome(outcome=PASS if verdict.passed else FAIL, reason=reason, answer=text if keep_text else None,
                   **common)  # type: ignore[arg-type]


def run_eval(request: EvalRequest, access: Sequence[ModelAccess], check: CheckOutcome | None = None) -> EvalOutcome:
    started_at = now_iso()
    started = time.monotonic()
    evaluated = {a.model for a in access if a.state == "evaluated"}
    reachable = [m for m in request.models if m.id in evaluated]
    targets = plan_calls(request, reachable)
    settings = HttpSettings(base_url=request.base_url, timeout_s=request.timeout_s, tracer=request.tracer)
    left = request.deadline_s - (check.wall_s if check is not None else 0.0)  # --deadline bounds access and calls together
    result = run_calls(targets, {key_id(request.cred.key): request.cred.key}, settings, request.table,
                       concurrency=request.concurrency, deadline_s=max(0.5, left), proxy=request.proxy,
                       trust_env=request.trust_env, progress=request.progress)
    by_id = {t.id: t for t in request.tasks.tasks}
    outcomes = []
    for observation in result.observations:
        target = observation.target
        assert isinstance(target, EvalTarget)
        outcomes.append(judge_call(by_id[target.task_id], target, observation, request.table, request.keep_text))
    runs = tuple((m.id, label) for label in request.efforts for m in reachable)
    notes = []
    if result.abandoned or any(o.verdict == Verdict.TIMEOUT.value for o in outcomes):
        notes.append("some calls had no answer before the deadline or timeout (raise --deadline / --timeout)")
    return EvalOutcome(started_at, now_iso(), tuple(access), tuple(outcomes), runs, time.monotonic() - started, check, tuple(notes))


def eval_models(table: ModelTable, tiers: Sequence[str] | None = None) -> list[ModelSpec]:
    """The baseline (the table's first fallback, gpt-5.5) then the family's tiers asked for (all by default), top first."""
    baseline = table.fallbacks[0] if table.fallbacks else None
    chosen = [table.for_tier(t) for t in table.tier_names if tiers is None or t in tiers]
    return ([baseline] if baseline is not None else []) + chosen

