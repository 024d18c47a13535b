"""The migration guide's rollout checklist, each step judged from evidence gpt56probe already holds. Pure.

The guide's eight steps, in order: confirm access and read the exact ids; keep every id in one config
module; bucket today's calls by difficulty; eval before cutover; a routing layer with fallback,
timeouts and retry budgets; a feature flag and a small slice of traffic; watch cost and the
tier-served logs; retire the gpt-5.5 fallback only when the preview is stable and the eval still
passes. Each step is ``done``, ``not yet`` or ``unknown`` (no evidence to judge by), with the
evidence it was judged on and the one command that moves it forward. ``rollout_inputs`` reads the
evidence; the CLI gathers it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Mapping, Sequence

from gpt56probe.core.models import ModelTable
from gpt56probe.core.retirement import WARN_DAYS, days_left

DONE = "done"
NOT_YET = "not yet"
UNKNOWN = "unknown"
STATES = (DONE, NOT_YET, UNKNOWN)

CHECK_MAX_AGE = timedelta(days=1)
"""Access is judged on a check of the last day: preview access changes without notice."""
EVAL_MAX_AGE = timedelta(days=14)
"""An eval older than two weeks no longer says what the preview does today (models improve in place)."""
SERVED_FRESH = timedelta(days=1)
RETIRE_MAX_FALLBACK = 0.01
"""Retire the fallback only when it served under 1 % of calls in every role over the window."""
RETIRE_DAYS = 7
SCHEMA = "gpt56probe.rollout/1"


# --------------------------------------------------------------------------- evidence (read by rollout_inputs)


@dataclass(frozen=True)
class CheckEvidence:
    """The org's latest check in history: when, and each model's verdict (per model, its worst surface)."""

    source: str
    at: datetime | None = None
    verdicts: Mapping[str, str] = field(default_factory=dict)
    error: str | None = None


@dataclass(frozen=True)
class ListingEvidence:
    """The org's ``GET /v1/models`` now: the ids it lists and their announced shutdown dates."""

    ids: tuple[str, ...] | None = None
    shutdown_dates: Mapping[str, str] = field(default_factory=dict)
    error: str | None = None


@dataclass(frozen=True)
class PlanEvidence:
    """A routing config written by ``plan --emit json``: each role's model and fallbacks."""

    source: str
    roles: Mapping[str, tuple[str | None, tuple[str, ...]]] = field(default_factory=dict)
    org: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class EvalEvidence:
    """``eval`` results (``gpt56probe.eval/1``): when they were made and each class's recommendation."""

    source: str
    finished_at: datetime | None = None
    org: str | None = None
    recommendations: tuple[tuple[str, str, str | None], ...] = ()  # (class, status, model)
    error: str | None = None


@dataclass(frozen=True)
class RoleServed:
    calls: int
    fallback: int
    family: int  # calls a model of the family served
    days_with_calls: int
    days_under: int = 0  # of the last RETIRE_DAYS days (UTC), those with calls and a fallback share under RETIRE_MAX_FALLBACK

    @property
    def fallback_rate(self) -> float:
        return self.fallback / self.calls if self.calls else 0.0


@dataclass(frozen=True)
class ServedEvidence:
    """The router's tier-served logs (``gpt56probe.served/1``) over the window."""

    sources: tuple[str, ...]
    calls: int = 0
    newest: datetime | None = None
    roles: Mapping[str, RoleServed] = field(default_factory=dict)
    bad_lines: int = 0
    error: str | None = None


@dataclass(frozen=True)
class AdminFacts:
    """From the Admin API (``--admin-key-env``): projects whose model permissions block a configured tier id."""

    blocked: tuple[tuple[str, str], ...] = ()  # (project label, model)
    error: str | None = None


@dataclass(frozen=True)
class Evidence:
    org: str
    now: datetime
    table: ModelTable
    check: CheckEvidence | None = None
    listing: ListingEvidence | None = None
    plan: PlanEvidence | None = None
    eval: EvalEvidence | None = None
    served: ServedEvidence | None = None
    admin: AdminFacts | None = None
    expected: tuple[str, ...] | None = None  # the tiers the org must reach (config `expect`); None: every tier


@dataclass(frozen=True)
class Step:
    number: int
    key: str
    title: str
    state: str
    evidence: tuple[str, ...]
    command: str

    def doc(self) -> dict[str, Any]:
        return {"step": self.number, "key": self.key, "title": self.title, "state": self.state, "evidence": list(self.evidence),
                "command": self.command}


