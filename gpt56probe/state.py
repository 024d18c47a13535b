"""What ``check`` remembers between runs: a bounded JSON-lines history and the last verdicts.

Layout of a state directory (the CLI picks it; this module only takes a Path)::

    <state dir>/lock            fcntl.flock target; held while state and history change
    <state dir>/state.json      last verdict per (org, model, surface, stream), failing-run count
    <state dir>/history.jsonl   one JSON object per result per run, the last HISTORY_LIMIT lines

Reading never crashes a run: bad history lines (bad bytes, not JSON) are skipped
and counted, and a corrupt state.json is moved aside (``state.json.corrupt-<time>``)
and rebuilt from history.

Every write goes to a temporary file in the same directory and is moved into place
with ``os.replace``, so a reader never sees half a file, and overlapping runs take
the lock, so no update is lost. Computing transitions is pure (``compute_transitions``,
``transitions_from_history``); only the functions that name a directory do I/O.
No click here.
"""

from __future__ import annotations

import json
import os
import re
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

from gpt56probe.files import LockTimeout, flocked, remove_stale_temps, write_output
from gpt56probe.observation import Diagnosis

HISTORY_FILE = "history.jsonl"
STATE_FILE = "state.json"
LOCK_FILE = "lock"
HISTORY_LIMIT = 5000
LOCK_TIMEOUT_S = 30.0
STATE_VERSION = 1

HISTORY_FIELDS = ("run_id", "checked_at", "org", "model", "tier", "surface", "stream", "verdict", "http_status",
                  "request_id", "error_message", "latency_ms", "remediation", "timestamp", "status", "vantage")


# --------------------------------------------------------------------------- file primitives

StateLockTimeout = LockTimeout
"""Another run held the state lock for longer than the timeout."""


