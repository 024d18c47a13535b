"""The status page: a Report (gpt56probe.views.report) as one self-contained HTML file.

Pure: a Report in, a string out. Inline CSS and inline SVG only, and a Content
Security Policy that forbids every script and every load, so the page works from
``file://`` with the network off and stays inert even if escaping ever failed.
Every text is already cleaned by build_report and is escaped here, once, by ``_e``.
Colour never carries a verdict alone: matrix cells show the word, timeline marks
carry it in their SVG <title> (the accessible name and the hover text), and mark
height follows severity (full = ok, lower = worse).
"""

from __future__ import annotations

from html import escape
from typing import Any, Iterable, Mapping, Sequence

from gpt56probe.core.observation import Verdict
from gpt56probe.views.report import MARK_TEXT_LIMIT, NOT_PROBED, STRIP_WIDTH, Change, Probe, Report, Strip
from gpt56probe.views.vocabulary import CELL_WORDS, cell_word, colour_class, counted

STRIP_HEIGHT = 20
MARK_HEIGHTS = {"ok": 20, "warn": 14, "unknown": 10, "crit": 7}
CHANGES_SHOWN = 12
"""Newest changes shown open; older ones (up to report.MAX_CHANGES) sit in a <details> below them."""
CLASS_NAMES = {"ok": "ok", "warn": "degraded (warning)", "crit": "no access (critical)", "unknown": "not judged (unknown)"}
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; base-uri 'none'; form-action 'none'"

