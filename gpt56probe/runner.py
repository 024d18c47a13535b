"""Fan-out: every target of a plan probed concurrently, under one deadline."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

from gpt56probe.models import ModelTable
from gpt56probe.observation import Exchange, Failure, Observation, Target
from gpt56probe.probe import Deadline, HttpSettings, Prober, make_session, now_iso


@dataclass(frozen=True)
class RunResult:
    observations: tuple[Observation, ...]
    wall_s: float


def run_plan(
    targets: Sequence[Target],
    keys: Mapping[str, str],
    settings: HttpSettings,
    table: ModelTable,
    *,
    concurrency: int = 16,
    deadline_s: float = 60.0,
    proxy: str | None = None,
    precheck: bool = True,
    trust_env: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> RunResult:
    """Probe every target; results keep the plan's order.

    ``keys`` maps a target's ``key_id`` to the API key. A target still queued
    when the deadline passes is reported as a DEADLINE failure, not dropped.
    ``progress(done, total)`` is called from a probe thread as each probe ends.
    """
    started = time.monotonic()
    deadline = Deadline(deadline_s)
    workers = max(1, min(concurrency, len(targets) or 1))
    with make_session(pool_size=workers, proxy=proxy, trust_env=trust_env) as session:
        prober = Prober(session, settings, table, deadline)

        finished = [0]
        finished_lock = threading.Lock()

        def one(target: Target) -> Observation:
            try:
                if deadline.left() <= 0:
                    return Observation(target, sample=Exchange(failure=Failure.DEADLINE, failure_detail="not started before the deadline"), started_at=now_iso())
                return prober.probe(target, keys.get(target.key_id, ""), precheck=precheck)
            finally:
                if progress is not None:
                    with finished_lock:
                        finished[0] += 1
                        progress(finished[0], len(targets))

        if progress is not None:
            progress(0, len(targets))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="probe") as pool:
            observations = tuple(pool.map(one, targets))
    return RunResult(observations, time.monotonic() - started)
