"""Fleet scale: ``check`` over thousands of orgs against a hand-written aiohttp script, in ONE run.

The parent starts the loopback simulator (one with 50 ms of latency before every answer, one with
300 ms, one with none); every measured run is a child process started as a user starts it
(``python -m gpt56probe check --org ... --format json`` at its default settings, a fake
``OPENAI_API_KEY``, a temporary ``GPT56PROBE_HOME`` so history and state are recorded as usual),
its wall time from spawn to exit and its peak RSS from ``os.wait4``.

Targets (each printed with its figure; exit 0 only when every one holds):

1. 2000 orgs x 5 models at 50 ms: check wall <= 1.5 x the wall of bench/aiohttp_probes.py (the same
   requests, 64 in flight), and check peak RSS <= 100 MB;
2. cost grows in a straight line: wall per org at 100, 500 and 2000 orgs; 2000's <= 1.3 x 100's;
3. 100 orgs x 5 models: at most 2 latency rounds, (wall at 300 ms - wall at 0 ms) / 300 ms
   (min of ROUND_REPEATS runs each, interleaved);
4. 2000 orgs with ``--deadline 20``: the run ends within 21 s and reports every target (what did not
   fit as UNKNOWN).

    python bench/scale.py            # everything (about 2 minutes on 2 cores)
    python bench/scale.py --quick    # 1/10 of the orgs: the script's shape in CI time, no targets judged

Needs aiohttp for the script (``pip install -e '.[bench]'``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import _common

from gpt56probe.simulator import start_simulator

WALL_RATIO_LIMIT = 1.5
RSS_LIMIT_MB = 100.0
LINEAR_LIMIT = 1.3
ROUNDS_LIMIT = 2.0
DEADLINE_S = 20.0
DEADLINE_SLACK_S = 1.0
SCRIPT_IN_FLIGHT = 64
MODELS = 5
ROUND_REPEATS = 3


@dataclass(frozen=True)
class Run:
    wall_s: float
    peak_mb: float
    exit_code: int
    stdout: str
    stderr: str

    def results(self) -> list[dict[str, object]]:
        try:
            return list(json.loads(self.stdout)["results"])
        except (ValueError, KeyError, TypeError):
            return []


def child_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "openai_org_id", "openai_base_url")}
    env.update({"OPENAI_API_KEY": _common.FAKE_KEY, "GPT56PROBE_HOME": str(home / "gp-home"), "HOME": str(home / "home"),
                "GPT56PROBE_NO_KEYRING": "1", "PYTHONPATH": str(_common.ROOT)})
    return env


def spawn(args: list[str], home: Path) -> Run:
    """Run a child to its end: wall from spawn to exit, peak RSS (ru_maxrss, KiB on Linux)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(args, stdout=out, stderr=err, env=child_env(home), cwd=str(_common.ROOT))
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        return Run(wall, usage.ru_maxrss / 1024.0, os.waitstatus_to_exitcode(status), out.read().decode("utf-8", "replace"),
                   err.read().decode("utf-8", "replace"))


def check(base_url: str, orgs: int, home: Path, *extra: str) -> Run:
    args = [sys.executable, "-m", "gpt56probe", "check", "--base-url", base_url, "--format", "json", *extra]
    for n in range(orgs):
        args += ["--org", f"org-bench-scale-{n:04d}"]
    return spawn(args, home)


def script(base_url: str, orgs: int, home: Path) -> Run:
    return spawn([sys.executable, str(_common.ROOT / "bench" / "aiohttp_probes.py"), base_url, str(orgs), str(SCRIPT_IN_FLIGHT)], home)


def verdicts(run: Run) -> dict[str, int]:
    counts: dict[str, int] = {}
    for result in run.results():
        counts[str(result.get("verdict"))] = counts.get(str(result.get("verdict")), 0) + 1
    return counts