# --------------------------------------------------------------------------- the steps


def age_words(then: datetime | None, now: datetime) -> str:
    if then is None:
        return "at an unknown time"
    seconds = max(0.0, (now - then).total_seconds())
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400 * 2:
        return f"{seconds / 3600:.0f} h ago"
    return f"{seconds / 86400:.0f} days ago"


def _access(ev: Evidence) -> Step:
    org, table = ev.org, ev.table
    command = f"gpt56probe check --org {org}"
    check = ev.check
    facts: list[str] = []
    if ev.admin is not None:
        facts += [f"Admin API: project {p} may not use {m} (its model permissions)" for p, m in ev.admin.blocked]
        if ev.admin.error:
            facts.append(f"Admin API: {ev.admin.error}")
    if check is None or check.error or not check.verdicts:
        why = check.error if check is not None and check.error else f"no check of {org} in history ({check.source if check else 'no state dir'})"
        return Step(1, "access", "Confirm access for the account and region", UNKNOWN, (why, *facts), command)
    tiers = {spec.tier: spec.id for spec in table.tiers if ev.expected is None or spec.tier in ev.expected}
    seen = {tier: check.verdicts.get(model) for tier, model in tiers.items()}
    words = ", ".join(f"{tier} {v or 'not checked'}" for tier, v in seen.items())
    if ev.expected is not None and set(ev.expected) != set(table.tier_names):
        words += f" (the tiers {org} expects)"
    facts.insert(0, f"latest check {age_words(check.at, ev.now)}: {words}")
    if check.at is None or ev.now - check.at > CHECK_MAX_AGE:
        return Step(1, "access", "Confirm access for the account and region", NOT_YET,
                    (*facts, f"older than {int(CHECK_MAX_AGE.total_seconds() // 3600)} h: access can change without notice"), command)
    ok = all(v == "ok" for v in seen.values())
    blocked = ev.admin is not None and bool(ev.admin.blocked)
    state = DONE if ok and not blocked else NOT_YET
    if not ok:
        facts.append("the check's next steps say what to do for each tier that is not ok")
    return Step(1, "access", "Confirm access for the account and region", state, tuple(facts), command)


def _ids(ev: Evidence) -> Step:
    org, table = ev.org, ev.table
    title = "Every model id in one config, the real ids"
    command = f"gpt56probe models --org {org}"
    listing = ev.listing
    if listing is None or listing.ids is None:
        return Step(2, "ids", title, UNKNOWN, (listing.error if listing and listing.error else "the org's model list was not read",), command)
    missing = [spec for spec in table.tiers if spec.id not in listing.ids]
    facts = [f"configured: {', '.join(spec.id for spec in table.tiers)}"]
    for spec in missing:
        same = [i for i in listing.ids if table.family.tier_by_name(i) == spec.tier]
        facts.append(f"{org} does not list {spec.id}" + (f" but lists {', '.join(same[:3])}" if same else ""))
    retiring = [(m, d) for m, d in listing.shutdown_dates.items() if m in table.ids]
    for model, when in retiring:
        left = days_left(when, ev.now.date())
        facts.append(f"{model} shuts down on {when}" + (f" ({left} days left)" if left is not None else ""))
    tier_ids = {spec.id for spec in table.tiers}
    soon = [m for m, d in retiring if m in tier_ids and (days_left(d, ev.now.date()) or 0) <= WARN_DAYS]
    if missing or soon:
        facts.append("`models` prints the lines to paste into config.toml")
        return Step(2, "ids", title, NOT_YET, tuple(facts), command)
    facts[0] = f"{org} lists every configured id ({', '.join(spec.id for spec in table.tiers)})"
    return Step(2, "ids", title, DONE, tuple(facts), command)


def _plan_models(plan: PlanEvidence) -> set[str]:
    return {m for model, fallbacks in plan.roles.values() for m in (model, *fallbacks) if m}


