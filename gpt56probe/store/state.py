"""What ``check`` remembers between runs: a bounded JSON-lines history and the last verdicts.

Layout of a state directory (the CLI picks it; this module only takes a Path)::

    <state dir>/lock            fcntl.flock target; held while state and history change
    <state dir>/state.json      last verdict per (org, model, surface, stream), each one's access streak
                                (--fail-after), changes not yet given to the --on-change hook
    <state dir>/history.jsonl   one JSON object per result per run, the last HISTORY_LIMIT lines
    <state dir>/endpoints/<host>/   the same three files for every endpoint other than the real API
                                (the simulator, a gateway): ``endpoint_dir``. Runs against different
                                endpoints never share a history, a verdict, a streak or a lock.

Reading never crashes a run: bad history lines (bad bytes, not JSON) are skipped
and counted, and a corrupt state.json is moved aside (``state.json.corrupt-<time>``)
and rebuilt from history.

Every write goes to a temporary file in the same directory and is moved into place
with ``os.replace``, so a reader never sees half a file, and overlapping runs take
the lock, so no update is lost. Recording is staged (``prepare_record``: every read and
write that can be slow) and then committed (two renames), so a caller can hold signals
for the renames alone. Computing transitions is pure (``compute_transitions``,
``transitions_from_history``); only the functions that name a directory do I/O.
No click here.
"""

from __future__ import annotations

import itertools
import json
import os
import re
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from gpt56probe.core.history import (  # noqa: F401 - the row arithmetic this module stores
    HISTORY_FIELDS,
    REAL_API_ENDPOINT,
    endpoint_of,
    RunRows,
    Transition,
    advance_verdicts,
    compute_transitions,
    current_verdicts,
    filter_transitions,
    history_rows,
    parse_since,
    parse_time,
    transitions_from_history,
    verdict_key,
)
from gpt56probe.store.files import LockTimeout, StagedFile, flocked, write_output
from gpt56probe.core.observation import Diagnosis

HISTORY_FILE = "history.jsonl"
STATE_FILE = "state.json"
LOCK_FILE = "lock"
HISTORY_LIMIT = 5000
LOCK_TIMEOUT_S = 30.0
STATE_VERSION = 2


ENDPOINTS_DIR = "endpoints"


def endpoint_dir(state_dir: Path, endpoint: str) -> Path:
    """Where ``endpoint``'s history and state live: the state dir itself for the real API (as before
    endpoints were kept apart), ``<state dir>/endpoints/<host>`` for any other."""
    if endpoint == REAL_API_ENDPOINT:
        return state_dir
    return state_dir / ENDPOINTS_DIR / (re.sub(r"[^A-Za-z0-9._-]", "_", endpoint).lstrip(".") or "_")


def recorded_endpoints(state_dir: Path) -> list[str]:
    """The endpoints other than the real API that have a history under ``state_dir`` (folder names), sorted."""
    try:
        return sorted(p.name for p in (state_dir / ENDPOINTS_DIR).iterdir() if (p / HISTORY_FILE).is_file())
    except OSError:
        return []


# --------------------------------------------------------------------------- file primitives

StateLockTimeout = LockTimeout
"""Another run held the state lock for longer than the timeout."""


@contextmanager
def locked(state_dir: Path, timeout_s: float = LOCK_TIMEOUT_S, poll_s: float = 0.05) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``<state dir>/lock``; StateLockTimeout after ``timeout_s``."""
    with flocked(state_dir / LOCK_FILE, timeout_s, poll_s):
        yield



# --------------------------------------------------------------------------- reading a state dir (tolerant)

STATE_MAX_BYTES = 16 << 20
"""A state.json this big is not ours (it holds one line per target): it is moved aside unread."""
HISTORY_MAX_BYTES = 32 << 20
"""At most the last 32 MiB of a history file are read; HISTORY_LIMIT lines of ours take about 2 MiB,
and reading stops as soon as it holds them, whatever the file's size."""
HISTORY_REWRITE_BYTES = 8 << 20
"""What reading and rewriting a history of HISTORY_LIMIT rows of ours costs at most, in bytes (a row takes
0.4-1.5 KiB); lines beyond those are never parsed, so a larger file costs little more (the run's reserve)."""
BOM = b"\xef\xbb\xbf"
UNDELIVERED_LIMIT = 500
"""Changes kept for an --on-change hook that has not run yet; older ones are dropped (and said)."""


