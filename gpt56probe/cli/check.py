"""``check`` and ``demo``: probe every tier per org and say what to do next."""

from __future__ import annotations

import sys
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Sequence

import click

from gpt56probe.cli.common import (SOCKS_FIX, MonitoringCommand, MonitoringInputError, connection_options, format_option,
                                   have_pysocks, stdout_gone, warn)
from gpt56probe.cli.fleet import fleet_options
from gpt56probe.cli.history import cron_options
from gpt56probe.cli.options import TierChoice, credential_options, expect_option, org_expected, org_project, state_dir_option
from gpt56probe.cli.terminal import Progress, no_color_option, set_display
from gpt56probe.cli.untilok import until_ok_options, wait_until_ok

if TYPE_CHECKING:
    from gpt56probe.cli.sinks import Sinks


def _emit(outcome: Any, fmt: str, notes: Sequence[str] = (), severity: Any = None, quiet: bool = False) -> None:
    """Print the outcome; ``severity`` overrides the outcome's (--fail-after); ``quiet`` prints nothing
    when OK, else one status line (the JSON document with --format json)."""
    from gpt56probe import render
    from gpt56probe.observation import Severity

    severity = severity or outcome.severity
    notes = [*notes, *outcome.notes]  # what the run left out (check --discover)
    if quiet and severity is Severity.OK:
        return
    from gpt56probe.cost import diagnosis_cost, probe_cost

    if fmt == "json":
        from gpt56probe.vantage import annotate

        spent = probe_cost(outcome.diagnoses, outcome.table)
        doc = render.check_doc(outcome.diagnoses, severity, outcome.checked_at, expected=outcome.expected_tiers,
                               extra_summary={"probe_cost_usd": round(spent.total_usd, 8), **({"notes": notes} if notes else {})},
                               cost_of=lambda d: diagnosis_cost(d, outcome.table))
        click.echo(render.render_json(annotate(doc, getattr(outcome, "vantage", None))))
        return
    if fmt == "nagios" or quiet:
        click.echo(render.status_line(outcome.diagnoses, severity, perfdata=fmt == "nagios", expected=outcome.expected_tiers))
        return
    if fmt == "summary":
        from gpt56probe.cli.terminal import summary_text

        click.echo(summary_text(outcome, severity, notes))
        return
    spent = probe_cost(outcome.diagnoses, outcome.table)
    click.echo(render.render_table(outcome.diagnoses, fmt, [*notes, spent.note()]))
    click.echo()
    click.echo(render.status_line(outcome.diagnoses, severity, expected=outcome.expected_tiers))


def _tracer(verbose: bool) -> Any:
    if not verbose:
        return None
    return lambda line: click.echo(f"trace: {line}", err=True)


# --------------------------------------------------------------------------- cron: state, alerts, metrics (issue #6)


def _run_on_change(command: str, payload: dict[str, Any]) -> None:
    """Run the user's --on-change command with the changes as JSON on stdin; never fails the check.

    Its output is captured and relayed through the output gate like ours: a hook that prints
    what it was given (or its environment) cannot put a secret on the terminal or in a cron mail."""
    import json
    import subprocess

    from gpt56probe.gate import GATE

    sys.stdout.flush()
    try:
        proc = subprocess.run(command, shell=True, input=GATE.scrub(json.dumps(payload, indent=2)), text=True, timeout=30,
                              capture_output=True, errors="replace")
    except subprocess.TimeoutExpired:
        warn("--on-change command did not finish within 30s")
        return
    except OSError as exc:
        warn(f"--on-change command could not run: {exc}")
        return
    if proc.stdout:
        click.echo(proc.stdout, nl=False)
    if proc.stderr:
        click.echo(proc.stderr, nl=False, err=True)
    if proc.returncode:
        warn(f"--on-change command exited {proc.returncode}")


def _record(outcome: Any, run_id: str, state_dir: Any, clock: Any, deadline: float, lock_timeout: float) -> Any:
    """Record history and state under the lock; a signal during the write waits until it is done.
    None when the state directory cannot be written (a warning says why)."""
    from gpt56probe import interrupts, state
    from gpt56probe.observation import Severity

    rows = state.history_rows(outcome.diagnoses, run_id, outcome.checked_at, outcome.severity.value,
                              getattr(outcome.vantage, "name", None))
    try:
        with state.locked(state_dir, min(lock_timeout, clock.sink_budget(deadline))):
            with interrupts.deferred():
                record = state.record_locked(state_dir, rows, run_id, outcome.checked_at, outcome.severity is not Severity.OK)
    except state.StateLockTimeout as exc:
        raise MonitoringInputError(str(exc)) from None
    except OSError as exc:
        warn(f"cannot record the run in {state_dir}: {exc.strerror or exc}")
        return None
    for problem in record.problems:
        warn(problem)
    return record


