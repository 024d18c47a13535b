"""The status page in a real browser: Debian's Chromium, headless, driven by Playwright, network off.

History comes from the real CLI: ``check`` runs the simulator's scenario orgs three
times (the third time against a simulator where org-sim-pending has been
provisioned, so the page has changes to list), and ``report`` renders it with the
last run's JSON. The page is loaded from disk in a context that is offline, with
a proxy that goes nowhere and every non-file request aborted and recorded.

These tests fail, never skip, when Chromium or the driver is missing: CI installs
both (.ci/run and the test extras). Screenshots go to pytest's tmp dir and, when
GPT56PROBE_SCREENSHOT_DIR is set, there too.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any, Iterator

import pytest
from click.testing import CliRunner
from playwright.sync_api import Browser, Page, sync_playwright

from gpt56probe.store import state
from gpt56probe.cli import main
from gpt56probe.core.models import DEFAULT_TABLE
from gpt56probe.views.vocabulary import cell_word
from gpt56probe.core.observation import Verdict
from tests.test_report import FAKE_KEY, hostile_history
from tests.conftest import sim_state

CHROMIUM = Path(os.environ.get("GPT56PROBE_CHROMIUM", "/usr/bin/chromium"))
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
               "--host-resolver-rules=MAP * ~NOTFOUND"]
ORGS = ("org-sim-approved", "org-sim-pending", "org-sim-project", "org-sim-region", "org-sim-safety")
KEY = "sk-test-report-not-real-0000"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: apt-get install chromium (or set GPT56PROBE_CHROMIUM); .ci/run installs it"
    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True)
        yield instance
        instance.close()


class OfflinePage:
    """A page in a fresh offline context that records every request and aborts all but file://."""

    def __init__(self, browser: Browser) -> None:
        self.context = browser.new_context(offline=True, viewport={"width": 1300, "height": 900}, java_script_enabled=True)
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.context.on("request", lambda request: self.requests.append(request.url))
        self.context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file://") else route.abort())
        self.page: Page = self.context.new_page()
        self.page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))

    def open(self, path: Path) -> Page:
        self.page.goto(path.resolve().as_uri(), wait_until="load")
        return self.page

    def screenshot(self, tmp_path: Path, name: str) -> Path:
        shot = tmp_path / name
        self.page.screenshot(path=str(shot), full_page=True)
        extra = os.environ.get("GPT56PROBE_SCREENSHOT_DIR")
        if extra:
            Path(extra).mkdir(parents=True, exist_ok=True)
            shutil.copy(shot, Path(extra) / name)
        print(f"screenshot: {shot}")
        return shot


@pytest.fixture
def offline(browser: Browser) -> Iterator[OfflinePage]:
    page = OfflinePage(browser)
    yield page
    page.context.close()


def _cli(*args: str, home: Path) -> Any:
    env = {"OPENAI_API_KEY": KEY, "GPT56PROBE_HOME": str(home), "HOME": str(home / "home"), "GPT56PROBE_NO_KEYRING": "1"}
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory, sim: Any) -> dict[str, Any]:
    """Three real check runs of the scenario orgs into one state dir; the last run's JSON kept."""
    from gpt56probe.simulator import start_simulator

    base = tmp_path_factory.mktemp("report-browser")
    rollout = base / "rollout.json"
    rollout.write_text(json.dumps({"scenario": [{"name": "pending-provisioned", "org": "org-sim-pending",
                                                 "description": "provisioning completed: approved"}]}))
    state_dir, home = base / "state", base / "home"
    org_args = [arg for org in ORGS for arg in ("--org", org)]
    with start_simulator(port=0, scenarios_file=rollout, safety_delay=0.6) as provisioned:
        docs = []
        for url in (sim.base_url, sim.base_url, provisioned.base_url):
            result = _cli("check", *org_args, "--base-url", url, "--state-dir", str(state_dir), "--format", "json",
                          "--deadline", "30", home=home)
            assert result.exit_code in (0, 1, 2), result.output
            docs.append(json.loads(result.stdout))
    results = base / "last.json"
    results.write_text(json.dumps(docs[-1]))
    page = base / "status.html"
    result = _cli("report", "--state-dir", str(state_dir), "--endpoint", "127.0.0.1", "--html", str(page), str(results), home=home)
    assert result.exit_code == 0, result.output
    return {"page": page, "doc": docs[-1], "history": state.read_history(sim_state(state_dir)), "state_dir": state_dir, "home": home}


