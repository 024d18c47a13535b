"""The status report: history rows and check results in, one Report out, then HTML or Markdown text.

Pure: no files, no clock, no click. The CLI reads history (gpt56probe.store.state) and the
result files, hands them here with the time to call "now", and writes what comes
back. ``build_report`` decides everything the page says; ``render_html`` (in
gpt56probe.views.report_html) and ``render_markdown`` only lay it out, so both formats
show the same content. Verdict words and colour classes come from
gpt56probe.views.vocabulary, the same words the terminal summary uses.

Everything that came from a server or a user (org ids, error messages, request ids,
even model ids and verdict slugs read back from a file) is treated as hostile:
``clean`` removes terminal escapes and control characters, then redacts secrets,
then bounds the length; the renderers escape what is left for their format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, tzinfo
from functools import lru_cache
from statistics import median
from typing import Any, Iterable, Mapping, Sequence

from gpt56probe.core.history import HISTORY_FIELDS, filter_transitions, parse_time, transitions_from_history, verdict_key
from gpt56probe.core.models import DEFAULT_TABLE, TIERS
from gpt56probe.core.observation import Verdict
from gpt56probe.core.redact import redact
from gpt56probe.views.vocabulary import NOT_PROBED, cell_word, colour_class, counted

DEFAULT_ORG_LABEL = "(default org)"
MAX_CHANGES = 500
"""Changes listed on the page, newest first; older ones are counted, and `gpt56probe history` lists all."""
STRIP_WIDTH = 1000.0
"""Width of a timeline strip in SVG user units (the page scales it to the window)."""
MIN_MARK_WIDTH = 1.5
GAP_FACTOR = 3.0
"""A mark holds until the strip's next run, but for at most this many of the strip's typical gaps between runs:
a longer silence is shown as no data, not as the verdict holding."""
DEFAULT_GAP = timedelta(minutes=1)
TEXT_LIMIT = 300
FIELD_LIMIT = 16384
"""A field longer than this (check writes at most 500 characters) came from no check: it is not shown."""
MARK_TEXT_LIMIT = 120

# --------------------------------------------------------------------------- hostile text

# A terminal's styling means nothing on a page: whole escape sequences go; every other control,
# bidi or zero-width character is redact's business (the one path for untrusted text).
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")


@lru_cache(maxsize=4096)
def _clean_str(text: str, limit: int) -> str:
    if len(text) > FIELD_LIMIT:
        # Never cut before redacting (a cut secret may no longer look like one): too long is not shown.
        return f"({len(text)} characters, too long to show)"
    text = " ".join(redact(_ANSI.sub("", text)).split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "\u2026"
    return text


def clean(value: Any, limit: int = TEXT_LIMIT) -> str:
    """Text from a server, a user or a file, fit to show: no escapes or control characters, secrets
    masked (redact), at most ``limit`` characters. None is the empty string."""
    if value is None:
        return ""
    return _clean_str(value if isinstance(value, str) else str(value), limit)


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class ResultFile:
    """One ``check --format json`` (or ``merge``) document: its results may carry a ``vantage``."""

    source: str
    checked_at: str
    results: tuple[Mapping[str, Any], ...]


def result_file_from_doc(doc: Any, source: str) -> ResultFile:
    """The results of a check-result document (schema/check-result.schema.json); ValueError names the problem."""
    if not isinstance(doc, Mapping):
        raise ValueError("not a check result: expected a JSON object with \"results\" (gpt56probe check --format json)")
    results = doc.get("results")
    if not isinstance(results, list):
        raise ValueError("not a check result: \"results\" is missing or not a list")
    for i, result in enumerate(results):
        if not isinstance(result, Mapping):
            raise ValueError(f"results[{i}] is not an object")
        if not isinstance(result.get("model"), str) or not isinstance(result.get("verdict"), str):
            raise ValueError(f"results[{i}] lacks \"model\" or \"verdict\"")
        if result.get("org") is not None and not isinstance(result.get("org"), str):
            raise ValueError(f"results[{i}].org is not a string or null")
    checked_at = doc.get("checked_at")
    return ResultFile(source, checked_at if isinstance(checked_at, str) else "", tuple(results))


def rows_from_results(files: Sequence[ResultFile]) -> list[dict[str, Any]]:
    """Results as history-shaped rows, one run per file (the file's checked_at is the run's time)."""
    rows = []
    for index, f in enumerate(files):
        for r in f.results:
            row = {k: r.get(k) for k in HISTORY_FIELDS if k not in ("run_id", "checked_at")}
            row.update(run_id=f"file{index}", checked_at=f.checked_at or r.get("timestamp"), vantage=r.get("vantage"))
            rows.append(row)
    return rows


# --------------------------------------------------------------------------- the report model


@dataclass(frozen=True)
class Probe:
    """One result as the page shows it; every text field already cleaned."""

    org: str
    model: str
    tier: str
    surface: str  # "chat", "responses", "chat stream", ...
    vantage: str
    verdict: Verdict
    slug: str  # the verdict as recorded (cleaned); differs from verdict.value only when unknown to this version
    http_status: str
    request_id: str
    at: datetime | None
    error: str
    remediation: str

    @property
    def word(self) -> str:
        return cell_word(self.verdict)

    @property
    def colour(self) -> str:
        return colour_class(self.verdict)


@dataclass(frozen=True)
class Mark:
    """One run on a timeline strip, placed from ``x0`` to ``x1`` (0..STRIP_WIDTH)."""

    probe: Probe
    x0: float
    x1: float


@dataclass(frozen=True)
class Strip:
    """One org x model (x surface, x vantage) over the window."""

    org: str
    model: str
    tier: str
    surface: str
    vantage: str
    expected: bool
    marks: tuple[Mark, ...]
    ok_runs: int
    last: Probe
    access: str  # "access since …", "lost at …" or "never ok in history"

    @property
    def runs(self) -> int:
        return len(self.marks)

    @property
    def availability(self) -> float | None:
        return None if not self.marks else 100.0 * self.ok_runs / len(self.marks)


@dataclass(frozen=True)
class Change:
    at: datetime | None
    org: str
    model: str
    surface: str
    vantage: str
    previous: Verdict
    previous_slug: str
    current: Verdict
    current_slug: str


@dataclass(frozen=True)
class Report:
    generated_at: datetime
    version: str
    history_source: str
    history_rows: int
    skipped_rows: int  # rows without a usable time: left out of timelines and changes
    runs: int
    result_sources: tuple[str, ...]
    window_start: datetime
    window_end: datetime
    since_given: bool
    matrix_from: str  # "results" or "history"
    orgs: tuple[str, ...]
    models: tuple[str, ...]
    matrix: Mapping[tuple[str, str], tuple[Probe, ...]]
    strips: tuple[Strip, ...]
    org_availability: Mapping[str, tuple[int, int]]  # org -> (ok runs, runs) over its expected tiers
    changes: tuple[Change, ...]
    changes_hidden: int
    expected_tiers: tuple[str, ...]
    retiring: tuple[tuple[str, str, str, int | None], ...] = ()  # (org, model, shutdown date, days left) from the results
    first_run: datetime | None = None  # the recorded runs' span; window_end reaches a typical gap past the last,
    last_run: datetime | None = None   # so its mark has room: drawing, not time the page covers

    def cell(self, org: str, model: str) -> tuple[Probe, ...]:
        return self.matrix.get((org, model), ())

    def strips_of(self, org: str) -> tuple[Strip, ...]:
        return tuple(s for s in self.strips if s.org == org)

    @property
    def timeline_orgs(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.org for s in self.strips))

    def fmt(self, when: datetime | None) -> str:
        """A time in the report's zone (the zone of ``generated_at``), to the second."""
        return format_time(when, self.generated_at.tzinfo)

    @property
    def window_text(self) -> str:
        """The window as the header says it: ``--since`` to the page's making; else the recorded runs, from the
        first to the last (never the room the timelines leave after it: a time after the page was made), or
        ``one run at T``."""
        if self.since_given:
            return f"{self.fmt(self.window_start)} to {self.fmt(self.window_end)}"
        if self.first_run is None or self.last_run is None:
            return "no recorded runs"
        if self.first_run == self.last_run:
            return f"one run at {self.fmt(self.last_run)}"
        return f"{self.fmt(self.first_run)} to {self.fmt(self.last_run)} (all recorded runs)"

    @property
    def zone(self) -> str:
        return _zone_name(self.generated_at)