@dataclass(frozen=True)
class HistoryFile:
    """What a history file held: its usable lines and rows (the last ``limit``), how many lines were
    skipped, how many bytes before the window that was read were left unread, or why it was unreadable."""

    lines: tuple[str, ...] = ()
    rows: tuple[dict[str, Any], ...] = ()
    skipped: int = 0
    unreadable: str | None = None
    unread_bytes: int = 0

    def problems(self, path: Path) -> list[str]:
        if self.unreadable:
            return [f"cannot read {path} ({self.unreadable}); it is left as it is"]
        found = []
        if self.skipped:
            found.append(f"{path}: skipped {self.skipped} unreadable line{'s' if self.skipped != 1 else ''} (bad bytes or not JSON)")
        if self.unread_bytes:
            window = f"{HISTORY_MAX_BYTES >> 20} MiB" if HISTORY_MAX_BYTES >= 1 << 20 else f"{HISTORY_MAX_BYTES >> 10} KiB"
            found.append(f"{path}: only its last {window} were read (a line in them is too long to be ours); the "
                         f"{self.unread_bytes} bytes before them are dropped when it is next written")
        return found


def read_history_file(path: Path, limit: int = HISTORY_LIMIT, keep_rows: bool = True) -> HistoryFile:
    """The last ``limit`` lines of ``path`` that are UTF-8 JSON holding an object, oldest first; never raises.

    Reads backwards only as far as those lines need (at most HISTORY_MAX_BYTES), never blocks
    on what the path is (a FIFO, a device: unreadable). A line with a bad byte, a line that is
    not JSON, or JSON that is not an object is skipped and counted: one bad line never hides
    the others. A byte-order mark before the first line is ignored. ``keep_rows=False``: each line is
    still checked, but only the lines are kept (a writer that copies them needs no parsed rows).
    """
    from gpt56probe.store.files import read_tail

    want = max(limit, 1)
    try:
        tail = read_tail(path, want, HISTORY_MAX_BYTES, follow=False)
    except FileNotFoundError:
        return HistoryFile()
    except OSError as exc:
        return HistoryFile(unreadable=exc.strerror or type(exc).__name__)
    raw_lines = tail.data.split(b"\n")
    if not tail.whole:
        raw_lines = raw_lines[1:]  # the cut-off end of a line that starts before what was read
    elif raw_lines and raw_lines[0].startswith(BOM):
        raw_lines[0] = raw_lines[0][len(BOM):]
    lines: list[str] = []
    rows: list[dict[str, Any]] = []
    skipped = 0
    for raw in reversed(raw_lines):
        if len(lines) >= want:
            break
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
        if keep_rows:
            rows.append(row)
    lines.reverse()
    rows.reverse()
    # Rows beyond `limit` are trimmed as promised; rows lost only because the window ran out are said.
    lost = tail.skipped_bytes if not tail.whole and len(lines) < want else 0
    return HistoryFile(tuple(lines), tuple(rows), skipped, unread_bytes=lost)


def read_history(state_dir: Path, problems: list[str] | None = None) -> list[dict[str, Any]]:
    """Every usable row of history.jsonl (the last HISTORY_LIMIT), oldest first; what was skipped is added to ``problems``."""
    path = state_dir / HISTORY_FILE
    found = read_history_file(path)
    if problems is not None:
        problems.extend(found.problems(path))
    return list(found.rows)


def _read_state(path: Path) -> tuple[dict[str, Any] | None, str | None]:
    """(state, problem): (None, None) when absent, (None, why) when unreadable or corrupt. Never blocks."""
    from gpt56probe.store.files import FileTooLarge, read_regular

    try:
        raw = read_regular(path, STATE_MAX_BYTES, follow=False)
    except FileNotFoundError:
        return None, None
    except FileTooLarge:
        return None, f"corrupt (over {STATE_MAX_BYTES >> 20} MiB)"
    except OSError as exc:
        return None, f"unreadable ({exc.strerror or type(exc).__name__})"
    try:
        data = json.loads(raw.decode("utf-8-sig"))  # a byte-order mark (an editor on Windows) is no corruption
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None, "corrupt (not UTF-8 JSON)"
    if not isinstance(data, dict):
        return None, "corrupt (not a JSON object)"
    return data, None


def load_state(state_dir: Path) -> dict[str, Any]:
    """state.json as a dict; an empty state when missing, unreadable or corrupt. Reads only."""
    data, _ = _read_state(state_dir / STATE_FILE)
    return data or {}


def _transitions_from_saved(value: Any) -> list[Transition]:
    """The undelivered changes saved in state.json; entries of another shape are dropped."""
    import dataclasses

    names = {f.name for f in dataclasses.fields(Transition)}
    out = []
    for item in value if isinstance(value, list) else ():
        if not isinstance(item, dict) or set(item) != names:
            continue
        try:
            out.append(Transition(**item))
        except TypeError:
            continue
    return out


# --------------------------------------------------------------------------- writing a state dir