@contextmanager
def locked(state_dir: Path, timeout_s: float = LOCK_TIMEOUT_S, poll_s: float = 0.05) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``<state dir>/lock``; StateLockTimeout after ``timeout_s``."""
    with flocked(state_dir / LOCK_FILE, timeout_s, poll_s):
        yield


# --------------------------------------------------------------------------- rows and verdicts (pure)


def history_rows(diagnoses: Iterable[Diagnosis], run_id: str, checked_at: str, status: str | None = None,
                 vantage: str | None = None) -> list[dict[str, Any]]:
    """One history row per result. ``error_message`` is already redacted by classify.

    ``status`` is the run's own (OK .. UNKNOWN, before --fail-after), so the
    failing-run count can be rebuilt from history alone; ``vantage`` where the run was made from
    (``gpt56probe merge`` and the status page tell vantages apart by it)."""
    rows = []
    for d in diagnoses:
        rows.append({
            "run_id": run_id,
            "checked_at": checked_at,
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
            "status": status,
            "vantage": vantage,
        })
    return rows


def verdict_key(row: Mapping[str, Any]) -> str:
    """What a verdict is remembered by: org, model, surface and stream."""
    return "|".join((str(row.get("org") or ""), str(row.get("model") or ""), str(row.get("surface") or "chat"),
                     "stream" if row.get("stream") else "plain"))


def current_verdicts(rows: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    return {verdict_key(r): {k: r.get(k) for k in ("org", "model", "tier", "surface", "stream", "verdict", "checked_at")} for r in rows}


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


def apply_fail_after(severity: Any, consecutive_failures: int, fail_after: int | None) -> Any:
    """CRITICAL only once ``fail_after`` non-OK runs came in a row; before that, WARNING."""
    from gpt56probe.observation import Severity

    if fail_after is not None and severity is Severity.CRITICAL and consecutive_failures < fail_after:
        return Severity.WARNING
    return severity


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


# --------------------------------------------------------------------------- reading a state dir (tolerant)

STATE_MAX_BYTES = 16 << 20
"""A state.json this big is not ours (it holds one line per target): it is moved aside unread."""
HISTORY_MAX_BYTES = 32 << 20
"""Only the last 32 MiB of a history file are read; HISTORY_LIMIT lines take far less."""


@dataclass(frozen=True)
class HistoryFile:
    """What a history file held: its usable lines and rows, how many lines were skipped, or why it was unreadable."""

    lines: tuple[str, ...] = ()
    rows: tuple[dict[str, Any], ...] = ()
    skipped: int = 0
    unreadable: str | None = None

    def problems(self, path: Path) -> list[str]:
        if self.unreadable:
            return [f"cannot read {path} ({self.unreadable}); it is left as it is"]
        if self.skipped:
            return [f"{path}: skipped {self.skipped} unreadable line{'s' if self.skipped != 1 else ''} (bad bytes or not JSON)"]
        return []


def read_history_file(path: Path) -> HistoryFile:
    """Every line of ``path`` that is UTF-8 JSON holding an object, oldest first; never raises.

    A line with a bad byte, a line that is not JSON, or JSON that is not an object
    is skipped and counted: one bad line never hides the others.
    """
    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            start = max(0, size - HISTORY_MAX_BYTES)
            if start:
                fh.seek(start)
            data = fh.read()
    except FileNotFoundError:
        return HistoryFile()
    except OSError as exc:
        return HistoryFile(unreadable=exc.strerror or type(exc).__name__)
    raw_lines = data.split(b"\n")
    if start:
        raw_lines = raw_lines[1:]  # the cut-off start of a line older than what is kept
    lines: list[str] = []
    rows: list[dict[str, Any]] = []
    skipped = 0
    for raw in raw_lines:
        if not raw.strip():
            continue
        try:
            line = raw.decode("utf-8").strip()
            row = json.loads(line)
        except (UnicodeDecodeError, ValueError, RecursionError):
            skipped += 1
            continue
        if not isinstance(row, dict):
            skipped += 1
            continue
        lines.append(line)
        rows.append(row)
    return HistoryFile(tuple(lines), tuple(rows), skipped)


def read_history(state_dir: Path, problems: list[str] | None = None) -> list[dict[str, Any]]:
    """Every usable row of history.jsonl, oldest first; what was skipped is added to ``problems``."""
    path = state_dir / HISTORY_FILE
    found = read_history_file(path)
    if problems is not None:
        problems.extend(found.problems(path))
    return list(found.rows)


def _read_state(path: Path) -> tuple[dict[str, Any] | None, str | None]:
    """(state, problem): (None, None) when absent, (None, why) when unreadable or corrupt."""
    try:
        if path.stat().st_size > STATE_MAX_BYTES:
            return None, f"corrupt (over {STATE_MAX_BYTES >> 20} MiB)"
        raw = path.read_bytes()
    except FileNotFoundError:
        return None, None
    except OSError as exc:
        return None, f"unreadable ({exc.strerror or type(exc).__name__})"
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None, "corrupt (not UTF-8 JSON)"
    if not isinstance(data, dict):
        return None, "corrupt (not a JSON object)"
    return data, None


def load_state(state_dir: Path) -> dict[str, Any]:
    """state.json as a dict; an empty state when missing, unreadable or corrupt. Reads only."""
    data, _ = _read_state(state_dir / STATE_FILE)
    return data or {}


def failing_streak(rows: Iterable[Mapping[str, Any]]) -> int:
    """How many runs in a row at the end of history were not OK (a run's rows share its run_id).

    A row's ``status`` is its run's; older rows without one count as failing when
    a 5.6 tier's verdict was not ok.
    """
    from gpt56probe.models import TIERS

    runs: list[bool] = []
    last_run: object = object()
    for row in rows:
        status = row.get("status")
        failing = status != "OK" if isinstance(status, str) else (row.get("tier") in TIERS and row.get("verdict") != "ok")
        run_id = row.get("run_id")
        if runs and run_id == last_run:
            runs[-1] = runs[-1] or failing
        else:
            runs.append(failing)
            last_run = run_id
    streak = 0
    for failing in reversed(runs):
        if not failing:
            break
        streak += 1
    return streak


# --------------------------------------------------------------------------- writing a state dir


def save_state(state_dir: Path, state: Mapping[str, Any]) -> None:
    write_output(state_dir / STATE_FILE, json.dumps(state, indent=2, sort_keys=True) + "\n")


def _history_text(lines: Sequence[str], rows: Sequence[Mapping[str, Any]], limit: int) -> str:
    out = list(lines) + [json.dumps(dict(r), sort_keys=False, separators=(",", ":")) for r in rows]
    if limit > 0:
        out = out[-limit:]
    return "".join(line + "\n" for line in out)


def append_history(state_dir: Path, rows: Sequence[Mapping[str, Any]], limit: int = HISTORY_LIMIT) -> None:
    """Add rows and keep the last ``limit`` usable lines; the whole file is replaced atomically.

    Call with the lock held (``record_run`` does). Unusable lines are dropped.
    """
    found = read_history_file(state_dir / HISTORY_FILE)
    if found.unreadable:
        raise OSError(f"cannot read {state_dir / HISTORY_FILE} ({found.unreadable})")
    write_output(state_dir / HISTORY_FILE, _history_text(found.lines, rows, limit))


def _move_aside(path: Path, why: str, problems: list[str]) -> bool:
    """Rename an unusable file to ``<name>.corrupt-<time>`` so it is kept, never overwritten."""
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while target.exists():
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
        n += 1
    try:
        os.replace(path, target)
    except OSError as exc:
        problems.append(f"{path} is {why} and could not be moved aside ({exc.strerror or exc}); it is left as it is")
        return False
    problems.append(f"{path} was {why}: moved to {target.name}; verdicts and the failing-run count are rebuilt from history")
    return True


@dataclass(frozen=True)
class RunRecord:
    """What recording one run learned: changes since the last run, failing runs in a row, and what went wrong."""

    transitions: tuple[Transition, ...]
    consecutive_failures: int
    first_run: bool
    problems: tuple[str, ...] = ()


def record_locked(state_dir: Path, rows: Sequence[Mapping[str, Any]], run_id: str, checked_at: str, failing: bool,
                  *, limit: int = HISTORY_LIMIT) -> RunRecord:
    """Compare with the last verdicts, append history, update state.json. Call with the lock held.

    Never crashes on what it reads: bad history lines are skipped (and dropped on
    rewrite), a corrupt or unreadable state.json is moved aside and its verdicts
    and failing-run count are rebuilt from history. Raises OSError only when a
    write fails. Temporary files left by killed runs are swept first: under the
    lock nobody else is writing them.
    """
    problems: list[str] = []
    history_path, state_path = state_dir / HISTORY_FILE, state_dir / STATE_FILE
    remove_stale_temps(history_path)
    remove_stale_temps(state_path)
    history = read_history_file(history_path)
    problems += history.problems(history_path)
    saved, problem = _read_state(state_path)
    state_writable = True
    if problem:
        state_writable = _move_aside(state_path, problem, problems)
    saved = saved or {}
    previous = saved.get("verdicts")
    count = saved.get("consecutive_failures")
    if isinstance(previous, dict):
        previous = {k: v for k, v in previous.items() if isinstance(v, dict)}
    else:
        previous = current_verdicts(history.rows)
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        count = failing_streak(history.rows)
    first_run = not previous
    current = current_verdicts(rows)
    changes = compute_transitions(previous, current, run_id)
    count = count + 1 if failing else 0
    if history.unreadable is None:
        write_output(history_path, _history_text(history.lines, rows, limit))
    if state_writable:
        save_state(state_dir, {
            "version": STATE_VERSION,
            "verdicts": {**previous, **current},
            "consecutive_failures": count,
            "last_run": {"run_id": run_id, "checked_at": checked_at, "failing": failing},
        })
    return RunRecord(tuple(changes), count, first_run, tuple(problems))


def record_run(state_dir: Path, rows: Sequence[Mapping[str, Any]], run_id: str, checked_at: str, failing: bool,
               *, limit: int = HISTORY_LIMIT, lock_timeout_s: float = LOCK_TIMEOUT_S) -> RunRecord:
    """Under the lock: ``record_locked``."""
    with locked(state_dir, lock_timeout_s):
        return record_locked(state_dir, rows, run_id, checked_at, failing, limit=limit)
