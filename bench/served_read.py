"""How `served` scales with the log: time and peak memory to read N lines, side by side.

    python bench/served_read.py

Writes logs of 50k and 200k router lines (half of them older than the window, as rotated logs
are) and reads them as `served` does. Memory should follow the calls inside the window, not the
file: the ratio of the peaks is printed next to the ratio of the window's calls.
"""

from __future__ import annotations

import json
import tempfile
import time
import tracemalloc
from datetime import datetime, timedelta, timezone
from pathlib import Path

from gpt56probe.migrate.served import build_report
from gpt56probe.migrate.servedfiles import read_calls

NOW = datetime.now(timezone.utc)


def write_log(path: Path, lines: int) -> None:
    with path.open("w") as out:
        for i in range(lines):
            ago = timedelta(days=30 if i % 2 else 1, seconds=i)
            served = "gpt-5.5" if i % 3 == 0 else "gpt-5.6-sol"
            out.write(json.dumps({"schema": "gpt56probe.served/1", "ts": (NOW - ago).isoformat(), "role": "hard", "asked": "gpt-5.6-sol",
                                  "served": served, "org": "org-a", "request_id": f"req_{i:032x}",
                                  "attempts": [{"model": served, "error_class": None, "request_id": f"req_{i:032x}", "latency_ms": 40.0}],
                                  "fallback": served != "gpt-5.6-sol", "latency_ms": 41.0}) + "\n")


def measure(path: Path) -> tuple[float, float, int]:
    tracemalloc.start()
    started = time.perf_counter()
    calls, reading = read_calls([str(path)], since=NOW - timedelta(days=7), until=NOW)
    report = build_report(calls, NOW, NOW - timedelta(days=7), reading=reading)
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return elapsed, peak / 2**20, report.calls


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        rows = []
        for lines in (50_000, 200_000):
            path = Path(tmp) / f"served-{lines}.log"
            write_log(path, lines)
            rows.append((lines, *measure(path)))
    print(f"{'lines':>8} {'in window':>10} {'seconds':>8} {'lines/s':>9} {'peak MiB':>9}")
    for lines, seconds, mib, calls in rows:
        print(f"{lines:>8} {calls:>10} {seconds:>8.2f} {lines / seconds:>9.0f} {mib:>9.1f}")
    (l1, s1, m1, c1), (l2, s2, m2, c2) = rows
    print(f"ratios (200k / 50k): lines {l2 / l1:.1f}x, calls kept {c2 / c1:.1f}x, time {s2 / s1:.1f}x, peak memory {m2 / m1:.1f}x")


if __name__ == "__main__":
    main()
