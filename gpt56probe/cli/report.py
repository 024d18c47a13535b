"""``report``: the status page (or Markdown report) from history and check results.

Reads history through gpt56probe.store.state and the result files as JSON, asks
gpt56probe.views.report to build and render, and writes the file atomically.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import click

from gpt56probe.core.history import parse_since
from gpt56probe.cli.common import (Choices, Duration, OneLineError, OneLineUsageCommand, OneLineUsageError, deliver,
                                   validate_output_file, warn)
from gpt56probe.cli.options import endpoint_option, other_endpoints, state_dir_option

RESULT_FILE_LIMIT = 64 * 1024 * 1024


def _parse_since(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    from gpt56probe.store import state

    if value is None:
        return None
    try:
        return parse_since(value)
    except (ValueError, OverflowError) as exc:
        raise click.BadParameter(str(exc) if isinstance(exc, ValueError) else f"{value!r} is out of range") from None


def _read_results(path: Path, timeout_s: float) -> tuple[str, Any]:
    """One result file as (the endpoint it was checked against, its ResultFile); a one-line error names the file and the problem."""
    from gpt56probe.core.history import doc_endpoint
    from gpt56probe.core.wire import DocumentError, parse_document
    from gpt56probe.cli.common import read_named_input
    from gpt56probe.views.report import result_file_from_doc

    name = "<stdin>" if str(path) == "-" else str(path)
    data = read_named_input(path, RESULT_FILE_LIMIT, timeout_s, "a check result")
    try:
        doc = parse_document(data.decode("utf-8", errors="replace"))
    except DocumentError as exc:
        raise OneLineError(f"{name}: {exc}") from None
    try:
        return doc_endpoint(doc), result_file_from_doc(doc, name)
    except ValueError as exc:
        raise OneLineError(f"{name}: {exc}") from None


@click.command(cls=OneLineUsageCommand)
@click.argument("result_files", nargs=-1, metavar="[RESULTS.json]...",
                type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@click.option("--html", "html_file", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE", callback=validate_output_file,
              help="Write the HTML status page to FILE.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path), metavar="FILE", callback=validate_output_file,
              help="Write the report (in --format) to FILE; '-' or none: stdout.")
@click.option("--format", "fmt", type=Choices(["html", "markdown"]), default="html", show_default=True,
              help="HTML page, or the same content as Markdown (for a ticket or a pull request).")
@click.option("--since", callback=_parse_since, metavar="WHEN",
              help="Window start: an ISO date/time (2026-11-01) or a span ago (24h, 7d). [default: all recorded runs]")
@click.option("--eval", "eval_files", multiple=True, type=click.Path(dir_okay=False, path_type=Path), metavar="RESULTS",
              help="Add an 'Eval before cutover' section from eval's results JSON (repeatable).")
@click.option("--served", "served_logs", multiple=True, metavar="LOG",
              help="Add a \"Tier served\" section from the emitted router's logs (as `served LOG`; repeatable, globs, -). "
                   "Its window is --since, else 7 days.")
@click.option("--deadline", type=Duration(0.5, 3600), default=60.0, show_default=True, metavar="DURATION",
              help="Bound on reading the inputs: seconds, or a duration (90s, 2m) (stdin, a pipe or a FIFO that never ends is an error, not a hang).")
@state_dir_option
@endpoint_option
def report(result_files: tuple[Path, ...], html_file: Path | None, output: Path | None, fmt: str, since: datetime | None,
           eval_files: tuple[Path, ...], served_logs: tuple[str, ...], deadline: float, state_dir: Path, endpoint: str) -> None:
    """Write a status page from history: the org x model matrix now, a timeline
    per org and model, and the list of changes.

    RESULTS.json are `check --format json` (or merged) documents: when given,
    the matrix shows their verdicts (with each result's vantage) and their runs
    join the timelines. The page is one self-contained HTML file (no script, no
    network); server text on it is escaped and redacted. It reports one
    endpoint (the base URL's host; the real API unless --endpoint names
    another): result files checked against another endpoint are left out.

    \b
    Examples:
      gpt56probe report --html status.html --since 7d
      gpt56probe check --org org-abc --format json > now.json; gpt56probe report --html status.html now.json
      gpt56probe report --format markdown --since 24h > report.md
      gpt56probe report --html status.html --eval results.json
      gpt56probe report --html status.html --served /var/log/app/served.log
    """
    from gpt56probe import __version__
    from gpt56probe.views import report as report_core
    from gpt56probe.store import state
    from gpt56probe.views.report_html import render_html

    if html_file is not None and output is not None:
        raise OneLineUsageError("give --html FILE or -o FILE, not both")
    if html_file is not None and fmt != "html":
        raise OneLineUsageError("--html writes HTML; use -o FILE with --format markdown")
    from gpt56probe.cli.auth import get_config, learn_stored_keys

    learn_stored_keys(get_config())
    import time

    end = time.monotonic() + deadline
    results = []
    for path in result_files:
        checked_against, result_file = _read_results(path, end - time.monotonic())
        if checked_against != endpoint:
            warn(f"{path} was checked against {checked_against}, not {endpoint}: left out (--endpoint {checked_against} reports it)")
            continue
        results.append(result_file)
    directory = state.endpoint_dir(state_dir, endpoint)
    problems: list[str] = []
    history = state.read_history(directory, problems)
    for problem in problems:
        warn(problem)
    from gpt56probe.cli.evalcmd import read_doc

    evals = [(str(path), read_doc(path, deadline)) for path in eval_files]
    served_section = None
    if served_logs:
        from gpt56probe.cli.served import served_report

        served_section = served_report(served_logs, since or datetime.now().astimezone() - timedelta(days=7), 1.0, 7)
        for problem in served_section.reading.unreadable:
            warn(f"cannot read {problem}")
    if not history and not results and not evals and served_section is None:
        others = other_endpoints(endpoint, state_dir)
        if not others:
            raise OneLineError(f"nothing to report: no history in {directory} (run `gpt56probe check` first) and no result files given")
        choose = f"--endpoint {others[0]} reports it" if len(others) == 1 else f"choose one with --endpoint HOST (--endpoint {others[0]})"
        raise OneLineError(f"nothing to report for endpoint {endpoint}: no history in {directory}, but history is recorded for "
                           f"{', '.join(others)} under {state_dir}: {choose}")
    built = report_core.build_report(history, results, generated_at=datetime.now().astimezone(), version=__version__,
                                     history_source=f"{directory / state.HISTORY_FILE} (endpoint {endpoint})", since=since)
    text = render_html(built, evals) if fmt == "html" else report_core.render_markdown(built, evals)
    if served_section is not None:
        from gpt56probe.migrate import servedview

        if fmt == "html":
            text = text.replace("</main>", servedview.render_html(served_section) + "</main>", 1)
        else:
            text = text.rstrip("\n") + "\n\n" + servedview.render_markdown(served_section)
    target = html_file or output
    deliver(text, target, wrote=f"wrote {target} ({len(text.encode('utf-8')) / 1024:.0f} KiB)")
