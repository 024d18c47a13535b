"""Fan-out benchmark: how many latency rounds does a check pay?

Two simulators, one with a fixed 300 ms latency before every answer, one with none. ``check``
(perform_check in-process, at its default settings: chat, default concurrency, model listing on)
runs 8 orgs x 5 models against each, min of a few runs. The latency rounds it pays are
(wall at 300 ms - wall at 0 ms) / 300 ms: one round when the one GET /v1/models per org travels
beside the samples; two when a pre-check runs before each sample; 40 for a sequential run.

Exit 0 when at most TARGET_ROUNDS, 1 otherwise.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass

import _common  # noqa: F401  (puts the repo on sys.path)

from gpt56probe.net.checkrun import CheckRequest, OrgCredential, perform_check
from gpt56probe.core.models import DEFAULT_TABLE
from gpt56probe.simulator import start_simulator

LATENCY_S = 0.300
ORGS = 8
TARGET_ROUNDS = 1.2
REPEATS = 3  # min over a few runs of each configuration, all in this one process run


@dataclass(frozen=True)
class FanOut:
    wall_fast_s: float
    wall_slow_s: float
    targets: int
    concurrency: int

    @property
    def rounds(self) -> float:
        return (self.wall_slow_s - self.wall_fast_s) / LATENCY_S


def run_check(base_url: str, n_orgs: int) -> tuple[float, list[str], int]:
    creds = [OrgCredential(f"org-bench-fanout-{i}", _common.FAKE_KEY) for i in range(n_orgs)]
    request = CheckRequest(orgs=creds, models=DEFAULT_TABLE.models, table=DEFAULT_TABLE, base_url=base_url,
                           timeout_s=10.0, deadline_s=60.0, trust_env=False)
    started = time.perf_counter()
    outcome = perform_check(request)
    wall = time.perf_counter() - started
    from gpt56probe.net.runner import auto_concurrency

    return wall, [d.verdict.value for d in outcome.diagnoses], request.concurrency or auto_concurrency()


def best(base_url: str, n_orgs: int) -> tuple[float, int]:
    walls = []
    concurrency = 0
    for _ in range(REPEATS):
        wall, verdicts, concurrency = run_check(base_url, n_orgs)
        bad = [v for v in verdicts if v != "ok"]
        if bad:
            print(f"unexpected verdicts: {bad}", file=sys.stderr)
            sys.exit(1)
        walls.append(wall)
    return min(walls), concurrency


def measure() -> FanOut:
    """The 8 x 5 check at 0 ms and at 300 ms latency (min of REPEATS each)."""
    with start_simulator(port=0) as fast, start_simulator(port=0, latency=LATENCY_S) as slow:
        fast_s, concurrency = best(fast.base_url, ORGS)
        slow_s, _ = best(slow.base_url, ORGS)
    return FanOut(fast_s, slow_s, ORGS * len(DEFAULT_TABLE.models), concurrency)


def report(result: FanOut) -> bool:
    print(f"fanout: {ORGS} orgs x {len(DEFAULT_TABLE.models)} models = {result.targets} probes (+{ORGS} model listings), "
          f"default concurrency {result.concurrency}")
    print(f"fanout: {result.wall_fast_s * 1000:.1f} ms at 0 ms latency, {result.wall_slow_s * 1000:.1f} ms at "
          f"{LATENCY_S * 1000:.0f} ms -> {result.rounds:.2f} latency rounds (target <= {TARGET_ROUNDS}; "
          f"pre-check then sample: 2; sequential: {result.targets})")
    return result.rounds <= TARGET_ROUNDS


def main() -> int:
    ok = report(measure())
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
