"""History rows and what they say: verdict keys, changes between runs, time filters.

Pure: the rows a run records, the changes (Transitions) between two sets of verdicts, and the
``--since`` arithmetic. ``store.state`` reads and writes them; ``views.report`` and
``views.merge`` read them; none of that is done here.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, Iterable, Iterator, Mapping, Sequence

from gpt56probe.core.observation import Diagnosis

HISTORY_FIELDS = ("run_id", "checked_at", "org", "model", "tier", "surface", "stream", "verdict", "http_status",
                  "request_id", "error_message", "latency_ms", "remediation", "timestamp", "status", "vantage", "endpoint")

REAL_API_ENDPOINT = "api.openai.com"
"""The endpoint history is read for unless told otherwise; rows written before endpoints were kept have none and
count as this one."""


# --------------------------------------------------------------------------- endpoints (pure)


def endpoint_of(base_url_or_host: str | None) -> str:
    """The endpoint a run is kept under: its base URL's host, lower-cased (``http://127.0.0.1:8056/v1`` ->
    ``127.0.0.1``); a bare host is taken as given. Runs against the simulator, a gateway and the real API
    then never share a history, a state, a streak or a metric series."""
    from urllib.parse import urlsplit

    text = (base_url_or_host or "").strip()
    if not text:
        return REAL_API_ENDPOINT
    try:
        host = urlsplit(text if "://" in text else f"//{text}").hostname
    except ValueError:
        host = None
    return (host or text).lower()


def doc_endpoint(doc: Any) -> str:
    """The endpoint a ``check --format json`` (or merged) document was made against: its vantage's base URL
    host; none recorded (a document from before vantages): the real API."""
    if isinstance(doc, Mapping) and isinstance(doc.get("endpoint"), str) and doc["endpoint"].strip():
        return endpoint_of(doc["endpoint"])  # a merged document names the endpoint it merged
    vantage = doc.get("vantage") if isinstance(doc, Mapping) else None
    host = vantage.get("base_url_host") if isinstance(vantage, Mapping) else None
    return endpoint_of(host) if isinstance(host, str) and host.strip() else REAL_API_ENDPOINT


def row_endpoint(row: Mapping[str, Any]) -> str:
    """The endpoint a history row or result was recorded for (none recorded: the real API)."""
    value = row.get("endpoint")
    return value.lower() if isinstance(value, str) and value.strip() else REAL_API_ENDPOINT


# --------------------------------------------------------------------------- rows and verdicts (pure)


def history_rows(diagnoses: Iterable[Diagnosis], run_id: str, checked_at: str, status: str | None = None,
                 vantage: str | None = None, endpoint: str | None = None) -> list[dict[str, Any]]:
    """One history row per result, all at once (``RunRows`` makes them one at a time)."""
    return list(RunRows(tuple(diagnoses), run_id, checked_at, status, vantage, endpoint))


@dataclass(frozen=True)
class RunRows:
    """One run's history rows, made afresh one at a time each time they are read: recording a fleet's run
    (10,000 results) reads them three times (verdicts, streaks, the file) and never holds them all.

    ``error_message`` is already redacted by classify. ``status`` is the run's own (OK .. UNKNOWN, before
    --fail-after), so the failing-run count can be rebuilt from history alone; ``vantage`` where the run was
    made from (``gpt56probe merge`` and the status page tell vantages apart by it); ``endpoint`` the base
    URL's host the run probed (``endpoint_of``)."""

    diagnoses: Sequence[Diagnosis]
    run_id: str
    checked_at: str
    status: str | None = None
    vantage: str | None = None
    endpoint: str | None = None

    def __len__(self) -> int:
        return len(self.diagnoses)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        endpoint = self.endpoint or REAL_API_ENDPOINT
        for d in self.diagnoses:
            yield {
                "run_id": self.run_id,
                "checked_at": self.checked_at,
                "org": d.target.org,
                "model": d.target.model,
                "tier": d.target.tier,
                "surface": d.target.surface,
                "stream": d.target.stream,
                "verdict": d.verdict.value,
                "http_status": d.http_status,
                "request_id": d.request_id,
                "error_message": d.error_message,
                "latency_ms": None if d.latency_ms is None else round(d.latency_ms, 1),
                "remediation": d.remediation,
                "timestamp": d.timestamp,
                "status": self.status,
                "vantage": self.vantage,
                "endpoint": endpoint,
            }


def verdict_key(row: Mapping[str, Any]) -> str:
    """What a verdict is remembered by: org, model, surface and stream."""
    return "|".join((str(row.get("org") or ""), str(row.get("model") or ""), str(row.get("surface") or "chat"),
                     "stream" if row.get("stream") else "plain"))


_VERDICT_FIELDS = ("org", "model", "tier", "surface", "stream", "verdict", "checked_at")


