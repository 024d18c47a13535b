"""``check --until-ok``: probe on an interval until every expected target is ok ("tell me when provisioning lands").

Prints the starting status line, then a line only when a verdict changes, and
the status line again at the end. Exit 0 as soon as every expected target is ok,
2 when --give-up-after passes first. It records no history and feeds no cron
sink (--prom-file, --ping-url, --on-change): it is for a person waiting.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any, Callable, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK = 0
EXIT_GAVE_UP = 2


def until_ok_options(f: F) -> F:
    from gpt56probe.cli.common import Duration

    options = [
        click.option("--until-ok", "until_ok", is_flag=True,
                     help="Probe again on an interval until every expected target is ok (exit 0), printing a line "
                          "only when a verdict changes; exit 2 when --give-up-after passes first."),
        click.option("--every", "every", default="10m", show_default=True, metavar="DURATION", type=Duration(1.0),
                     help="With --until-ok: the interval between checks, give or take 10% (30s, 10m, 1h)."),
        click.option("--give-up-after", "give_up_after", default="7d", show_default=True, metavar="DURATION", type=Duration(0.0),
                     help="With --until-ok: stop waiting after this long (1h, 7d)."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _stamp() -> str:
    from datetime import datetime

    return datetime.now().astimezone().isoformat(timespec="seconds")


def wait_until_ok(request: Any, every_s: float, give_up_after_s: float, quiet: bool, verbose: bool,
                  endpoint: str | None = None) -> int:
    """The --until-ok loop; returns the exit status. It waits on one endpoint (the base URL's host) and says which."""
    from gpt56probe.views import render
    from gpt56probe.core import waiting
    from gpt56probe.net.checkrun import perform_check
    from gpt56probe.cli.terminal import Countdown, Progress

    def say(line: str) -> None:
        if not quiet:
            from gpt56probe.cli.terminal import say as fitted

            fitted(line)

    if endpoint and not quiet:
        from gpt56probe.cli.terminal import say as fitted

        fitted(f"endpoint: {endpoint} (waiting until every expected target there is ok)", err=True)
    started = time.monotonic()
    give_up_at = started + give_up_after_s
    previous: dict[Any, str] | None = None
    round_number = 0
    while True:
        round_number += 1
        with Progress(enabled=not (quiet or verbose)) as progress:
            outcome = perform_check(replace(request, progress=progress.update))
        stamp = _stamp()
        status = render.status_line(outcome.diagnoses, outcome.severity, expected=outcome.expected_tiers)
        if previous is None:
            say(f"{stamp} {status}")
        else:
            for line in waiting.changed_lines(previous, outcome.diagnoses, stamp):
                say(line)
        previous = waiting.verdicts_of(outcome.diagnoses)
        if waiting.all_expected_ok(outcome.diagnoses, outcome.expected_tiers):
            if round_number > 1:
                say(f"{stamp} {status}")
            return EXIT_OK
        left = give_up_at - time.monotonic()
        if left <= 0:
            say(f"{stamp} gave up after {waiting.format_span(time.monotonic() - started)} and {round_number} check(s): {status}")
            return EXIT_GAVE_UP
        pause = waiting.next_wait(every_s, left)
        label = f"round {round_number + 1}, {waiting.format_span(time.monotonic() - started)} so far"
        with Countdown(not (quiet or verbose), pause, label):
            time.sleep(pause)
