"""The terminal around the summary: its width, whether to colour, and the progress line on stderr.

gpt56probe.views.summary draws; this module only asks the terminal what it can show.
Everything goes out through click.echo, so through the output gate, which turns
gpt56probe.core.style's colour and line-erase marks into terminal codes (and nothing else).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from types import TracebackType
from typing import Any, Callable, Mapping, Sequence, TypeVar

import click

from gpt56probe.core.style import ERASE_LINE  # the mark the gate turns into "column 0, clear the line" on a terminal

F = TypeVar("F", bound=Callable[..., Any])

PROGRESS_TICK_S = 0.25
"""How often the elapsed time is redrawn while no probe finishes."""


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def terminal_width(err: bool = False) -> int:
    """Columns of the terminal on stdout (stderr with ``err``): ``COLUMNS`` first, as shutil.get_terminal_size
    reads it, else the terminal's own, else 80 (a pipe). The summary draws at no fewer than 60 whatever this says."""
    try:
        columns = int(os.environ.get("COLUMNS", ""))
        if columns > 0:
            return columns
    except ValueError:
        pass
    try:
        columns = os.get_terminal_size((sys.stderr if err else sys.stdout).fileno()).columns
    except (AttributeError, ValueError, OSError):
        return 80
    return columns if columns > 0 else 80


def screen_width(err: bool = False) -> int | None:
    """The width human output must fit: ``COLUMNS`` when set, else the terminal's when stdout is one; None for
    a pipe or a file, where a line is as long as it is. stderr (``err``: errors, warnings, traces) is fitted
    only on a terminal: a log or a program reading it keeps one line per message whatever COLUMNS says."""
    if err and not _isatty(sys.stderr):
        return None
    try:
        columns = int(os.environ.get("COLUMNS", ""))
        if columns > 0:
            return columns
    except ValueError:
        pass
    stream = sys.stderr if err else sys.stdout
    if not _isatty(stream):
        return None
    return terminal_width(err)


def say(text: str, err: bool = False, nl: bool = True) -> None:
    """Human text on stdout (stderr with ``err``), every line fitted to the screen (views.textwidth.fit_prose)."""
    from gpt56probe.views.textwidth import fit_prose

    click.echo(fit_prose(text, screen_width(err)), err=err, nl=nl)


def use_colour(no_color: bool = False) -> bool:
    """Colour on stdout only for a terminal, and never with --no-color, NO_COLOR (any value) or TERM=dumb."""
    if no_color or os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return _isatty(sys.stdout)


def details_option(f: F) -> F:
    """``--details``: the summary's request ids and full next steps (the default shows one line per problem)."""
    return click.option("--details", is_flag=True,
                        help="Summary: each problem's request ids and full next step, the base URL and the cost.")(f)


def no_color_option(f: F) -> F:
    """``--no-color``: the words without their colours (the words are always there)."""
    return click.option("--no-color", "no_color", is_flag=True,
                        help="Never colour the summary (also: NO_COLOR set to anything, TERM=dumb, or output not a terminal).")(f)


DISPLAY_META = "gpt56probe.display"


def set_display(labels: Mapping[str, str] | None = None, no_color: bool = False, details: bool = False) -> None:
    """What the summary shows besides the outcome: the config's org labels; --no-color; --details (or -v)."""
    ctx = click.get_current_context()
    ctx.meta[DISPLAY_META] = (dict(labels or {}), no_color, details)