def _state_text(state: Mapping[str, Any]) -> str:
    pieces: list[str] = []
    _write_state(pieces.append, state)
    return "".join(pieces)


def save_state(state_dir: Path, state: Mapping[str, Any]) -> None:
    write_output(state_dir / STATE_FILE, _state_text(state))


def append_history(state_dir: Path, rows: Sequence[Mapping[str, Any]], limit: int = HISTORY_LIMIT) -> None:
    """Add rows and keep the last ``limit`` usable lines; the whole file is replaced atomically.

    Call with the lock held (``record_run`` does). Unusable lines are dropped.
    """
    path = state_dir / HISTORY_FILE
    found = read_history_file(path, limit if _room(limit, len(rows)) > 0 else 1, keep_rows=False)
    if found.unreadable:
        raise OSError(f"cannot read {path} ({found.unreadable})")
    staged = _stage_history(path, found, rows, limit)
    try:
        staged.commit()
    finally:
        staged.discard()


def _room(limit: int, count: int) -> int:
    """How many old history lines a run of ``count`` rows leaves room for under ``limit`` (none when it fills it)."""
    return limit - count if limit > 0 else HISTORY_LIMIT


def _stage_history(path: Path, history: HistoryFile, rows: Sequence[Mapping[str, Any]] | RunRows, limit: int) -> StagedFile:
    """history.jsonl staged: the old lines the bound leaves room for (read back from the file, gated when they were
    written), then the new rows, each encoded as it is written (the last ``limit``)."""
    from gpt56probe.store.files import stage_output_from

    room = _room(limit, len(rows))
    kept = history.lines[max(0, len(history.lines) - room):] if room > 0 else ()
    return stage_output_from(path, lambda write: _write_rows(write, rows, limit), recorded="".join(line + "\n" for line in kept))


def _move_aside(path: Path, why: str, problems: list[str]) -> bool:
    """Rename an unusable file to ``<name>.corrupt-<time>`` so it is kept, never overwritten."""
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while os.path.lexists(target):
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
        n += 1
    try:
        os.replace(path, target)
    except OSError as exc:
        problems.append(f"{path} is {why} and could not be moved aside ({exc.strerror or exc}); it is left as it is")
        return False
    problems.append(f"{path} was {why}: moved to {target.name}; verdicts and --fail-after streaks are rebuilt from history")
    return True


@dataclass(frozen=True)
class RunRecord:
    """What recording one run learned: changes since the last run, each target's access streak
    (``streaks``: runs in a row with an access verdict, for --fail-after), what went wrong, and the
    changes an --on-change hook has not been given yet (``undelivered``: earlier runs' first)."""

    transitions: tuple[Transition, ...]
    streaks: Mapping[str, int]
    first_run: bool
    problems: tuple[str, ...] = ()
    undelivered: tuple[Transition, ...] = ()


@dataclass
class PreparedRecord:
    """A run's history and state, staged next to their files: ``commit`` puts both in place (two
    renames: hold signals only for this), ``discard`` removes what was not committed."""

    record: RunRecord
    staged: list[Any]

    def commit(self) -> RunRecord:
        for staged in self.staged:
            staged.commit()
        return self.record

    def discard(self) -> None:
        for staged in self.staged:
            staged.discard()


