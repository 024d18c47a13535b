"""What the tier-served log says: per role and per day, which model served, how often a fallback did and why.

Pure: log lines in (bytes or text, one JSON object each, schema ``gpt56probe.served/1`` written by the
router ``plan --emit`` generates), a ``ServedReport`` out. Reading files, globs and gzip is
``migrate.servedfiles``; drawing it is ``migrate.servedview``. A line that is not a served record
(garbage, a line cut by a crash, another program's JSON) is counted and skipped, never fatal: a log
written by many processes for months will hold a few.

The rules:

* A call is **served by its tier** when ``served == asked``; **by a fallback** when another model
  served; **failed** when nothing served (the router raised).
* The **fallback rate** of a role is the share of its calls its own tier did not serve (a fallback
  served, or nothing did): the number that must be low before the fallback can be retired.
* The **reason** behind a fallback is the error class of the asked tier's attempt (the first one).
* A role is **mostly served by its fallback** when a model other than its own served more than half
  of its calls.
* The fallback of a role **can be retired** when, on each of the last ``days`` UTC days (today
  included), the role had calls and its fallback rate was under ``max_rate``.
"""

from __future__ import annotations

import json
import math
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Iterable, Mapping, Sequence

from gpt56probe.core.models import ROLES

SERVED_SCHEMA = "gpt56probe.served/1"
REPORT_SCHEMA = "gpt56probe.served-report/1"
MAX_FIELD = 200
"""Ids longer than this are not ids: the line is refused (the schema caps them too)."""
MAX_ATTEMPTS = 16
ROLE_ORDER = {role: index for index, role in enumerate(ROLES)}
NONE = "(none)"
"""The served model of a call that nothing served."""


@dataclass(frozen=True)
class ServedCall:
    """One call of the router, as far as the report needs it."""

    ts: datetime
    role: str
    asked: str
    served: str | None
    first_class: str | None
    latency_ms: float
    served_latency_ms: float | None
    org: str | None = None

    @property
    def day(self) -> date:
        return self.ts.astimezone(timezone.utc).date()

    @property
    def by_tier(self) -> bool:
        return self.served is not None and self.served == self.asked


def _text(value: Any) -> str | None:
    # interned: a role, a model id or an org repeats on every line of a long log
    return sys.intern(value) if isinstance(value, str) and 0 < len(value) <= MAX_FIELD else None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    return number if math.isfinite(number) and number >= 0 else None


def _timestamp(value: Any) -> datetime | None:
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        ts = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return ts if ts.tzinfo is not None else None  # a time without its zone cannot be put on a day


def parse_line(line: str | bytes) -> ServedCall | None:
    """The call one log line records, or None when the line is not a served record of this schema."""
    try:
        doc = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if not isinstance(doc, dict) or doc.get("schema") != SERVED_SCHEMA:
        return None
    ts, role, asked = _timestamp(doc.get("ts")), _text(doc.get("role")), _text(doc.get("asked"))
    served_raw = doc.get("served")
    served = _text(served_raw)
    latency = _number(doc.get("latency_ms"))
    attempts = doc.get("attempts")
    if ts is None or role is None or asked is None or latency is None or (served_raw is not None and served is None):
        return None
    if not isinstance(attempts, list) or not 0 < len(attempts) <= MAX_ATTEMPTS or not all(isinstance(a, dict) for a in attempts):
        return None
    first = attempts[0]
    first_class = _text(first.get("error_class"))
    last = attempts[-1]
    served_latency = _number(last.get("latency_ms")) if served is not None else None
    return ServedCall(ts, role, asked, served, first_class, latency, served_latency, _text(doc.get("org")))


# ---------------------------------------------------------------- the report


@dataclass(frozen=True)
class Criterion:
    """When a role's fallback can be retired: fallback rate under ``max_rate`` on each of the last ``days`` days."""

    max_rate: float = 0.01
    days: int = 7


@dataclass(frozen=True)
class ModelShare:
    model: str
    calls: int
    share: float
    p50_ms: float | None
    p95_ms: float | None


@dataclass(frozen=True)
class DayRow:
    day: date
    calls: int
    fallback_rate: float
    served: Mapping[str, int]