def _record_and_report(outcome: Any, sinks: Sinks, clock: Any, state_dir: Any, on_change: str | None,
                       fail_after: int | None, lock_timeout: float) -> int:
    """After a check: record history and state, print, report changes, write metrics, ping. Returns the exit status."""
    import uuid
    from datetime import datetime

    from gpt56probe import render, state
    from gpt56probe.cli.sinks import ping, write_metrics
    from gpt56probe.observation import Severity

    run_id = uuid.uuid4().hex[:16]
    record = _record(outcome, run_id, state_dir, clock, sinks.deadline_s, lock_timeout)
    severity = outcome.severity
    if record is not None:
        severity = state.apply_fail_after(severity, record.consecutive_failures, fail_after)
    try:
        _emit(outcome, sinks.fmt, severity=severity, quiet=sinks.quiet)
    except BrokenPipeError:  # stdout's reader quit; the other sinks still get the truth
        stdout_gone()
    changes = record.transitions if record is not None else ()
    if not sinks.quiet:  # quiet: changes go to history and the hook only
        for change in changes:
            click.echo(change.describe(), err=True)
    if changes and on_change:
        _run_on_change(on_change, {"run_id": run_id, "checked_at": outcome.checked_at, "status": severity.value,
                                   "changes": [c.to_dict() for c in changes]})
    if sinks.prom_file is not None:
        try:
            started = datetime.fromisoformat(outcome.checked_at).timestamp()
        except ValueError:
            started = clock.started_wall
        write_metrics(sinks.prom_file, outcome.diagnoses, severity.exit_code, started, sinks.vantage, outcome.expected_tiers)
    if sinks.ping_url:
        ping(sinks.ping_url, severity is Severity.OK, render.status_line(outcome.diagnoses, severity, expected=outcome.expected_tiers),
             clock.sink_budget(sinks.deadline_s))
    return severity.exit_code


def _refuse_socks_from_environment(base_url: str, proxy: str | None) -> None:
    """requests would take a SOCKS proxy from ALL_PROXY/HTTPS_PROXY and fail every probe without PySocks."""
    if proxy or have_pysocks():
        return
    import requests.utils

    found = requests.utils.get_environ_proxies(base_url)
    if any(str(value).lower().startswith("socks") for value in found.values()):
        raise MonitoringInputError(f"the proxy from the environment is SOCKS; {SOCKS_FIX}, or unset it for this run")


def _resolve_keys(orgs: Sequence[str | None], cfg: Any, project: str | None, api_key_env: str | None, no_keyring: bool,
                  verbose: bool, budget_s: float) -> list[Any]:
    """Each org's key, by the one credential order; bounded in time (a desktop keyring may wait for an unlock)."""
    from gpt56probe.checkrun import OrgCredential
    from gpt56probe.credentials import NoKeyError, resolve_key
    from gpt56probe.runner import call_bounded

    def resolve_all() -> list[tuple[Any, Any]]:
        return [(org, resolve_key(org, api_key_env=api_key_env, no_keyring=no_keyring, log=_tracer(verbose))) for org in orgs]

    outcome = call_bounded(resolve_all, budget_s, name="keys")
    if not outcome.finished:
        raise MonitoringInputError("the keyring did not answer within the --deadline; under cron use --no-keyring "
                                   "with OPENAI_API_KEY or --api-key-env VAR")
    if isinstance(outcome.error, NoKeyError):
        raise MonitoringInputError(str(outcome.error)) from None
    if outcome.error is not None:
        raise outcome.error
    creds = []
    for org, resolved in outcome.value or ():
        creds.append(OrgCredential(org, resolved.key, org_project(cfg, org, project), resolved.source))
        if verbose:
            click.echo(f"trace: key for {org or 'the default org'} from rung {resolved.rung}: {resolved.source}", err=True)
    return creds


