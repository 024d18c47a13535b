"""Report benchmark: a 5,000-line history (the history's own bound) rendered to HTML and Markdown.

Targets (issue #16): the HTML page renders in under a second and stays under 2 MB.
Measures build + render in-process (min of 5 runs; the first, cold run printed too)
and the whole ``gpt56probe report`` command in a child process reading the file
from a state directory. Exit 0 inside target, 1 otherwise.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import _common
from report_history import synthetic_history

from gpt56probe import __version__
from gpt56probe.views.report import build_report, render_markdown
from gpt56probe.views.report_html import render_html
from gpt56probe.core.history import parse_time

LINES = 5000
TIME_LIMIT_S = 1.0
SIZE_LIMIT = 2 * 1024 * 1024


def render_once(history: list[dict], fmt: str) -> tuple[float, str]:
    now = parse_time(history[-1]["checked_at"]) + timedelta(minutes=5)  # type: ignore[operator]
    started = time.perf_counter()
    report = build_report(history, [], generated_at=now, version=__version__, history_source="bench")
    text = render_html(report) if fmt == "html" else render_markdown(report)
    return time.perf_counter() - started, text


def adversarial(history: list[dict]) -> list[dict]:
    """Every error message unique and at the 500 characters check writes at most, long org ids, a change every run."""
    rows = []
    for i, row in enumerate(history):
        message = f"{i:05d} The server had an error while processing your request. " * 9
        rows.append({**row, "verdict": "ok" if (i // 50) % 2 else "timeout", "error_message": message[:500],
                     "org": row["org"] + "-with-a-long-team-suffix-xyzzy"})
    return rows


def main() -> int:
    history = synthetic_history(LINES)
    results = {}
    for fmt in ("html", "markdown"):
        times, text = [], ""
        for _ in range(5):
            elapsed, text = render_once(history, fmt)
            times.append(elapsed)
        size = len(text.encode("utf-8"))
        results[fmt] = (times[0], min(times), size)
        print(f"{fmt:<8} {LINES} lines: first {times[0] * 1000:.0f} ms, best {min(times) * 1000:.0f} ms, {size / 1024:.0f} KiB")
    worst_s, worst = render_once(adversarial(history), "html")
    worst_size = len(worst.encode("utf-8"))
    print(f"adversarial {LINES} lines (unique 500-char errors, 500+ changes): {worst_s * 1000:.0f} ms, {worst_size / 1024:.0f} KiB")
    with tempfile.TemporaryDirectory(prefix="gpt56probe-report-") as tmp:
        state_dir = Path(tmp) / "state"
        state_dir.mkdir()
        (state_dir / "history.jsonl").write_text("".join(json.dumps(r) + "\n" for r in history))
        env = {**os.environ, "GPT56PROBE_HOME": str(Path(tmp) / "home"), "PYTHONPATH": str(_common.ROOT)}
        started = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "gpt56probe", "report", "--state-dir", str(state_dir), "--html", str(Path(tmp) / "page.html")],
                              env=env, capture_output=True, text=True, cwd=str(_common.ROOT))
        cli_s = time.perf_counter() - started
        page_size = (Path(tmp) / "page.html").stat().st_size if proc.returncode == 0 else -1
    print(f"CLI      gpt56probe report --html (process start, read, render, write): {cli_s * 1000:.0f} ms, exit {proc.returncode}, {page_size / 1024:.0f} KiB")
    first, best, size = results["html"]
    checks = {
        f"HTML render under {TIME_LIMIT_S:g} s (first run)": first < TIME_LIMIT_S,
        "HTML under 2 MB": size < SIZE_LIMIT,
        "Markdown under 2 MB": results["markdown"][2] < SIZE_LIMIT,
        "adversarial HTML under 2 MB": worst_size < SIZE_LIMIT,
        "CLI wrote the page": proc.returncode == 0,
    }
    print(_common.verdict_line("html render s (first run)", first, f"< {TIME_LIMIT_S:g}", checks[f"HTML render under {TIME_LIMIT_S:g} s (first run)"]))
    print(_common.verdict_line("html size MiB", size / 1024 / 1024, "< 2", checks["HTML under 2 MB"]))
    print(_common.verdict_line("adversarial html size MiB", worst_size / 1024 / 1024, "< 2", checks["adversarial HTML under 2 MB"]))
    if proc.returncode:
        print(proc.stderr[-2000:])
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
