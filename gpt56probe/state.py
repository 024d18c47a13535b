"""What ``check`` remembers between runs: a bounded JSON-lines history and the last verdicts.

Layout of a state directory (the CLI picks it; this module only takes a Path)::

    <state dir>/lock            fcntl.flock target; held while state and history change
    <state dir>/state.json      last verdict per (org, model, surface, stream), failing-run count
    <state dir>/history.jsonl   one JSON object per result per run, the last HISTORY_LIMIT lines

Every write goes to a temporary file in the same directory and is moved into place
with ``os.replace``, so a reader never sees half a file, and overlapping runs take
the lock, so no update is lost. Computing transitions is pure (``compute_transitions``,
``transitions_from_history``); only the functions that name a directory do I/O.
No click here.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import tempfile
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

from gpt56probe.observation import Diagnosis

HISTORY_FILE = "history.jsonl"
STATE_FILE = "state.json"
LOCK_FILE = "lock"
HISTORY_LIMIT = 5000
LOCK_TIMEOUT_S = 30.0
STATE_VERSION = 1

HISTORY_FIELDS = ("run_id", "checked_at", "org", "model", "tier", "surface", "stream", "verdict", "http_status",
                  "request_id", "error_message", "latency_ms", "remediation", "timestamp")


class StateLockTimeout(RuntimeError):
    """Another run held the state lock for longer than the timeout."""


# --------------------------------------------------------------------------- file primitives


@contextmanager
def locked(state_dir: Path, timeout_s: float = LOCK_TIMEOUT_S, poll_s: float = 0.05) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``<state dir>/lock``; StateLockTimeout after ``timeout_s``.

    flock locks belong to the open file description, so this excludes other
    processes and other threads of this one alike.
    """
    state_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(state_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    raise
                if time.monotonic() >= deadline:
                    raise StateLockTimeout(f"another gpt56probe run holds {state_dir / LOCK_FILE} (waited {timeout_s:g}s)") from None
                time.sleep(poll_s)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def atomic_write_text(path: Path, text: str, mode: int = 0o600) -> None:
    """Write ``text`` to a hidden temporary file next to ``path``, fsync, then ``os.replace``.

    The temporary name starts with a dot and ends in ``.tmp`` so that collectors
    globbing ``*.prom`` never pick it up. ``text`` passes the output gate first
    (gpt56probe.gate): this is the one way gpt56probe writes a file.
    """
    from gpt56probe.gate import GATE

    GATE.add_public(str(path))  # the tool says where it wrote: that path is never a secret
    text = GATE.scrub(text)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


# --------------------------------------------------------------------------- rows and verdicts (pure)


def history_rows(diagnoses: Iterable[Diagnosis], run_id: str, checked_at: str) -> list[dict[str, Any]]:
    """One history row per result. ``error_message`` is already redacted by classify."""
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
        })
    return rows


def verdict_key(row: Mapping[str, Any]) -> str:
    """What a verdict is remembered by: org, model, surface and stream."""
    return "|".join((row.get("org") or "", str(row.get("model") or ""), str(row.get("surface") or "chat"),
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
        if before is None or before.get("verdict") == now.get("verdict"):
            continue
        changes.append(Transition(
            org=now.get("org"), model=str(now.get("model")), tier=str(now.get("tier") or ""),
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
        return now - timedelta(**{_UNITS[found.group(2).lower()]: float(found.group(1))})
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is neither an ISO date/time (2026-11-01, 2026-11-01T08:00) nor a span like 24h, 7d") from None
    return when if when.tzinfo else when.astimezone()


def parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo else when.astimezone()


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


# --------------------------------------------------------------------------- reading and writing a state dir


def load_state(state_dir: Path) -> dict[str, Any]:
    """state.json as a dict; an empty state when missing or unreadable (the next run rewrites it)."""
    try:
        data = json.loads((state_dir / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save_state(state_dir: Path, state: Mapping[str, Any]) -> None:
    atomic_write_text(state_dir / STATE_FILE, json.dumps(state, indent=2, sort_keys=True) + "\n")


def read_history(state_dir: Path) -> list[dict[str, Any]]:
    """Every valid row of history.jsonl, oldest first; lines that do not parse are skipped."""
    try:
        text = (state_dir / HISTORY_FILE).read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    rows = []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if isinstance(row, dict):
            rows.append(row)
    return rows


def append_history(state_dir: Path, rows: Sequence[Mapping[str, Any]], limit: int = HISTORY_LIMIT) -> None:
    """Add rows and keep the last ``limit`` lines; the whole file is replaced atomically.

    Call with the lock held (``record_run`` does).
    """
    path = state_dir / HISTORY_FILE
    try:
        old = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except FileNotFoundError:
        old = []
    lines = old + [json.dumps(dict(r), sort_keys=False, separators=(",", ":")) for r in rows]
    if limit > 0:
        lines = lines[-limit:]
    atomic_write_text(path, "".join(line + "\n" for line in lines))


@dataclass(frozen=True)
class RunRecord:
    """What recording one run learned: changes since the last run, failing runs in a row."""

    transitions: tuple[Transition, ...]
    consecutive_failures: int
    first_run: bool


def record_run(state_dir: Path, rows: Sequence[Mapping[str, Any]], run_id: str, checked_at: str, failing: bool,
               *, limit: int = HISTORY_LIMIT, lock_timeout_s: float = LOCK_TIMEOUT_S) -> RunRecord:
    """Under the lock: compare with the last verdicts, append history, update state.json."""
    with locked(state_dir, lock_timeout_s):
        state = load_state(state_dir)
        previous = state.get("verdicts")
        first_run = not isinstance(previous, dict)
        previous = previous if isinstance(previous, dict) else {}
        current = current_verdicts(rows)
        changes = compute_transitions(previous, current, run_id)
        count = state.get("consecutive_failures", 0)
        count = (count if isinstance(count, int) and count >= 0 else 0) + 1 if failing else 0
        append_history(state_dir, rows, limit)
        save_state(state_dir, {
            "version": STATE_VERSION,
            "verdicts": {**previous, **current},
            "consecutive_failures": count,
            "last_run": {"run_id": run_id, "checked_at": checked_at, "failing": failing},
        })
    return RunRecord(tuple(changes), count, first_run)

