"""Colour and line-erase as marks in text, turned into terminal codes only by the output gate.

A renderer paints with ``paint(text, "green")``; the text carries private-use marks,
never an escape sequence. The gate (gpt56probe.core.gate) neutralizes every real control
character first, then turns these marks into SGR codes on a colour terminal, or drops
them everywhere else (files, pipes, ``NO_COLOR``). So nothing but gpt56probe's own
colours can reach a terminal, and a file never holds an escape. Pure.
"""

from __future__ import annotations

import re

COLOURS: dict[str, str] = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33", "magenta": "35", "cyan": "36"}
_FIRST = 0xE020
_OPEN: dict[str, str] = {name: chr(_FIRST + i) for i, name in enumerate(COLOURS)}
RESET = "\ue02f"
ERASE_LINE = "\ue030"
"""At the start of a line: return to column 0 and clear the line (progress displays)."""

_SGR = {mark: f"\x1b[{COLOURS[name]}m" for name, mark in _OPEN.items()}
MARKS = re.compile("[\ue020-\ue030]")


def paint(text: str, colour: str) -> str:
    """``text`` marked to show in ``colour`` (one of COLOURS) on a colour terminal."""
    return f"{_OPEN[colour]}{text}{RESET}" if text else text


def plain(text: str) -> str:
    """``text`` without marks: what a file, a pipe or a ``NO_COLOR`` terminal gets."""
    return MARKS.sub("", text)


def to_ansi(text: str, colour: bool = True) -> str:
    """Marks as terminal codes: SGR colours (only with ``colour``: ``NO_COLOR`` turns colour off, not
    the progress line), and ``\\r ESC[2K`` for an erase at the start of a line.

    An erase mark anywhere else is dropped: only a line gpt56probe starts may be rewritten.
    """

    def code(match: re.Match[str]) -> str:
        mark = match.group(0)
        if mark == ERASE_LINE:
            start = match.start()
            return "\r\x1b[2K" if start == 0 or text[start - 1] == "\n" else ""
        if not colour:
            return ""
        if mark == RESET:
            return "\x1b[0m"
        return _SGR[mark]

    return MARKS.sub(code, text)