CSS = """
:root{--ok:#1a7f37;--warn:#d4a72c;--crit:#cf222e;--unknown:#6e7781;--ok-bg:#dafbe1;--warn-bg:#fff1c2;--crit-bg:#ffe2e0;
--unknown-bg:#e9eaee;--line:#d0d7de;--muted:#57606a;--track:#f3f4f6}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:#1f2328;background:#fff}
header,main,footer{max-width:1400px;margin:0 auto;padding:0 20px}
header{padding-top:18px;border-bottom:1px solid var(--line)}
h1{font-size:22px;margin:0 0 6px}
h2{font-size:17px;margin:26px 0 8px}
h3{font-size:14px;margin:16px 0 4px;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:8px 0 12px;color:var(--muted)}
.meta dt{font-weight:600}.meta dd{margin:0;overflow-wrap:anywhere}
.summary{margin:0 0 14px}
.note{color:var(--muted);margin:0 0 8px}
code,.mono,.matrix th,.strip .label,.changes td:nth-child(-n+4){font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
.matrix{border-collapse:separate;border-spacing:3px}
.matrix th{text-align:left;font-weight:600;padding:2px 6px;white-space:nowrap}
.matrix thead th small{display:block;color:var(--muted);font-weight:400}
.matrix td{padding:0;vertical-align:top;min-width:7.5em}
.e{position:relative;display:block;padding:5px 8px;border-radius:4px;margin-bottom:2px;border-left:4px solid;cursor:default;outline-offset:1px}
.e b{font-weight:600}.e i{display:block;font-style:normal;font-size:11px;color:var(--muted)}
.e.ok{background:var(--ok-bg);border-color:var(--ok)}.e.warn{background:var(--warn-bg);border-color:var(--warn)}
.e.crit{background:var(--crit-bg);border-color:var(--crit)}.e.unknown{background:var(--unknown-bg);border-color:var(--unknown)}
.e:focus{outline:2px solid #0969da}
.tip{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.e:hover .tip,.e:focus-within .tip,.e:focus .tip{clip:auto;width:auto;height:auto;overflow:visible;white-space:normal;z-index:5;
left:0;top:100%;min-width:22em;max-width:34em;padding:8px 10px;margin-top:4px;background:#1f2328;color:#fff;border-radius:6px;
font:12px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;box-shadow:0 4px 14px rgba(0,0,0,.25)}
.tip span{display:block;overflow-wrap:anywhere}
.empty{color:var(--muted);padding:5px 8px;display:block}
.axis,.strip{display:grid;grid-template-columns:minmax(8.5rem,12rem) minmax(10rem,1fr) 28rem;gap:10px;align-items:center}
.axis{color:var(--muted);font-size:12px;margin-top:6px}
.axis .ticks{display:flex;justify-content:space-between;white-space:nowrap;gap:8px}
.strip{padding:3px 0;border-top:1px solid var(--track)}
.strip .label{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.strip .label small{color:var(--muted)}
svg.tl{width:100%;height:20px;display:block;background:var(--track);border-radius:2px}
svg.tl rect{stroke:#fff;stroke-width:1px;vector-effect:non-scaling-stroke}
svg.tl rect.ok,.sw.ok{fill:var(--ok);background:var(--ok)}svg.tl rect.warn,.sw.warn{fill:var(--warn);background:var(--warn)}
svg.tl rect.crit,.sw.crit{fill:var(--crit);background:var(--crit)}svg.tl rect.unknown,.sw.unknown{fill:var(--unknown);background:var(--unknown)}
svg.tl rect:hover{stroke:#1f2328;stroke-width:2px}
.stats{font-size:12px;color:var(--muted);white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.stats .now{display:inline-block;padding:0 6px;border-radius:3px;margin-right:6px;color:#1f2328;font-weight:600}
.v{display:inline-block;padding:0 6px;border-radius:3px}
.now.ok,.v.ok{background:var(--ok-bg)}.now.warn,.v.warn{background:var(--warn-bg)}.now.crit,.v.crit{background:var(--crit-bg)}
.now.unknown,.v.unknown{background:var(--unknown-bg)}
.org-avail{font-family:system-ui,sans-serif;font-weight:400;color:var(--muted);margin-left:8px}
.changes{border-collapse:collapse;width:100%}
details>.changes{margin-top:6px}
summary{cursor:pointer;color:var(--muted);margin-top:6px}
.changes th,.changes td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--track);vertical-align:top}
.changes th{border-bottom:1px solid var(--line)}
footer{margin-top:30px;padding-bottom:30px;border-top:1px solid var(--line);color:var(--muted)}
.legend{display:flex;flex-wrap:wrap;gap:14px;margin:12px 0}
.sw{display:inline-block;width:12px;vertical-align:bottom;margin-right:5px;border-radius:1px}
.words{columns:3 16em;margin:8px 0}
.words div{break-inside:avoid}
.scroll{max-width:100%;overflow-x:auto}
.changes td details ul{margin:4px 0 0;padding-left:18px}
.changes td{overflow-wrap:anywhere}
@media (max-width:700px){header,main,footer{padding:0 10px}
.axis,.strip{grid-template-columns:minmax(0,1fr);gap:2px}.axis>span,.axis .ticks span:nth-child(2){display:none}
.axis .ticks{white-space:normal;flex-wrap:wrap}
.strip .label{white-space:normal;overflow-wrap:anywhere}.stats{white-space:normal}
.changes th,.changes td{padding:3px 4px}.meta{grid-template-columns:minmax(0,1fr)}
.e:hover .tip,.e:focus-within .tip,.e:focus .tip{min-width:0;width:min(22em,80vw)}}
@media print{.tip{display:none}}
"""


def _e(text: object) -> str:
    """The one escape: text (already cleaned) to HTML text or attribute value."""
    return escape(str(text), quote=True)


def _details(p: Probe, report: Report) -> list[str]:
    verdict = p.slug if p.slug == p.word else f"{p.slug} ({p.word})"
    lines = [f"{verdict} \u00b7 HTTP {p.http_status}", f"request id: {p.request_id or '-'}", f"at: {report.fmt(p.at)}"]
    if p.vantage:
        lines.append(f"vantage: {p.vantage}")
    if p.error:
        lines.append(f"error: {p.error}")
    if p.remediation and p.verdict is not Verdict.OK:
        lines.append(f"next: {p.remediation}")
    return lines