@dataclass(frozen=True)
class RoleReport:
    role: str
    asked: str
    calls: int
    by_tier: int
    by_fallback: int
    failed: int
    models: tuple[ModelShare, ...]
    reasons: tuple[tuple[str, int], ...]
    days: tuple[DayRow, ...]
    retire: bool
    retire_why: str
    p50_ms: float | None
    top_reason: str | None = None
    """The most common error class behind the calls the top model served (when it is not the role's own)."""

    @property
    def fallback_rate(self) -> float:
        return (self.calls - self.by_tier) / self.calls if self.calls else 0.0

    @property
    def top(self) -> ModelShare | None:
        return self.models[0] if self.models else None

    @property
    def mostly_fallback(self) -> bool:
        top = self.top
        return top is not None and top.model != self.asked and top.share > 0.5


@dataclass(frozen=True)
class Reading:
    """What reading the inputs found besides the calls (for the notes, never fatal)."""

    sources: tuple[str, ...] = ()
    lines: int = 0
    bad_lines: int = 0
    bad_bytes_lines: int = 0
    long_lines: int = 0
    unreadable: tuple[str, ...] = ()
    outside_window: int = 0


@dataclass(frozen=True)
class ServedReport:
    generated_at: datetime
    since: datetime
    window_days: float
    criterion: Criterion
    roles: tuple[RoleReport, ...]
    reading: Reading = field(default_factory=Reading)
    outside_window: int = 0

    @property
    def calls(self) -> int:
        return sum(r.calls for r in self.roles)