def format_time(when: datetime | None, tz: tzinfo | None) -> str:
    if when is None:
        return "-"
    try:
        return when.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")
    except (OverflowError, ValueError):
        return when.isoformat()


def _zone_name(when: datetime) -> str:
    offset = when.utcoffset()
    if offset is None:
        return "local time"
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    text = f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    name = when.tzname()
    return f"{text} ({name})" if name and not name.startswith("UTC") else text


# --------------------------------------------------------------------------- building


def _verdict(value: Any) -> tuple[Verdict, str]:
    slug = clean(value, 40)
    try:
        return Verdict(value), slug
    except ValueError:
        return Verdict.UNKNOWN, slug or "(none)"


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return parse_time(value)
    except (ValueError, OverflowError, TypeError):
        return None


def _org(value: Any) -> str:
    return clean(value, 120) if value not in (None, "") else DEFAULT_ORG_LABEL


def _surface(row: Mapping[str, Any]) -> str:
    surface = clean(row.get("surface") or "chat", 20)
    return surface + (" stream" if row.get("stream") else "")


def _probe(row: Mapping[str, Any], at: datetime | None) -> Probe:
    verdict, slug = _verdict(row.get("verdict"))
    status = row.get("http_status")
    return Probe(
        org=_org(row.get("org")), model=clean(row.get("model"), 80) or "(no model)", tier=clean(row.get("tier"), 20),
        surface=_surface(row), vantage=clean(row.get("vantage"), 80), verdict=verdict, slug=slug,
        http_status=str(status) if isinstance(status, int) and not isinstance(status, bool) else "-",
        request_id=clean(row.get("request_id"), 80), at=at, error=clean(row.get("error_message")),
        remediation=clean(row.get("remediation")),
    )