def test_the_page_shows_every_org_and_model_and_the_json_verdicts_in_the_matrix(offline: OfflinePage, checked: dict[str, Any],
                                                                              tmp_path: Path) -> None:
    page = offline.open(checked["page"])
    for org in ORGS:
        assert page.locator(f'#now tr[data-org="{org}"] th').inner_text() == org
        assert page.locator(f'#timelines section.org[data-org="{org}"] h3').inner_text().startswith(org)
    headers = page.locator("#now thead th").all_inner_texts()
    for model in DEFAULT_TABLE.ids:
        assert any(h.startswith(model) for h in headers), (model, headers)
    results = checked["doc"]["results"]
    assert len(results) == len(ORGS) * len(DEFAULT_TABLE.ids)
    for r in results:
        entry = page.locator(f'td.cell[data-org="{r["org"]}"][data-model="{r["model"]}"] .e')
        assert entry.count() == 1
        assert entry.get_attribute("data-verdict") == r["verdict"]
        assert entry.locator("b").inner_text() == cell_word(Verdict(r["verdict"]))
    assert {r["verdict"] for r in results} >= {"ok", "project_no_access", "region_vpn", "safety_check"}
    offline.screenshot(tmp_path, "report-matrix.png")


def test_the_timeline_has_one_mark_per_run_and_each_mark_names_its_verdict(offline: OfflinePage, checked: dict[str, Any]) -> None:
    page = offline.open(checked["page"])
    runs: dict[tuple[str, str], list[str]] = {}
    for row in checked["history"]:
        runs.setdefault((row["org"], row["model"]), []).append(row["verdict"])
    assert all(len(v) == 3 for v in runs.values())
    assert page.locator(".strip").count() == len(runs)
    for (org, model), verdicts in runs.items():
        strip = page.locator(f'.strip[data-org="{org}"][data-model="{model}"]')
        assert strip.get_attribute("data-runs") == "3"
        marks = strip.locator("svg rect")
        assert marks.count() == 3
        assert [marks.nth(i).get_attribute("data-verdict") for i in range(3)] == verdicts
        titles = [marks.nth(i).locator("title").text_content() or "" for i in range(3)]
        assert all(cell_word(Verdict(v)) in t for v, t in zip(verdicts, titles))
        widths = [marks.nth(i).bounding_box()["width"] for i in range(3)]  # type: ignore[index]
        assert all(w > 20 for w in widths), widths  # drawn, not collapsed
    changes = page.locator("#changes tbody tr").all_inner_texts()
    # one run provisioned org-sim-pending's three tiers: one cause, one row, each target listed inside it
    assert len(changes) == 1 and "3 targets: provisioning_pending \u2192 ok" in changes[0] and "org-sim-pending" in changes[0]


def test_focusing_a_cell_shows_its_request_id_and_time(offline: OfflinePage, checked: dict[str, Any]) -> None:
    page = offline.open(checked["page"])
    doc = checked["doc"]
    target = next(r for r in doc["results"] if r["verdict"] == "project_no_access")
    entry = page.locator(f'td.cell[data-org="{target["org"]}"][data-model="{target["model"]}"] .e')
    tip = entry.locator(".tip")
    assert tip.bounding_box()["width"] <= 1  # type: ignore[index]  # hidden from the eye, read by screen readers
    page.keyboard.press("Tab")  # the keyboard reaches the matrix first
    first = page.locator("td.cell .e").first
    assert first.evaluate("element => element === document.activeElement")
    assert first.locator(".tip").bounding_box()["width"] > 150  # type: ignore[index]
    entry.focus()
    box = tip.bounding_box()
    assert box is not None and box["width"] > 150 and box["height"] > 40
    text = tip.inner_text()
    assert target["request_id"] in text and "project_no_access" in text and "at: " in text
    page.mouse.move(0, 0)


