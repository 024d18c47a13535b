"""Regenerate docs/report.png: the status page for the demo's orgs, as README shows it.

Runs the orgs of ``gpt56probe demo`` (each with its own fake key, as the demo does)
against the bundled simulator six times into a fresh state directory, the last
three against a simulator where the rollout moved on (org-sim-pending provisioned,
org-sim-unprovisioned now pending), so the page has changes to show. Then renders
the page with ``gpt56probe report`` and photographs it in Debian's Chromium (headless,
offline), with one matrix cell focused to show its tip. Nothing leaves 127.0.0.1.

    python docs/make_report_screenshot.py [OUT.png]     # default: docs/report.png
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gpt56probe.views import render  # noqa: E402
from gpt56probe.core import history
from gpt56probe.store import state
from gpt56probe.net.checkrun import CheckRequest, OrgCredential, perform_check  # noqa: E402
from gpt56probe.simulator.demo import DEMO_ORGS, demo_key  # noqa: E402
from gpt56probe.core.models import DEFAULT_TABLE  # noqa: E402
from gpt56probe.core.observation import Severity  # noqa: E402
from gpt56probe.simulator import start_simulator  # noqa: E402
from gpt56probe.simulator.builtin import BUILTIN_SCENARIOS  # noqa: E402

CHROMIUM = os.environ.get("GPT56PROBE_CHROMIUM", "/usr/bin/chromium")
RUNS_BEFORE, RUNS_AFTER = 3, 3
FOCUS = 'td.cell[data-org="org-sim-project"][data-model="gpt-5.6-sol"] .e'
WIDTH, MAX_HEIGHT = 1100, 1750
"""README width; the top of the page: header, matrix, changes and the first timelines (the rest is more of the same)."""


def rollout_file(directory: Path) -> Path:
    """The rollout a few runs later: org-sim-pending approved, org-sim-unprovisioned pending."""
    pending = next(s for s in BUILTIN_SCENARIOS["scenario"] if s.get("org") == "org-sim-pending")
    scenarios = [
        {"name": "pending-provisioned", "org": "org-sim-pending", "description": "provisioning completed"},
        {**{k: v for k, v in pending.items() if k not in ("name", "org")}, "name": "unprovisioned-enrolled", "org": "org-sim-unprovisioned"},
    ]
    path = directory / "rollout.json"
    path.write_text(json.dumps({"scenario": scenarios}))
    return path


def one_run(base_url: str, state_dir: Path) -> dict:
    """What `check` does for one run of the demo's orgs: probe, classify, record history."""
    creds = [OrgCredential(org, demo_key(org), None, "demo") for org in DEMO_ORGS]
    request = CheckRequest(orgs=creds, models=DEFAULT_TABLE.models, table=DEFAULT_TABLE, base_url=base_url,
                           timeout_s=10.0, deadline_s=60.0, concurrency=32, trust_env=False)
    outcome = perform_check(request)
    run_id = uuid.uuid4().hex[:16]
    state.record_run(state_dir, history.history_rows(outcome.diagnoses, run_id, outcome.checked_at), run_id,
                     outcome.checked_at, outcome.severity is not Severity.OK)
    return render.check_doc(outcome.diagnoses, outcome.severity, outcome.checked_at)


def screenshot(page: Path, out: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        context = browser.new_context(offline=True, viewport={"width": WIDTH, "height": 900}, device_scale_factor=1)
        tab = context.new_page()
        tab.goto(page.resolve().as_uri())
        tab.focus(FOCUS)
        height = min(tab.evaluate("document.documentElement.scrollHeight"), MAX_HEIGHT)
        tab.screenshot(path=str(out), full_page=True, clip={"x": 0, "y": 0, "width": WIDTH, "height": height})
        browser.close()


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "report.png"
    with tempfile.TemporaryDirectory(prefix="gpt56probe-shot-") as tmp:
        tmpdir = Path(tmp)
        state_dir = tmpdir / "state"
        docs = []
        with start_simulator(port=0, safety_delay=0.4) as before, \
                start_simulator(port=0, scenarios_file=rollout_file(tmpdir), safety_delay=0.4) as after:
            for base_url in [before.base_url] * RUNS_BEFORE + [after.base_url] * RUNS_AFTER:
                docs.append(one_run(base_url, state_dir))
        results = tmpdir / "last-run.json"
        results.write_text(json.dumps(docs[-1]))
        page = tmpdir / "status.html"
        env = {**os.environ, "GPT56PROBE_HOME": str(tmpdir / "home"), "PYTHONPATH": str(ROOT)}
        subprocess.run([sys.executable, "-m", "gpt56probe", "report", "--state-dir", str(state_dir), "--html", str(page), str(results)],
                       check=True, env=env, cwd=tmpdir)
        screenshot(page, out)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
