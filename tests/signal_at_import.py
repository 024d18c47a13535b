"""Run gpt56probe's entry point with a signal sent to itself at the Nth import after the entry module is
loaded: a deterministic way to land a signal anywhere in the start-up (``python tests/signal_at_import.py N
SIGTERM history --state-dir DIR``). A test helper, not part of the product."""

import builtins
import os
import signal
import sys

target, name, *argv = sys.argv[1:]
import gpt56probe.__main__ as entry  # noqa: E402 - loaded before the count starts, as a console script loads it

count = 0
real_import = builtins.__import__


def counting_import(*args, **kwargs):  # type: ignore[no-untyped-def]
    global count
    count += 1
    if count == int(target):
        os.kill(os.getpid(), getattr(signal, name))
    return real_import(*args, **kwargs)


builtins.__import__ = counting_import
sys.argv = ["gpt56probe", *argv]
try:
    entry.run()
finally:
    builtins.__import__ = real_import
    sys.stderr.write(f"[{count} imports]\n")
