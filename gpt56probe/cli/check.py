"""``check`` and ``demo``: probe every tier per org and say what to do next."""

from __future__ import annotations

import sys
from typing import Any, Sequence

import click

from gpt56probe.cli.common import MonitoringCommand, MonitoringInputError, connection_options, format_option

TIER_CHOICE = click.Choice(["sol", "terra", "luna"], case_sensitive=False)


def _emit(outcome: Any, fmt: str, notes: Sequence[str] = ()) -> None:
    from gpt56probe import render

    if fmt == "json":
        click.echo(render.render_json(render.check_doc(outcome.diagnoses, outcome.severity, outcome.checked_at)))
        return
    click.echo(render.render_table(outcome.diagnoses, fmt, notes))
    click.echo()
    click.echo(render.status_line(outcome.diagnoses, outcome.severity))


def _tracer(verbose: bool) -> Any:
    if not verbose:
        return None
    return lambda line: click.echo(f"trace: {line}", err=True)


@click.command(cls=MonitoringCommand)
@click.option("--org", "orgs", multiple=True, metavar="ORG", help="API organization id, sent as OpenAI-Organization. Repeat for several. [default: the key's default org]")
@click.option("--project", metavar="PROJ", envvar="OPENAI_PROJECT_ID", help="Project id, sent as OpenAI-Project [env OPENAI_PROJECT_ID].")
@click.option("--tier", "tiers", multiple=True, type=TIER_CHOICE, help="Probe only this tier (repeatable).")
@click.option("--model", "model_ids", multiple=True, metavar="ID", help="Probe this model id (repeatable).")
@click.option("--surface", type=click.Choice(["chat", "responses", "both"]), default="chat", show_default=True, help="Chat completions, Responses, or both.")
@click.option("--stream", is_flag=True, help="Add a streamed probe per target (some gates, like org verification, apply to streaming only).")
@connection_options
@format_option()
def check(orgs: tuple[str, ...], project: str | None, tiers: tuple[str, ...], model_ids: tuple[str, ...], surface: str, stream: bool,
          base_url: str | None, proxy: str | None, timeout: float, deadline: float, concurrency: int, verbose: bool, fmt: str) -> None:
    """Probe every GPT-5.6 tier (and the fallbacks) for each org.

    Sends a free GET /v1/models/{id} first, then one "Return ok." with a
    16-token cap, and prints tier x org -> verdict, latency, request id and
    the next step.

    \b
    Examples:
      gpt56probe check --org org-abc
      gpt56probe check --org org-abc --org org-def --surface both --stream
      gpt56probe check --tier sol --format json

    \b
    Exit status (monitoring-plugins convention):
      0 OK        every expected tier answered
      1 WARNING   no access problem, but degraded (safety_check, rate_limited,
                  server_error, timeout)
      2 CRITICAL  an expected tier has an access verdict
      3 UNKNOWN   the check could not be made or judged
    """
    from gpt56probe.checkrun import CheckRequest, OrgCredential, perform_check
    from gpt56probe.credentials import NoKeyError, resolve_key
    from gpt56probe.models import DEFAULT_TABLE
    from gpt56probe.probe import DEFAULT_BASE_URL

    table = DEFAULT_TABLE
    creds = []
    for org in orgs or (None,):
        try:
            resolved = resolve_key(org)
        except NoKeyError as exc:
            raise MonitoringInputError(str(exc)) from None
        creds.append(OrgCredential(org, resolved.key, project, resolved.source))
        if verbose:
            click.echo(f"trace: key for {org or 'the default org'} from {resolved.source}", err=True)
    request = CheckRequest(
        orgs=creds, models=table.select(tiers, model_ids), table=table, surface=surface, stream=stream,
        base_url=base_url or DEFAULT_BASE_URL, proxy=proxy, timeout_s=timeout, deadline_s=deadline,
        concurrency=concurrency, tracer=_tracer(verbose),
    )
    outcome = perform_check(request)
    _emit(outcome, fmt)
    sys.exit(outcome.severity.exit_code)


@click.command()
@click.option("--surface", type=click.Choice(["chat", "responses", "both"]), default="chat", show_default=True, help="Chat completions, Responses, or both.")
@click.option("--stream", is_flag=True, help="Add a streamed probe per target.")
@click.option("-v", "--verbose", is_flag=True, help="Trace each request on stderr.")
@format_option()
def demo(surface: str, stream: bool, verbose: bool, fmt: str) -> None:
    """Run check against the bundled simulator: no key, no network, no config.

    Starts the preview-API simulator on 127.0.0.1 (an ephemeral port), checks
    its scenario orgs (each with its own fake key) and prints the table. Exits
    0 when the demonstration ran, whatever the verdicts.
    """
    from gpt56probe.checkrun import CheckRequest, OrgCredential, perform_check
    from gpt56probe.demo import DEMO_ORGS, DEMO_SAFETY_DELAY_S, demo_key
    from gpt56probe.models import DEFAULT_TABLE
    from gpt56probe.simulator import start_simulator

    with start_simulator(port=0, safety_delay=DEMO_SAFETY_DELAY_S) as sim:
        click.echo(f"simulator: {sim.base_url} (loopback only)", err=True)
        creds = [OrgCredential(org, demo_key(org), None, "demo") for org in DEMO_ORGS]
        request = CheckRequest(orgs=creds, models=DEFAULT_TABLE.models, table=DEFAULT_TABLE, surface=surface, stream=stream,
                               base_url=sim.base_url, timeout_s=10.0, deadline_s=60.0, concurrency=32, tracer=_tracer(verbose), trust_env=False)
        outcome = perform_check(request)
    _emit(outcome, fmt)
