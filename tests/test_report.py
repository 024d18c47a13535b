"""The status report's pure core: what the page says (build_report) and how each format shows it.

The browser tests (test_report_browser.py) load real pages in Chromium; these pin
the decisions and the hostile-input rules without a browser.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from typing import Any

import pytest

from gpt56probe.core.observation import Verdict
from gpt56probe.views.report import (MAX_CHANGES, STRIP_WIDTH, ResultFile, build_report, clean, md, render_markdown,
                               result_file_from_doc)
from gpt56probe.views.report_html import render_html
from gpt56probe.views.vocabulary import cell_word, colour_class

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=timezone.utc)
NOW = T0 + timedelta(days=3)
FAKE_KEY = "sk-test-fake-0123456789abcdefghijklmnopqrstuv"


def row(org: str | None, model: str, verdict: str, at: datetime, *, run: str = "", tier: str = "sol", surface: str = "chat",
        stream: bool = False, vantage: str | None = None, **extra: Any) -> dict[str, Any]:
    r = {"run_id": run or at.isoformat(), "checked_at": at.isoformat(), "org": org, "model": model, "tier": tier,
         "surface": surface, "stream": stream, "verdict": verdict, "http_status": 200 if verdict == "ok" else 403,
         "request_id": f"req_{abs(hash((org, model, at))) % 10**32:032x}", "error_message": None, "latency_ms": 12.0,
         "remediation": "do the thing", "timestamp": at.isoformat(), **extra}
    if vantage is not None:
        r["vantage"] = vantage
    return r


def hourly(org: str, model: str, verdicts: list[str], tier: str = "sol", **kw: Any) -> list[dict[str, Any]]:
    return [row(org, model, v, T0 + timedelta(hours=i), tier=tier, **kw) for i, v in enumerate(verdicts)]


def build(history: list[dict[str, Any]], results: list[ResultFile] = (), **kw: Any) -> Any:  # type: ignore[assignment]
    return build_report(history, list(results), generated_at=kw.pop("generated_at", NOW), version="9.9.9",
                        history_source="/state/history.jsonl", **kw)


class TagCollector(HTMLParser):
    """Every element and attribute name the page really has, as a browser's parser would see them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attrs: set[str] = set()
        self.attr_values: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        for name, value in attrs:
            self.attrs.add(name)
            self.attr_values.append(value or "")


def parsed(page: str) -> TagCollector:
    collector = TagCollector()
    collector.feed(page)
    return collector


# --------------------------------------------------------------------------- the matrix


def test_matrix_shows_each_targets_latest_history_verdict_with_the_shared_words_and_colours() -> None:
    history = hourly("org-a", "gpt-5.6-sol", ["not_provisioned", "ok"]) + hourly("org-b", "gpt-5.6-terra", ["ok", "region_vpn"], tier="terra")
    report = build(history)
    assert report.matrix_from == "history"
    assert report.orgs == ("org-a", "org-b") and report.models == ("gpt-5.6-sol", "gpt-5.6-terra")
    (a,) = report.cell("org-a", "gpt-5.6-sol")
    (b,) = report.cell("org-b", "gpt-5.6-terra")
    assert (a.verdict, b.verdict) == (Verdict.OK, Verdict.REGION_VPN)
    assert report.cell("org-a", "gpt-5.6-terra") == ()
    page = render_html(report)
    cell = re.search(r'<td class="cell" data-org="org-b" data-model="gpt-5.6-terra">(.*?)</td>', page).group(1)  # type: ignore[union-attr]
    assert f'class="e {colour_class(Verdict.REGION_VPN)}"' in cell and f"<b>{cell_word(Verdict.REGION_VPN)}</b>" in cell
    assert b.request_id in cell and "2026-11-20 09:00:00" in cell
    assert '<span class="empty" title="not probed">-</span>' in page


def test_matrix_takes_the_result_files_verdicts_and_a_later_file_wins() -> None:
    history = hourly("org-a", "gpt-5.6-sol", ["ok", "ok"])
    first = ResultFile("a.json", "2026-11-21T00:00:00+00:00", (row("org-a", "gpt-5.6-sol", "quota_exhausted", T0 + timedelta(days=1)),))
    second = ResultFile("b.json", "2026-11-21T01:00:00+00:00", (row("org-a", "gpt-5.6-sol", "rate_limited", T0 + timedelta(days=1, hours=1)),))
    report = build(history, [first, second])
    assert report.matrix_from == "results" and report.result_sources == ("a.json", "b.json")
    assert [p.verdict for p in report.cell("org-a", "gpt-5.6-sol")] == [Verdict.RATE_LIMITED]


