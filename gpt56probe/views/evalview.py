"""Eval results for people: the terminal summary, the comparison of two runs, and the report page's
section. Pure: reads the results document (``gpt56probe.eval/1``, plain JSON data), never the run
itself, so a results file from last month renders the same as a fresh one.

Every line fits the width it is given (display columns, ``textwidth``); table columns are dropped,
least useful first, until the table fits; text from the document is cleaned before it is measured.
"""

from __future__ import annotations

import html
from typing import Any, Mapping, Sequence

from gpt56probe.core.cost import format_usd
from gpt56probe.views.summary import clean
from gpt56probe.views.textwidth import display_width, fit, pad, wrap_text
from gpt56probe.views.vocabulary import counted

BASE_MARK = " (base)"


def _pct(rate: Any) -> str:
    return "-" if not isinstance(rate, (int, float)) or isinstance(rate, bool) else f"{100 * rate:.0f}%"


def _ms(value: Any) -> str:
    return "-" if not isinstance(value, (int, float)) or isinstance(value, bool) else f"{value:.0f}"


def _usd(value: Any, unpriced: bool) -> str:
    if value is None:
        return "unknown" if unpriced else "-"
    return format_usd(float(value))


def _interval(s: Mapping[str, Any]) -> str:
    ci = s.get("interval")
    if not isinstance(ci, list) or len(ci) != 2:
        return "-"
    return f"{100 * ci[0]:.0f}-{100 * ci[1]:.0f}%"


def _run_name(s: Mapping[str, Any], baseline: str) -> str:
    name = clean(s.get("model"))
    if s.get("model") == baseline and s.get("effort_label") == "current":
        name += BASE_MARK
    return name


def _effort(s: Mapping[str, Any]) -> str:
    efforts = s.get("efforts") or []
    text = "/".join(clean(e) for e in efforts) or "-"
    return text if s.get("effort_label") == "current" else f"{text} (-1)"


COLUMNS: tuple[tuple[str, int], ...] = (
    # (header, priority: lower is dropped first)
    ("model", 99), ("effort", 60), ("pass", 98), ("95% CI", 70), ("p50 ms", 40), ("p95 ms", 30),
    ("tok in/out (rsn)", 10), ("$/task", 80), ("$/pass", 50), ("not answered", 90),
)


def score_rows(scores: Sequence[Mapping[str, Any]], baseline: str) -> list[list[str]]:
    rows = []
    for s in scores:
        tasks = s.get("tasks") or 0
        tokens = s.get("tokens") or {}
        cost = s.get("cost_usd") or {}
        unpriced = cost.get("total") is None
        per = (lambda v: 0 if not tasks else round((v or 0) / tasks))
        errors = s.get("errors") or {}
        rows.append([
            _run_name(s, baseline), _effort(s), f"{s.get('passed')}/{tasks} {_pct(s.get('pass_rate'))}", _interval(s),
            _ms((s.get("latency_ms") or {}).get("median")), _ms((s.get("latency_ms") or {}).get("p95")),
            f"{per(tokens.get('input'))}/{per(tokens.get('output'))} ({per(tokens.get('reasoning'))})",
            _usd(cost.get("per_task"), unpriced), _usd(cost.get("per_success"), unpriced and bool(s.get("passed"))),
            ", ".join(f"{clean(v)} x{n}" for v, n in errors.items()) or "-",
        ])
    return rows


def _widths(headers: Sequence[str], rows: Sequence[Sequence[str]], cols: Sequence[int]) -> list[int]:
    return [max(display_width(r[c]) for r in [list(headers), *rows]) for c in cols]


def columns_that_fit(headers: Sequence[str], rows: Sequence[Sequence[str]], width: int, indent: str = "  ") -> list[int]:
    """The columns kept at ``width``: the least useful (COLUMNS' priority) are dropped first."""
    priority = dict(COLUMNS)
    keep = list(range(len(headers)))
    while len(keep) > 2 and display_width(indent) + sum(_widths(headers, rows, keep)) + 2 * (len(keep) - 1) > width:
        keep.remove(min(keep, key=lambda c: priority.get(headers[c], 50)))
    return keep


