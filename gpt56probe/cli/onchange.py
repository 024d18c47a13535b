"""``check --on-change CMD``: the hook that hears of every verdict change, bounded and gated.

The payload passes the gate; the hook runs in its own process group without the run's keys in its
environment, is killed with everything it started after HOOK_TIMEOUT_S, and only HOOK_CAPTURE_BYTES
of its output is relayed (through the gate too).
"""

from __future__ import annotations

import sys
from typing import Any

import click

from gpt56probe.cli.common import warn


HOOK_TIMEOUT_S = 30.0
HOOK_CAPTURE_BYTES = 64 << 10
"""Of each of the hook's stdout and stderr, this much is shown; the rest is read and dropped, so a hook
that prints without end can neither fill our memory nor block on a full pipe."""
HOOK_DRAIN_GRACE_S = 0.5
"""After the hook exits, how long its output pipes may stay open (a child it left in the background)."""


def _capture(stream: Any, into: list[bytes], dropped: list[int]) -> None:
    """Read ``stream`` to its end, keeping the first HOOK_CAPTURE_BYTES (the reader thread of one pipe)."""
    kept = 0
    try:
        while True:
            chunk = stream.read1(65536)
            if not chunk:
                return
            room = HOOK_CAPTURE_BYTES - kept
            if room > 0:
                into.append(chunk[:room])
                kept += min(room, len(chunk))
            dropped[0] += max(0, len(chunk) - max(room, 0))
    except (OSError, ValueError):
        return


def _hook_output(chunks: list[bytes], dropped: int) -> str:
    text = b"".join(chunks).decode("utf-8", errors="replace")
    if dropped:
        text += ("" if text.endswith("\n") or not text else "\n") + f"[{dropped} more bytes of hook output not shown]\n"
    return text


def hook_environment(environ: Any) -> dict[str, str]:
    """The environment the --on-change hook runs with: ours without the keys. OPENAI_API_KEY and
    OPENAI_ADMIN_KEY go, and so does any variable holding a key this run used (--api-key-env NAME): a
    hook posts a change to a chat or a pager and needs no key; a hook that prints its environment
    cannot leak one either."""
    from gpt56probe.core.gate import GATE, SECRET_ENV_VARS

    return {name: value for name, value in environ.items() if name not in SECRET_ENV_VARS and not GATE.is_secret(value)}


def run_on_change(command: str, payload: dict[str, Any], quiet: bool = False) -> bool:
    """Run the user's --on-change command with the changes as JSON on stdin; never fails the check.
    True when it ran to its end (whatever its exit status), False when it could not start or was killed.

    It runs in a session of its own, so a timeout (HOOK_TIMEOUT_S) or a signal to gpt56probe kills
    the hook and every process it started, never only the shell. At most HOOK_CAPTURE_BYTES of
    each output stream are kept (the rest is drained). What it printed is relayed through the
    output gate like ours (a hook that prints what it was given, or its environment, cannot put a
    secret on the terminal or in a cron mail); under --quiet only when the hook failed.
    """
    import json
    import os
    import signal
    import subprocess
    import threading
    import time

    from gpt56probe.core.gate import GATE

    sys.stdout.flush()
    data = GATE.scrub(json.dumps(payload, indent=2)).encode("utf-8", "backslashreplace")
    try:
        proc = subprocess.Popen(command, shell=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True, env=hook_environment(os.environ))
    except OSError as exc:
        warn(f"--on-change command could not run: {exc.strerror or exc}")
        return False
    out: list[bytes] = []
    err: list[bytes] = []
    out_dropped, err_dropped = [0], [0]
    readers = [threading.Thread(target=_capture, args=(pipe, into, lost), name="hook-output", daemon=True)
               for pipe, into, lost in ((proc.stdout, out, out_dropped), (proc.stderr, err, err_dropped))]

    def feed() -> None:
        try:
            assert proc.stdin is not None
            proc.stdin.write(data)
            proc.stdin.close()
        except (OSError, ValueError):
            pass  # the hook does not read its input: its business

    threads = [*readers, threading.Thread(target=feed, name="hook-input", daemon=True)]
    timed_out = False
    try:
        for thread in threads:
            thread.start()
        end = time.monotonic() + HOOK_TIMEOUT_S
        while proc.poll() is None:  # short waits: a signal to gpt56probe ends this at once
            if time.monotonic() >= end:
                timed_out = True
                break
            try:
                proc.wait(timeout=0.05)
            except subprocess.TimeoutExpired:
                pass
    finally:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass
            proc.wait()
    drain_end = time.monotonic() + HOOK_DRAIN_GRACE_S
    for reader in readers:
        reader.join(max(0.0, drain_end - time.monotonic()))
    failed = timed_out or proc.returncode != 0
    if failed or not quiet:
        stdout_text, stderr_text = _hook_output(out, out_dropped[0]), _hook_output(err, err_dropped[0])
        if stdout_text:
            click.echo(stdout_text, nl=False)
        if stderr_text:
            click.echo(stderr_text, nl=False, err=True)
    if timed_out:
        warn(f"--on-change command did not finish within {HOOK_TIMEOUT_S:g}s; it was killed with every process it started")
        return False
    if proc.returncode:
        warn(f"--on-change command exited {proc.returncode}")
    return True