def test_results_with_a_vantage_get_one_entry_per_vantage_and_show_it() -> None:
    doc = {"schema_version": "1.0", "checked_at": "2026-11-21T00:00:00+00:00", "summary": {},
           "results": [row("org-a", "gpt-5.6-sol", "ok", T0, vantage="us-ci"), row("org-a", "gpt-5.6-sol", "region_vpn", T0, vantage="eu-office")]}
    report = build([], [result_file_from_doc(doc, "merged.json")])
    entries = report.cell("org-a", "gpt-5.6-sol")
    assert [(p.vantage, p.verdict) for p in entries] == [("eu-office", Verdict.REGION_VPN), ("us-ci", Verdict.OK)]
    page = render_html(report)
    assert 'data-vantage="eu-office"' in page and "@eu-office" in page and "vantage: us-ci" in page
    assert "@eu-office" in render_markdown(report)
    assert {s.vantage for s in report.strips} == {"eu-office", "us-ci"}


def test_result_rows_that_history_already_holds_are_not_drawn_twice() -> None:
    history = hourly("org-a", "gpt-5.6-sol", ["ok", "ok"])
    doc = {"checked_at": history[-1]["checked_at"], "results": [history[-1]]}
    report = build(history, [result_file_from_doc(doc, "last.json")])
    assert [s.runs for s in report.strips] == [2]


