"""``served``'s outputs: the terminal summary, the Prometheus text, the report's section. Pure.

Every string that came from a log (roles, model ids, error classes: a log is input, not trusted)
is cleaned of control characters and secrets (views.summary.clean) and measured in display columns
(views.textwidth): no line is wider than the width asked for. Label values are escaped as the
Prometheus text format wants.
"""

from __future__ import annotations

import html
from typing import Sequence

from gpt56probe.migrate.served import NONE, RoleReport, ServedReport, fmt_pct, headline, window_words
from gpt56probe.views.metrics import escape_label_value
from gpt56probe.views.summary import MIN_WIDTH, clean
from gpt56probe.views.textwidth import fit, pad, wrap_units
from gpt56probe.views.vocabulary import counted

MAX_DAYS_SHOWN = 14
"""Per-day lines per role in the terminal (the JSON has every day)."""


def wrap_text(text: str, width: int, first: str = "", rest: str = "") -> list[str]:
    """textwidth.wrap_text, keeping a number and its "%" on one line."""
    words: list[str] = []
    for word in text.split():
        if word.startswith("%") and words:
            words[-1] += " " + word
        else:
            words.append(word)
    return wrap_units(words, width, first, rest)


def _ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value / 1000:.1f} s" if value >= 10000 else f"{value:.0f} ms"


def _when(report: ServedReport) -> str:
    return f"{report.since.strftime('%Y-%m-%d %H:%M')} .. {report.generated_at.strftime('%Y-%m-%d %H:%M %Z').strip()}"