def _bucket(ev: Evidence) -> Step:
    org = ev.org
    title = "Bucket today's calls by difficulty (roles)"
    command = f"gpt56probe plan --org {org} --emit json -o gpt56_plan.json"
    plan = ev.plan
    if plan is None:
        return Step(3, "bucket", title, UNKNOWN, ("no routing plan given: write one, then rollout --plan gpt56_plan.json",), command)
    if plan.error:
        return Step(3, "bucket", title, UNKNOWN, (f"{plan.source}: {plan.error}",), command)
    roles = dict(ev.table.family.roles)
    facts = [f"{plan.source}: " + ", ".join(f"{role} -> {plan.roles[role][0] or 'nothing'}" if role in plan.roles else f"{role} missing"
                                          for role in roles)]
    missing = [r for r in roles if r not in plan.roles or not plan.roles[r][0]]
    listed = ev.listing.ids if ev.listing is not None else None
    unlisted = sorted(m for m in _plan_models(plan) if listed is not None and m not in listed)
    if unlisted:
        facts.append(f"{org} does not list {', '.join(unlisted)} (in the plan)")
    if missing or unlisted:
        return Step(3, "bucket", title, NOT_YET, tuple(facts), command)
    return Step(3, "bucket", title, DONE, tuple(facts), command)


def _eval(ev: Evidence) -> Step:
    org = ev.org
    title = "Eval before cutover"
    command = f"gpt56probe eval TASKS --org {org} -o eval.json"
    result = ev.eval
    if result is None:
        return Step(4, "eval", title, UNKNOWN, ("no eval results given: run your task set, then rollout --eval eval.json",), command)
    if result.error:
        return Step(4, "eval", title, UNKNOWN, (f"{result.source}: {result.error}",), command)
    facts = [f"{result.source}: made {age_words(result.finished_at, ev.now)}" + (f" for {result.org}" if result.org else "")]
    facts += [f"{cls}: {status}" + (f" {model}" if model else "") for cls, status, model in result.recommendations]
    stale = result.finished_at is None or ev.now - result.finished_at > EVAL_MAX_AGE
    wrong_org = result.org not in (None, org)
    unanswered = [cls for cls, status, _ in result.recommendations if status not in ("recommended", "keep_baseline")]
    listed = ev.listing.ids if ev.listing is not None else None
    gone = [m for _, _, m in result.recommendations if m and listed is not None and m not in listed]
    if stale:
        facts.append(f"older than {EVAL_MAX_AGE.days} days: rerun it (the preview changes in place)")
    if wrong_org:
        facts.append(f"made for {result.org}, not {org}")
    if gone:
        facts.append(f"{org} no longer lists {', '.join(gone)}")
    if not result.recommendations:
        facts.append("no recommendation in the results")
    if stale or wrong_org or unanswered or gone or not result.recommendations:
        return Step(4, "eval", title, NOT_YET, tuple(facts), command)
    plan = ev.plan
    if plan is not None and not plan.error:
        differ = [(cls, model, plan.roles[cls][0]) for cls, status, model in result.recommendations
                  if cls in plan.roles and model and status in ("recommended", "keep_baseline") and plan.roles[cls][0] != model]
        for cls, model, planned in differ:
            facts.append(f"the plan routes {cls} to {planned or 'nothing'}; the eval recommends {model}")
        if differ:
            return Step(4, "eval", title, NOT_YET, tuple(facts),
                        f"gpt56probe plan --from-eval {result.source} --emit json -o {plan.source}")
    return Step(4, "eval", title, DONE, tuple(facts), command)


def _routing(ev: Evidence) -> Step:
    org = ev.org
    title = "A routing layer with fallback, timeouts and retry budgets"
    command = f"gpt56probe plan --org {org} --emit python -o gpt56_routing.py"
    plan, served = ev.plan, ev.served
    facts: list[str] = []
    if plan is not None and not plan.error:
        bare = [role for role, (model, fallbacks) in plan.roles.items() if model and not fallbacks]
        facts.append("every role has a fallback chain" if not bare else f"no fallback for {', '.join(bare)}")
        if bare:
            return Step(5, "routing", title, NOT_YET, tuple(facts), command)
    if served is not None and not served.error and served.calls:
        facts.append(f"the router logged {served.calls} call(s) ({', '.join(served.sources[:2])})")
        return Step(5, "routing", title, DONE, tuple(facts), command)
    facts.append("no tier-served log shows the router running (--served LOG)" if served is None or not served.error
                 else f"served logs: {served.error}")
    return Step(5, "routing", title, UNKNOWN if plan is None else NOT_YET, tuple(facts), command)


def _slice(ev: Evidence) -> Step:
    title = "A feature flag and a small slice of traffic"
    command = "put the new tiers behind your feature flag and turn it on for a small slice of traffic"
    served = ev.served
    if served is None or served.error or not served.calls:
        why = served.error if served is not None and served.error else "no tier-served log (--served LOG)"
        return Step(6, "slice", title, UNKNOWN, (why,), command)
    family = sum(r.family for r in served.roles.values())
    facts = [f"{family} of {served.calls} logged call(s) served by {ev.table.family.name} tiers"]
    return Step(6, "slice", title, DONE if family else NOT_YET, tuple(facts), command)