@pytest.mark.parametrize("doc,message", [
    ([], "expected a JSON object"),
    ({"checked_at": "x"}, "\"results\" is missing"),
    ({"results": ["x"]}, "results[0] is not an object"),
    ({"results": [{"model": "m"}]}, "lacks \"model\" or \"verdict\""),
    ({"results": [{"model": "m", "verdict": "ok", "org": 5}]}, "org is not a string"),
])
def test_a_document_that_is_not_a_check_result_is_refused_with_the_reason(doc: Any, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        result_file_from_doc(doc, "x.json")


# --------------------------------------------------------------------------- timelines


def test_each_strip_has_one_mark_per_run_in_time_order_inside_the_strip() -> None:
    history = hourly("org-a", "gpt-5.6-sol", ["ok"] * 5) + hourly("org-a", "gpt-5.5", ["ok", "server_error", "ok"], tier="fallback")
    report = build(history)
    runs = {s.model: s.runs for s in report.strips}
    assert runs == {"gpt-5.6-sol": 5, "gpt-5.5": 3}
    for s in report.strips:
        xs = [m.x0 for m in s.marks]
        assert xs == sorted(xs) and all(0 <= m.x0 < m.x1 <= STRIP_WIDTH + 2 for m in s.marks)
    page = render_html(report)
    strip = re.search(r'<div class="strip" data-org="org-a" data-model="gpt-5.5".*?</svg>', page).group(0)  # type: ignore[union-attr]
    assert 'data-runs="3"' in strip and strip.count("<rect ") == 3
    assert re.findall(r'data-verdict="(\w+)"', strip) == ["ok", "server_error", "ok"]


def test_a_mark_carries_its_verdict_in_text_and_its_request_id_and_time() -> None:
    history = hourly("org-a", "gpt-5.6-sol", ["not_provisioned"])
    report = build(history)
    page = render_html(report)
    title = re.search(r"<rect [^>]*><title>(.*?)</title></rect>", page).group(1)  # type: ignore[union-attr]
    assert "no access (not_provisioned)" in title and history[0]["request_id"] in title and "2026-11-20 08:00:00" in title


def test_since_keeps_older_runs_off_the_strips_but_not_out_of_access_since() -> None:
    history = hourly("org-a", "gpt-5.6-sol", ["not_provisioned", "ok", "ok", "ok"])
    report = build(history, since=T0 + timedelta(hours=2))
    (strip,) = report.strips
    assert strip.runs == 2 and strip.availability == 100.0
    assert strip.access == "access since 2026-11-20 09:00:00"
    assert report.window_start == T0 + timedelta(hours=2) and report.window_end == NOW


@pytest.mark.parametrize("verdicts,access", [
    (["ok", "ok"], "access since 2026-11-20 08:00:00 (first run)"),
    (["pending_unknown", "ok", "ok"], "access since 2026-11-20 09:00:00"),
    (["ok", "ok", "quota_exhausted", "ok"], "access since 2026-11-20 11:00:00"),
    (["ok", "region_vpn", "region_vpn"], "lost at 2026-11-20 09:00:00"),
    (["not_provisioned", "provisioning_pending"], "never ok in history"),
])
def test_access_since_and_lost_at_follow_the_last_ok_streak(verdicts: list[str], access: str) -> None:
    (strip,) = build(hourly("org-a", "gpt-5.6-sol", verdicts)).strips
    assert strip.access == access


def test_availability_is_the_share_of_ok_runs_and_the_org_figure_counts_expected_tiers_only() -> None:
    history = (hourly("org-a", "gpt-5.6-sol", ["ok", "ok", "ok", "timeout"])
               + hourly("org-a", "gpt-5.6-luna", ["ok", "ok", "ok", "ok"], tier="luna")
               + hourly("org-a", "gpt-5.5", ["server_error"] * 4, tier="fallback"))
    report = build(history)
    assert {s.model: s.availability for s in report.strips} == {"gpt-5.6-sol": 75.0, "gpt-5.6-luna": 100.0, "gpt-5.5": 0.0}
    assert report.org_availability == {"org-a": (7, 8)}
    page = render_html(report)
    assert "expected tiers: 88% of 8 runs ok" in page and "75% ok of 4 runs" in page


def test_two_vantages_are_separate_strips_and_never_read_as_flapping() -> None:
    history = []
    for i in range(4):
        at = T0 + timedelta(hours=i)
        history += [row("org-a", "gpt-5.6-sol", "ok", at, vantage="us"), row("org-a", "gpt-5.6-sol", "region_vpn", at, vantage="eu")]
    report = build(history)
    assert sorted((s.vantage, s.runs) for s in report.strips) == [("eu", 4), ("us", 4)]
    assert report.changes == ()


# --------------------------------------------------------------------------- changes


def test_changes_come_from_history_newest_first_with_words_and_slugs() -> None:
    history = hourly("org-a", "gpt-5.6-sol", ["not_provisioned", "provisioning_pending", "ok"])
    report = build(history)
    assert [(c.previous, c.current) for c in report.changes] == [
        (Verdict.PROVISIONING_PENDING, Verdict.OK), (Verdict.NOT_PROVISIONED, Verdict.PROVISIONING_PENDING)]
    page = render_html(report)
    changes = page[page.index('<section id="changes">'):]
    assert changes.index("2026-11-20 10:00:00") < changes.index("2026-11-20 09:00:00")
    assert '<span class="v crit" title="provisioning_pending">pending</span> \u2192 <span class="v ok" title="ok">ok</span>' in changes
    markdown = render_markdown(report)
    assert "| 2026-11-20 10:00:00 | org-a | gpt-5.6-sol | chat | - | pending (`provisioning_pending`) | ok (`ok`) |" in markdown


def test_changes_beyond_the_cap_are_counted_not_listed() -> None:
    flapping = hourly("org-a", "gpt-5.6-sol", ["ok", "timeout"] * (MAX_CHANGES // 2 + 10))
    report = build(flapping)
    assert len(report.changes) == MAX_CHANGES and report.changes_hidden == 19
    page = render_html(report)
    assert "19 older changes not listed" in page and "<summary>488 older changes</summary>" in page
    assert page.count('<td><span class="v') == MAX_CHANGES


# --------------------------------------------------------------------------- header and odd input


def test_header_says_when_from_which_history_the_window_and_the_version() -> None:
    report = build(hourly("org-a", "gpt-5.6-sol", ["ok", "ok"]))
    page = render_html(report)
    meta = page[page.index('<dl class="meta">'):page.index("</dl>")]
    for text in ("2026-11-23 08:00:00 UTC+00:00", "/state/history.jsonl (2 lines, 2 runs)", "2026-11-20 08:00:00 to", "(all recorded runs)",
                 "gpt56probe 9.9.9"):
        assert text in meta
    markdown = render_markdown(report)
    assert "by gpt56probe 9.9.9" in markdown and "/state/history.jsonl (2 lines, 2 runs)" in markdown


def test_rows_without_a_usable_time_are_counted_and_left_off_the_timelines() -> None:
    history = hourly("org-a", "gpt-5.6-sol", ["ok"]) + [{**hourly("org-a", "gpt-5.6-sol", ["ok"])[0], "checked_at": "yesterday"},
                                                       {"checked_at": 12}, "not a row"]  # type: ignore[list-item]
    report = build(history)  # type: ignore[arg-type]
    assert report.skipped_rows == 2 and [s.runs for s in report.strips] == [1]
    assert "2 without a time left out" in render_html(report)


def test_a_verdict_this_version_does_not_know_shows_as_unknown_with_its_own_name() -> None:
    report = build(hourly("org-a", "gpt-5.6-sol", ["quantum_entangled"]))
    (probe,) = report.cell("org-a", "gpt-5.6-sol")
    assert probe.verdict is Verdict.UNKNOWN and probe.slug == "quantum_entangled"
    assert 'data-verdict="quantum_entangled"' in render_html(report)


def test_the_default_org_is_named_and_listed_first() -> None:
    report = build(hourly("org-z", "gpt-5.6-sol", ["ok"]) + [row(None, "gpt-5.6-sol", "ok", T0)])
    assert report.orgs == ("(default org)", "org-z")


def test_an_empty_history_renders_a_page_that_says_so() -> None:
    page = render_html(build([]))
    assert "No results." in page and "No runs in the window." in page and "No verdict changes" in page
    assert "No results." in render_markdown(build([]))


# --------------------------------------------------------------------------- hostile input

HOSTILE_ERROR = (f'<script>alert("x")</script> "quoted" \x1b[31mred\x1b[0m \x1b]8;;http://evil.example/\x07link\x1b]8;;\x07 '
                 f"key {FAKE_KEY} bell\x07 nul\x00 rtl\u202ereversed ![px](http://evil.example/p.png) | broken |")


def hostile_history() -> list[dict[str, Any]]:
    evil_org = 'org-"><img src=x onerror=alert(1)>'
    return [
        row(evil_org, "gpt-5.6-sol", "ok", T0, request_id=f"req_{FAKE_KEY}", vantage="<b>eu</b>"),
        row(evil_org, "gpt-5.6-sol", "not_provisioned", T0 + timedelta(hours=1), error_message=HOSTILE_ERROR,
            request_id='req_"><script>1</script>', remediation=f"use {FAKE_KEY}", vantage="<b>eu</b>"),
        row("org-ok", '<svg onload=alert(1)>', "<script>", T0),
    ]


def test_hostile_history_gives_a_page_with_no_script_no_event_handler_no_escape_and_no_key() -> None:
    page = render_html(build(hostile_history()))
    tags = parsed(page)
    assert tags.tags <= {"html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3", "dl", "dt", "dd", "p", "span",
                         "main", "section", "table", "thead", "tbody", "tr", "th", "td", "b", "i", "small", "div", "svg", "rect",
                         "code", "footer", "details", "summary"}, tags.tags
    assert not any(a.startswith("on") for a in tags.attrs)
    assert "<script" not in page.lower() and "<img" not in page.lower()
    assert FAKE_KEY not in page and "0123456789abcdefghijklmnop" not in page
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f\u202e]", page)
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page  # shown, as text
    assert "http://evil.example" in page and "red" in page  # the words survive; only the escapes go


def test_hostile_history_gives_inert_markdown() -> None:
    markdown = render_markdown(build(hostile_history()))
    assert FAKE_KEY not in markdown and "\x1b" not in markdown and "\u202e" not in markdown
    outside_code = re.sub(r"`[^`]*`", "", markdown)  # a code span shows its text literally
    assert not re.search(r"(?<!\\)[<\[`]", outside_code), "an unescaped <, [ or ` outside a code span"
    assert "\\<script\\>" in markdown and "!\\[px\\](" in markdown
    for line in markdown.splitlines():
        if line.startswith("| ") and "broken" in line:
            # Every | a value brought is escaped, so the row keeps its columns.
            assert len(re.findall(r"(?<!\\)\|", line)) == 10


def test_clean_removes_escapes_and_controls_joins_a_split_key_and_redacts_it() -> None:
    split = FAKE_KEY[:10] + "\x00\u200b" + FAKE_KEY[10:]
    assert clean(f"\x1b[1;31mfail\x1b[0m {split}\nnext") == "fail sk-\u2026stuv next"
    assert clean(None) == "" and clean(403) == "403"
    assert len(clean("x" * 5000)) == 300


def test_md_escapes_what_opens_html_links_code_and_table_cells() -> None:
    assert md("<b>[a](u) `c` | & *e*") == "\\<b\\>\\[a\\](u) \\`c\\` \\| &amp; \\*e\\*"


# --------------------------------------------------------------------------- self-contained and bounded


def test_the_page_loads_nothing_and_forbids_scripts_by_policy() -> None:
    page = render_html(build(hourly("org-a", "gpt-5.6-sol", ["ok", "not_provisioned"])))
    tags = parsed(page)
    assert not {"script", "link", "img", "iframe", "object", "embed", "base", "image", "use"} & tags.tags
    assert not {"src", "href", "xlink:href", "srcset", "action"} & tags.attrs
    assert "@import" not in page and "url(" not in page and "@font-face" not in page
    assert "default-src 'none'" in page and "script-src" not in page


def test_a_5000_line_history_renders_well_under_2_mb() -> None:
    """Sanity bound only; bench/report.py measures the time and size."""
    from bench.report_history import synthetic_history

    history = synthetic_history(5000)
    started = time.perf_counter()
    report = build(history, generated_at=datetime.fromisoformat(history[-1]["checked_at"]) + timedelta(minutes=1))
    page = render_html(report)
    markdown = render_markdown(report)
    elapsed = time.perf_counter() - started
    assert len(page.encode()) < 2 * 1024 * 1024 and len(markdown.encode()) < 2 * 1024 * 1024
    assert sum(s.runs for s in report.strips) == 5000 and page.count("<rect ") == 5000
    assert elapsed < 15, elapsed


def test_a_field_too_long_for_any_check_is_not_shown_rather_than_cut_before_redaction() -> None:
    long_secret = "https://user:" + "p" * 20000 + "@proxy.example"
    assert clean(long_secret) == "(20027 characters, too long to show)"


def test_two_cron_lines_a_second_apart_keep_full_width_marks() -> None:
    history = []
    for i in range(8):
        at = T0 + timedelta(minutes=15 * i)
        history += [row("org-a", "gpt-5.6-sol", "ok", at), row("org-b", "gpt-5.6-sol", "ok", at + timedelta(seconds=1))]
    report = build(history)
    for strip in report.strips:
        widths = [m.x1 - m.x0 for m in strip.marks]
        assert min(widths) > 0.9 * STRIP_WIDTH / 9, widths  # each run holds until the next, none shrunk to a sliver


def test_a_long_silence_is_shown_as_no_data_not_as_the_verdict_holding() -> None:
    history = hourly("org-a", "gpt-5.6-sol", ["ok", "ok", "ok"]) + [row("org-a", "gpt-5.6-sol", "ok", T0 + timedelta(days=2))]
    (strip,) = build(history).strips
    third = strip.marks[2]
    assert third.x1 - third.x0 < 0.1 * STRIP_WIDTH  # 3 hours of a 2-day window, not the whole silence


def test_the_window_of_one_run_is_that_run_never_a_time_after_the_page_was_made() -> None:
    made = T0 + timedelta(minutes=1)
    report = build(hourly("org-a", "gpt-5.6-sol", ["ok"]), generated_at=made)
    assert "- window: one run at 2026-11-20 08:00:00\n" in render_markdown(report)
    meta = (page := render_html(report))[page.index('<dl class="meta">'):page.index("</dl>")]
    assert "<dt>window</dt><dd>one run at 2026-11-20 08:00:00</dd>" in meta and "08:01:00 to" not in meta


def test_the_window_of_several_runs_ends_at_the_last_run() -> None:
    report = build(hourly("org-a", "gpt-5.6-sol", ["ok", "ok", "ok"]), generated_at=T0 + timedelta(hours=2, minutes=1))
    assert "- window: 2026-11-20 08:00:00 to 2026-11-20 10:00:00 (all recorded runs)\n" in render_markdown(report)
    assert report.window_end > report.last_run  # the timelines still leave the last mark its room
    assert "- window: no recorded runs\n" in render_markdown(build([]))