def _key(row: Mapping[str, Any]) -> tuple[str, str]:
    return verdict_key(row), str(row.get("vantage") or "")


def _dedupe(history: Sequence[Mapping[str, Any]], extra: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """History, plus result rows that history does not already hold (same target, same probe timestamp)."""
    seen = {(verdict_key(r), r.get("timestamp")) for r in history if r.get("timestamp")}
    return [*history, *(r for r in extra if (verdict_key(r), r.get("timestamp")) not in seen or not r.get("timestamp"))]


def _typical_gap(times: Iterable[datetime]) -> timedelta | None:
    """The median time between consecutive runs; None with fewer than two distinct times."""
    distinct = sorted(set(times))
    gaps = [(b - a).total_seconds() for a, b in zip(distinct, distinct[1:]) if b > a]
    return timedelta(seconds=median(gaps)) if gaps else None


def _access(probes: Sequence[Probe], tz: tzinfo | None) -> str:
    """The current streak: "access since" the first ok of a closing ok streak, else when access was "lost at"."""
    last_ok = max((i for i, p in enumerate(probes) if p.verdict is Verdict.OK), default=None)
    if last_ok is None:
        return "never ok in history"
    if last_ok < len(probes) - 1:
        return f"lost at {format_time(probes[last_ok + 1].at, tz)}"
    start = last_ok
    while start > 0 and probes[start - 1].verdict is Verdict.OK:
        start -= 1
    return f"access since {format_time(probes[start].at, tz)}" + (" (first run)" if start == 0 else "")


def _model_order(models: Iterable[str]) -> tuple[str, ...]:
    known = [m for m in DEFAULT_TABLE.ids if m in models]
    return tuple(known + sorted(set(models) - set(known)))


def _org_order(orgs: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(orgs), key=lambda o: (o != DEFAULT_ORG_LABEL, o)))


def _one_vantage_unnamed(history: Sequence[Any], results: Sequence[ResultFile]) -> tuple[Sequence[Any], Sequence[ResultFile]]:
    """Rows without their ``vantage`` when at most one vantage is named: one host's history (its rows
    from before vantages were recorded included) reads as one place; vantages are shown when there are several."""
    names = {str(r.get("vantage")) for r in history if isinstance(r, Mapping) and r.get("vantage")}
    names |= {str(r.get("vantage")) for f in results for r in f.results if r.get("vantage")}
    if len(names) > 1:
        return history, results

    def unnamed(row: Any) -> Any:
        return {k: v for k, v in row.items() if k != "vantage"} if isinstance(row, Mapping) and "vantage" in row else row

    return [unnamed(r) for r in history], [replace(f, results=tuple(unnamed(r) for r in f.results)) for f in results]


