"""File primitives shared by the state directory and the config file: a lock, safe reads, atomic
writes, debris sweeping.

Reading: ``read_regular`` and ``read_tail`` open without blocking (``O_NONBLOCK``: a FIFO planted
as state.json or config.toml cannot hang a run), refuse anything that is not a regular file (a
symlink to /dev/zero is a character device) and read at most a size cap.

Writing: every write goes to a uniquely named hidden temporary file next to its target
(``.<name>.<random>.tmp``, so collectors globbing ``*.prom`` never pick it up), is
fsynced, then moved into place with ``os.replace``: a reader never sees half a file.
Staging (``stage_output``) and committing (``StagedFile.commit``) are separate steps, so a
caller that commits several files together can do all the slow work first and hold a signal
only for the renames. A target that exists and is not a regular file (a symlink, a device,
a FIFO, a directory) is never replaced: replacing /dev/stdout, or a symlink someone planted
in a shared directory, is never what was meant. A process killed mid-write (kill -9) leaves its
temporary file behind; ``remove_stale_temps`` sweeps them. No click here.
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, TextIO


class LockTimeout(RuntimeError):
    """Another process held the lock for longer than the timeout."""


class NotRegularFile(OSError):
    """The path is a symlink, a device, a FIFO, a socket or a directory: gpt56probe neither reads nor replaces it."""


class FileTooLarge(OSError):
    """The file is larger than its cap: it is not what gpt56probe expects there."""


def _kind(mode: int) -> str:
    for test, word in ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return word
    return "not a regular file"


def not_regular(path: Path) -> NotRegularFile:
    try:
        kind = _kind(os.lstat(path).st_mode)
    except OSError:
        kind = "not a regular file"
    return NotRegularFile(errno.EINVAL, f"{kind}, not a regular file", str(path))


def refuse_non_regular(path: Path) -> None:
    """Raise NotRegularFile when ``path`` exists and is not a regular file (symlinks are not followed)."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return  # absent (or unreachable: the write says why)
    if not stat.S_ISREG(mode):
        raise not_regular(path)


def private_dir(path: Path) -> None:
    """Make sure directory ``path`` exists; each directory this creates is 0700 (owner only) whatever the umask.

    A directory that already exists is left as its owner set it. The state and config directories hold
    history, verdicts and e-mail addresses: a umask of 000 must not make them world-writable.
    """
    missing: list[Path] = []
    probe = path
    while not os.path.lexists(probe) and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    for directory in reversed(missing):
        try:
            os.mkdir(directory, 0o700)
        except FileExistsError:
            continue  # another run made it first: its mode is that run's business (0700 too)
        os.chmod(directory, 0o700)  # mkdir's mode is cut by the umask, never widened; chmod is exact
    if not missing and not path.is_dir():
        path.mkdir(parents=True, exist_ok=True)  # the usual error (a file in the way)


