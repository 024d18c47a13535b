"""``served``: what the tier-served logs of the emitted router say, per role and per day.

Wires migrate.servedfiles (reading), migrate.served (the arithmetic) and migrate.servedview (the
outputs); every output goes through the gate (stdout, ``--prom-file`` via files.write_output).
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from gpt56probe.cli.common import OneLineError, OneLineUsageCommand, deliver, validate_output_file, warn

if TYPE_CHECKING:
    from gpt56probe.migrate.served import ServedReport

EXIT_NO_INPUT = 3  # a mistake, as in every command (cli.common.EXIT_CODES)


def _since(ctx: click.Context, param: click.Parameter, value: str) -> datetime:
    from gpt56probe.core.history import parse_since

    try:
        return parse_since(value)
    except (ValueError, OverflowError) as exc:
        raise click.BadParameter(str(exc) if isinstance(exc, ValueError) else f"{value!r} is out of range") from None


def served_report(logs: tuple[str, ...], since: datetime, retire_below: float, retire_days: int) -> ServedReport:
    """Read LOGS and build the report; a one-line error when nothing could be read. Shared with ``report --served``."""
    from gpt56probe.migrate.served import Criterion, build_report
    from gpt56probe.migrate.servedfiles import NoInput, read_calls

    now = datetime.now().astimezone()
    try:
        calls, reading = read_calls(logs, stdin=sys.stdin.buffer if "-" in logs else None, since=since, until=now)
    except NoInput as exc:
        raise OneLineError(f"no served log could be read: {exc}") from None
    return build_report(calls, now, since, Criterion(retire_below / 100.0, retire_days), reading)


@click.command(cls=OneLineUsageCommand)
@click.argument("logs", nargs=-1, required=True, metavar="LOG...")
@click.option("--since", default="7d", show_default=True, callback=_since, metavar="WHEN",
              help="Window start: a span ago (24h, 7d, 2w) or an ISO date/time.")
@click.option("--retire-below", type=click.FloatRange(0, 100), default=1.0, show_default=True, metavar="PCT",
              help="The fallback can be retired when a role falls back on under PCT % of its calls ...")
@click.option("--retire-days", type=click.IntRange(1, 366), default=7, show_default=True, metavar="D",
              help="... on each of the last D days (UTC).")
@click.option("--format", "fmt", type=click.Choice(["summary", "json"]), default="summary", show_default=True,
              help="Terminal summary, or the JSON document (schema gpt56probe.served-report/1).")
@click.option("--prom-file", type=click.Path(dir_okay=False, path_type=Path), metavar="PATH", callback=validate_output_file,
              help="Also write node_exporter textfile metrics here, atomically.")
def served(logs: tuple[str, ...], since: datetime, retire_below: float, retire_days: int, fmt: str, prom_file: Path | None) -> None:
    """Read the tier-served logs the emitted router writes: per role and day, which model served.

    LOG is a file, a glob (quote it: 'served.log*' takes the rotated and
    gzip'd ones too) or - for stdin. Per role: the share each model served,
    how often a fallback did and the error classes behind it, latency per
    model, and whether the fallback can be retired (fallback rate under
    --retire-below % on each of the last --retire-days days). Lines that are
    not served records (garbage, bad bytes, cut by a crash) are counted and
    skipped.

    \b
    Examples:
      gpt56probe served /var/log/app/served.log
      gpt56probe served 'served.log*' --since 30d --retire-below 0.5 --retire-days 14
      zcat old.gz | gpt56probe served - --format json

    \b
    Exit status: 0 the report was made; 3 no log could be read.
    """
    from gpt56probe.cli.terminal import terminal_width
    from gpt56probe.migrate import servedview
    from gpt56probe.migrate.served import report_doc

    report = served_report(logs, since, retire_below, retire_days)
    for problem in report.reading.unreadable:
        warn(f"cannot read {problem}")
    if prom_file is not None:
        try:
            from gpt56probe.store.files import write_output

            write_output(prom_file, servedview.render_metrics(report), mode=0o644)
        except OSError as exc:
            warn(f"cannot write {prom_file}: {exc.strerror or exc}")
    if fmt == "json":
        from gpt56probe.views.render import render_json

        deliver(render_json(report_doc(report)), None)
    else:
        deliver(servedview.render_summary(report, terminal_width()), None)