def build_report(history: Sequence[Mapping[str, Any]], results: Sequence[ResultFile], *, generated_at: datetime,
                 version: str, history_source: str, since: datetime | None = None,
                 expected_tiers: Sequence[str] = TIERS) -> Report:
    """Decide what the page shows.

    The matrix is the results' verdicts when result files are given (later files win
    for the same target and vantage), else each target's latest history row. Timelines
    and changes replay history plus any result rows history lacks, per vantage, in time
    order. The window is ``since`` .. ``generated_at``; without ``since`` it spans the
    recorded runs.
    """
    tz = generated_at.tzinfo
    history, results = _one_vantage_unnamed(history, results)
    rows: list[tuple[datetime, Mapping[str, Any]]] = []
    skipped = 0
    for row in _dedupe([r for r in history if isinstance(r, Mapping)], rows_from_results(results)):
        at = _when(row.get("checked_at"))
        if at is None:
            skipped += 1
            continue
        rows.append((at, row))
    rows.sort(key=lambda pair: pair[0])  # stable: file order among equal times

    # The current matrix.
    latest: dict[tuple[str, str], tuple[Mapping[str, Any], datetime | None]] = {}
    if results:
        for f in results:
            for r in f.results:
                latest[_key(r)] = (r, _when(r.get("timestamp")) or _when(f.checked_at))
    else:
        for at, row in rows:
            latest[_key(row)] = (row, _when(row.get("timestamp")) or at)
    matrix: dict[tuple[str, str], list[Probe]] = {}
    for row, at in latest.values():
        probe = _probe(row, at)
        matrix.setdefault((probe.org, probe.model), []).append(probe)
    cells = {k: tuple(sorted(v, key=lambda p: (p.vantage, p.surface))) for k, v in matrix.items()}

    # Timelines, per target and vantage; each strip's own typical gap between runs, so that
    # two cron lines a second apart never shrink every mark to a sliver.
    by_key: dict[tuple[str, str], list[tuple[datetime, Probe]]] = {}
    for at, row in rows:
        by_key.setdefault(_key(row), []).append((at, _probe(row, _when(row.get("timestamp")) or at)))
    visible = {key: [(at, p) for at, p in series if since is None or at >= since] for key, series in by_key.items()}
    strip_gaps = {key: _typical_gap(at for at, _ in series) for key, series in visible.items()}
    known_gaps = [g.total_seconds() for key, g in strip_gaps.items() if g is not None]
    gap = timedelta(seconds=median(known_gaps)) if known_gaps else DEFAULT_GAP

    # The window.
    times = [at for at, _ in rows]
    if since is not None:
        start, end = since, max([generated_at, *times[-1:]])
    else:
        start = times[0] if times else generated_at
        end = (times[-1] if times else generated_at) + gap
    span = max((end - start).total_seconds(), 1.0)

    def x(at: datetime) -> float:
        return round(min(max((at - start).total_seconds() / span, 0.0), 1.0) * STRIP_WIDTH, 1)

    strips = []
    for key, series in by_key.items():
        first, shown, hold = series[0][1], visible[key], (strip_gaps[key] or gap) * GAP_FACTOR
        marks = []
        for i, (at, probe) in enumerate(shown):
            until = min(shown[i + 1][0] if i + 1 < len(shown) else end, at + hold, end)
            x0 = x(at)
            marks.append(Mark(probe, x0, max(x(until), x0 + MIN_MARK_WIDTH)))
        strips.append(Strip(first.org, first.model, first.tier, first.surface, first.vantage, first.tier in expected_tiers,
                            tuple(marks), sum(m.probe.verdict is Verdict.OK for m in marks), series[-1][1],
                            _access([p for _, p in series], tz)))
    model_rank = {m: i for i, m in enumerate(_model_order({s.model for s in strips}))}
    strips.sort(key=lambda s: (s.org != DEFAULT_ORG_LABEL, s.org, model_rank[s.model], s.surface, s.vantage))
    availability: dict[str, tuple[int, int]] = {}
    for s in strips:
        if s.expected:
            ok, n = availability.get(s.org, (0, 0))
            availability[s.org] = (ok + s.ok_runs, n + s.runs)

    # Changes, per vantage so that two vantages never read as flapping.
    by_vantage: dict[str, list[Mapping[str, Any]]] = {}
    for _, row in rows:
        by_vantage.setdefault(str(row.get("vantage") or ""), []).append(row)
    changes = []
    for vantage, group in by_vantage.items():
        for t in filter_transitions(transitions_from_history(group), since=since):
            previous, previous_slug = _verdict(t.previous)
            current, current_slug = _verdict(t.current)
            changes.append(Change(_when(t.checked_at), _org(t.org), clean(t.model, 80),
                                  _surface({"surface": t.surface, "stream": t.stream}), clean(vantage, 80),
                                  previous, previous_slug, current, current_slug))
    changes.sort(key=lambda c: c.at or generated_at, reverse=True)

    matrix_orgs = {o for o, _ in cells}
    return Report(
        generated_at=generated_at, version=version, history_source=clean(history_source, 400),
        history_rows=len(history), skipped_rows=skipped, runs=len({(row.get("run_id"), at) for at, row in rows}),
        result_sources=tuple(clean(f.source, 400) for f in results), window_start=start, window_end=end,
        first_run=times[0] if times else None, last_run=times[-1] if times else None,
        since_given=since is not None, matrix_from="results" if results else "history",
        orgs=_org_order(matrix_orgs), models=_model_order({m for _, m in cells}), matrix=cells, strips=tuple(strips),
        org_availability=availability, changes=tuple(changes[:MAX_CHANGES]),
        changes_hidden=max(0, len(changes) - MAX_CHANGES), expected_tiers=tuple(expected_tiers),
        retiring=_retiring(results, generated_at),
    )


