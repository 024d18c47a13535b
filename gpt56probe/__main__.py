"""``python -m gpt56probe`` and the ``gpt56probe`` console script (setup.cfg points at ``run``).

The first things the process does, before importing click or any command (before importing anything
but the built-in ``signal``): take over SIGINT, SIGTERM, SIGHUP and SIGQUIT, so a signal during the
imports ends the run the documented way ("interrupted", 128 + the signal), never with a traceback or
the default action (a signal before the interpreter runs this file gets Python's own behaviour:
README, "Exit status"); point missing
descriptors 0-2 at /dev/null; and remember when the process started, so --deadline counts the
interpreter's start and the imports too, as a stopwatch around the command would.
"""

from __future__ import annotations

import signal  # here, not in run(): from run()'s first instruction on, no import stands before the handlers
import sys


def _process_started() -> tuple[float, float]:
    """(monotonic, wall-clock) time this process started: from /proc/self/stat where there is one
    (the interpreter's own start included), else now."""
    import os
    import time

    now_mono, now_wall = time.monotonic(), time.time()
    try:
        with open("/proc/self/stat", "rb") as fh:
            after_name = fh.read().rsplit(b")", 1)[1].split()
        started_ticks = int(after_name[19])  # field 22, starttime, in clock ticks since boot
        age = time.clock_gettime(time.CLOCK_BOOTTIME) - started_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        age = 0.0
    age = min(max(age, 0.0), 5.0)  # a clock that disagrees never costs a run more than this
    return now_mono - age, now_wall - age


_EARLY_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT")
_early_fired: list[int] = []


def _early_handler(signum: int, frame: object) -> None:
    """Until net.interrupts is imported: the first signal ends the start-up, later ones wait for that."""
    if not _early_fired:
        _early_fired.append(signum)
        raise KeyboardInterrupt(signum)


def _take_signals_early() -> None:
    """The four signals handled from run()'s first instruction (``signal`` is imported with this module);
    one the parent set to be ignored (``nohup``) stays ignored."""
    for name in _EARLY_SIGNALS:
        signum = getattr(signal, name, None)
        if signum is not None and signal.getsignal(signum) is not signal.SIG_IGN:
            signal.signal(signum, _early_handler)


def _interrupted_early(exc: KeyboardInterrupt) -> int:
    """Say "interrupted" (naming the signal unless Ctrl-C) without importing anything that could be cut
    short again, ignore any further signal, and return 128 + the signal."""
    for name in _EARLY_SIGNALS:
        signum = getattr(signal, name, None)
        if signum is not None:
            signal.signal(signum, signal.SIG_IGN)
    number = getattr(exc, "signum", None) or (_early_fired[0] if _early_fired else int(signal.SIGINT))
    text = "interrupted" if number == signal.SIGINT else f"interrupted ({signal.Signals(number).name})"
    try:
        if sys.stderr is not None:
            sys.stderr.write(text + "\n")
            sys.stderr.flush()
    except (OSError, ValueError):
        pass
    return 128 + int(number)


def run() -> None:
    _take_signals_early()
    try:
        _run()
    except KeyboardInterrupt as exc:  # before net.interrupts took over, or in the last instructions after it let go
        sys.exit(_interrupted_early(exc))


def _run() -> None:
    from gpt56probe.net import interrupts

    with interrupts.handling_signals():
        try:
            started = _process_started()
            from gpt56probe.store.gated_stream import restore_std_fds

            restore_std_fds()
            from gpt56probe.cli import guard, main

            guard.RUN_STARTED = started
            main()
        except KeyboardInterrupt as exc:  # before the CLI's guard took over, or after it let go
            if sys.stderr is not None:
                sys.stderr.write(interrupts.interrupted_text(exc) + "\n")
            sys.exit(interrupts.exit_code_of(exc))
        finally:
            interrupts.ignore_from_now()  # the run is over and its status decided: a late signal cannot change it


if __name__ == "__main__":
    run()