def table_lines(headers: Sequence[str], rows: Sequence[Sequence[str]], width: int, indent: str = "  ",
                keep: Sequence[int] | None = None) -> list[str]:
    """An aligned table of at most ``width`` columns: low-priority columns go first, then cells are cut."""
    keep = list(keep) if keep is not None else columns_that_fit(headers, rows, width, indent)
    sizes = _widths(headers, rows, keep)
    lines = []
    for row in [list(headers), *rows]:
        cells = [pad(row[c], sizes[i]) if i < len(keep) - 1 else row[c] for i, c in enumerate(keep)]
        lines.append(fit((indent + "  ".join(cells)).rstrip(), width))
    return lines


def _access_lines(doc: Mapping[str, Any], width: int) -> list[str]:
    lines = []
    reached = [clean(m.get("model")) for m in doc.get("models", []) if m.get("state") == "evaluated"]
    lines += wrap_text("evaluated: " + (", ".join(reached) or "nothing"), width, rest="  ")
    for m in doc.get("models", []):
        if m.get("state") != "evaluated":
            text = (f"unreachable: {clean(m.get('model'))} ({clean(m.get('verdict'))}): {clean(m.get('reason'))}; "
                    f"its tasks were not run" + (f" [{clean(m.get('request_id'))}]" if m.get("request_id") else ""))
            lines += wrap_text(text, width, rest="  ")
    return lines


def recommendation_lines(doc: Mapping[str, Any], width: int) -> list[str]:
    lines = []
    for r in doc.get("recommendations", []):
        cls = clean(r.get("class"))
        model = r.get("model")
        if model is None:
            head = f"{cls}: no recommendation"
        else:
            effort = "/".join(clean(e) for e in r.get("efforts") or [])
            head = f"{cls}: {clean(model)}" + (f" at {effort} effort" if effort else "")
            if r.get("status") == "keep_baseline":
                head += " (keep the baseline)"
        lines += wrap_text(head, width)
        body = clean(r.get("reason"))
        if r.get("fallbacks"):
            body += "; fallbacks: " + ", ".join(clean(f) for f in r["fallbacks"])
        lines += wrap_text(body, width, first="  ", rest="  ")
    return lines


def render_summary(doc: Mapping[str, Any], width: int) -> str:
    """The terminal summary of one eval run."""
    width = max(40, width)
    baseline = str(doc.get("baseline") or "")
    task_file = doc.get("task_file") or {}
    scores = [s for s in doc.get("scores", []) if isinstance(s, Mapping)]
    counts: dict[Any, int] = {}
    for t in doc.get("tasks", []):
        counts[t.get("class")] = counts.get(t.get("class"), 0) + 1
    classes = list(task_file.get("classes") or counts)
    head = (f"eval: {counted(task_file.get('tasks', len(doc.get('tasks', []))), 'task')} ("
            + ", ".join(f"{clean(c)} {counts.get(c, 0)}" for c in classes) + f") for {clean(doc.get('org') or 'the default org')}, "
            f"baseline {clean(baseline)}")
    lines = wrap_text(head, width)
    lines += _access_lines(doc, width)
    headers = [h for h, _ in COLUMNS]
    keep = columns_that_fit(headers, score_rows(scores, baseline), width) if scores else None  # the same columns for every class
    for cls in classes:
        mine = [s for s in scores if s.get("class") == cls]
        if not mine:
            continue
        n = max(int(s.get("tasks") or 0) for s in mine)
        small = any(s.get("small") for s in mine)
        lines.append("")
        lines += wrap_text(f"{clean(cls)}: {counted(n, 'task')}" + (" (small set: wide intervals)" if small else ""), width)
        lines += table_lines(headers, score_rows(mine, baseline), width, keep=keep)
    lines.append("")
    lines += wrap_text("recommended, per class (the cheapest run passing at least as many tasks as the baseline):", width)
    lines += recommendation_lines(doc, width)
    cost = doc.get("cost_usd") or {}
    estimate = doc.get("estimate") or {}
    note = f"note: the eval cost {format_usd(float(cost.get('total') or 0))} (usage tokens x published prices)"
    if cost.get("unpriced_models"):
        note += f", plus usage on {', '.join(clean(m) for m in cost['unpriced_models'])} (price not published)"
    if isinstance(estimate.get("max_cost_usd"), (int, float)):
        note += f"; estimated at most {format_usd(float(estimate['max_cost_usd']))} before it ran"
    lines.append("")
    lines += wrap_text(note, width, rest="  ")
    for extra in doc.get("notes") or []:
        lines += wrap_text(f"note: {clean(extra)}", width, rest="  ")
    return "\n".join(line.rstrip() for line in lines)