def _table(rows: Sequence[Sequence[str]], width: int) -> list[str]:
    """Columns padded to their widest cell; the first column is cut in the middle to make the rest fit."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    rest = sum(widths[1:]) + 2 * (len(widths) - 1)
    widths[0] = max(4, min(widths[0], width - rest - 2))
    out = []
    for row in rows:
        cells = [pad(fit(row[0], widths[0]), widths[0])] + [cell.rjust(w) for cell, w in zip(row[1:], widths[1:])]
        out.append(fit("  ".join(cells).rstrip(), width))
    return out


def _role_block(role: RoleReport, report: ServedReport, width: int) -> list[str]:
    lines = wrap_text(clean(headline(role, report.window_days)), width, rest="  ")
    rows = [["model", "share", "calls", "p50", "p95"]]
    rows += [[clean(m.model), fmt_pct(m.share), str(m.calls), _ms(m.p50_ms), _ms(m.p95_ms)] for m in role.models]
    lines += ["  " + line for line in _table(rows, width - 2)]
    if role.reasons:
        reasons = ", ".join(f"{clean(name)} {count}" for name, count in role.reasons)
        lines += wrap_text(f"behind the fallbacks: {reasons}", width, first="  ", rest="    ")
    for day in role.days[-MAX_DAYS_SHOWN:]:
        served = ", ".join(f"{clean(m)} {n}" for m, n in sorted(day.served.items(), key=lambda kv: (-kv[1], kv[0])))
        lines += wrap_text(f"{day.day.isoformat()} {counted(day.calls, 'call')}, fell back {fmt_pct(day.fallback_rate)} ({served})",
                           width, first="  ", rest="    ")
    lines += wrap_text(clean(role.retire_why), width, first="  ", rest="    ")
    return lines


def render_summary(report: ServedReport, width: int) -> str:
    """The terminal summary: the overview table, then per role its sentence, models, reasons, days and the retire verdict."""
    width = max(width, MIN_WIDTH)
    r = report.reading
    lines = wrap_text(f"served: {counted(report.calls, 'call')} in {window_words(report.window_days)} ({_when(report)}), "
                      f"from {len(r.sources)} log(s)", width, rest="  ")
    if report.roles:
        rows = [["role", "calls", "own tier", "fallback", "failed", "p50"]]
        rows += [[clean(x.role), str(x.calls), fmt_pct(x.by_tier / x.calls), fmt_pct(x.by_fallback / x.calls),
                  fmt_pct(x.failed / x.calls), _ms(x.p50_ms)] for x in report.roles]
        lines += [""] + _table(rows, width)
    for role in report.roles:
        lines += [""] + _role_block(role, report, width)
    notes = []
    if r.bad_lines or r.long_lines:
        notes.append(f"{r.bad_lines + r.long_lines} of {counted(r.lines, 'line')} "
                     + ("was not a served record and was skipped" if r.bad_lines + r.long_lines == 1 else "were not served records and were skipped")
                     + (f" ({r.long_lines} longer than 64 KiB)" if r.long_lines else ""))
    if r.bad_bytes_lines:
        notes.append(f"{counted(r.bad_bytes_lines, 'line')} held bytes that are not UTF-8")
    if report.outside_window:
        notes.append(f"{counted(report.outside_window, 'call')} outside the window " + ("was" if report.outside_window == 1 else "were") + " left out (--since)")
    if not report.roles:
        notes.append("no served calls in the window")
    if notes:
        lines.append("")
        for note in notes:
            lines += wrap_text(note, width, first="note: ", rest="  ")
    return "\n".join(lines)


def _sample(name: str, labels: Sequence[tuple[str, str]], value: float) -> str:
    body = ",".join(f'{k}="{escape_label_value(clean(v))}"' for k, v in labels)
    number = repr(float(value)) if value != int(value) else str(int(value))
    return f"{name}{{{body}}} {number}" if body else f"{name} {number}"


METRICS: tuple[tuple[str, str], ...] = (
    ("gpt56probe_served_calls", "Calls of a role in the window, by the model that served them (model \"(none)\": nothing served)."),
    ("gpt56probe_served_role_calls", "Calls of a role in the window."),
    ("gpt56probe_served_fallback_ratio", "Share of a role's calls its own model did not serve (a fallback did, or nothing)."),
    ("gpt56probe_served_mostly_fallback", "1 when a model other than the role's own served more than half of its calls."),
    ("gpt56probe_served_fallback_reason_calls", "Calls that fell back, by the error class of the role's own model."),
    ("gpt56probe_served_top_reason", "1 for the most common error class behind the calls of a role's most serving model, else behind its fallbacks."),
    ("gpt56probe_served_latency_seconds", "Latency of the serving attempt, by role, model and quantile."),
    ("gpt56probe_served_retirable", "1 when the role's fallback can be retired by the criterion (--retire-below, --retire-days)."),
    ("gpt56probe_served_window_seconds", "The window the figures cover."),
    ("gpt56probe_served_last_run_timestamp_seconds", "When `gpt56probe served` wrote this file."),
)


def render_metrics(report: ServedReport) -> str:
    """node_exporter textfile metrics for the report (every figure is over the window)."""
    samples: dict[str, list[str]] = {name: [] for name, _ in METRICS}
    for role in report.roles:
        own = [("role", role.role)]
        for m in role.models:
            samples["gpt56probe_served_calls"].append(_sample("gpt56probe_served_calls", [*own, ("model", m.model)], m.calls))
            for q, value in (("0.5", m.p50_ms), ("0.95", m.p95_ms)):
                if value is not None and m.model != NONE:
                    samples["gpt56probe_served_latency_seconds"].append(
                        _sample("gpt56probe_served_latency_seconds", [*own, ("model", m.model), ("quantile", q)], value / 1000.0))
        samples["gpt56probe_served_role_calls"].append(_sample("gpt56probe_served_role_calls", own, role.calls))
        samples["gpt56probe_served_fallback_ratio"].append(
            _sample("gpt56probe_served_fallback_ratio", [*own, ("asked", role.asked)], round(role.fallback_rate, 6)))
        samples["gpt56probe_served_mostly_fallback"].append(_sample("gpt56probe_served_mostly_fallback", own, int(role.mostly_fallback)))
        for name, count in role.reasons:
            samples["gpt56probe_served_fallback_reason_calls"].append(
                _sample("gpt56probe_served_fallback_reason_calls", [*own, ("error_class", name)], count))
        top = role.top_reason or (role.reasons[0][0] if role.reasons else None)
        if top is not None:
            samples["gpt56probe_served_top_reason"].append(_sample("gpt56probe_served_top_reason", [*own, ("error_class", top)], 1))
        samples["gpt56probe_served_retirable"].append(_sample("gpt56probe_served_retirable", own, int(role.retire)))
    samples["gpt56probe_served_window_seconds"].append(_sample("gpt56probe_served_window_seconds", [], round(report.window_days * 86400)))
    samples["gpt56probe_served_last_run_timestamp_seconds"].append(
        _sample("gpt56probe_served_last_run_timestamp_seconds", [], round(report.generated_at.timestamp(), 3)))
    out = []
    for name, help_text in METRICS:
        if samples[name]:
            out += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge", *dict.fromkeys(samples[name])]
    return "\n".join(out) + "\n"


def render_markdown(report: ServedReport) -> str:
    """The report's "Tier served" section in Markdown."""
    def cell(text: str) -> str:
        return clean(text).replace("|", "\\|").replace("`", "'")

    lines = ["## Tier served", "", f"{counted(report.calls, 'call')} in {window_words(report.window_days)} ({_when(report)}).", ""]
    if not report.roles:
        return "\n".join(lines + ["No served calls in the window.", ""])
    lines += ["| role | calls | own tier | fallback | failed | fallback can be retired |", "|---|---:|---:|---:|---:|---|"]
    lines += [f"| {cell(r.role)} | {r.calls} | {fmt_pct(r.by_tier / r.calls)} | {fmt_pct(r.by_fallback / r.calls)} | "
              f"{fmt_pct(r.failed / r.calls)} | {'yes' if r.retire else 'no'} |" for r in report.roles]
    lines.append("")
    for r in report.roles:
        lines.append(f"- {cell(headline(r, report.window_days))}; {cell(r.retire_why)}")
    return "\n".join(lines + [""])


def render_html(report: ServedReport) -> str:
    """The report's "Tier served" section as an HTML fragment (escaped; no script, no style of its own)."""
    def e(text: str) -> str:
        return html.escape(clean(text), quote=True)

    parts = ['<section id="served"><h2>Tier served</h2>',
             f"<p>{counted(report.calls, 'call')} in {e(window_words(report.window_days))} ({e(_when(report))}).</p>"]
    if not report.roles:
        return "".join(parts + ["<p>No served calls in the window.</p></section>"])
    parts.append("<table><thead><tr><th>role</th><th>calls</th><th>own tier</th><th>fallback</th><th>failed</th>"
                 "<th>fallback can be retired</th></tr></thead><tbody>")
    parts += [f"<tr><td>{e(r.role)}</td><td>{r.calls}</td><td>{fmt_pct(r.by_tier / r.calls)}</td><td>{fmt_pct(r.by_fallback / r.calls)}</td>"
              f"<td>{fmt_pct(r.failed / r.calls)}</td><td>{'yes' if r.retire else 'no'}</td></tr>" for r in report.roles]
    parts.append("</tbody></table><ul>")
    parts += [f"<li>{e(headline(r, report.window_days))}; {e(r.retire_why)}</li>" for r in report.roles]
    return "".join(parts + ["</ul></section>"])
