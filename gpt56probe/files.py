"""File primitives shared by the state directory and the config file: a lock, atomic writes, debris sweeping.

Every write goes to a uniquely named hidden temporary file next to its target
(``.<name>.<random>.tmp``, so collectors globbing ``*.prom`` never pick it up),
is fsynced, then moved into place with ``os.replace``: a reader never sees half a
file. A process killed mid-write (kill -9) leaves its temporary file behind;
``remove_stale_temps`` sweeps them. No click here.
"""

from __future__ import annotations

import errno
import fcntl
import os
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


class LockTimeout(RuntimeError):
    """Another process held the lock for longer than the timeout."""


@contextmanager
def flocked(lock_path: Path, timeout_s: float, poll_s: float = 0.05, holder: str = "another gpt56probe run") -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``lock_path`` (created 0600); LockTimeout after ``timeout_s``.

    flock locks belong to the open file description, so this excludes other
    processes and other threads of this one alike. The wait polls, so a signal
    handler's exception ends it at once.
    """
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
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
                    raise LockTimeout(f"{holder} holds {lock_path} (waited {timeout_s:g}s)") from None
                time.sleep(poll_s)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def temp_prefix(path: Path) -> str:
    return f".{path.name}."


TEMP_SUFFIX = ".tmp"


def atomic_write_text(path: Path, text: str, mode: int = 0o600) -> None:
    """Write ``text`` to a unique hidden temporary file next to ``path``, fsync, then ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=temp_prefix(path), suffix=TEMP_SUFFIX)
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


def write_output(path: Path, text: str, mode: int = 0o600) -> None:
    """Write a file gpt56probe produces (history, state, metrics, packets, plans, reports) through the
    output gate (gpt56probe.gate), then atomically. The one way the tool writes output to disk;
    ``atomic_write_text`` alone is for the user's own config.toml, written back as given."""
    from gpt56probe.gate import GATE

    GATE.add_public(str(path))  # the tool says where it wrote: that path is never a secret
    atomic_write_text(path, GATE.scrub(text), mode)


def remove_stale_temps(path: Path, older_than_s: float = 0.0) -> int:
    """Delete ``path``'s leftover temporary files older than ``older_than_s``; returns how many.

    With the lock that every writer of ``path`` holds, any age is safe (0): a
    temporary file nobody is writing is debris. Without it, pick an age no real
    write takes. Never raises.
    """
    prefix = temp_prefix(path)
    now = time.time()
    removed = 0
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return 0
    for entry in entries:
        if not (entry.name.startswith(prefix) and entry.name.endswith(TEMP_SUFFIX)):
            continue
        try:
            if not entry.is_file(follow_symlinks=False) or now - entry.stat(follow_symlinks=False).st_mtime < older_than_s:
                continue
            os.unlink(entry.path)
            removed += 1
        except OSError:
            continue
    return removed
