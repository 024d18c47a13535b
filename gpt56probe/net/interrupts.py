"""SIGINT, SIGTERM, SIGHUP and SIGQUIT as one exception, raised in the main thread at once, except inside a commit.

The CLI installs the handlers around one command (``handling_signals``). The
main thread only ever waits in short slices (see runner.py), so the exception
lands within a fraction of a second wherever the run is. ``deferred()`` marks a
commit, such as history and state written together: a signal that arrives
inside it is raised as soon as the commit is done, so a file is never half
updated and no temporary file is left behind. No click here.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Any, Iterator

HANDLED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)
"""Ctrl-C, systemd's stop, a closed terminal or session, Ctrl-\\: each ends the run the same clean way."""


class Interrupted(KeyboardInterrupt):
    """The run was stopped by a signal; ``exit_code`` is the shell's 128 + signal number."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


_pending: int | None = None
_depth = 0
_fired = False
_installed = False


def _handler(signum: int, frame: Any) -> None:
    """Raise once; a second Ctrl-C while the first is being handled must not cut the clean exit short."""
    global _pending, _fired
    if _fired:
        return
    if _depth:
        _pending = signum
        return
    _fired = True
    raise Interrupted(signum)


def exit_code_of(exc: BaseException) -> int:
    """The shell's 128 + signal: 130 for Ctrl-C (a plain KeyboardInterrupt too), 143 SIGTERM, 129 SIGHUP, 131 SIGQUIT."""
    return exc.exit_code if isinstance(exc, Interrupted) else 128 + signal.SIGINT


def interrupted_text(exc: BaseException) -> str:
    """``interrupted``, naming the signal unless it was Ctrl-C: ``interrupted (SIGTERM)``."""
    signum = exc.signum if isinstance(exc, Interrupted) else signal.SIGINT
    return "interrupted" if signum == signal.SIGINT else f"interrupted ({signal.Signals(signum).name})"


def interrupt_behind(exc: BaseException) -> KeyboardInterrupt | None:
    """The interrupt a library turned into its own exception (click.prompt: Ctrl-C -> Abort), if any."""
    context = exc.__context__
    return context if isinstance(context, KeyboardInterrupt) else None


@contextmanager
def handling_signals() -> Iterator[None]:
    """The HANDLED_SIGNALS raise Interrupted while the block runs; the old handlers come back after.

    Only the main thread may install handlers; elsewhere this does nothing.
    """
    global _fired, _pending, _installed
    if threading.current_thread() is not threading.main_thread() or _installed:
        yield  # another thread, or already inside (the CLI's top level installs them once, outermost)
        return
    _fired, _pending, _installed = False, None, True
    # A signal the parent set to be ignored (nohup, a background job of a non-interactive shell) stays ignored.
    previous = {signum: signal.signal(signum, _handler) for signum in HANDLED_SIGNALS if signal.getsignal(signum) is not signal.SIG_IGN}
    try:
        yield
    finally:
        # After an interrupt the process is on its way out: a second Ctrl-C during the last
        # flushes must not turn a clean 130 into a traceback, so it stays ignored.
        for signum, handler in previous.items():
            signal.signal(signum, signal.SIG_IGN if _fired else handler)
        _fired, _pending, _installed = False, None, False


def ignore_from_now() -> None:
    """The process is exiting with its status: the handled signals are ignored from here on (main thread only)."""
    global _fired
    if threading.current_thread() is threading.main_thread():
        _fired = True  # inside handling_signals: its exit leaves them ignored too
        for signum in HANDLED_SIGNALS:
            if signal.getsignal(signum) is not signal.SIG_IGN:
                signal.signal(signum, signal.SIG_IGN)


@contextmanager
def deferred() -> Iterator[None]:
    """Hold a signal that arrives inside the block, and raise it when the block ends."""
    global _depth, _pending, _fired
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0 and _pending is not None:
            signum, _pending = _pending, None
            _fired = True
            raise Interrupted(signum)