def line(name: str, figure: str, target: str, ok: bool | None) -> bool:
    mark = "----" if ok is None else ("PASS" if ok else "FAIL")
    print(f"  {mark}  {name:<58} {figure:<28} target {target}")
    return ok is not False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the orgs; prints the figures, judges nothing")
    opts = parser.parse_args()
    scale = 10 if opts.quick else 1
    big, mid, small = 2000 // scale, 500 // scale, 100 // scale
    judge = None if opts.quick else True
    ok = True
    with tempfile.TemporaryDirectory(prefix="gpt56probe-scale-") as tmp, start_simulator(port=0, latency=0.05) as sim50, \
            start_simulator(port=0, latency=0.3) as sim300, start_simulator(port=0) as sim0:
        home = Path(tmp)
        print(f"fleet scale: {big} orgs x {MODELS} models (+1 model listing per org), simulator on loopback")

        fleet = check(sim50.base_url, big, home)
        sim50.clear_requests()
        floor = script(sim50.base_url, big, home)
        sim50.clear_requests()
        n = len(fleet.results())
        print(f"check: exit {fleet.exit_code}, {fleet.wall_s:.2f} s, {n} results {verdicts(fleet)}, peak RSS {fleet.peak_mb:.1f} MB")
        print(f"aiohttp script ({SCRIPT_IN_FLIGHT} in flight): {floor.stdout.strip() or floor.stderr.strip()[-300:]}, "
              f"{floor.wall_s:.2f} s, peak RSS {floor.peak_mb:.1f} MB")
        complete = fleet.exit_code == 0 and n == big * MODELS and floor.exit_code == 0
        ok &= line(f"{big} orgs x {MODELS} @50 ms: every probe ok, script complete", f"{n}/{big * MODELS}", "all", complete)
        ratio = fleet.wall_s / floor.wall_s
        ok &= line("  check wall / aiohttp script wall", f"{fleet.wall_s:.2f} / {floor.wall_s:.2f} = {ratio:.2f}",
                   f"<= {WALL_RATIO_LIMIT}", judge and ratio <= WALL_RATIO_LIMIT)
        ok &= line("  check peak RSS", f"{fleet.peak_mb:.1f} MB", f"<= {RSS_LIMIT_MB:.0f} MB", judge and fleet.peak_mb <= RSS_LIMIT_MB)

        per_org: dict[int, float] = {big: fleet.wall_s / big}
        for orgs in (small, mid):
            run = check(sim50.base_url, orgs, home)
            sim50.clear_requests()
            per_org[orgs] = run.wall_s / orgs
            ok &= line(f"  {orgs} orgs: every probe ok", f"{len(run.results())}/{orgs * MODELS}", "all",
                       run.exit_code == 0 and len(run.results()) == orgs * MODELS)
        figures = ", ".join(f"{orgs}: {per_org[orgs] * 1000:.1f} ms" for orgs in (small, mid, big))
        growth = per_org[big] / per_org[small]
        ok &= line("wall per org (100 / 500 / 2000 orgs)", figures, "", None)
        ok &= line(f"  per org at {big} / per org at {small}", f"{growth:.2f}", f"<= {LINEAR_LIMIT}", judge and growth <= LINEAR_LIMIT)

        runs: dict[str, list[Run]] = {"0 ms": [], "300 ms": []}
        for _ in range(ROUND_REPEATS):  # interleaved, min of each: a shared machine's noise is not the tool's
            for name, sim in (("0 ms", sim0), ("300 ms", sim300)):
                runs[name].append(check(sim.base_url, small, home))
                sim.clear_requests()
        walls = {name: min(r.wall_s for r in done) for name, done in runs.items()}
        for name, done in runs.items():
            ok &= line(f"  {small} orgs at {name}: every probe ok", f"{walls[name]:.2f} s (min of {len(done)})", "all",
                       all(r.exit_code == 0 and len(r.results()) == small * MODELS for r in done))
        rounds = (walls["300 ms"] - walls["0 ms"]) / 0.3
        ok &= line(f"latency rounds, {small} orgs x {MODELS} at default settings", f"{rounds:.2f}", f"<= {ROUNDS_LIMIT:g}",
                   judge and rounds <= ROUNDS_LIMIT)

        bound = check(sim50.base_url, big, home, "--deadline", f"{DEADLINE_S:g}")
        sim50.clear_requests()
        counts = verdicts(bound)
        reported = len(bound.results())
        print(f"check --deadline {DEADLINE_S:g}: exit {bound.exit_code}, {bound.wall_s:.2f} s, {reported} results {counts}")
        ok &= line(f"{big} orgs --deadline {DEADLINE_S:g}: wall", f"{bound.wall_s:.2f} s", f"<= {DEADLINE_S + DEADLINE_SLACK_S:g} s",
                   judge and bound.wall_s <= DEADLINE_S + DEADLINE_SLACK_S)
        ok &= line("  every target reported (what did not fit: unknown)", f"{reported}/{big * MODELS}", "all",
                   reported == big * MODELS and bound.exit_code in (0, 3))
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