def _retiring(results: Sequence[ResultFile], generated_at: datetime) -> tuple[tuple[str, str, str, int | None], ...]:
    """Each (org, model) whose results carry a shutdown_date, soonest first, with the days left from the report's time."""
    from gpt56probe.core.retirement import as_date, days_left

    found: dict[tuple[str, str], str] = {}
    for f in results:
        for r in f.results:
            when = r.get("shutdown_date")
            if isinstance(when, str) and as_date(when) is not None:
                found[(_org(r.get("org")), clean(r.get("model"), 80))] = when[:10]
    rows = [(org, model, when, days_left(when, generated_at.date())) for (org, model), when in found.items()]
    return tuple(sorted(rows, key=lambda row: (row[2], row[0], row[1])))


def retiring_lines(report: Report) -> list[str]:
    """``gpt-5.5 shuts down on 2026-12-17 (10 days left) for org-a``: one line per org and model."""
    from gpt56probe.core.retirement import WARN_DAYS, describe

    return [describe(model, when, left) + f" for {org}" + (f": within {WARN_DAYS} days, move its traffic" if left is not None and 0 <= left <= WARN_DAYS else "")
            for org, model, when, left in report.retiring]


# --------------------------------------------------------------------------- Markdown


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")


def md(text: str) -> str:
    """Cleaned text made inert in Markdown (GitHub's included): no HTML, link, image, code or table break.

    The characters that open one are backslash-escaped, and ``&`` becomes ``&amp;`` so no entity is formed."""
    return _MD_SPECIAL.sub(r"\\\1", text.replace("&", "&amp;"))


def md_code(text: str) -> str:
    """An identifier as a code span (copyable as is); escaped text when it holds a backtick."""
    if not text or "`" in text:
        return md(text)
    return "`" + text.replace("|", "\\|") + "`"


def _md_probe(p: Probe, with_surface: bool) -> str:
    where = " ".join(x for x in ((p.surface if with_surface else ""), (f"@{p.vantage}" if p.vantage else "")) if x)
    return md(p.word) + (f" ({md(where)})" if where else "")


