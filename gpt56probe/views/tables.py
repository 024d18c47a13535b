"""Tables that fit the terminal: one place turns rows into a tabulate table no wider than the screen.

Pure (tabulate is imported when a table is drawn, never at start-up). For the formats a person reads
on a terminal (``table``/``simple``, ``plain``, ``grid`` and the other box formats whose cells may
hold several lines), a table wider than ``width`` has its prose columns wrapped at word boundaries,
never narrower than their longest word (so a request id, an org id or a URL is never split); when
even that is too wide, each row is shown as a record, one ``field  value`` line per column. Formats
meant for another program or document (github, pipe, tsv, html, latex, ...) are written as they are:
a Markdown table with wrapped cells would no longer be one.
"""

from __future__ import annotations

from typing import Any, Sequence

from gpt56probe.views.textwidth import display_width, fit_prose, wrap_text

TABLE_FORMAT_ALIAS = {"table": "simple"}
FITTED_FORMATS = frozenset({"simple", "plain", "grid", "simple_grid", "rounded_grid", "heavy_grid", "mixed_grid", "double_grid",
                            "fancy_grid", "outline", "simple_outline", "rounded_outline", "heavy_outline", "mixed_outline",
                            "double_outline", "fancy_outline", "presto", "psql", "orgtbl", "rst", "pretty"})
"""tabulate formats drawn for a person, whose cells may hold several lines: these are fitted to the width."""

_GAP = {"simple": 2, "plain": 2, "rst": 2}
"""Columns between two cells; the box formats take 3 (`` | ``) and a border of 4."""


def _cell(value: Any) -> str:
    return "-" if value is None else str(value)


def _overhead(fmt: str, columns: int) -> int:
    if fmt in _GAP:
        return _GAP[fmt] * (columns - 1)
    return 3 * (columns - 1) + 4


def _column_widths(headers: Sequence[str], rows: Sequence[Sequence[str]], width: int, fmt: str) -> list[int] | None:
    """Widths that fit ``width``: each column's natural width, the widest prose columns narrowed first,
    none below its longest word; None when even that does not fit."""
    n = len(headers)
    natural = [max([display_width(headers[i])] + [max(display_width(x) for x in row[i].split("\n")) for row in rows]) for i in range(n)]
    floor = [max([max((display_width(w) for w in headers[i].split()), default=1)]
                 + [max((display_width(w) for w in row[i].split()), default=1) for row in rows]) for i in range(n)]
    widths = list(natural)
    over = sum(widths) + _overhead(fmt, n) - width
    while over > 0:
        slack = [(widths[i] - floor[i], i) for i in range(n) if widths[i] > floor[i]]
        if not slack:
            return None
        widest = max(slack, key=lambda s: (widths[s[1]], s[0]))[1]
        others = max([widths[i] for i in range(n) if i != widest and widths[i] > floor[i]] or [floor[widest]])
        step = max(1, min(over, widths[widest] - max(floor[widest], others - 1)))
        widths[widest] -= step
        over -= step
    return widths


def _records(headers: Sequence[str], rows: Sequence[Sequence[str]], width: int) -> str:
    """Each row as ``field  value`` lines (a value wrapped under itself), rows apart by a blank line."""
    key = max(display_width(h) for h in headers)
    out: list[str] = []
    for row in rows:
        if out:
            out.append("")
        for head, value in zip(headers, row):
            first = head + " " * (key - display_width(head)) + "  "
            text = " ".join(value.split()) or "-"
            out += wrap_text(text, width, first, " " * len(first))
    return "\n".join(out)


def render(rows: Sequence[Sequence[Any]], headers: Sequence[str], fmt: str = "table", width: int | None = None) -> str:
    """``rows`` under ``headers`` in the tabulate format ``fmt`` (``table`` is ``simple``), fitted to ``width``
    columns when it is a format people read (FITTED_FORMATS); ``width`` None draws it as wide as it is."""
    from tabulate import tabulate

    tab_fmt = TABLE_FORMAT_ALIAS.get(fmt, fmt)
    cells = [[_cell(v) for v in row] for row in rows]
    heads = [str(h) for h in headers]
    plain = tabulate(cells, headers=heads, tablefmt=tab_fmt, disable_numparse=True)
    if width is None or tab_fmt not in FITTED_FORMATS or max((display_width(x) for x in plain.split("\n")), default=0) <= width:
        return plain
    widths = _column_widths(heads, cells, width, tab_fmt)
    if widths is None:
        return _records(heads, cells, width)
    wrapped = [["\n".join(wrap_text(" ".join(line.split()), w)) if display_width(c) > w else c
                for c, w in zip(row, widths) for line in [c]] for row in cells]
    heads = ["\n".join(wrap_text(h, w)) if display_width(h) > w else h for h, w in zip(heads, widths)]
    text = tabulate(wrapped, headers=heads, tablefmt=tab_fmt, disable_numparse=True)
    if max((display_width(x) for x in text.split("\n")), default=0) > width:
        return _records([str(h) for h in headers], cells, width)
    return text


def with_notes(table: str, notes: Sequence[str], width: int | None) -> str:
    """The table, then each note as ``note: ...``, wrapped to ``width``."""
    if not notes:
        return table
    return table + "\n\n" + fit_prose("\n".join(f"note: {n}" for n in notes), width)