def _watch(ev: Evidence) -> Step:
    title = "Watch cost and the tier-served logs; widen tier by tier"
    logs = " ".join(ev.served.sources[:2]) if ev.served is not None and ev.served.sources else "LOG"
    command = f"gpt56probe served {logs} --since 7d"
    served = ev.served
    if served is None or served.error or not served.calls:
        why = served.error if served is not None and served.error else "no tier-served log (--served LOG)"
        return Step(7, "watch", title, UNKNOWN, (why,), command)
    facts = [f"newest logged call {age_words(served.newest, ev.now)}"]
    facts += [f"{role}: {r.calls} calls, fallback served {100 * r.fallback_rate:.1f} %" for role, r in sorted(served.roles.items())]
    if served.bad_lines:
        facts.append(f"{served.bad_lines} line(s) not in the served-log format were skipped")
    fresh = served.newest is not None and ev.now - served.newest <= SERVED_FRESH
    if not fresh:
        facts.append("no call logged in the last day: is the router's log the one given?")
    return Step(7, "watch", title, DONE if fresh else NOT_YET, tuple(facts), command)


def _retire(ev: Evidence, before: Sequence[Step]) -> Step:
    title = f"Retire the {ev.table.fallbacks[0].id if ev.table.fallbacks else 'fallback'} fallback"
    fallback = ev.table.fallbacks[0].id if ev.table.fallbacks else None
    logs = " ".join(ev.served.sources[:2]) if ev.served is not None and ev.served.sources else "LOG"
    command = f"gpt56probe served {logs} --retire-below {100 * RETIRE_MAX_FALLBACK:g} --retire-days {RETIRE_DAYS}"
    facts: list[str] = []
    served = ev.served
    if served is None or served.error or not served.calls:
        return Step(8, "retire", title, UNKNOWN, ("no tier-served log to measure the fallback's share (--served LOG)",), command)
    high = {role: r for role, r in served.roles.items() if r.days_with_calls >= RETIRE_DAYS and r.days_under < RETIRE_DAYS}
    short = {role: r for role, r in served.roles.items() if r.days_with_calls < RETIRE_DAYS}
    for role, r in sorted(served.roles.items()):
        facts.append(f"{role}: fallback served {100 * r.fallback_rate:.1f} % over {r.days_with_calls} day(s) with calls, "
                     f"under {100 * RETIRE_MAX_FALLBACK:g} % on {r.days_under} of the last {RETIRE_DAYS}")
    if ev.listing is not None and fallback and fallback in ev.listing.shutdown_dates:
        facts.append(f"{fallback} itself shuts down on {ev.listing.shutdown_dates[fallback]}: it must go by then")
    prerequisites = [s for s in before if s.key in ("access", "eval") and s.state != DONE]
    if prerequisites:
        facts.append("needs first: " + ", ".join(f"step {s.number} ({s.key})" for s in prerequisites))
    if high or short or prerequisites:
        if high:
            facts.append(f"fallback share at or above {100 * RETIRE_MAX_FALLBACK:g} % on some of the last {RETIRE_DAYS} days "
                         f"for {', '.join(sorted(high))}")
        if short:
            facts.append(f"fewer than {RETIRE_DAYS} days of calls for {', '.join(sorted(short))}")
        return Step(8, "retire", title, NOT_YET, tuple(facts), command)
    return Step(8, "retire", title, DONE, tuple(facts), f"remove {fallback} from the router's chains (config [models] fallbacks)")


def judge(ev: Evidence) -> tuple[Step, ...]:
    """The eight steps, in the guide's order, each judged from the evidence."""
    steps = [_access(ev), _ids(ev), _bucket(ev), _eval(ev), _routing(ev), _slice(ev), _watch(ev)]
    steps.append(_retire(ev, steps))
    return tuple(steps)


def rollout_doc(ev: Evidence, steps: Sequence[Step]) -> dict[str, Any]:
    done = sum(1 for s in steps if s.state == DONE)
    nxt = next((s for s in steps if s.state != DONE), None)
    return {"schema": SCHEMA, "org": ev.org, "family": ev.table.family.name, "judged_at": ev.now.isoformat(timespec="seconds"),
            "steps": [s.doc() for s in steps], "summary": {"done": done, "steps": len(steps), "all_done": done == len(steps),
                                                         "next": None if nxt is None else {"step": nxt.number, "command": nxt.command}}}