def current_verdicts(rows: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    return {verdict_key(r): {k: r.get(k) for k in _VERDICT_FIELDS} for r in rows}


@dataclass(frozen=True)
class Transition:
    """A verdict that changed between two runs."""

    org: str | None
    model: str
    tier: str
    surface: str
    stream: bool
    previous: str
    current: str
    checked_at: str
    run_id: str = ""

    def describe(self) -> str:
        """``org-a gpt-5.6-sol: not_provisioned -> ok`` (surface shown when not plain chat)."""
        where = ""
        if self.surface != "chat" or self.stream:
            where = f" {self.surface}{' stream' if self.stream else ''}"
        return f"{self.org or 'default'} {self.model}{where}: {self.previous} -> {self.current}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def compute_transitions(previous: Mapping[str, Mapping[str, Any]], current: Mapping[str, Mapping[str, Any]],
                        run_id: str = "") -> list[Transition]:
    """Changes from ``previous`` to ``current`` verdicts (both keyed by verdict_key).

    A target seen for the first time sets its baseline and is no change; one not
    probed this run is left alone.
    """
    changes = []
    for key, now in current.items():
        before = previous.get(key)
        if not isinstance(before, Mapping) or before.get("verdict") == now.get("verdict"):
            continue  # a value of another shape (a hand-edited state.json) is no baseline
        org = now.get("org")
        changes.append(Transition(
            org=org if org is None or isinstance(org, str) else str(org), model=str(now.get("model")), tier=str(now.get("tier") or ""),
            surface=str(now.get("surface") or "chat"), stream=bool(now.get("stream")),
            previous=str(before.get("verdict")), current=str(now.get("verdict")),
            checked_at=str(now.get("checked_at") or ""), run_id=run_id,
        ))
    return changes


def advance_verdicts(verdicts: dict[str, Any], rows: Iterable[Mapping[str, Any]], run_id: str = "") -> list[Transition]:
    """``verdicts`` (the last verdict per key, as state.json keeps them) advanced by one run's rows, in place,
    and the changes: ``compute_transitions(verdicts, current_verdicts(rows))`` then ``{**verdicts, **current}``,
    without a second 10,000-entry copy of a fleet's verdicts."""
    before: dict[str, Any] = {}
    for row in rows:
        key = verdict_key(row)
        if key not in before:
            before[key] = verdicts.get(key)
        verdicts[key] = {k: row.get(k) for k in _VERDICT_FIELDS}
    return compute_transitions({k: v for k, v in before.items() if v is not None}, {k: verdicts[k] for k in before}, run_id)


def transitions_from_history(rows: Iterable[Mapping[str, Any]]) -> list[Transition]:
    """Replay history rows in file order and list every verdict change."""
    seen: dict[str, Mapping[str, Any]] = {}
    changes: list[Transition] = []
    for row in rows:
        key = verdict_key(row)
        before = seen.get(key)
        if before is not None and before.get("verdict") != row.get("verdict"):
            changes += compute_transitions({key: before}, current_verdicts([row]), str(row.get("run_id") or ""))
        seen[key] = row
    return changes


# --------------------------------------------------------------------------- time filters (pure)

_RELATIVE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$", re.IGNORECASE)
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(text: str, now: datetime | None = None) -> datetime:
    """``24h``, ``7d``, ``30m``, ``2w`` (ago), or an ISO 8601 date/time (naive = local time). ValueError otherwise."""
    now = now or datetime.now().astimezone()
    found = _RELATIVE.match(text)
    if found:
        try:
            return now - timedelta(**{_UNITS[found.group(2).lower()]: float(found.group(1))})
        except (OverflowError, ValueError):
            raise ValueError(f"{text.strip()!r} reaches before the year 1; give a shorter span") from None
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is neither an ISO date/time (2026-11-01, 2026-11-01T08:00) nor a span like 24h, 7d") from None
    try:
        return when if when.tzinfo else when.astimezone()
    except (OverflowError, ValueError, OSError):
        raise ValueError(f"{text.strip()!r} is out of the range this system can convert to local time") from None


def parse_time(text: str | None) -> datetime | None:
    if not text or not isinstance(text, str):
        return None
    try:
        when = datetime.fromisoformat(text)
        return when if when.tzinfo else when.astimezone()
    except (ValueError, OverflowError, OSError):
        return None


def filter_transitions(changes: Sequence[Transition], org: str | None = None, model: str | None = None,
                       since: datetime | None = None) -> list[Transition]:
    out = []
    for t in changes:
        if org is not None and (t.org or "") != org:
            continue
        if model is not None and t.model != model:
            continue
        if since is not None:
            when = parse_time(t.checked_at)
            if when is None or when < since:
                continue
        out.append(t)
    return out