def _entry(p: Probe, report: Report, show_surface: bool) -> str:
    where = " ".join(x for x in ((p.surface if show_surface else ""), (f"@{p.vantage}" if p.vantage else "")) if x)
    tip = "".join(f"<span>{_e(line)}</span>" for line in [f"{p.org} {p.model} {p.surface}", *_details(p, report)])
    return (f'<span class="e {p.colour}" tabindex="0" data-verdict="{_e(p.slug)}" data-surface="{_e(p.surface)}" '
            f'data-vantage="{_e(p.vantage)}"><b>{_e(p.word)}</b>' + (f"<i>{_e(where)}</i>" if where else "")
            + f'<span class="tip">{tip}</span></span>')


def _matrix(report: Report) -> str:
    if not report.orgs:
        return '<p class="note">No results.</p>'
    tiers = {p.model: p.tier for cell in report.matrix.values() for p in cell}
    show_surface = any(len({p.surface for p in cell}) > 1 for cell in report.matrix.values())
    out = ['<div class="scroll" role="region" aria-label="matrix"><table class="matrix"><thead><tr><th scope="col">org</th>']
    out += [f'<th scope="col">{_e(m)}<small>{_e(tiers.get(m, ""))}</small></th>' for m in report.models]
    out.append("</tr></thead><tbody>")
    for org in report.orgs:
        out.append(f'<tr data-org="{_e(org)}"><th scope="row">{_e(org)}</th>')
        for model in report.models:
            entries = report.cell(org, model)
            inner = "".join(_entry(p, report, show_surface) for p in entries) or f'<span class="empty" title="not probed">{NOT_PROBED}</span>'
            out.append(f'<td class="cell" data-org="{_e(org)}" data-model="{_e(model)}">{inner}</td>')
        out.append("</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def _mark(mark_x0: float, mark_x1: float, p: Probe, report: Report) -> str:
    verdict = p.word if p.slug == p.word else f"{p.word} ({p.slug})"
    text = f"{report.fmt(p.at)} \u00b7 {verdict} \u00b7 HTTP {p.http_status}"
    if p.request_id:
        text += f" \u00b7 {p.request_id}"
    if p.error:
        text += f" \u00b7 {p.error[:MARK_TEXT_LIMIT]}"
    height = MARK_HEIGHTS[p.colour]
    return (f'<rect class="m {p.colour}" data-verdict="{_e(p.slug)}" x="{mark_x0:g}" y="{STRIP_HEIGHT - height}" '
            f'width="{max(mark_x1 - mark_x0, 0.1):.1f}" height="{height}"><title>{_e(text)}</title></rect>')


def _strip(s: Strip, report: Report) -> str:
    avail = "no runs in the window" if s.availability is None else f"{s.availability:.0f}% ok of {counted(s.runs, 'run')}"
    where = " ".join(x for x in ((s.surface if s.surface != "chat" else ""), (f"@{s.vantage}" if s.vantage else "")) if x)
    label = f"{s.org} {s.model}" + (f" {where}" if where else "")
    marks = "".join(_mark(m.x0, m.x1, m.probe, report) for m in s.marks)
    return (
        f'<div class="strip" data-org="{_e(s.org)}" data-model="{_e(s.model)}" data-surface="{_e(s.surface)}" '
        f'data-vantage="{_e(s.vantage)}" data-runs="{s.runs}">'
        f'<div class="label" title="{_e(label)}">{_e(s.model)}' + (f" <small>{_e(where)}</small>" if where else "")
        + ("" if s.expected else " <small>fallback</small>") + "</div>"
        f'<svg class="tl" viewBox="0 0 {STRIP_WIDTH:g} {STRIP_HEIGHT}" preserveAspectRatio="none" role="group" '
        f'aria-label="{_e(label)}: {_e(avail)}, now {_e(s.last.word)}">{marks}</svg>'
        f'<div class="stats" title="{_e(avail)} \u00b7 {_e(s.access)}"><span class="now {s.last.colour}" title="{_e(s.last.slug)}">{_e(s.last.word)}</span>'
        f"{_e(avail)} \u00b7 {_e(s.access)}</div></div>"
    )


def _timelines(report: Report) -> str:
    if not report.strips:
        return '<p class="note">No runs in the window.</p>'
    mid = report.window_start + (report.window_end - report.window_start) / 2
    out = ['<div class="axis" aria-hidden="true"><span></span><div class="ticks">',
           f"<span>{_e(report.fmt(report.window_start))}</span><span>{_e(report.fmt(mid))}</span>",
           f"<span>{_e(report.fmt(report.window_end))}</span></div><span></span></div>"]
    for org in report.timeline_orgs:
        ok, n = report.org_availability.get(org, (0, 0))
        avail = f"expected tiers: {100.0 * ok / n:.0f}% of {counted(n, 'run')} ok" if n else ""
        out.append(f'<section class="org" data-org="{_e(org)}"><h3>{_e(org)}'
                   + (f'<span class="org-avail">{_e(avail)}</span>' if avail else "") + "</h3>")
        out += [_strip(s, report) for s in report.strips_of(org)]
        out.append("</section>")
    return "".join(out)


def _verdict_badge(verdict: Verdict, slug: str) -> str:
    return f'<span class="v {colour_class(verdict)}" title="{_e(slug)}">{_e(cell_word(verdict))}</span>'


def _change_row(group: list[Change], report: Report, show_vantage: bool) -> str:
    """One row per run and cause: a single change as its org, model and surface; several changes one run made
    the same way (a network blip across every target) as one row, ``110 targets: network_error -> ok``, whose
    <details> lists them."""
    c = group[0]
    change = f"<td>{_verdict_badge(c.previous, c.previous_slug)} \u2192 {_verdict_badge(c.current, c.current_slug)}</td>"
    vantage = [f"<td>{_e(c.vantage or '-')}</td>"] if show_vantage else []
    if len(group) == 1:
        cells = [report.fmt(c.at), c.org, c.model, c.surface]
        return "<tr>" + "".join(f"<td>{_e(x)}</td>" for x in cells) + "".join(vantage) + change + "</tr>"
    orgs = sorted({x.org for x in group})
    title = f"{len(group)} targets: {c.previous_slug} \u2192 {c.current_slug}"
    scope = orgs[0] if len(orgs) == 1 else f"{len(orgs)} orgs"
    items = "".join(f"<li>{_e(x.org)} {_e(x.model)} {_e(x.surface)}</li>" for x in group)
    return (f'<tr class="group" data-targets="{len(group)}"><td>{_e(report.fmt(c.at))}</td><td colspan="3"><details>'
            f"<summary>{_e(title)} <small>({_e(scope)})</small></summary><ul>{items}</ul></details></td>"
            + "".join(vantage) + change + "</tr>")


def group_changes(changes: Iterable[Change]) -> list[list[Change]]:
    """Changes in their order, those one run made the same way (same time, vantage and from -> to) kept together."""
    groups: dict[tuple[object, str, str, str], list[Change]] = {}
    for c in changes:
        groups.setdefault((c.at, c.vantage, c.previous_slug, c.current_slug), []).append(c)
    return list(groups.values())


def _changes(report: Report) -> str:
    if not report.changes:
        return '<p class="note">No verdict changes in the window.</p>'
    show_vantage = any(c.vantage for c in report.changes)
    heads = ["when", "org", "model", "surface"] + (["vantage"] if show_vantage else []) + ["change"]
    head = ('<div class="scroll"><table class="changes"><thead><tr>' + "".join(f'<th scope="col">{h}</th>' for h in heads)
            + "</tr></thead><tbody>")
    rows = group_changes(report.changes)
    shown, older = rows[:CHANGES_SHOWN], rows[CHANGES_SHOWN:]
    out = [head, *(_change_row(g, report, show_vantage) for g in shown), "</tbody></table></div>"]
    if older:
        count = sum(len(g) for g in older)
        out += [f"<details><summary>{counted(count, 'older change')}</summary>", head,
                *(_change_row(g, report, show_vantage) for g in older), "</tbody></table></div></details>"]
    if report.changes_hidden:
        out.append(f'<p class="note">{counted(report.changes_hidden, "older change")} not listed; <code>gpt56probe history</code> lists them all.</p>')
    return "".join(out)


def _counts(report: Report) -> str:
    probes = [p for cell in report.matrix.values() for p in cell]
    counts = {name: sum(p.colour == name for p in probes) for name in MARK_HEIGHTS}
    parts = [f'<span class="v {name}">{n} {_e(CLASS_NAMES[name])}</span>' for name, n in counts.items() if n]
    return f'<p class="summary">Now, over {counted(len(report.orgs), "org")} \u00d7 {counted(len(report.models), "model")}: ' + " ".join(parts) + "</p>"


def _legend() -> str:
    swatches = "".join(f'<span><span class="sw {name}" style="height:{h * 0.7:.0f}px"></span>{_e(CLASS_NAMES[name])}</span>'
                       for name, h in MARK_HEIGHTS.items())
    words = "".join(f'<div><span class="v {colour_class(v)}">{_e(w)}</span> <code>{_e(v.value)}</code></div>' for v, w in CELL_WORDS.items())
    return (f'<div class="legend">{swatches}</div><p>A timeline mark holds until that target\'s next run; a taller mark is '
            "healthier. Hover a mark, or hover or focus (Tab) a matrix cell, for its verdict, request id and time.</p>"
            f"<details><summary>Every cell word and its verdict</summary><div class=\"words\">{words}</div></details>")


def _meta(report: Report) -> str:
    window = report.window_text
    history = f"{report.history_source} ({counted(report.history_rows, 'line')}, {counted(report.runs, 'run')}"
    history += f", {report.skipped_rows} without a time left out)" if report.skipped_rows else ")"
    rows: list[tuple[str, str]] = [("made", f"{report.fmt(report.generated_at)} {report.zone}"), ("history", history)]
    if report.result_sources:
        rows.append(("results", ", ".join(report.result_sources)))
    rows += [("window", window), ("tool", f"gpt56probe {report.version}")]
    return '<dl class="meta">' + "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in rows) + "</dl>"


def _join(parts: Iterable[str]) -> str:
    return "\n".join(parts)


def _retiring_section(report: Report) -> str:
    """Models whose org's list announces a shutdown_date: empty when none does."""
    from gpt56probe.views.report import retiring_lines

    if not report.retiring:
        return ""
    items = "".join(f"<li>{_e(line)}</li>" for line in retiring_lines(report))
    return (f'<section id="retiring"><h2>Retiring</h2><p class="note">shutdown_date in the org\'s model list; '
            f"OpenAI may retire preview models with two weeks' notice.</p><ul>{items}</ul></section>")


def render_html(report: Report, evals: Sequence[tuple[str, Mapping[str, Any]]] = ()) -> str:
    """The whole page; ``evals`` (source, eval results) add an "Eval before cutover" section each."""
    from gpt56probe.views.evalview import section_html

    source = "the result files" if report.matrix_from == "results" else "each target's latest run in history"
    return _join([
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="referrer" content="no-referrer">',
        f"<title>GPT-5.6 preview access \u00b7 {_e(report.fmt(report.generated_at))}</title>",
        f"<style>{CSS}</style></head><body>",
        f'<header><h1>GPT-5.6 preview access</h1>{_meta(report)}{_counts(report)}</header>',
        "<main>",
        f'<section id="now"><h2>Now</h2><p class="note">From {source}; times in {_e(report.zone)}.</p>{_matrix(report)}</section>',
        _retiring_section(report),
        f'<section id="changes"><h2>Changes</h2><p class="note">Verdict changes in the window, newest first.</p>{_changes(report)}</section>',
        f'<section id="timelines"><h2>Timelines</h2><p class="note">One mark per run, per org and model; availability is '
        f'the share of runs in the window that answered ok.</p>{_timelines(report)}</section>',
        *(section_html(doc, source) for source, doc in evals),
        "</main>",
        f"<footer>{_legend()}</footer>",
        "</body></html>",
        "",
    ])