@click.command(cls=MonitoringCommand)
@click.option("--org", "orgs", multiple=True, metavar="ORG", envvar="OPENAI_ORG_ID", help="API organization id, sent as OpenAI-Organization. Repeat for several [env OPENAI_ORG_ID; default: the key's default org].")
@click.option("--all-orgs", is_flag=True, help="Check every org listed in the config file (see `gpt56probe orgs`), plus any --org.")
@click.option("--project", metavar="PROJ", envvar="OPENAI_PROJECT_ID", help="Project id, sent as OpenAI-Project [env OPENAI_PROJECT_ID; default: the org's project in the config file].")
@credential_options
@click.option("--tier", "tiers", multiple=True, type=TierChoice(), help="Probe only this tier (repeatable).")
@click.option("--model", "model_ids", multiple=True, metavar="ID",
              help="Probe this model id (repeatable); an id the models table does not know (a dated snapshot, a new model) "
                   "is probed as given and must be reachable, a near miss of a known id is refused with a suggestion.")
@click.option("--surface", type=click.Choice(["chat", "responses", "both"]), default="chat", show_default=True, help="Chat completions, Responses, or both.")
@click.option("--stream", is_flag=True, help="Add a streamed probe per target (some gates, like org verification, apply to streaming only).")
@click.option("--dry-run", is_flag=True, help="List the probes and their most possible cost; send nothing.")
@until_ok_options
@click.option("--discover", is_flag=True, help="Also probe every GPT-5.6 id the org lists that is not configured, each as its own "
              "row (at most 8 per org, never Ultra: name that with --model; with --tier, those tiers only). See `gpt56probe models`.")
@connection_options
@expect_option
@state_dir_option
@cron_options
@fleet_options
@format_option(extra=("summary", "nagios"), default="summary")
@no_color_option
def check(orgs: tuple[str, ...], project: str | None, tiers: tuple[str, ...], model_ids: tuple[str, ...], surface: str, stream: bool,
          base_url: str | None, proxy: str | None, timeout: float, deadline: float, concurrency: int, verbose: bool, fmt: str,
          no_color: bool, **cron: Any) -> None:
    """Probe every GPT-5.6 tier (and the fallbacks) for each org.

    Sends a free GET /v1/models/{id} first, then one "Return ok." with a
    16-token cap, and prints the org x model matrix of verdicts, each problem
    once with its next step and request ids, and the status line (--format
    table: one row per probe, with latency and the next step).

    \b
    Examples:
      gpt56probe check --org org-abc
      gpt56probe check --org org-abc --org org-def --surface both --stream
      gpt56probe check --tier sol --format json
      gpt56probe check --org org-abc --tier sol --until-ok --every 10m --give-up-after 7d

    \b
    Exit status (monitoring-plugins convention):
      0 OK        every expected tier answered
      1 WARNING   no access problem, but degraded (safety_check, rate_limited,
                  server_error, timeout)
      2 CRITICAL  an expected tier has an access verdict
      3 UNKNOWN   the check could not be made or judged
    """
    from gpt56probe.checkrun import CheckRequest, perform_check
    from gpt56probe.discovery import DISCOVER_ALL
    from gpt56probe.probe import DEFAULT_BASE_URL

    from gpt56probe.cli.auth import get_config
    from gpt56probe.cli.sinks import SINKS_META, Sinks, run_clock

    from gpt56probe.names import UnknownName, check_model_ids, expect_models, explicit_extras

    ctx = click.get_current_context()
    clock = run_clock(ctx)
    from gpt56probe.cli.fleet import run_vantage
    from gpt56probe.cli.sinks import vantage_name

    sinks = Sinks(fmt, cron["quiet"], cron["prom_file"], cron["ping_url"], deadline, vantage_name(cron["vantage"]))
    ctx.meta[SINKS_META] = sinks  # from here on, any failure is UNKNOWN in these sinks (cli/guard.py)
    cfg = get_config(monitoring=True)
    table = cfg.table
    try:
        model_ids = check_model_ids(model_ids, table)
    except UnknownName as exc:
        raise MonitoringInputError(f"--model: {exc}") from None
    all_orgs, api_key_env, no_keyring = cron.pop("all_orgs", False), cron.pop("api_key_env", None), cron.pop("no_keyring", False)
    if all_orgs:
        if not cfg.orgs:
            raise MonitoringInputError(f"--all-orgs: no orgs in {cfg.path}; add one with `gpt56probe auth set --org ORG`")
        orgs = tuple(dict.fromkeys([*orgs, *cfg.orgs]))
    if cron.pop("dry_run", False):
        from gpt56probe.cli.plan import dry_run_text

        click.echo(dry_run_text(orgs or (None,), table.select(tiers, model_ids), surface, stream, base_url or DEFAULT_BASE_URL, fmt))
        if cron.get("discover"):
            click.echo("note: --discover adds a probe per listed GPT-5.6 id that is not configured, known only once each org's list is read", err=True)
        sys.exit(0)
    _refuse_socks_from_environment(base_url or DEFAULT_BASE_URL, proxy)
    creds = _resolve_keys(orgs or (None,), cfg, project, api_key_env, no_keyring, verbose, clock.left(deadline))
    # --expect applies to every org; otherwise each configured org's `expect`, else every tier.
    expected = cron["expect"] or {org: org_expected(cfg, org, None) for org in orgs or (None,)}
    expected = expect_models(expected, explicit_extras(model_ids, table))  # a named snapshot or new id must be reachable too
    set_display({org: cfg.orgs[org].label for org in orgs if org in cfg.orgs}, no_color)
    request = CheckRequest(
        orgs=creds, models=table.select(tiers, model_ids), table=table, surface=surface, stream=stream,
        base_url=base_url or DEFAULT_BASE_URL, proxy=proxy, timeout_s=timeout, deadline_s=max(0.0, clock.left(deadline)),
        concurrency=concurrency, tracer=_tracer(verbose), expected_tiers=expected,
        discover=DISCOVER_ALL if cron.pop("discover", False) else "", discover_tiers=tiers, id_sources=cfg.model_sources,
        vantage=run_vantage(sinks.vantage, base_url or DEFAULT_BASE_URL, proxy),
    )
    until_ok, every, give_up_after = cron.pop("until_ok"), cron.pop("every"), cron.pop("give_up_after")
    if until_ok:  # each round is bounded by --deadline on its own
        sys.exit(wait_until_ok(replace(request, deadline_s=deadline), every, give_up_after, cron["quiet"], verbose))
    with Progress(enabled=not (cron["quiet"] or verbose)) as progress:
        outcome = perform_check(replace(request, progress=progress.update))
    if cron["record_path"] is not None:
        from gpt56probe.cli.fleet import write_recording

        write_recording(cron["record_path"], request, outcome)
    sys.exit(_record_and_report(outcome, sinks, clock, cron["state_dir"], cron["on_change"],
                                cron["fail_after"], cron["lock_timeout"]))