def estimate_lines(estimate: Mapping[str, Any], limit: float | None, width: int) -> list[str]:
    """What the run may cost at most, per model, before anything is sent."""
    rows = []
    for m in estimate.get("models", []):
        cost = m.get("max_cost_usd")
        rows.append([clean(m.get("model")), str(m.get("calls")), f"{m.get('input_tokens'):,}", f"{m.get('output_tokens'):,}",
                     "unknown (price not published)" if cost is None else format_usd(float(cost))])
    lines = wrap_text("cost estimate (before sending: input ~ characters/3, output = every task's cap, plus the access probes):",
                      width)
    lines += table_lines(["model", "calls", "input tok", "output tok (cap)", "at most"], rows, width)
    total = f"at most {format_usd(float(estimate.get('max_cost_usd') or 0))} for the priced models"
    if estimate.get("unpriced_models"):
        total += f", plus {', '.join(clean(m) for m in estimate['unpriced_models'])} at a price not published"
    if limit is not None:
        total += f" (--max-cost {format_usd(limit)})"
    lines += wrap_text(total, width, first="  ", rest="  ")
    return lines


def render_comparison(doc: Mapping[str, Any], old_name: str, new_name: str, width: int) -> str:
    """``eval --compare``: what got better or worse, per class and run, then each task that flipped."""
    width = max(40, width)
    lines = wrap_text(f"compare: {clean(old_name)} -> {clean(new_name)}: {doc.get('better', 0)} better, "
                      f"{doc.get('worse', 0)} worse (class x run pass rates)", width)
    for note in doc.get("notes") or []:
        lines += wrap_text(f"note: {clean(note)}", width, rest="  ")
    rows = []
    for s in doc.get("scores", []):
        old, new = s.get("old"), s.get("new")

        def cell(side: Any) -> str:
            return "-" if not side else f"{side.get('passed')}/{side.get('tasks')}"

        def money(side: Any) -> str:
            return "-" if not side or side.get("cost_per_task_usd") is None else format_usd(float(side["cost_per_task_usd"]))

        label = clean(s.get("model")) + ("" if s.get("effort_label") == "current" else " (lower)")
        rows.append([clean(s.get("class")), label, cell(old), cell(new), money(old), money(new), clean(s.get("direction"))])
    if rows:
        lines.append("")
        lines += table_lines(["class", "model", "old", "new", "old $/task", "new $/task", "change"], rows, width)
    flips = doc.get("flips") or []
    if flips:
        lines.append("")
        lines += wrap_text(f"{len(flips)} task outcome(s) changed:", width)
        for f in flips:
            label = clean(f.get("model")) + ("" if f.get("effort_label") == "current" else " (lower)")
            lines += wrap_text(f"{clean(f.get('direction'))}: {clean(f.get('task'))} on {label}: {clean(f.get('old'))} -> "
                               f"{clean(f.get('new'))}", width, first="  ", rest="    ")
    recs = doc.get("recommendations") or []
    if recs:
        lines.append("")
        for r in recs:
            lines += wrap_text(f"recommendation for {clean(r.get('class'))}: {clean(r.get('old') or 'none')} -> "
                               f"{clean(r.get('new') or 'none')}", width)
    else:
        lines += ["", "recommendations: unchanged"]
    return "\n".join(line.rstrip() for line in lines)


