"""The terminal sinks: stdout and stderr wrapped so every line passes the gate.

The rules (what is a secret, how it is scrubbed) live in ``core.gate``; this module is the
I/O side: the wrapped streams, and descriptors that must never be handed to a state file.
"""

from __future__ import annotations

import errno
import io
import os
import sys
import threading
from contextlib import contextmanager
from typing import Any, Iterator, TextIO

from gpt56probe.core.gate import ERASE_MARK, GATE, Gate

CUT_FROM = 1 << 20
"""A write this long is emitted from the text given, without joining it to what a thread held (nothing)."""


class GatedStream(io.TextIOBase):
    """A text stream that scrubs whole lines before they reach the real stream.

    Each thread's text is held until its newline, so a secret written in two pieces is
    seen whole and two threads never splice into one line. A flush writes what is held,
    except a tail that could be the start of a known secret (it waits for the rest, or
    for the end of the run). Text the real stream cannot encode is written as escapes,
    never as an exception.

    Writing never fails: when the real stream is gone (no stream at all, a reader that quit,
    a closed descriptor, a full disk), the first failure is recorded in ``cut`` and the stream
    becomes a null sink, with its descriptor pointed at /dev/null so nothing later (the
    interpreter's last flush) fails on it either. The run goes on to its other sinks.
    """

    def __init__(self, inner: TextIO | None, gate: Gate = GATE) -> None:
        super().__init__()
        self._inner = inner
        self._gate = gate
        self._pending: dict[int, str] = {}
        self._lock = threading.RLock()
        self.cut: OSError | None = None
        """Why the real stream stopped taking text (errno EPIPE: its reader quit), or None."""
        self._dead = inner is None
        try:
            self._colour = bool(inner.isatty()) if inner is not None else False
        except (AttributeError, ValueError, OSError):
            self._colour = False

    def write(self, text: Any) -> int:
        if not isinstance(text, str):
            # click asks "is this a binary stream?" by writing b"": it is not.
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        with self._lock:
            ident = threading.get_ident()
            held = self._pending.get(ident, "")
            if held and text.startswith(ERASE_MARK):
                # The line is being rewritten (a progress display): what was held back cannot run on into a
                # secret across the erase, and the erase must start the text to be honoured.
                self._emit(held)
                held = ""
            if not held and len(text) > CUT_FROM:
                # A fleet's document: written in pieces straight from the text given, never copied whole.
                end = text.rfind("\n") + 1
                if end:
                    self._emit(text, end)
                self._pending[ident] = text[end:]
                return len(text)
            held += text
            if "\n" in held:
                ready, _, held = held.rpartition("\n")
                self._emit(ready + "\n")
            self._pending[ident] = held
        return len(text)

    def _emit(self, text: str, end: int | None = None) -> None:
        """Write ``text[:end]`` through the gate, a piece at a time (``Gate.pieces``)."""
        for piece in self._gate.pieces(text if end is None or end == len(text) else text[:end]):
            self._emit_piece(piece)

    def _emit_piece(self, text: str) -> None:
        if self._dead or self._inner is None:
            return
        clean = self._gate.scrub_terminal(text, colour=self._colour)
        encoding = getattr(self._inner, "encoding", None) or "utf-8"
        if not encoding.lower().replace("-", "").startswith("utf"):
            clean = clean.encode(encoding, "backslashreplace").decode(encoding, "replace")
        try:
            try:
                self._inner.write(clean)
            except UnicodeEncodeError:  # a lone surrogate (non-UTF-8 bytes in argv) on a strict stream
                self._inner.write(clean.encode(encoding, "backslashreplace").decode(encoding, "replace"))
        except (OSError, ValueError) as exc:
            self._cut_off(exc)

    def _cut_off(self, exc: Exception) -> None:
        """The real stream is gone: remember why, stop writing, and point its descriptor at /dev/null."""
        self._dead = True
        self.cut = exc if isinstance(exc, OSError) else OSError(errno.EBADF, "closed")
        inner = self._inner
        try:
            fd = inner.fileno() if inner is not None else -1
        except (AttributeError, OSError, ValueError):
            fd = -1
        if fd >= 0:
            try:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, fd)
                os.close(devnull)
            except OSError:
                pass

    def flush(self, final: bool = False) -> None:
        with self._lock:
            for ident, held in list(self._pending.items()):
                if not held:
                    continue
                keep = "" if final else (self._gate.knows(held) or "")
                if len(held) > len(keep):
                    self._emit(held[: len(held) - len(keep)])
                self._pending[ident] = keep
            if self._inner is None:
                return
            try:
                self._inner.flush()
            except (OSError, ValueError) as exc:
                if not self._dead:
                    self._cut_off(exc)
                    try:
                        self._inner.flush()  # what the real stream still holds now goes to /dev/null
                    except (OSError, ValueError):
                        pass

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        if self._dead:
            return False
        try:
            return bool(self._inner.isatty()) if self._inner is not None else False
        except (AttributeError, ValueError, OSError):
            return False

    @property
    def buffer(self) -> "GatedBytes":
        """The binary face click writes bytes to (shell completion: ``echo(source.encode())``): the same gate."""
        return GatedBytes(self)

    def fileno(self) -> int:
        if self._inner is None:
            raise io.UnsupportedOperation("no underlying stream")
        return self._inner.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self._inner, "encoding", None) or "utf-8"

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return "backslashreplace"

    @property
    def name(self) -> str:
        return str(getattr(self._inner, "name", "<gated>"))


class GatedBytes(io.RawIOBase):
    """Bytes written to a GatedStream's ``buffer``: decoded as UTF-8 (a bad byte shown as U+FFFD) and
    passed to the text stream, so a caller that asks for a binary stream cannot go around the gate."""

    def __init__(self, text: GatedStream) -> None:
        super().__init__()
        self._text = text

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:  # type: ignore[override]
        raw = bytes(data)
        self._text.write(raw.decode("utf-8", errors="replace"))
        return len(raw)

    def flush(self) -> None:
        self._text.flush()


def restore_std_fds() -> None:
    """Point any of the descriptors 0, 1 and 2 that is not open at /dev/null.

    A process started with ``>&-`` or ``2>&-`` would otherwise hand those numbers to the next
    file it opens (the state lock, a temporary file), and a write meant for stdout, or a
    hook's stderr, would land in it. Python leaves sys.stdout/sys.stderr as None for such a
    descriptor; GatedStream takes None as a null sink.
    """
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            try:
                devnull = os.open(os.devnull, os.O_RDWR)
            except OSError:
                return
            if devnull != fd:
                os.dup2(devnull, fd)
                os.close(devnull)


@contextmanager
def installed(gate: Gate = GATE) -> Iterator[Gate]:
    """Route ``sys.stdout`` and ``sys.stderr`` through the gate for the duration, then restore them."""
    if isinstance(sys.stdout, GatedStream) and isinstance(sys.stderr, GatedStream):
        yield gate  # already inside a gated run (a command invoking another)
        return
    gate.learn_environment(os.environ)
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = GatedStream(out, gate), GatedStream(err, gate)
    try:
        yield gate
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush(final=True) if isinstance(stream, GatedStream) else stream.flush()
            except (OSError, ValueError):
                pass
        sys.stdout, sys.stderr = out, err