@click.command()
@click.option("--surface", type=click.Choice(["chat", "responses", "both"]), default="chat", show_default=True, help="Chat completions, Responses, or both.")
@click.option("--stream", is_flag=True, help="Add a streamed probe per target.")
@click.option("-v", "--verbose", is_flag=True, help="Trace each request on stderr.")
@format_option(extra=("summary",), default="summary")
@no_color_option
def demo(surface: str, stream: bool, verbose: bool, fmt: str, no_color: bool) -> None:
    """Run check against the bundled simulator: no key, no network, no config.

    Starts the preview-API simulator on 127.0.0.1 (an ephemeral port), checks
    its scenario orgs (each with its own fake key) and prints the summary, as
    check does. Exits 0 when the demonstration ran, whatever the verdicts.
    """
    from gpt56probe.checkrun import CheckRequest, OrgCredential, perform_check
    from gpt56probe.demo import DEMO_ORGS, DEMO_SAFETY_DELAY_S, demo_key
    from gpt56probe.models import DEFAULT_TABLE
    from gpt56probe.simulator import start_simulator

    with start_simulator(port=0, safety_delay=DEMO_SAFETY_DELAY_S) as sim:
        click.echo(f"simulator: {sim.base_url} (loopback only)", err=True)
        creds = [OrgCredential(org, demo_key(org), None, "demo") for org in DEMO_ORGS]
        set_display({}, no_color)
        with Progress(enabled=not verbose) as progress:
            request = CheckRequest(orgs=creds, models=DEFAULT_TABLE.models, table=DEFAULT_TABLE, surface=surface, stream=stream,
                                   base_url=sim.base_url, timeout_s=10.0, deadline_s=60.0, concurrency=32, tracer=_tracer(verbose),
                                   trust_env=False, progress=progress.update)
            outcome = perform_check(request)
    _emit(outcome, fmt)