def _runs_text(strip: Strip, limit: int = 6) -> str:
    """The strip as run lengths, oldest first: ``no access ×3 → ok ×12``."""
    segments: list[list[Any]] = []
    for mark in strip.marks:
        if segments and segments[-1][0] == mark.probe.verdict:
            segments[-1][1] += 1
        else:
            segments.append([mark.probe.verdict, 1])
    parts = [f"{cell_word(v)} ×{n}" for v, n in segments[-limit:]]
    return ("… → " if len(segments) > limit else "") + " → ".join(parts)


def render_markdown(report: Report, evals: Sequence[tuple[str, Mapping[str, Any]]] = ()) -> str:
    """The report for a ticket or a pull request: the same sections as the page, as Markdown tables."""
    from gpt56probe.views.evalview import section_markdown

    out = ["# GPT-5.6 preview access report", ""]
    out += [f"- made: {report.fmt(report.generated_at)} {md(report.zone)} by gpt56probe {md(report.version)}",
            f"- history: {md(report.history_source)} ({counted(report.history_rows, 'line')}, {counted(report.runs, 'run')}"
            + (f", {report.skipped_rows} without a time left out" if report.skipped_rows else "") + ")"]
    if report.result_sources:
        out.append(f"- results: {', '.join(md(s) for s in report.result_sources)}")
    out.append(f"- window: {report.window_text}")
    out += ["", f"## Now ({'from the result files' if report.matrix_from == 'results' else 'latest run in history'})", ""]
    if report.orgs:
        multi = any(len({p.surface for p in cell}) > 1 for cell in report.matrix.values())
        out.append("| org | " + " | ".join(md(m) for m in report.models) + " |")
        out.append("|---" * (len(report.models) + 1) + "|")
        for org in report.orgs:
            cells = [" / ".join(_md_probe(p, multi) for p in report.cell(org, m)) or NOT_PROBED for m in report.models]
            out.append(f"| {md(org)} | " + " | ".join(cells) + " |")
        out += ["", "| org | model | surface | vantage | verdict | HTTP | request id | at | error |", "|---" * 9 + "|"]
        for org in report.orgs:
            for model in report.models:
                for p in report.cell(org, model):
                    out.append(f"| {md(org)} | {md(model)} | {md(p.surface)} | {md(p.vantage) or '-'} | {md_code(p.slug)} | {p.http_status} "
                               f"| {md_code(p.request_id) or '-'} | {report.fmt(p.at)} | {md(p.error) or '-'} |")
    else:
        out.append("No results.")
    if report.retiring:
        out += ["", "## Retiring (shutdown_date in the org's model list)", ""] + [f"- {md(line)}" for line in retiring_lines(report)]
    out += ["", "## Changes (newest first)", ""]
    if report.changes:
        out += ["| when | org | model | surface | vantage | from | to |", "|---" * 7 + "|"]
        for c in report.changes:
            out.append(f"| {report.fmt(c.at)} | {md(c.org)} | {md(c.model)} | {md(c.surface)} | {md(c.vantage) or '-'} "
                       f"| {md(cell_word(c.previous))} ({md_code(c.previous_slug)}) | {md(cell_word(c.current))} ({md_code(c.current_slug)}) |")
        if report.changes_hidden:
            out += ["", f"{counted(report.changes_hidden, 'older change')} not listed (`gpt56probe history` lists them all)."]
    else:
        out.append("No verdict changes in the window.")
    out += ["", "## Timelines", ""]
    if report.strips:
        out += ["| org | model | surface | vantage | runs | ok | now | access | runs, oldest first |", "|---" * 9 + "|"]
        for s in report.strips:
            avail = "-" if s.availability is None else f"{s.availability:.0f}%"
            model = md(s.model) + ("" if s.expected else " (not expected)")
            out.append(f"| {md(s.org)} | {model} | {md(s.surface)} | {md(s.vantage) or '-'} | {s.runs} | {avail} | {md(s.last.word)} "
                       f"| {md(s.access)} | {md(_runs_text(s))} |")
        if report.org_availability:
            out += ["", "Availability of the expected tiers (" + ", ".join(report.expected_tiers) + ") per org: "
                    + "; ".join(f"{md(org)} {100.0 * ok / n:.0f}% of {n}" for org, (ok, n) in report.org_availability.items() if n) + "."]
    else:
        out.append("No runs in the window.")
    for source, doc in evals:
        out += ["", *section_markdown(doc, source)]
    return "\n".join(out) + "\n"
