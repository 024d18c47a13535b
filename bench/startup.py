"""Start-up benchmark: `gpt56probe --help` / `--version` against `python -c "import click"` (the floor).

Each command runs N=15 times; the min wall time of each is compared. Target: ratio <= 1.5.
Exit 0 inside target, 1 otherwise.

Both sides run from bytecode, as a user's ``pip install`` leaves them: click's .pyc files come
with its install, and ours are written once into a private PYTHONPYCACHEPREFIX by a warm-up run
(PYTHONDONTWRITEBYTECODE, set on some machines, would otherwise make every run compile our
sources and measure the compiler, not the start-up).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

import _common

N = 15
TARGET_RATIO = 1.5


PYCACHE = tempfile.mkdtemp(prefix="gpt56probe-startup-pycache-")


def min_wall(args: list[str]) -> float:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(PYTHONPATH=str(_common.ROOT), PYTHONPYCACHEPREFIX=PYCACHE)
    subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=env, cwd=str(_common.ROOT))  # warm-up
    walls = []
    for _ in range(N):
        started = time.perf_counter()
        subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=env, cwd=str(_common.ROOT))
        walls.append(time.perf_counter() - started)
    return min(walls)


def main() -> int:
    py = sys.executable
    floor = min_wall([py, "-c", "import click"])
    bare = min_wall([py, "-c", "pass"])
    rows = {
        "gpt56probe --help": min_wall([py, "-m", "gpt56probe", "--help"]),
        "gpt56probe --version": min_wall([py, "-m", "gpt56probe", "--version"]),
    }
    print(f"python -c pass            {bare * 1000:7.1f} ms (min of {N})")
    print(f"python -c 'import click'  {floor * 1000:7.1f} ms (the floor)")
    ok = True
    for name, wall in rows.items():
        ratio = wall / floor
        passed = ratio <= TARGET_RATIO
        ok &= passed
        print(f"{name:<25} {wall * 1000:7.1f} ms  ratio {ratio:.2f} (target <= {TARGET_RATIO})  {'PASS' if passed else 'FAIL'}")
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
