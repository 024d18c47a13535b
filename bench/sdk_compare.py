"""`check` against the hand-written alternative, side by side in one run, and the fan-out's latency rounds.

The same 40 probes (8 orgs x the 5 models of the table, chat, "Return ok.", 16 output tokens)
sent to a simulator with 300 ms latency, each tool as a user runs it, in a fresh process:

- ``python -m gpt56probe check --org … (x8) --format json`` at its defaults (it also lists each
  org's models, beside the samples, and classifies);
- ``python bench/sdk_probes.py``: the official ``openai`` SDK, one AsyncOpenAI per org,
  ``asyncio.gather`` of the 40 chat completions.

Wall time from spawn to exit, min of REPEATS each, interleaved. Prints check_wall / sdk_wall
(target <= 0.6) and, measured in the same run, bench/fanout.py's latency rounds (target <= 1.2).
Exit 0 when both are inside their targets, 1 otherwise. Needs the test extras (openai).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _common

import fanout
from gpt56probe.core.models import DEFAULT_TABLE
from gpt56probe.simulator import start_simulator

LATENCY_S = 0.300
ORGS = [f"org-bench-sdk-{i}" for i in range(8)]
REPEATS = 5
TARGET_RATIO = 0.6
SDK_SCRIPT = Path(__file__).resolve().parent / "sdk_probes.py"


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{cmd[1:3]} exited {done.returncode}: {done.stderr[-500:]}")
    return wall, done.stdout


def main() -> int:
    rounds = fanout.measure()
    models = ",".join(f"{spec.id}={spec.reasoning_effort}" for spec in DEFAULT_TABLE.models)
    with tempfile.TemporaryDirectory() as home, start_simulator(port=0, latency=LATENCY_S) as sim:
        env = {**os.environ, "OPENAI_API_KEY": _common.FAKE_KEY, "GPT56PROBE_HOME": home, "GPT56PROBE_NO_KEYRING": "1",
               "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring", "NO_PROXY": "127.0.0.1,localhost",
               "PYTHONPATH": str(_common.ROOT)}
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
            env.pop(name, None)
        check_cmd = [sys.executable, "-m", "gpt56probe", "check", "--base-url", sim.base_url, "--format", "json",
                     *[arg for org in ORGS for arg in ("--org", org)]]
        sdk_cmd = [sys.executable, str(SDK_SCRIPT), sim.base_url, ",".join(ORGS), models]
        check_walls, sdk_walls = [], []
        for _ in range(REPEATS):
            wall, out = timed(check_cmd, env)
            doc = json.loads(out)
            if len(doc["results"]) != 40 or doc["summary"]["counts"] != {"ok": 40}:
                raise SystemExit(f"check did not answer 40 ok: {doc['summary']}")
            check_walls.append(wall)
            wall, out = timed(sdk_cmd, env)
            if out.split() != ["40", "40"]:
                raise SystemExit(f"the SDK script did not answer 40 ok: {out!r}")
            sdk_walls.append(wall)
    check_s, sdk_s = min(check_walls), min(sdk_walls)
    ratio = check_s / sdk_s
    ok_rounds = fanout.report(rounds)
    print(f"sdk: 40 probes at {LATENCY_S * 1000:.0f} ms latency, fresh processes, min of {REPEATS}: "
          f"check {check_s * 1000:.0f} ms, openai SDK + asyncio.gather {sdk_s * 1000:.0f} ms")
    print(f"check_wall / sdk_wall = {ratio:.2f} (target <= {TARGET_RATIO})")
    ok = ok_rounds and ratio <= TARGET_RATIO
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
