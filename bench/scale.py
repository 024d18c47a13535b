"""Scale benchmark: 500 orgs x 5 models through the real CLI in a child process.

The parent starts the simulator; the child runs
``python -m gpt56probe check --org ... (x500) --format json --concurrency 64``.
Targets: the check completes, the child's peak RSS (os.wait4 ru_maxrss) stays under 120 MB,
and no result is a network_error (no socket exhaustion). Prints probes per second.

Exit 0 inside target, 1 otherwise.
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

from gpt56probe.simulator import start_simulator

ORGS = 500
CONCURRENCY = 64
RSS_LIMIT_MB = 120.0
TIME_LIMIT_S = 300


def child_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "openai_org_id", "openai_base_url")}
    env.update({"OPENAI_API_KEY": _common.FAKE_KEY, "GPT56PROBE_HOME": str(home / "gp-home"), "HOME": str(home / "home"),
                "GPT56PROBE_NO_KEYRING": "1", "PYTHONPATH": str(_common.ROOT)})
    return env


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="gpt56probe-scale-") as tmp, start_simulator(port=0) as sim:
        tmpdir = Path(tmp)
        args = [sys.executable, "-m", "gpt56probe", "check", "--base-url", sim.base_url, "--format", "json",
                "--concurrency", str(CONCURRENCY), "--timeout", "30", "--deadline", str(TIME_LIMIT_S)]
        for i in range(ORGS):
            args += ["--org", f"org-bench-scale-{i:03d}"]
        out_path, err_path = tmpdir / "stdout.json", tmpdir / "stderr.txt"
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            started = time.perf_counter()
            proc = subprocess.Popen(args, stdout=out, stderr=err, env=child_env(tmpdir), cwd=str(_common.ROOT))
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - started
            proc.returncode = os.waitstatus_to_exitcode(status)
        n_requests = len(sim.requests)
        stdout, stderr = out_path.read_text(), err_path.read_text()
    peak_mb = usage.ru_maxrss / 1024.0  # Linux: kilobytes
    try:
        doc = json.loads(stdout)
    except ValueError:
        print(f"FAIL: child exit {proc.returncode}, stdout is not JSON; stderr:\n{stderr[-2000:]}")
        return 1
    results = doc["results"]
    verdicts: dict[str, int] = {}
    for r in results:
        verdicts[r["verdict"]] = verdicts.get(r["verdict"], 0) + 1
    n = len(results)
    expected = ORGS * 5
    net_errors = verdicts.get("network_error", 0)
    print(f"targets: {ORGS} orgs x 5 models = {expected}, concurrency {CONCURRENCY}")
    print(f"child exit {proc.returncode}, wall {wall:.2f} s, {n} results, verdicts {verdicts}")
    print(f"HTTP requests seen by the simulator: {n_requests}")
    print(f"probes per second: {n / wall:.1f} targets/s ({n_requests / wall:.1f} HTTP requests/s)")
    print(f"child peak RSS: {peak_mb:.1f} MB (limit {RSS_LIMIT_MB:.0f} MB)")
    checks = {
        "completed (exit 0, every target reported)": proc.returncode == 0 and n == expected,
        "peak RSS under limit": peak_mb < RSS_LIMIT_MB,
        "no network_error": net_errors == 0 and all(r["verdict"] for r in results),
    }
    for name, ok in checks.items():
        print(f"  {'PASS' if ok else 'FAIL'}  {name}")
    ok = all(checks.values())
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