def percentile(values: Sequence[float], q: float) -> float | None:
    """The nearest-rank percentile (q in 0..100) of ``values``; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100.0 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def _retire(role_days: Mapping[date, list[ServedCall]], today: date, criterion: Criterion) -> tuple[bool, str]:
    wanted = [today - timedelta(days=back) for back in range(criterion.days)]
    limit = f"{criterion.max_rate * 100:g} %"
    empty = [d for d in wanted if not role_days.get(d)]
    worst: tuple[float, date] | None = None
    for day in wanted:
        calls = role_days.get(day) or []
        if calls:
            rate = sum(1 for c in calls if not c.by_tier) / len(calls)
            if worst is None or rate > worst[0]:
                worst = (rate, day)
    if worst is not None and worst[0] >= criterion.max_rate:
        return False, f"keep the fallback: {fmt_pct(worst[0])} of calls fell back on {worst[1].isoformat()} (the limit is under {limit})"
    if empty:
        return False, f"keep the fallback: no calls on {len(empty)} of the last {criterion.days} days (it needs {criterion.days} days of calls under {limit})"
    return True, f"the fallback can be retired: under {limit} fell back on each of the last {criterion.days} days"


def fmt_pct(rate: float) -> str:
    """A share as the report says it: "62 %", "0.4 %", "100 %"."""
    value = rate * 100.0
    if value == 0 or value >= 10 or value == round(value):
        return f"{value:.0f} %"
    return f"{value:.1f} %"


def build_report(calls: Iterable[ServedCall], now: datetime, since: datetime | None = None,
                 criterion: Criterion = Criterion(), reading: Reading = Reading()) -> ServedReport:
    """The report over the calls from ``since`` (default: 7 days before ``now``) to ``now`` (see the module docstring)."""
    since = since if since is not None else now - timedelta(days=7)
    window_days = max((now - since).total_seconds(), 0.0) / 86400.0
    by_role: dict[str, list[ServedCall]] = {}
    outside = 0
    for call in calls:
        if not since <= call.ts <= now:
            outside += 1
            continue
        by_role.setdefault(call.role, []).append(call)
    today = now.astimezone(timezone.utc).date()
    roles = []
    for role in sorted(by_role, key=lambda name: (ROLE_ORDER.get(name, len(ROLE_ORDER)), name)):
        items = sorted(by_role[role], key=lambda c: c.ts)
        asked = Counter(c.asked for c in items).most_common(1)[0][0]
        served = Counter(c.served or NONE for c in items)
        latencies: dict[str, list[float]] = {}
        for c in items:
            if c.served is not None and c.served_latency_ms is not None:
                latencies.setdefault(c.served, []).append(c.served_latency_ms)
        # most calls first; on a tie the role's own model, then a fallback, then "nothing served"
        ranked = sorted(served.items(), key=lambda kv: (-kv[1], kv[0] == NONE, kv[0] != asked, kv[0]))
        models = tuple(ModelShare(m, n, n / len(items), percentile(latencies.get(m, []), 50), percentile(latencies.get(m, []), 95))
                       for m, n in ranked)
        top_reasons = Counter(c.first_class or "unknown" for c in items if not c.by_tier and (c.served or NONE) == ranked[0][0])
        reasons = Counter(c.first_class or "unknown" for c in items if not c.by_tier)
        days: dict[date, list[ServedCall]] = {}
        for c in items:
            days.setdefault(c.day, []).append(c)
        day_rows = tuple(DayRow(d, len(cs), sum(1 for c in cs if not c.by_tier) / len(cs), dict(Counter(c.served or NONE for c in cs)))
                         for d, cs in sorted(days.items()))
        retire, why = _retire(days, today, criterion)
        roles.append(RoleReport(
            role=role, asked=asked, calls=len(items),
            by_tier=sum(1 for c in items if c.by_tier),
            by_fallback=sum(1 for c in items if c.served is not None and not c.by_tier),
            failed=sum(1 for c in items if c.served is None),
            models=models, reasons=tuple(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))),
            days=day_rows, retire=retire, retire_why=why,
            top_reason=min(top_reasons.items(), key=lambda kv: (-kv[1], kv[0]))[0] if top_reasons else None,
            p50_ms=percentile([c.latency_ms for c in items], 50),
        ))
    return ServedReport(now, since, window_days, criterion, tuple(roles), reading, outside + reading.outside_window)


def window_words(days: float) -> str:
    """ "the last 7 days", "the last day", "the last 36 hours"."""
    if abs(days - round(days)) < 0.001 and round(days) >= 1:  # a few seconds either way: "7d" read a moment ago
        n = round(days)
        return "the last day" if n == 1 else f"the last {n} days"
    return f"the last {days * 24:.0f} hours"


def headline(role: RoleReport, window_days: float) -> str:
    """The plain sentence for a role: who served it, and why a fallback did when it mostly did."""
    top = role.top
    if top is None:
        return f"{role.role}: no calls in {window_words(window_days)}"
    who = "nothing served" if top.model == NONE else f"served by {top.model}"
    line = f"{role.role}: {who} for {fmt_pct(top.share)} of requests in {window_words(window_days)}"
    if top.model != role.asked and role.top_reason:
        line += f", mostly {role.top_reason}"
    return line


def report_doc(report: ServedReport) -> dict[str, Any]:
    """The report as JSON data (``served --format json``; schema name ``gpt56probe.served-report/1``)."""
    def ms(value: float | None) -> float | None:
        return None if value is None else round(value, 1)

    return {
        "schema": REPORT_SCHEMA,
        "generated_at": report.generated_at.isoformat(),
        "since": report.since.isoformat(),
        "window_days": round(report.window_days, 6),
        "criterion": {"max_fallback_rate": report.criterion.max_rate, "days": report.criterion.days},
        "calls": report.calls,
        "roles": {
            r.role: {
                "asked": r.asked,
                "calls": r.calls,
                "served_by_tier": r.by_tier,
                "served_by_fallback": r.by_fallback,
                "failed": r.failed,
                "fallback_rate": round(r.fallback_rate, 6),
                "mostly_fallback": r.mostly_fallback,
                "headline": headline(r, report.window_days),
                "models": [{"model": m.model, "calls": m.calls, "share": round(m.share, 6), "p50_ms": ms(m.p50_ms), "p95_ms": ms(m.p95_ms)}
                           for m in r.models],
                "fallback_reasons": dict(r.reasons),
                "days": [{"day": d.day.isoformat(), "calls": d.calls, "fallback_rate": round(d.fallback_rate, 6), "served": dict(d.served)}
                         for d in r.days],
                "retire": r.retire,
                "retire_why": r.retire_why,
                "p50_ms": ms(r.p50_ms),
            }
            for r in report.roles
        },
        "reading": {
            "sources": list(report.reading.sources),
            "lines": report.reading.lines,
            "bad_lines": report.reading.bad_lines,
            "lines_with_bad_bytes": report.reading.bad_bytes_lines,
            "long_lines": report.reading.long_lines,
            "unreadable": list(report.reading.unreadable),
            "outside_window": report.outside_window,
        },
    }
