"""Text measured the way a terminal draws it: display columns, not code points.

Pure. A CJK character or a wide emoji takes two columns, a combining mark or a
zero-width format character none; ``len()`` counts each as one and would let a
line spill past the terminal's edge. Also: fitting a string into a width (a
middle ellipsis keeps the start and the end of an id readable) and wrapping
unbreakable units (a request id, "sol req_…") into lines no wider than the width.
Painted text (colour marks, gpt56probe.core.style) measures like the plain text: marks take no column.
"""

from __future__ import annotations

import re

import unicodedata
from functools import lru_cache
from typing import Iterable, Sequence

from gpt56probe.core.style import MARKS

ELLIPSIS = "\u2026"


@lru_cache(maxsize=8192)
def char_width(char: str) -> int:
    """Columns one code point takes: 0, 1 or 2 (east_asian_width W/F is 2); a style mark (gpt56probe.core.style,
    a colour the gate turns into an SGR code on a colour terminal) takes none."""
    if MARKS.match(char):
        return 0
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def display_width(text: str) -> int:
    """Columns ``text`` takes on a terminal (no control characters expected: the caller cleans them)."""
    if text.isascii():
        return len(text)
    return sum(char_width(c) for c in text)


def take_width(text: str, width: int) -> tuple[str, str]:
    """Split ``text`` into a head of at most ``width`` columns and the rest."""
    used = 0
    for index, char in enumerate(text):
        w = char_width(char)
        if used + w > width:
            return text[:index], text[index:]
        used += w
    return text, ""


def pad(text: str, width: int) -> str:
    """``text`` padded with spaces to ``width`` columns (never cut)."""
    return text + " " * max(0, width - display_width(text))


def fit(text: str, width: int) -> str:
    """``text`` if it fits in ``width`` columns, else its start and end around an ellipsis."""
    if display_width(text) <= width:
        return text
    if width <= 1:
        return ELLIPSIS[:width]
    room = width - 1
    head, _ = take_width(text, room - room // 3)
    tail_room = room - display_width(head)
    tail = ""
    for char in reversed(text):
        w = char_width(char)
        if display_width(tail) + w > tail_room:
            break
        tail = char + tail
    return head + ELLIPSIS + tail


def wrap_units(units: Iterable[str], width: int, first: str = "", rest: str = "") -> list[str]:
    """Greedy wrap of unbreakable ``units`` (joined by one space) into lines of at most ``width`` columns.

    ``first`` prefixes the first line, ``rest`` every other; a unit wider than a
    whole line is cut where the line ends (a hostile org id must not widen it).
    """
    rest_width = display_width(rest)
    if rest_width >= width - 1:
        rest, rest_width = "", 0
    lines: list[str] = []
    line, used, empty = first, display_width(first), True
    if used >= width - 1:
        lines.append(fit(first, width))
        line, used = rest, rest_width
    for unit in units:
        if not unit:
            continue
        unit_width = display_width(unit)
        gap = 0 if empty else 1
        if used + gap + unit_width <= width:
            line += (" " if gap else "") + unit
            used += gap + unit_width
            empty = False
            continue
        if not empty:
            lines.append(line)
            line, used, empty = rest, rest_width, True
        while used + display_width(unit) > width:
            head, unit = take_width(unit, width - used)
            lines.append(line + head)
            line, used = rest, rest_width
        line += unit
        used += display_width(unit)
        empty = False
    if not empty or not lines:
        lines.append(line)
    return lines


_WORD_OR_COMMAND = re.compile(r"\S*`[^`]*`\S*|\S+")


def wrap_text(text: str, width: int, first: str = "", rest: str = "") -> list[str]:
    """``wrap_units`` over the words of ``text``; a `quoted command` is one unit when it fits a line, so a
    command the tool prints is never broken across lines (it runs when pasted)."""
    room = width - display_width(rest)
    units: list[str] = []
    for match in _WORD_OR_COMMAND.finditer(text):
        unit = match.group(0)
        units.extend(unit.split() if display_width(unit) > room else [" ".join(unit.split())])
    return wrap_units(units, width, first, rest)


def widest(lines: Sequence[str]) -> int:
    return max((display_width(line) for line in lines), default=0)


def fit_prose(text: str, width: int | None) -> str:
    """Every line of ``text`` no wider than ``width`` columns: a longer line is wrapped at word boundaries
    under its own indentation plus two spaces (ids and URLs are words: split only when one alone is wider
    than the line). ``width`` None (a pipe, nothing to fit) returns ``text`` unchanged."""
    if not width or not text:
        return text
    width = max(20, width)
    out: list[str] = []
    for line in text.split("\n"):
        if display_width(line) <= width:
            out.append(line)
            continue
        indent = line[: len(line) - len(line.lstrip(" "))]
        if len(indent) > width // 2:
            indent = indent[: width // 2]
        out += wrap_text(line, width, indent, indent + "  ")
    return "\n".join(out)
