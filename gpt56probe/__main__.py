"""``python -m gpt56probe`` and the ``gpt56probe`` console script (setup.cfg points at ``run``).

The first things the process does, before importing click or any command: take over SIGINT,
SIGTERM, SIGHUP and SIGQUIT, so a signal during the imports ends the run the documented way
("interrupted", 128 + the signal), never with a traceback or the default action; point missing
descriptors 0-2 at /dev/null; and remember when the process started, so --deadline counts the
interpreter's start and the imports too, as a stopwatch around the command would.
"""

from __future__ import annotations

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


def run() -> None:
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
