"""Reading the rollout's evidence: check history, a plan file, eval results, tier-served logs.

Each reader turns a file into the evidence ``rollout.judge`` needs and never raises for what is in the
file: a file that cannot be read or is not in its format becomes that evidence's ``error``, and the
step it feeds is ``unknown`` with the reason. The formats are the ones their writers document:
``plan --emit json`` (``gpt56probe.routing/1``), ``eval`` results (``gpt56probe/schema/eval-result.schema.json``,
``gpt56probe.eval/1``), the router's log (``gpt56probe/schema/served-log.schema.json``, ``gpt56probe.served/1``;
gzip'd and rotated files too); unknown fields are ignored.
"""

from __future__ import annotations

import glob
import gzip
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from gpt56probe.core.history import parse_time
from gpt56probe.core.models import ModelTable
from gpt56probe.migrate.rollout import (RETIRE_DAYS, RETIRE_MAX_FALLBACK, CheckEvidence, EvalEvidence, PlanEvidence, RoleServed,
                                        ServedEvidence)

MAX_FILE_BYTES = 64 << 20
"""A plan or eval file past this is not one (they are kilobytes); it is refused unread."""
MAX_LOG_LINES = 2_000_000
SERVED_WINDOW = timedelta(days=RETIRE_DAYS)
_ORDER = {"ok": 0}


def _read_text(path: str) -> str:
    p = Path(path)
    if not p.is_file():
        raise OSError(f"not a regular file" if p.exists() else "no such file")
    if p.stat().st_size > MAX_FILE_BYTES:
        raise OSError(f"larger than {MAX_FILE_BYTES >> 20} MiB")
    return p.read_bytes().decode("utf-8", "replace")


def _json_file(path: str) -> tuple[Any, str | None]:
    try:
        text = _read_text(path)
    except OSError as exc:
        return None, f"cannot read it ({getattr(exc, 'strerror', None) or exc})"
    try:
        return json.loads(text), None
    except ValueError:
        return None, "not JSON"


def check_evidence(rows: Sequence[Mapping[str, Any]], org: str, source: str) -> CheckEvidence:
    """The org's latest run in history (``check`` rows): each model's worst verdict across its surfaces."""
    mine = [r for r in rows if isinstance(r, Mapping) and r.get("org") == org]
    if not mine:
        return CheckEvidence(source)
    def when(row: Mapping[str, Any]) -> datetime:
        return parse_time(str(row.get("checked_at") or "")) or datetime.min.replace(tzinfo=timezone.utc)

    latest_run = max(mine, key=when)
    run = [r for r in mine if r.get("run_id") == latest_run.get("run_id") and r.get("checked_at") == latest_run.get("checked_at")]
    verdicts: dict[str, str] = {}
    for r in run:
        model, verdict = r.get("model"), r.get("verdict")
        if isinstance(model, str) and isinstance(verdict, str):
            if verdicts.get(model, "ok") == "ok":  # a surface that failed wins over one that answered
                verdicts[model] = verdict
    return CheckEvidence(source, parse_time(str(latest_run.get("checked_at") or "")), verdicts)


def plan_evidence(path: str) -> PlanEvidence:
    """``plan --emit json``: ``roles: {role: {model, fallbacks}}``."""
    doc, error = _json_file(path)
    if error:
        return PlanEvidence(path, error=error)
    roles = doc.get("roles") if isinstance(doc, dict) else None
    if not isinstance(roles, dict):
        return PlanEvidence(path, error="not a routing plan (gpt56probe plan --emit json): no \"roles\"")
    found: dict[str, tuple[str | None, tuple[str, ...]]] = {}
    for role, entry in roles.items():
        if not isinstance(entry, dict):
            continue
        model = entry.get("model") if isinstance(entry.get("model"), str) else None
        fallbacks = tuple(f for f in entry.get("fallbacks") or () if isinstance(f, str))
        found[str(role)] = (model, fallbacks)
    org = doc.get("org") if isinstance(doc.get("org"), str) else None
    return PlanEvidence(path, found, org)


def eval_evidence(path: str) -> EvalEvidence:
    """``eval`` results: ``schema`` gpt56probe.eval/1, ``finished_at``, ``org``, ``recommendations[{class, status, model}]``."""
    doc, error = _json_file(path)
    if error:
        return EvalEvidence(path, error=error)
    if not isinstance(doc, dict) or doc.get("schema") != "gpt56probe.eval/1":
        return EvalEvidence(path, error="not eval results (schema gpt56probe.eval/1: gpt56probe eval TASKS -o FILE)")
    recs = []
    for r in doc.get("recommendations") or ():
        if isinstance(r, dict) and isinstance(r.get("class"), str) and isinstance(r.get("status"), str):
            recs.append((r["class"], r["status"], r.get("model") if isinstance(r.get("model"), str) else None))
    org = doc.get("org") if isinstance(doc.get("org"), str) else None
    return EvalEvidence(path, parse_time(str(doc.get("finished_at") or "")), org, tuple(recs))


def expand(patterns: Sequence[str]) -> list[str]:
    """Files and globs (``router.log*``), each once, in order."""
    found: list[str] = []
    for pattern in patterns:
        matches = sorted(glob.glob(pattern)) if any(c in pattern for c in "*?[") else [pattern]
        found += [m for m in matches if m not in found]
    return found


def _log_lines(path: str) -> Iterable[bytes]:
    opener: Any = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as handle:
        for n, line in enumerate(handle):
            if n >= MAX_LOG_LINES:
                return
            yield line


def served_evidence(patterns: Sequence[str], table: ModelTable, org: str, now: datetime) -> ServedEvidence:
    """The router's logs over the last RETIRE_DAYS days, for the org (lines of another org are skipped)."""
    paths = expand(patterns)
    if not paths:
        return ServedEvidence(tuple(patterns), error=f"no file matches {', '.join(patterns)}")
    since = now - SERVED_WINDOW
    calls = bad = 0
    newest: datetime | None = None
    per_role: dict[str, dict[str, Any]] = {}
    problems = []
    for path in paths:
        try:
            for raw in _log_lines(path):
                try:
                    line = json.loads(raw)
                except ValueError:
                    bad += 1
                    continue
                if not isinstance(line, dict) or line.get("schema") != "gpt56probe.served/1" or not isinstance(line.get("role"), str):
                    bad += 1
                    continue
                if line.get("org") not in (org, None):
                    continue
                at = parse_time(str(line.get("ts") or ""))
                if at is None:
                    bad += 1
                    continue
                newest = at if newest is None or at > newest else newest
                if at < since:
                    continue
                calls += 1
                role = per_role.setdefault(line["role"][:200], {"calls": 0, "fallback": 0, "family": 0, "days": {}})
                role["calls"] += 1
                role["fallback"] += 1 if line.get("fallback") is True else 0
                day = role["days"].setdefault(at.date(), [0, 0])
                day[0] += 1
                day[1] += 1 if line.get("fallback") is True else 0
                served = line.get("served")
                role["family"] += 1 if isinstance(served, str) and table.family.in_family(served) else 0
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            problems.append(f"{path}: cannot read it ({getattr(exc, 'strerror', None) or exc})")
    last_days = {(now - timedelta(days=n)).date() for n in range(RETIRE_DAYS)}
    roles = {name: RoleServed(r["calls"], r["fallback"], r["family"], len(r["days"]),
                              sum(1 for d, (n, f) in r["days"].items() if d in last_days and n and f / n < RETIRE_MAX_FALLBACK))
             for name, r in per_role.items()}
    error = "; ".join(problems) if problems and not calls else None
    return ServedEvidence(tuple(paths), calls, newest, roles, bad, error)
