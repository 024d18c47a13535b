"""``history``: the verdict changes ``check`` recorded; plus the cron options ``check`` shares.

The state directory is ``--state-dir``, else ``$GPT56PROBE_HOME/state``, else
``click.get_app_dir("gpt56probe")/state``; gpt56probe.store.state does the file work.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, TypeVar

import click

from gpt56probe.core.history import filter_transitions, parse_since, transitions_from_history
from gpt56probe.cli.common import Choices, MonitoringInputError, validate_output_file, validate_ping_url, validate_sink_file, warn
from gpt56probe.cli.terminal import say
from gpt56probe.cli.options import complete_orgs, default_state_dir, endpoint_note, endpoint_option, state_dir_option

F = TypeVar("F", bound=Callable[..., Any])


def cron_options(f: F) -> F:
    """check's options for unattended runs (cron, systemd timers); collected into ``**cron`` keyword arguments."""
    options = [
        click.option("-q", "--quiet", "quiet", is_flag=True,
                     help="Print nothing when all is OK, else the one status line (cron mails any output)."),
        click.option("--on-change", "on_change", metavar="CMD",
                     help="Shell command to run when a verdict changed, after the other sinks; gets the changes as JSON on stdin "
                          "(30 s limit; a change it could not be given goes to the next run)."),
        click.option("--ping-url", "ping_url", metavar="URL", callback=validate_ping_url,
                     help="Dead-man's switch (healthchecks.io style): POST URL when OK, URL/fail otherwise."),
        click.option("--fail-after", "fail_after", type=click.IntRange(1, 10000), metavar="N",
                     help="Report CRITICAL only once an expected target had an access verdict N runs in a row (counted per "
                          "org and model); WARNING before that."),
        click.option("--prom-file", "prom_file", type=click.Path(dir_okay=False), metavar="PATH", callback=validate_sink_file,
                     help="Write Prometheus metrics here (node_exporter textfile collector), atomically; its directory must exist."),
        click.option("--lock-timeout", "lock_timeout", type=click.FloatRange(0, 3600), default=30.0, hidden=True),
    ]
    for option in reversed(options):
        f = option(f)
    return f


@click.command()
@click.option("--org", metavar="ORG", shell_complete=complete_orgs, help="Only this org.")
@click.option("--model", metavar="ID", help="Only this model id.")
@click.option("--since", metavar="WHEN", help="Only changes since an ISO date/time (2026-11-01) or a span ago (24h, 7d).")
@state_dir_option
@endpoint_option
@click.option("--format", "fmt", type=Choices(["table", "json"]), default="table", show_default=True, help="Output.")
def history(org: str | None, model: str | None, since: str | None, state_dir: Path, endpoint: str, fmt: str) -> None:
    """Show the verdict changes recorded by past check runs, oldest first.

    History is kept per endpoint (the base URL's host): this reads one, the real
    API unless --endpoint (or $OPENAI_BASE_URL) names another, and says which.

    \b
    Examples:
      gpt56probe history --since 7d
      gpt56probe history --org org-abc --model gpt-5.6-sol --format json
      gpt56probe history --endpoint 127.0.0.1
    """
    from gpt56probe.store import state
    from gpt56probe.cli.auth import get_config, learn_stored_keys

    learn_stored_keys(get_config())
    try:
        since_at = parse_since(since) if since else None
    except ValueError as exc:
        raise MonitoringInputError(f"--since: {exc}") from None
    directory = state.endpoint_dir(state_dir, endpoint)
    say(endpoint_note(endpoint, state_dir), err=True)  # stderr: stdout stays the data
    problems: list[str] = []
    history_rows = state.read_history(directory, problems)
    for problem in problems:
        warn(problem)
    changes = filter_transitions(transitions_from_history(history_rows), org, model, since_at)
    if fmt == "json":
        import json

        click.echo(json.dumps([c.to_dict() for c in changes], indent=2))
        return
    if not changes:
        say(f"no verdict changes recorded in {directory / state.HISTORY_FILE}")
        return
    from gpt56probe.cli.terminal import screen_width
    from gpt56probe.views.tables import render

    rows = [(c.checked_at, c.org or "(default)", c.model, c.surface + (" stream" if c.stream else ""), c.previous, c.current)
            for c in changes]
    click.echo(render(rows, ["when", "org", "model", "surface", "from", "to"], "table", screen_width()))