def test_no_request_leaves_the_page(offline: OfflinePage, checked: dict[str, Any]) -> None:
    page = offline.open(checked["page"])
    page.locator(".strip").first.hover()
    page.locator("footer details summary").click()
    page.wait_for_timeout(200)
    assert offline.requests == [checked["page"].resolve().as_uri()]
    assert page.locator("script, link, img, iframe, object, embed").count() == 0


def test_hostile_history_runs_no_script_and_shows_no_key_in_chromium(offline: OfflinePage, tmp_path: Path) -> None:
    state_dir = tmp_path / "state"
    state_dir.mkdir()
    (state_dir / state.HISTORY_FILE).write_text("".join(json.dumps(r) + "\n" for r in hostile_history()))
    page_file = tmp_path / "hostile.html"
    result = _cli("report", "--state-dir", str(state_dir), "--html", str(page_file), home=tmp_path / "home")
    assert result.exit_code == 0, result.output
    page = offline.open(page_file)
    assert offline.dialogs == []
    assert page.locator("script, img, iframe, object, embed, [onerror], [onload]").count() == 0
    assert FAKE_KEY not in page.content() and FAKE_KEY not in page.locator("body").inner_text()
    entry = page.locator("td.cell .e.crit").first
    entry.focus()
    shown = entry.locator(".tip").inner_text()
    assert '<script>alert("x")</script>' in shown and "\x1b" not in shown and "sk-\u2026stuv" in shown
    assert offline.requests == [page_file.resolve().as_uri()]
    offline.screenshot(tmp_path, "report-hostile.png")


# --------------------------------------------------------------------------- a phone and a desktop


def blip_page(tmp_path: Path) -> Path:
    """A fleet of 22 orgs x 5 models whose second run failed on the network everywhere and whose third is fine again."""
    from gpt56probe.views.report import build_report
    from gpt56probe.views.report_html import render_html
    from tests.test_report import NOW, T0, row

    history = []
    for n, verdict in enumerate(["ok", "network_error", "ok"]):
        at = T0 + timedelta(hours=n)
        history += [row(f"org-fleet-{i:02d}", model, verdict, at, run=f"run-{n}") for i in range(22) for model in DEFAULT_TABLE.ids]
    page = tmp_path / "blip.html"
    page.write_text(render_html(build_report(history, [], generated_at=NOW, version="9.9.9", history_source="history.jsonl")))
    return page


def document_overflow(page: Page) -> int:
    """How far the document is wider than the viewport (0: no sideways scrolling of the page)."""
    return int(page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth"))


@pytest.mark.parametrize("width", [390, 1280])
def test_the_page_reads_without_sideways_scrolling_at_phone_and_desktop_width(offline: OfflinePage, checked: dict[str, Any],
                                                                              tmp_path: Path, width: int) -> None:
    offline.page.set_viewport_size({"width": width, "height": 900})
    page = offline.open(checked["page"])
    assert document_overflow(page) == 0
    matrix = page.locator("#now .scroll")
    assert matrix.evaluate("e => e.getBoundingClientRect().right") <= width  # the matrix scrolls inside its own box
    for org in ORGS:
        assert page.locator(f'#now tr[data-org="{org}"] th').is_visible()
    offline.screenshot(tmp_path, f"report-{width}px.png")


@pytest.mark.parametrize("width", [390, 1280])
def test_a_network_blip_across_110_targets_is_one_expandable_change_row(offline: OfflinePage, tmp_path: Path, width: int) -> None:
    offline.page.set_viewport_size({"width": width, "height": 900})
    page = offline.open(blip_page(tmp_path))
    rows = page.locator("#changes tbody tr")
    assert rows.count() == 2  # ok -> network_error, then network_error -> ok: two runs, one cause each
    texts = rows.all_inner_texts()
    assert "110 targets: network_error \u2192 ok" in texts[0] and "110 targets: ok \u2192 network_error" in texts[1]
    first = rows.nth(0).locator("details")
    assert not first.locator("li").first.is_visible()
    first.locator("summary").click()
    assert first.locator("li").count() == 110 and first.locator("li").first.is_visible()
    assert document_overflow(page) == 0
    offline.screenshot(tmp_path, f"report-blip-{width}px.png")
