"""``--fail-after N``: how many runs in a row each target has had an access verdict. Pure: no I/O.

A streak belongs to one verdict key (org, model, surface, stream; ``verdict_key``),
so two crontab lines checking different orgs into one state directory never reset each
other's count, and runs that were only degraded (a timeout, a rate limit) never count
towards an access alert. A run that does not probe a target leaves its streak alone; a run
that probes it without an access verdict ends it. The streaks live in state.json and are
rebuilt from history when state.json is missing or corrupt.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Sequence

from gpt56probe.core.history import verdict_key
from gpt56probe.core.observation import ACCESS_VERDICTS, Diagnosis, Severity

ACCESS_VALUES = frozenset(v.value for v in ACCESS_VERDICTS)


def _key(row: Mapping[str, Any]) -> str:
    from gpt56probe.core.history import verdict_key

    return verdict_key(row)


def _is_access(verdict: Any) -> bool:
    return isinstance(verdict, str) and verdict in ACCESS_VALUES


def update_streaks(previous: Mapping[str, int], rows: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """``previous`` advanced by one run's history rows: +1 for a key with an access verdict, 0 for any other."""
    out = dict(previous)
    for key, verdict in {_key(row): row.get("verdict") for row in rows}.items():
        out[key] = out.get(key, 0) + 1 if _is_access(verdict) else 0
    return out


def streaks_from_history(rows: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Every key's streak at the end of history (each row is one run's verdict for its key, oldest first)."""
    out: dict[str, int] = {}
    for row in rows:
        key = _key(row)
        out[key] = out.get(key, 0) + 1 if _is_access(row.get("verdict")) else 0
    return out


def valid_streaks(value: Any) -> dict[str, int] | None:
    """The streaks saved in state.json, or None when they are missing or of another shape (then: rebuild)."""
    if not isinstance(value, dict):
        return None
    if not all(isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) and v >= 0 for k, v in value.items()):
        return None
    return dict(value)


def diagnosis_key(d: Diagnosis) -> str:
    t = d.target
    return _key({"org": t.org, "model": t.model, "surface": t.surface, "stream": t.stream})


def apply_fail_after(severity: Severity, diagnoses: Sequence[Diagnosis], expected: Any, streaks: Mapping[str, int],
                     fail_after: int | None) -> Severity:
    """CRITICAL stays CRITICAL only when an expected target (judged as ``classify.overall_severity``
    judges) has had an access verdict ``fail_after`` runs in a row, this one included; before that, WARNING."""
    from gpt56probe.core.expectations import is_expected

    if fail_after is None or severity is not Severity.CRITICAL:
        return severity
    judged = [d for d in diagnoses if is_expected(d.target, expected)] or list(diagnoses)
    if any(d.verdict in ACCESS_VERDICTS and streaks.get(diagnosis_key(d), 0) >= fail_after for d in judged):
        return severity
    return Severity.WARNING
