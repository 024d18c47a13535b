"""Fan-out benchmark: does network latency add once, not once per target?

Two simulators, one with a fixed 300 ms latency before every answer, one with none.
``check`` (perform_check in-process) runs 8 orgs x 5 models with concurrency 40 (>= targets)
against each, and one org x one model against each. The latency the 40-target check adds
must be at most 1.5x what it adds to ONE target's probe sequence (pre-check + sample).
A sequential run would add 40x.

Exit 0 inside target, 1 otherwise.
"""

from __future__ import annotations

import sys
import time

import _common  # noqa: F401  (puts the repo on sys.path)

from gpt56probe.checkrun import CheckRequest, OrgCredential, perform_check
from gpt56probe.models import DEFAULT_TABLE
from gpt56probe.simulator import start_simulator

LATENCY_S = 0.300
ORGS = 8
CONCURRENCY = 40
TARGET_RATIO = 1.5
REPEATS = 3  # min over a few runs of each configuration, all in this one process run


def run_check(base_url: str, n_orgs: int, models) -> tuple[float, list[str]]:
    creds = [OrgCredential(f"org-bench-fanout-{i}", _common.FAKE_KEY) for i in range(n_orgs)]
    request = CheckRequest(orgs=creds, models=models, table=DEFAULT_TABLE, base_url=base_url,
                           timeout_s=10.0, deadline_s=60.0, concurrency=CONCURRENCY, trust_env=False)
    started = time.perf_counter()
    outcome = perform_check(request)
    wall = time.perf_counter() - started
    return wall, [d.verdict.value if hasattr(d.verdict, "value") else str(d.verdict) for d in outcome.diagnoses]


def best(base_url: str, n_orgs: int, models) -> float:
    walls = []
    for _ in range(REPEATS):
        wall, verdicts = run_check(base_url, n_orgs, models)
        bad = [v for v in verdicts if v != "ok"]
        if bad:
            print(f"unexpected verdicts: {bad}", file=sys.stderr)
            sys.exit(1)
        walls.append(wall)
    return min(walls)


def main() -> int:
    models = DEFAULT_TABLE.models
    one_model = models[:1]
    n_targets = ORGS * len(models)
    with start_simulator(port=0) as fast, start_simulator(port=0, latency=LATENCY_S) as slow:
        one_fast = best(fast.base_url, 1, one_model)
        one_slow = best(slow.base_url, 1, one_model)
        all_fast = best(fast.base_url, ORGS, models)
        all_slow = best(slow.base_url, ORGS, models)
    added_one = one_slow - one_fast
    added_all = all_slow - all_fast
    ratio = added_all / added_one
    sequential = n_targets * added_one / added_one
    print(f"targets: {ORGS} orgs x {len(models)} models = {n_targets}, concurrency {CONCURRENCY}, latency {LATENCY_S * 1000:.0f} ms")
    print(f"one target:  {one_fast * 1000:8.1f} ms at 0 ms, {one_slow * 1000:8.1f} ms at 300 ms -> added {added_one * 1000:8.1f} ms")
    print(f"{n_targets} targets: {all_fast * 1000:8.1f} ms at 0 ms, {all_slow * 1000:8.1f} ms at 300 ms -> added {added_all * 1000:8.1f} ms")
    print(f"added/added_one = {ratio:.2f} (target <= {TARGET_RATIO}); a sequential run would be {sequential:.0f}x")
    print(f"a sequential run would add {n_targets * added_one * 1000:.0f} ms: the fan-out adds {n_targets * added_one / added_all:.1f}x less")
    ok = ratio <= TARGET_RATIO
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
