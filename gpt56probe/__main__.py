"""``python -m gpt56probe`` and the ``gpt56probe`` console script (setup.cfg points at ``run``).

The first thing the process does, before importing click or any command: point missing
descriptors 0-2 at /dev/null and take over SIGINT, SIGTERM, SIGHUP and SIGQUIT, so a signal
during the imports ends the run the documented way ("interrupted", 128 + the signal), never
with a traceback or the default action; and remember when the run started, so --deadline
counts the imports too.
"""

from __future__ import annotations

import sys


def run() -> None:
    import time

    started = (time.monotonic(), time.time())
    from gpt56probe import interrupts
    from gpt56probe.gate import restore_std_fds

    restore_std_fds()
    with interrupts.handling_signals():
        try:
            from gpt56probe.cli import guard, main

            guard.RUN_STARTED = started
        except KeyboardInterrupt as exc:
            if sys.stderr is not None:
                sys.stderr.write(interrupts.interrupted_text(exc) + "\n")
            sys.exit(interrupts.exit_code_of(exc))
        main()


if __name__ == "__main__":
    run()