def prepare_record(state_dir: Path, rows: Sequence[Mapping[str, Any]] | RunRows, run_id: str, checked_at: str, failing: bool,
                   *, limit: int = HISTORY_LIMIT, hold_changes: bool = False) -> PreparedRecord:
    """Compare with the last verdicts, stage the new history and state.json. Call with the lock held.

    All the slow and blocking work (reading, writing and fsyncing the temporary files) is done
    here, where a signal may still end the run (nothing is left behind: the temporary files are
    removed); the caller commits. Never crashes on what it reads: bad history lines are skipped
    (and dropped on rewrite), a corrupt or unreadable state.json is moved aside and its verdicts
    and streaks are rebuilt from history. ``hold_changes`` (an --on-change hook is set): this
    run's changes join the undelivered ones kept in state.json until ``clear_delivered``.
    Raises OSError only when a file cannot be staged. Temporary files left by killed runs are
    swept first: under the lock nobody else is writing them.
    """
    from gpt56probe.store.files import remove_stale_temps, stage_output_from
    from gpt56probe.core.streaks import streaks_from_history, update_streaks, valid_streaks

    problems: list[str] = []
    history_path, state_path = state_dir / HISTORY_FILE, state_dir / STATE_FILE
    remove_stale_temps(history_path)
    remove_stale_temps(state_path)
    saved, problem = _read_state(state_path)
    state_writable = True
    if problem:
        state_writable = _move_aside(state_path, problem, problems)
    saved = saved or {}
    previous = saved.get("verdicts")
    streaks = valid_streaks(saved.get("streaks"))
    rebuild = not isinstance(previous, dict) or streaks is None
    # The old rows are parsed only to rebuild a lost state.json; when the new rows fill the bound, no old line is
    # kept, and only the file's readability is checked (the window is the old one otherwise: blank and bad lines
    # count in it as they did).
    history = read_history_file(history_path, limit if rebuild or _room(limit, len(rows)) > 0 else 1, keep_rows=rebuild)
    problems += history.problems(history_path)
    if isinstance(previous, dict):
        previous = {k: v for k, v in previous.items() if isinstance(v, dict)}
    else:
        previous = current_verdicts(history.rows)
    if streaks is None:
        streaks = streaks_from_history(history.rows)
    first_run = not previous
    verdicts = previous  # advanced in place: a fleet's verdicts are held once
    changes = advance_verdicts(verdicts, rows, run_id)
    streaks = update_streaks(streaks, rows)
    undelivered = _transitions_from_saved(saved.get("undelivered"))
    if hold_changes:
        undelivered += changes
        if len(undelivered) > UNDELIVERED_LIMIT:
            problems.append(f"{len(undelivered) - UNDELIVERED_LIMIT} older change(s) never given to --on-change are dropped")
            undelivered = undelivered[-UNDELIVERED_LIMIT:]
    staged: list[Any] = []
    try:
        if history.unreadable is None:
            staged.append(_stage_history(history_path, history, rows, limit))
        if state_writable:
            state = {
                "version": STATE_VERSION,
                "verdicts": verdicts,
                "streaks": streaks,
                "last_run": {"run_id": run_id, "checked_at": checked_at, "failing": failing},
                "undelivered": [t.to_dict() for t in undelivered],
            }
            staged.append(stage_output_from(state_path, lambda write: _write_state(write, state)))
    except BaseException:
        for item in staged:
            item.discard()
        raise
    record = RunRecord(tuple(changes), streaks, first_run, tuple(problems), tuple(undelivered) if hold_changes else ())
    return PreparedRecord(record, staged)


def _write_rows(write: Callable[[str], object], rows: Sequence[Mapping[str, Any]] | RunRows, limit: int) -> None:
    """History lines for ``rows`` (the last ``limit``), each encoded as it is written."""
    skip = max(0, len(rows) - limit) if limit > 0 else 0
    for row in itertools.islice(rows, skip, None):
        write(json.dumps(dict(row), sort_keys=False, separators=(",", ":")) + "\n")


def _write_state(write: Callable[[str], object], state: Mapping[str, Any]) -> None:
    """state.json (``json.dumps(state, indent=2, sort_keys=True)`` and a newline), encoded a piece at a time."""
    for chunk in json.JSONEncoder(indent=2, sort_keys=True).iterencode(state):
        write(chunk)
    write("\n")


def record_locked(state_dir: Path, rows: Sequence[Mapping[str, Any]] | RunRows, run_id: str, checked_at: str, failing: bool,
                  *, limit: int = HISTORY_LIMIT, hold_changes: bool = False) -> RunRecord:
    """``prepare_record`` and commit at once. Call with the lock held."""
    prepared = prepare_record(state_dir, rows, run_id, checked_at, failing, limit=limit, hold_changes=hold_changes)
    try:
        return prepared.commit()
    finally:
        prepared.discard()


def record_run(state_dir: Path, rows: Sequence[Mapping[str, Any]] | RunRows, run_id: str, checked_at: str, failing: bool,
               *, limit: int = HISTORY_LIMIT, lock_timeout_s: float = LOCK_TIMEOUT_S, hold_changes: bool = False) -> RunRecord:
    """Under the lock: ``record_locked``."""
    with locked(state_dir, lock_timeout_s):
        return record_locked(state_dir, rows, run_id, checked_at, failing, limit=limit, hold_changes=hold_changes)


def prepare_clear_delivered(state_dir: Path, delivered: Sequence[Transition]) -> Any:
    """state.json without ``delivered`` among its undelivered changes, staged (a StagedFile), or None
    when there is nothing to clear or state.json is not ours to rewrite. Call with the lock held."""
    from gpt56probe.store.files import stage_output

    saved, problem = _read_state(state_dir / STATE_FILE)
    if problem or not saved:
        return None
    gone = [t.to_dict() for t in delivered]
    kept = [t.to_dict() for t in _transitions_from_saved(saved.get("undelivered"))]
    left = [t for t in kept if t not in gone]
    if len(left) == len(kept):
        return None
    return stage_output(state_dir / STATE_FILE, _state_text({**saved, "undelivered": left}))