# --------------------------------------------------------------------------- the report page's section


def _e(value: Any) -> str:
    return html.escape(clean(value), quote=True)


def section_html(doc: Mapping[str, Any], source: str) -> str:
    """``<section id="eval">``: the recommendation per class and the scores behind it."""
    baseline = str(doc.get("baseline") or "")
    out = [f'<section class="eval"><h2>Eval before cutover</h2><p class="note">From {_e(source)}, finished '
           f'{_e(doc.get("finished_at"))}, org {_e(doc.get("org") or "(default)")}, '
           f'{_e(counted((doc.get("task_file") or {}).get("tasks"), "task"))}; baseline {_e(baseline)}.</p>']
    out.append("<table><thead><tr><th>class</th><th>recommended</th><th>pass rate</th><th>baseline</th>"
               "<th>$/task</th><th>fallbacks</th><th>why</th></tr></thead><tbody>")
    for r in doc.get("recommendations", []):
        out.append(f"<tr><td>{_e(r.get('class'))}</td><td>{_e(r.get('model') or 'none')}</td><td>{_e(_pct(r.get('pass_rate')))}</td>"
                   f"<td>{_e(_pct(r.get('baseline_pass_rate')))}</td><td>{_e(_usd(r.get('cost_per_task_usd'), True))}</td>"
                   f"<td>{_e(', '.join(r.get('fallbacks') or []))}</td><td>{_e(r.get('reason'))}</td></tr>")
    out.append("</tbody></table>")
    out.append("<table><thead><tr><th>class</th><th>model</th><th>effort</th><th>pass</th><th>95% CI</th><th>p50 ms</th>"
               "<th>p95 ms</th><th>$/task</th><th>$/pass</th><th>not answered</th></tr></thead><tbody>")
    for s, row in zip(doc.get("scores", []), score_rows(doc.get("scores", []), baseline)):
        cells = [s.get("class"), row[0], row[1], row[2], row[3], row[4], row[5], row[7], row[8], row[9]]
        out.append("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in cells) + "</tr>")
    out.append("</tbody></table>")
    unreachable = [m for m in doc.get("models", []) if m.get("state") != "evaluated"]
    if unreachable:
        out.append("<p>Unreachable, not evaluated: " + ", ".join(f"{_e(m.get('model'))} ({_e(m.get('verdict'))})" for m in unreachable) + "</p>")
    out.append("</section>")
    return "".join(out)


def _md(value: Any) -> str:
    return clean(value).replace("|", "\\|")


def section_markdown(doc: Mapping[str, Any], source: str) -> list[str]:
    baseline = str(doc.get("baseline") or "")
    out = ["## Eval before cutover", "",
           f"From {_md(source)}, finished {_md(doc.get('finished_at'))}, org {_md(doc.get('org') or '(default)')}, "
           f"baseline {_md(baseline)}.", "",
           "| class | recommended | pass rate | baseline | $/task | fallbacks | why |", "|---" * 7 + "|"]
    for r in doc.get("recommendations", []):
        out.append(f"| {_md(r.get('class'))} | {_md(r.get('model') or 'none')} | {_pct(r.get('pass_rate'))} | "
                   f"{_pct(r.get('baseline_pass_rate'))} | {_md(_usd(r.get('cost_per_task_usd'), True))} | "
                   f"{_md(', '.join(r.get('fallbacks') or []))} | {_md(r.get('reason'))} |")
    out += ["", "| class | model | effort | pass | 95% CI | $/task | not answered |", "|---" * 7 + "|"]
    for s, row in zip(doc.get("scores", []), score_rows(doc.get("scores", []), baseline)):
        out.append(f"| {_md(s.get('class'))} | {_md(row[0])} | {_md(row[1])} | {_md(row[2])} | {_md(row[3])} | {_md(row[7])} | {_md(row[9])} |")
    return out