def summary_text(outcome: Any, severity: Any, notes: Sequence[str] = ()) -> str:
    """The summary of a check's outcome, drawn for this terminal (gpt56probe.views.summary does the drawing)."""
    from gpt56probe.net import netenv
    from gpt56probe.views import render, summary
    from gpt56probe.core.cost import probe_cost

    ctx = click.get_current_context(silent=True)
    labels, no_color, details = ctx.meta.get(DISPLAY_META, ({}, False, False)) if ctx is not None else ({}, False, False)
    proxy = ""
    if summary.transport_cause(outcome.observations) is not None and (outcome.trust_env or outcome.proxy):
        status = netenv.proxy_status(outcome.base_url, explicit=outcome.proxy)
        if status.applies:
            where = "HTTPS_PROXY/ALL_PROXY or the system settings" if status.source == "system" else status.source
            proxy = f"{status.applies} (from {where})"
    view = summary.SummaryView(
        outcome.diagnoses, outcome.observations, labels, outcome.base_url, proxy,
        [*notes, *render.diagnosis_notes(outcome.diagnoses)], probe_cost(outcome.diagnoses, outcome.table).note(),
        render.status_line(outcome.diagnoses, severity, expected=outcome.expected_tiers, listed=3 if details else 1), severity, details,
    )
    return summary.render_summary(view, terminal_width(), colour=use_colour(no_color))


class LiveLine:
    """One stderr line redrawn in place and erased at the end, by one thread of its own.

    Drawn only when stderr is a terminal (``enabled`` says whether the caller wants it:
    not with --quiet, not with -v traces on the same stream); in cron logs and pipes
    nothing is written. Subclasses say what the line reads (``text``); ``changed`` asks
    for a prompt redraw. Every frame and the final erase come from the drawing thread,
    so the output gate, which holds back per thread a tail that could start a secret,
    always sees a held tail followed by that thread's own next erase.
    """

    MIN_REDRAW_S = 0.05

    def __init__(self, enabled: bool, width: int | None = None) -> None:
        self.enabled = enabled and _isatty(sys.stderr)
        self._width = width
        self._lock = threading.Lock()
        self._started = time.monotonic()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._ticker: threading.Thread | None = None

    def __enter__(self) -> "LiveLine":
        if self.enabled:
            self._started = time.monotonic()
            self._ticker = threading.Thread(target=self._run, name="live-line", daemon=True)
            self._ticker.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def text(self, elapsed_s: float, width: int) -> str:
        """The line to draw now; empty for nothing yet."""
        raise NotImplementedError

    def changed(self) -> None:
        self._wake.set()

    def close(self) -> None:
        """Stop redrawing and erase the line (idempotent)."""
        self._stop.set()
        self._wake.set()
        if self._ticker is not None:
            self._ticker.join(timeout=2.0)
            self._ticker = None

    def _run(self) -> None:
        drawn = False
        try:
            while not self._stop.is_set():
                with self._lock:
                    line = self.text(time.monotonic() - self._started, self._width or terminal_width(err=True))
                if line:
                    click.echo(ERASE_LINE + line, err=True, nl=False)
                    drawn = True
                self._wake.wait(PROGRESS_TICK_S)
                self._wake.clear()
                self._stop.wait(self.MIN_REDRAW_S)
        finally:
            if drawn:
                click.echo(ERASE_LINE, err=True, nl=False)


class Progress(LiveLine):
    """``checking: 12/50 probes done, 3.4 s``; ``update`` is the runner's progress callback (probe threads)."""

    def __init__(self, enabled: bool, width: int | None = None) -> None:
        super().__init__(enabled, width)
        self._done = 0
        self._total = 0

    def __enter__(self) -> "Progress":
        super().__enter__()
        return self

    def update(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        with self._lock:
            self._done, self._total = done, total
        self.changed()

    def text(self, elapsed_s: float, width: int) -> str:
        from gpt56probe.views.summary import progress_line

        return progress_line(self._done, self._total, elapsed_s, width) if self._total else ""


class Countdown(LiveLine):
    """``waiting: next check in 9m 58s (round 2, 20m so far)`` while --until-ok sleeps."""

    def __init__(self, enabled: bool, wait_s: float, label: str) -> None:
        super().__init__(enabled)
        self._wait_s = wait_s
        self._label = label

    def text(self, elapsed_s: float, width: int) -> str:
        from gpt56probe.views.textwidth import fit
        from gpt56probe.core.waiting import format_span

        return fit(f"waiting: next check in {format_span(self._wait_s - elapsed_s)} ({self._label})", max(20, width) - 1)
