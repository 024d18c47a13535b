"""Help that fits the terminal: click's help formatter sized from the screen, with grouped options.

click sizes help from the terminal capped by ``max_content_width`` and never wraps a
``\\b`` block or a long option line; this formatter takes the width gpt56probe draws everything else
at (``COLUMNS``, else the terminal, else 80; at most HELP_MAX_WIDTH for reading) and wraps any line
still wider at word boundaries (views.textwidth.fit_prose), so no help line passes the edge.
"""

from __future__ import annotations

import os
import re
from typing import Any, Sequence

import click

HELP_MAX_WIDTH = 100
"""Help wider than this is harder to read, whatever the terminal."""


def help_width() -> int:
    """The columns help may use: ``COLUMNS``, else the terminal's, else 80; never more than HELP_MAX_WIDTH."""
    try:
        columns = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(1).columns
        except (OSError, ValueError):
            columns = 80
    return max(40, min(columns, HELP_MAX_WIDTH))


class FittingHelpFormatter(click.HelpFormatter):
    """click's formatter at the screen's width; every line it produces fits that width."""

    def __init__(self, indent_increment: int = 2, width: int | None = None, max_width: int | None = None) -> None:
        self.screen = help_width()
        super().__init__(indent_increment, width=self.screen - 1, max_width=max_width)

    def getvalue(self) -> str:
        from gpt56probe.views.textwidth import fit_prose

        return fit_prose(super().getvalue(), self.screen)


class FittingContext(click.Context):
    formatter_class = FittingHelpFormatter


_CLAUSE_END = re.compile(r"(?<=[a-z0-9)\]`'])(\.\s|;\s|:\s)|\s\[|\s\(")


def first_clause(text: str) -> str:
    """The help of an option up to its first full stop, semicolon, colon or bracket: a one-line reminder."""
    found = _CLAUSE_END.search(text)
    return (text[:found.start()] if found else text).strip().rstrip(".")


def format_grouped_options(command: click.Command, ctx: click.Context, formatter: click.HelpFormatter,
                           groups: Sequence[tuple[str, Sequence[Any]]]) -> None:
    """The command's options in named sections, each option one short line (README has the rest): a group
    names a parameter, or (parameter, its line); else the first clause of its help. An option no group
    names lands in the last section."""
    params = {p.name: p for p in command.get_params(ctx) if isinstance(p, click.Option) and not p.hidden}
    placed: set[str] = set()
    sections: list[tuple[str, list[tuple[str, str]]]] = []
    for title, names in groups:
        rows = []
        for entry in names:
            name, short = (entry, None) if isinstance(entry, str) else entry
            param = params.get(name)
            if param is None:
                continue
            placed.add(name)
            rows.append(_row(param, ctx, short))
        sections.append((title, rows))
    rest = [_row(p, ctx) for name, p in params.items() if name not in placed]
    if rest and sections:
        sections[-1][1].extend(rest)
    for title, rows in sections:
        if rows:
            with formatter.section(title):
                formatter.write_dl(rows, col_max=26)


def _row(param: click.Option, ctx: click.Context, short: str | None = None) -> tuple[str, str]:
    opts = ", ".join(param.opts + param.secondary_opts)
    if not param.is_flag and not param.count:
        metavar = param.metavar or param.make_metavar(ctx)
        opts += f" {metavar}"
    text = short if short is not None else first_clause(param.help or "")
    default = param.default if param.show_default and short is None and not callable(param.default) else None
    if default not in (None, False, "", ()) and len(str(default)) <= 8:
        text += f" [{default}]"
    return opts, text


def fit_help(command: Any) -> None:
    """Give ``command`` (and, for a group, every subcommand it holds) help sized for the screen."""
    command.context_class = FittingContext
    for sub in getattr(command, "commands", {}).values():
        fit_help(sub)
