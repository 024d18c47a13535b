"""Start-up benchmark: `gpt56probe --help` / `--version` against `python -c "import click"` (the floor).

Measured in CPU time (user + system of the child, from getrusage), not wall time, so other work on
a shared machine does not count; and in pairs: each round runs the floor and then each command, one
after the other, so a slow minute slows both sides of a pair alike. The ratio is the median of the
per-pair ratios. Target: `--help` <= 1.5 x the floor. Exit 0 inside target, 1 otherwise.

Both sides run from bytecode, as a user's ``pip install`` leaves them: click's .pyc files come
with its install, and ours are written once into a private PYTHONPYCACHEPREFIX by a warm-up run
(PYTHONDONTWRITEBYTECODE, set on some machines, would otherwise make every run compile our
sources and measure the compiler, not the start-up).

Also printed, not a target: whether `check --format json` imports tabulate (it must not;
tests/test_choices.py pins it).
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile

import _common

ROUNDS = 25
TARGET_RATIO = 1.5
PYCACHE = tempfile.mkdtemp(prefix="gpt56probe-startup-pycache-")


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE" and not k.startswith("_GPT56PROBE")}
    env.update(PYTHONPATH=str(_common.ROOT), PYTHONPYCACHEPREFIX=PYCACHE)
    return env


def cpu_seconds(args: list[str]) -> float:
    """CPU time (user + system) one run of ``args`` took."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=_env(), cwd=str(_common.ROOT))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    py = sys.executable
    floor_cmd = [py, "-c", "import click"]
    commands = {"gpt56probe --help": [py, "-m", "gpt56probe", "--help"], "gpt56probe --version": [py, "-m", "gpt56probe", "--version"]}
    for args in [floor_cmd, *commands.values()]:
        cpu_seconds(args)  # warm-up: bytecode written, caches filled
    floors: list[float] = []
    ratios: dict[str, list[float]] = {name: [] for name in commands}
    spent: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(ROUNDS):
        for name, args in commands.items():
            floor = cpu_seconds(floor_cmd)
            ours = cpu_seconds(args)
            floors.append(floor)
            spent[name].append(ours)
            ratios[name].append(ours / floor if floor > 0 else float("inf"))
    print(f"python -c 'import click'  {statistics.median(floors) * 1000:7.1f} ms CPU (median of {len(floors)}, the floor)")
    ok = True
    for name in commands:
        ratio = statistics.median(ratios[name])
        target = name.endswith("--help")
        passed = ratio <= TARGET_RATIO
        ok &= passed or not target
        verdict = ("PASS" if passed else "FAIL") if target else "(informative)"
        print(f"{name:<25} {statistics.median(spent[name]) * 1000:7.1f} ms CPU  ratio {ratio:.2f} in pairs "
              f"(target <= {TARGET_RATIO})  {verdict}")
    probe = ("import sys\nfrom gpt56probe.cli import main\n"
             "try:\n    main(['check', '--format', 'json', '--dry-run', '--org', 'org-a'])\nexcept SystemExit:\n    pass\n"
             "print('tabulate' in sys.modules, file=sys.stderr)")
    loaded = subprocess.run([py, "-c", probe], capture_output=True, text=True, env=_env()).stderr.strip().splitlines()[-1:]
    print(f"check --format json imports tabulate: {'yes' if loaded == ['True'] else 'no'}")
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
