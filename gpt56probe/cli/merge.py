"""``merge``: checks from several vantages as one vantage x org x tier picture, and what the differences mean."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from gpt56probe.cli.common import Duration, OneLineError, OneLineUsageCommand, deliver, format_option, warn
from gpt56probe.cli.options import endpoint_option
from gpt56probe.cli.terminal import no_color_option, say
from gpt56probe.views.vocabulary import counted

INPUT_LIMIT = 64 * 1024 * 1024


def _read(path: Path, timeout_s: float) -> bytes:
    from gpt56probe.cli.common import read_named_input

    return read_named_input(path, INPUT_LIMIT, timeout_s, "a check result or a history file")


FILE_WIDTH = 120
"""The width of the matrix in a file or a pipe: rows are "org @ vantage", wider than check's org column."""


def _width(to_stdout: bool) -> int:
    """A terminal's own width (COLUMNS first); FILE_WIDTH for a file or a pipe."""
    import os

    from gpt56probe.cli.terminal import terminal_width

    if to_stdout and (os.environ.get("COLUMNS") or sys.stdout.isatty()):
        return terminal_width()
    return FILE_WIDTH


@click.command(cls=OneLineUsageCommand)
@click.argument("inputs", nargs=-1, required=True, metavar="FILE...",
                type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path), metavar="FILE",
              help="Write to FILE instead of stdout.")
@format_option()
@endpoint_option
@no_color_option
@click.option("--deadline", type=Duration(0.5, 3600), default=60.0, show_default=True, metavar="DURATION",
              help="Bound on reading the inputs: seconds, or a duration (90s, 2m) (stdin, a pipe or a FIFO that never ends is an error, not a hang).")
def merge(inputs: tuple[Path, ...], output: Path | None, fmt: str, endpoint: str, no_color: bool, deadline: float) -> None:
    """Merge checks made from several places into one vantage x org x tier matrix.

    FILE is a `check --format json` result (or an earlier merge) or a
    history.jsonl; '-' reads stdin. Each result's vantage (check --vantage,
    default the host name) tells the places apart; an input without one is
    named after its file. Per target, the latest verdict of each vantage
    counts, and the differences are explained: ok at one vantage and
    region_vpn, network_error or timeout at another depends on where you call
    from; an access verdict that agrees everywhere is about the org, not the
    network.

    One endpoint (the base URL's host) is merged: the real API unless
    --endpoint names another; inputs and history rows recorded against
    another endpoint are left out, and a line on stderr says so. When that
    leaves nothing to merge, or the inputs hold no results at all, it is an
    error (exit 3) naming the endpoints the inputs hold.

    \b
    Examples:
      gpt56probe check --all-orgs --vantage eu-office --format json > eu.json
      gpt56probe merge eu.json us.json
      gpt56probe merge eu.json us.json --format json > merged.json
      gpt56probe report --html status.html merged.json

    --format json follows the check result schema, with each result's
    vantage and the lists "vantages" and "findings".
    """
    from gpt56probe.views import merge as core
    from gpt56probe.cli.auth import get_config, learn_stored_keys

    learn_stored_keys(get_config())  # a stored key an input echoes is masked like any other
    import time

    end = time.monotonic() + deadline
    sources = []
    for path in inputs:
        name = "<stdin>" if str(path) == "-" else str(path)
        try:
            source = core.source_from_bytes(name, _read(path, end - time.monotonic()))
        except core.MergeInputError as exc:
            raise OneLineError(str(exc)) from None
        if source.skipped:
            warn(f"{name}: skipped {counted(source.skipped, 'unreadable line')}")
        sources.append(source)
    kept = core.for_endpoint(sources, endpoint)
    say(f"endpoint: {endpoint}", err=True)
    for line in kept.left_out:
        warn(line)
    if kept.empty:
        raise OneLineError(core.nothing_to_merge(kept, endpoint))
    merged = core.merge_sources(kept.sources)
    if fmt == "json":
        import json

        text = json.dumps(core.merged_doc(merged, endpoint), indent=2) + "\n"
    elif fmt == "table":
        from gpt56probe.cli.terminal import use_colour

        to_stdout = output is None or str(output) == "-"
        text = core.render_text(merged, _width(to_stdout), colour=to_stdout and use_colour(no_color))
    else:
        from gpt56probe.cli.terminal import screen_width

        text = core.render_table(merged, fmt, screen_width() if output is None or str(output) == "-" else None)
    deliver(text, output)