@contextmanager
def flocked(lock_path: Path, timeout_s: float, poll_s: float = 0.05, holder: str = "another gpt56probe run") -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``lock_path`` (created 0600, its directory 0700 when created here);
    LockTimeout after ``timeout_s``.

    flock locks belong to the open file description, so this excludes other
    processes and other threads of this one alike. The wait polls, so a signal
    handler's exception ends it at once; the open never blocks (a FIFO planted as
    the lock file) and never follows a symbolic link (a ``lock -> /etc/nologin`` planted
    by someone who can write the directory would have a root run create its target):
    anything but a regular file there is NotRegularFile.
    """
    private_dir(lock_path.parent)
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENXIO, errno.EISDIR):
            raise not_regular(lock_path) from None
        raise
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise not_regular(lock_path)
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    raise
                if time.monotonic() >= deadline:
                    raise LockTimeout(f"{holder} holds {lock_path} (waited {timeout_s:.1f}s)") from None
                time.sleep(min(poll_s, max(0.0, deadline - time.monotonic())))
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- reading


def _open_regular(path: Path, follow: bool = True, require_regular: bool = True) -> int:
    """An fd for reading ``path``, opened without blocking; NotRegularFile unless a regular file
    (``require_regular`` False: whatever it is, for ``read_input``).

    ``follow`` False: a symbolic link is NotRegularFile too (the tool's own state files: nobody
    else may aim them). True for files the user names (config.toml may be a dotfiles link)."""
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC | (0 if follow else os.O_NOFOLLOW)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if not follow and exc.errno == errno.ELOOP:
            raise not_regular(path) from None
        raise
    try:
        if require_regular and not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotRegularFile(errno.EINVAL, f"{_kind(os.fstat(fd).st_mode)}, not a regular file", str(path))
    except BaseException:
        os.close(fd)
        raise
    return fd


def _read_exactly(fd: int, size: int) -> bytes:
    chunks: list[bytes] = []
    while size > 0:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def read_regular(path: Path, max_bytes: int, follow: bool = True) -> bytes:
    """The whole of ``path``, a regular file of at most ``max_bytes``.

    FileNotFoundError when absent, NotRegularFile when it is something else (or, unless
    ``follow``, a symbolic link), FileTooLarge when bigger than the cap; never blocks on what the path is.
    """
    fd = _open_regular(path, follow)
    try:
        data = _read_exactly(fd, max_bytes + 1)
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise FileTooLarge(errno.EFBIG, f"larger than {max_bytes} bytes", str(path))
    return data


class InputTimeout(OSError):
    """An input that is not a regular file (stdin, a pipe, a FIFO) did not end in time."""


def read_input(path: Path, max_bytes: int, timeout_s: float) -> bytes:
    """A file the user names as input (``-``: stdin), whatever it is: at most ``max_bytes`` and within ``timeout_s``.

    A regular file is read as ``read_regular`` reads it. Anything else (stdin, ``<(command)``, a FIFO, a
    device) is read as it arrives, never blocking longer than what is left of ``timeout_s``: a FIFO whose
    writer never writes or never closes is InputTimeout, not a hang. FileTooLarge over the cap.
    """
    import select

    deadline = time.monotonic() + max(0.0, timeout_s)
    stdin = str(path) == "-"
    if stdin:
        import sys

        try:
            fd = sys.stdin.fileno()
        except (AttributeError, OSError, ValueError):  # a stdin with no descriptor (an embedding host's): read it as it is
            data = sys.stdin.buffer.read(max_bytes + 1) if sys.stdin is not None else b""
            if len(data) > max_bytes:
                raise FileTooLarge(errno.EFBIG, f"larger than {max_bytes} bytes", "<stdin>") from None
            return data
    else:
        fd = _open_regular(path, require_regular=False)
    try:
        if stat.S_ISREG(os.fstat(fd).st_mode) and not stdin:
            data = _read_exactly(fd, max_bytes + 1)
        else:
            chunks: list[bytes] = []
            size = 0
            while size <= max_bytes:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([fd], [], [], min(left, 0.25))[0]:
                    if left <= 0:
                        raise InputTimeout(errno.ETIMEDOUT, f"no end of input within {timeout_s:g}s", str(path))
                    continue  # short waits: a signal handler's exception ends the wait at once
                try:
                    chunk = os.read(fd, min(1 << 20, max_bytes + 1 - size))
                except BlockingIOError:
                    continue
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
            data = b"".join(chunks)
    finally:
        if not stdin:
            os.close(fd)
    if len(data) > max_bytes:
        raise FileTooLarge(errno.EFBIG, f"larger than {max_bytes} bytes", str(path))
    return data


@dataclass(frozen=True)
class Tail:
    """The end of a file: ``data`` starts at a line start when ``whole`` (the file's start was reached),
    else somewhere inside a line; ``skipped_bytes`` were left unread before it."""

    data: bytes
    whole: bool
    skipped_bytes: int = 0


TAIL_CHUNK = 1 << 20


def read_tail(path: Path, lines: int, max_bytes: int, follow: bool = True) -> Tail:
    """Read ``path`` backwards until it holds more than ``lines`` newlines, the start of the file, or
    ``max_bytes``: the cost follows what is needed, not the file's size. Same errors as ``read_regular``."""
    fd = _open_regular(path, follow)
    try:
        size = os.fstat(fd).st_size
        chunks: list[bytes] = []
        newlines = 0
        pos = size
        while pos > 0 and size - pos < max_bytes and newlines <= lines:
            step = min(TAIL_CHUNK, pos, max_bytes - (size - pos))
            pos -= step
            os.lseek(fd, pos, os.SEEK_SET)
            chunk = _read_exactly(fd, step)
            chunks.append(chunk)
            newlines += chunk.count(b"\n")
    finally:
        os.close(fd)
    return Tail(b"".join(reversed(chunks)), pos == 0, pos)


# --------------------------------------------------------------------------- writing


def temp_prefix(path: Path) -> str:
    return f".{path.name}."


TEMP_SUFFIX = ".tmp"


@dataclass
class StagedFile:
    """A complete, fsynced temporary file waiting to replace ``path``: ``commit`` renames it into
    place (the only step a commit needs to hold a signal for), ``discard`` removes it."""

    path: Path
    temp: str
    committed: bool = False

    def commit(self) -> None:
        refuse_non_regular(self.path)  # again at the last moment: something may have been planted since staging
        os.replace(self.temp, self.path)
        self.committed = True

    def discard(self) -> None:
        if self.committed:
            return
        try:
            os.unlink(self.temp)
        except OSError:
            pass


def stage_text(path: Path, text: str, mode: int = 0o600) -> StagedFile:
    """The raw primitive: ``text`` in a unique hidden temporary file next to ``path``, fsynced, not yet in place.

    Characters UTF-8 cannot hold (a lone surrogate from a non-UTF-8 argv) are written as
    backslash escapes, never as an exception. NotRegularFile when ``path`` is not a regular file.
    """
    return _stage(path, mode, lambda fh: fh.write(text))


def _stage(path: Path, mode: int, fill: Callable[[TextIO], object]) -> StagedFile:
    """A unique hidden temporary file next to ``path``, filled by ``fill``, fsynced, not yet in place."""
    refuse_non_regular(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=temp_prefix(path), suffix=TEMP_SUFFIX)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as fh:
            fill(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return StagedFile(path, tmp)


def atomic_write_text(path: Path, text: str, mode: int = 0o600) -> None:
    """Write ``text`` to a unique hidden temporary file next to ``path``, fsync, then ``os.replace``."""
    staged = stage_text(path, text, mode)
    try:
        staged.commit()
    finally:
        staged.discard()


def stage_output(path: Path, text: str, mode: int = 0o600, recorded: str = "") -> StagedFile:
    """``write_output``'s first half: the file staged through the output gate; the caller commits it.
    ``recorded`` goes first: lines this tool wrote through the gate before and read back from the
    same file (``Gate.scrub_recorded``: its shape rules are not run again)."""
    return stage_output_from(path, lambda write: write(text), mode, recorded)


def stage_output_from(path: Path, produce: Callable[[Callable[[str], object]], object], mode: int = 0o600,
                      recorded: str = "") -> StagedFile:
    """``stage_output`` for a document made a piece at a time: ``produce(write)`` calls ``write`` with each
    piece, and the pieces pass the gate a batch at a time (``GatedWriter``), so a fleet's history or state
    is never held whole, as text or as a second, scrubbed copy."""
    from gpt56probe.core.gate import GATE

    GATE.add_public(str(path))  # the tool says where it wrote: that path is never a secret

    def fill(fh: TextIO) -> None:
        if recorded:
            fh.write(GATE.scrub_recorded(recorded))
        writer = GatedWriter(fh.write)
        produce(writer.write)
        writer.close()

    return _stage(path, mode, fill)


class GatedWriter:
    """Text on its way to a file, through the output gate a batch of about ``batch`` characters at a time.

    A batch is cut only at a newline after which no shape rule continues (``Gate.pieces``), and nothing is
    cut any more once a delta field's name has passed (``core.encoded.names_a_delta``: the gate joins every
    delta value of a whole text, so a key spread over two of them, batches apart, must be scrubbed in one
    piece): the file holds exactly what scrubbing the whole text at once would give. A failed write
    raises: a file, unlike a terminal, must not lose what it was given silently."""

    def __init__(self, sink: Callable[[str], object], batch: int | None = None) -> None:
        from gpt56probe.core.gate import PIECE_CHARS

        self._sink = sink
        self._batch = PIECE_CHARS if batch is None else batch
        self._drain_at = self._batch
        self._held: list[str] = []
        self._size = 0
        self._whole = False  # a delta field was seen: the rest is held and scrubbed as one text

    def write(self, text: str) -> int:
        self._held.append(text)
        self._size += len(text)
        if self._size >= self._drain_at:
            self._drain(final=False)
        return len(text)

    def close(self) -> None:
        self._drain(final=True)

    def _drain(self, final: bool) -> None:
        from gpt56probe.core.encoded import names_a_delta
        from gpt56probe.core.gate import GATE

        text = "".join(self._held)
        self._whole = self._whole or names_a_delta(text)
        if self._whole and not final:
            self._held, self._size, self._drain_at = [text], len(text), len(text) + self._batch
            return
        pieces = [text] if self._whole else list(GATE.pieces(text, self._batch // 2))
        keep = "" if final else pieces.pop()  # the last piece may go on in what is written next
        for piece in pieces:
            self._sink(GATE.scrub(piece))
        self._held, self._size = ([keep], len(keep)) if keep else ([], 0)
        self._drain_at = self._size + self._batch  # nothing could be cut: wait for a batch more, not for every write


def write_output(path: Path, text: str, mode: int = 0o600) -> None:
    """Write a file gpt56probe produces (history, state, metrics, packets, plans, reports) through the
    output gate (gpt56probe.core.gate), then atomically. The one way the tool writes output to disk;
    ``atomic_write_text`` alone is for the user's own config.toml, written back as given."""
    staged = stage_output(path, text, mode)
    try:
        staged.commit()
    finally:
        staged.discard()


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
