"""``check`` and ``demo``: probe every tier per org and say what to do next."""

from __future__ import annotations

import sys
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Iterable, Sequence

import click

from gpt56probe.core.history import RunRows
from gpt56probe.cli.common import (Choices, SOCKS_FIX, MonitoringCommand, MonitoringInputError, connection_options, format_option,
                                   have_pysocks, warn)
from gpt56probe.cli.fleet import fleet_options
from gpt56probe.cli.history import cron_options
from gpt56probe.cli.onchange import run_on_change
from gpt56probe.cli.options import (TierChoice, admin_key_option, complete_orgs, credential_options, expect_option, org_expected,
                                    org_project, read_admin_key, state_dir_option, validate_ids, validate_orgs)
from gpt56probe.cli.terminal import Progress, details_option, no_color_option, say, set_display
from gpt56probe.cli.untilok import until_ok_options, wait_until_ok

if TYPE_CHECKING:
    from gpt56probe.cli.sinks import Sinks


def _status_text(outcome: Any, fmt: str, notes: Sequence[str] = (), severity: Any = None,
                 quiet: bool = False) -> Iterable[str] | None:
    """What stdout gets for the outcome, in pieces to write one after another (a fleet's JSON document is
    encoded a batch at a time as it is read, never held whole: ``views.render.RenderedJson``); ``severity`` overrides the outcome's (--fail-after); ``quiet``
    gives None when OK, else one status line (the JSON document with --format json). Rendering only."""
    text = _status_pieces(outcome, fmt, notes, severity, quiet)
    return [text] if isinstance(text, str) else text


def _status_pieces(outcome: Any, fmt: str, notes: Sequence[str], severity: Any, quiet: bool) -> str | Iterable[str] | None:
    from gpt56probe.views import render
    from gpt56probe.core.observation import Severity

    severity = severity or outcome.severity
    notes = [*notes, *outcome.notes]  # what the run left out (check --discover)
    if quiet and severity is Severity.OK:
        return None
    from gpt56probe.core.cost import diagnosis_cost, probe_cost

    if fmt == "json":
        from gpt56probe.core.vantage import annotate

        spent = probe_cost(outcome.diagnoses, outcome.table)
        doc = render.check_doc(outcome.diagnoses, severity, outcome.checked_at, expected=outcome.expected_tiers,
                               extra_summary={"probe_cost_usd": round(spent.total_usd, 8), **({"notes": notes} if notes else {})},
                               cost_of=lambda d: diagnosis_cost(d, outcome.table), lazy=True)
        vantage = getattr(outcome, "vantage", None)
        doc["results"] = []
        doc = annotate(doc, vantage)  # the top-level vantage; each result gets its name below, as annotate gives it

        def result(d: Any) -> dict[str, Any]:
            made = render.result_doc(d, lambda x: diagnosis_cost(x, outcome.table))
            if vantage is not None:
                made["vantage"] = vantage.name
            return made

        doc["results"] = render.LazyResults(outcome.diagnoses, result)  # made one at a time as they are written
        return render.RenderedJson(doc)
    if fmt == "nagios" or quiet:
        line = render.status_line(outcome.diagnoses, severity, perfdata=fmt == "nagios", expected=outcome.expected_tiers)
        if fmt == "nagios":
            return line  # the plugin's one line, for a program: never wrapped
        from gpt56probe.cli.terminal import screen_width
        from gpt56probe.views.textwidth import fit_prose

        return fit_prose(line, screen_width())
    if fmt == "summary":
        from gpt56probe.cli.terminal import summary_text

        return summary_text(outcome, severity, notes)
    spent = probe_cost(outcome.diagnoses, outcome.table)
    from gpt56probe.cli.terminal import screen_width
    from gpt56probe.views.textwidth import fit_prose

    width = screen_width()
    return (render.render_table(outcome.diagnoses, fmt, [*notes, spent.note()], width) + "\n\n"
            + fit_prose(render.status_line(outcome.diagnoses, severity, expected=outcome.expected_tiers), width))


def _emit(outcome: Any, fmt: str, notes: Sequence[str] = (), severity: Any = None, quiet: bool = False) -> None:
    """Print the outcome (``_status_text``)."""
    _print(_status_text(outcome, fmt, notes, severity, quiet))


def _print(text: Iterable[str] | None) -> None:
    """The status text on stdout, a piece at a time, and the newline on its own: a fleet's document is never joined
    or copied to add it. Nothing for None (quiet and OK)."""
    if text is not None:
        for piece in text:
            click.echo(piece, nl=False)
        click.echo()


def _tracer(verbose: bool) -> Any:
    if not verbose:
        return None
    from gpt56probe.cli.terminal import say

    return lambda line: say(f"trace: {line}", err=True)


# --------------------------------------------------------------------------- cron: state, alerts, metrics (issue #6)


def _record(outcome: Any, run_id: str, state_dir: Any, lock_budget_s: float, hold_changes: bool, endpoint: str | None = None) -> Any:
    """Record history and state under the lock: everything that can be slow first (reading, writing the
    temporary files), where a signal still ends the run cleanly; then the two renames, which a signal
    waits for. None when the run cannot be recorded (the state directory is unwritable, or another
    run holds the lock past ``lock_budget_s``): a warning says why, and the verdicts are reported anyway."""
    from gpt56probe.net import interrupts
    from gpt56probe.store import state
    from gpt56probe.core.observation import Severity

    rows = RunRows(outcome.diagnoses, run_id, outcome.checked_at, outcome.severity.value,
                   getattr(outcome.vantage, "name", None), endpoint)
    try:
        with state.locked(state_dir, max(0.0, lock_budget_s)):
            prepared = state.prepare_record(state_dir, rows, run_id, outcome.checked_at, outcome.severity is not Severity.OK,
                                            hold_changes=hold_changes)
            try:
                with interrupts.deferred():
                    record = prepared.commit()
            finally:
                prepared.discard()
    except state.StateLockTimeout as exc:
        warn(f"cannot record the run: {exc}; its verdicts are reported, --fail-after and --on-change skip this run")
        return None
    except OSError as exc:
        warn(f"cannot record the run in {state_dir}: {exc.strerror or exc}")
        return None
    for problem in record.problems:
        warn(problem)
    return record


def _deliver_changes(record: Any, on_change: str, run_id: str, checked_at: str, severity: Any, state_dir: Any, quiet: bool) -> None:
    """Give the hook every change it has not had (earlier runs' first), then clear them from state.json.
    A run stopped before this point leaves them there, and the next run delivers them."""
    from gpt56probe.net import interrupts
    from gpt56probe.store import state

    changes = record.undelivered
    if not changes:
        return
    ran = run_on_change(on_change, {"run_id": run_id, "checked_at": checked_at, "status": severity.value,
                                     "changes": [c.to_dict() for c in changes]}, quiet)
    if not ran:
        return
    try:
        with state.locked(state_dir, HOOK_CLEAR_LOCK_S):
            staged = state.prepare_clear_delivered(state_dir, changes)
            if staged is not None:
                try:
                    with interrupts.deferred():
                        staged.commit()
                finally:
                    staged.discard()
    except (state.StateLockTimeout, OSError) as exc:
        warn(f"the changes given to --on-change could not be marked delivered ({exc}); the next run gives them again")


HOOK_CLEAR_LOCK_S = 5.0


def _record_and_report(outcome: Any, sinks: Sinks, clock: Any, state_dir: Any, on_change: str | None,
                       fail_after: int | None, lock_timeout: float, reserve_s: float) -> int:
    """After a check: record history and state, print, write metrics, ping, then the --on-change hook.
    Returns the exit status.

    Everything is rendered before anything is printed; once the status is printed (the
    Delivery in ctx.meta says so), a crash only finishes the sinks not yet reached with it."""
    import uuid
    from datetime import datetime

    from gpt56probe.views import render
    from gpt56probe.cli.sinks import DELIVERY_META, Delivery, ping, render_run_metrics, write_prom
    from gpt56probe.core.observation import Severity
    from gpt56probe.core.streaks import apply_fail_after

    run_id = uuid.uuid4().hex[:16]
    lock_budget = min(lock_timeout, clock.until_hard_end(sinks.deadline_s) - reserve_s)
    record = _record(outcome, run_id, state_dir, lock_budget, hold_changes=bool(on_change), endpoint=sinks.endpoint)
    severity = outcome.severity
    if record is not None:
        severity = apply_fail_after(severity, outcome.diagnoses, outcome.expected_tiers, record.streaks, fail_after)
    text = _status_text(outcome, sinks.fmt, severity=severity, quiet=sinks.quiet)
    for _ in text or ():  # rendered to its end before anything is printed (a JSON document is encoded again as written)
        pass
    line = render.status_line(outcome.diagnoses, severity, expected=outcome.expected_tiers)
    prom_text = None
    if sinks.prom_file is not None:
        try:
            started = datetime.fromisoformat(outcome.checked_at).timestamp()
        except ValueError:
            started = clock.started_wall
        prom_text = render_run_metrics(sinks.prom_file, outcome.diagnoses, severity.exit_code, started, sinks.vantage,
                                       outcome.expected_tiers, sinks.endpoint)
    delivery = click.get_current_context().meta.setdefault(DELIVERY_META, Delivery())
    delivery.reported(severity, line, prom_text)
    _print(text)
    if not sinks.quiet:  # quiet: changes go to history and the hook only
        for change in record.transitions if record is not None else ():
            say(change.describe(), err=True)
    if prom_text is not None and sinks.prom_file is not None:
        delivery.prom_done = True
        write_prom(sinks.prom_file, prom_text)
    if sinks.ping_url:
        delivery.ping_done = True
        ping(sinks.ping_url, severity is Severity.OK, line, clock.until_hard_end(sinks.deadline_s))
    if on_change and record is not None:
        _deliver_changes(record, on_change, run_id, outcome.checked_at, severity, state_dir, sinks.quiet)
    return severity.exit_code


def _with_admin_evidence(outcome: Any, admin_key: str, request: Any, budget_s: float) -> Any:
    """The outcome with project_no_access and spend-limit refusals explained from the Admin API (read only
    when the run has such a refusal: the evidence is free, but not instant)."""
    from gpt56probe.core import admin
    from gpt56probe.core.observation import Verdict
    from gpt56probe.net.admin import read_admin

    wanted = {d.target.org for d in outcome.diagnoses if d.verdict in (Verdict.PROJECT_NO_ACCESS, Verdict.QUOTA_EXHAUSTED,
                                                                               Verdict.RATE_LIMITED)}
    if not wanted:
        return outcome
    if budget_s < 0.5:  # the run's --deadline bounds the Admin API too
        return replace(outcome, notes=(*outcome.notes, "admin API not read: the --deadline left no time for it (raise --deadline)"))
    evidence = read_admin(sorted(wanted, key=lambda o: o or ""), admin_key, request.base_url, timeout_s=request.timeout_s,
                          deadline_s=budget_s, proxy=request.proxy, tracer=request.tracer)
    return replace(outcome, diagnoses=admin.explain(outcome.diagnoses, {e.org: e for e in evidence}),
                   notes=(*outcome.notes, *admin.notes(evidence)))


def _refuse_unusable_ids(orgs: Sequence[str], cfg: Any) -> None:
    """Org and project ids from the config (--all-orgs, an org's project) are input like --org: one that
    cannot be sent as a header or shown as given is refused before any probe (--org is, by its callback)."""
    from gpt56probe.cli.options import id_problem

    for org in orgs:
        entry = cfg.orgs.get(org)
        for kind, value in (("org", org), ("project", entry.project if entry is not None else None)):
            problem = id_problem(value) if value else None
            if problem:
                raise MonitoringInputError(f"{kind} id {value!r} ({cfg.path}) {problem}")


def _refuse_unprobed_expect(ctx: click.Context, expect: tuple[str, ...] | None, models: Sequence[Any], tiers: Sequence[str]) -> None:
    """--expect naming only tiers this run does not probe (``--tier luna --expect sol``) cannot be judged: refused."""
    if not expect or any(m.tier in expect for m in models):
        return
    from click.core import ParameterSource

    where = " (from the config file's [defaults])" if ctx.get_parameter_source("expect") is ParameterSource.DEFAULT_MAP else ""
    probed = ", ".join(dict.fromkeys(m.tier for m in models)) or "nothing"
    raise MonitoringInputError(f"--expect {','.join(expect)}{where}: this run probes {probed} (--tier {','.join(tiers) or '…'}), "
                               f"so nothing expected could be judged; probe those tiers or change --expect")


def _history_bytes(state_dir: Any) -> int:
    """How much history recording reads and writes again: at most what HISTORY_LIMIT lines of ours take."""
    from gpt56probe.store import state

    try:
        size = (state_dir / state.HISTORY_FILE).stat().st_size
    except (OSError, TypeError):
        return 0
    return min(size, state.HISTORY_REWRITE_BYTES)


MIN_PROBE_WINDOW_S = 0.5


def _probe_window(clock: Any, deadline: float, reserve: float, phases: dict[str, float]) -> float:
    """Seconds the probes may take. When the run's own phases leave them too little of --deadline to
    judge anything (every probe would read `timeout`, blaming the network for our slowness),
    UNKNOWN naming the phase that takes the time (``phases``: what it says -> seconds)."""
    window = clock.probe_window(deadline, reserve)
    if window >= min(MIN_PROBE_WINDOW_S, deadline / 4):
        return window
    phase = max(phases.items(), key=lambda item: item[1])[0]
    raise MonitoringInputError(f"the --deadline of {deadline:g}s leaves too little time to judge any probe: {phase}; raise --deadline")


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
    from gpt56probe.net.checkrun import OrgCredential
    from gpt56probe.store.credentials import NoKeyError, resolve_key
    from gpt56probe.net.runner import call_bounded

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
            say(f"trace: key for {org or 'the default org'} from rung {resolved.rung}: {resolved.source}", err=True)
    return creds


CHECK_HELP_GROUPS = (
    ("What to probe", ("orgs", ("all_orgs", "Every org in the config file, plus any --org"), "project", "tiers", "model_ids",
                       ("surface", "chat, responses or both [chat]"), "stream",
                       ("discover", "Also probe listed 5.6 ids not configured"),
                       ("expect", "Tiers each org must reach (e.g. sol,terra)"), "dry_run")),
    ("Credentials", ("api_key_env", ("no_keyring", "Skip the OS keyring (cron)"), ("admin_key_env", "Admin key env var (Admin API evidence)"))),
    ("Connection", ("base_url", "proxy", "timeout", "deadline", "concurrency", ("vantage", "Where this check runs from (host name)"))),
    ("Output", (("fmt", "summary, table, json, nagios or a tabulate format"), ("details", "Request ids and full next steps"),
                "no_color", "verbose", ("record_path", "Write every answer as a scenario to replay"))),
    ("Monitoring", (("quiet", "Nothing when OK, else the status line"), "state_dir", "prom_file",
                    ("ping_url", "Dead-man's switch: POST URL, URL/fail"), ("on_change", "Run CMD with each verdict change as JSON"),
                    ("fail_after", "CRITICAL only after N runs in a row"), ("until_ok", "Probe again until every expected target is ok"),
                    ("every", "Interval of --until-ok [10m]"), ("give_up_after", "Stop --until-ok after this long [7d]"))),
)
"""check --help in sections, one line an option, so it reads in two screens (README has each option in full)."""


@click.command(cls=MonitoringCommand, help_groups=CHECK_HELP_GROUPS)
@click.option("--org", "orgs", multiple=True, metavar="ORG", shell_complete=complete_orgs, envvar="OPENAI_ORG_ID", callback=validate_orgs, help="API organization id, sent as OpenAI-Organization. Repeat for several [env OPENAI_ORG_ID; default: the key's default org].")
@click.option("--all-orgs", is_flag=True, help="Check every org listed in the config file (see `gpt56probe orgs`), plus any --org.")
@click.option("--project", metavar="PROJ", envvar="OPENAI_PROJECT_ID", callback=validate_ids, help="Project id, sent as OpenAI-Project [env OPENAI_PROJECT_ID; default: the org's project in the config file].")
@credential_options
@click.option("--tier", "tiers", multiple=True, type=TierChoice(), help="Probe only this tier (repeatable).")
@click.option("--model", "model_ids", multiple=True, metavar="ID",
              help="Probe this model id (repeatable); an id the models table does not know (a dated snapshot, a new model) "
                   "is probed as given and must be reachable, a near miss of a known id is refused with a suggestion.")
@click.option("--surface", type=Choices(["chat", "responses", "both"]), default="chat", show_default=True, metavar="SURFACE",
              help="chat (completions), responses, or both.")
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
@admin_key_option
@format_option(extra=("summary", "nagios"), default="summary")
@details_option
@no_color_option
def check(orgs: tuple[str, ...], project: str | None, tiers: tuple[str, ...], model_ids: tuple[str, ...], surface: str, stream: bool,
          base_url: str | None, proxy: str | None, timeout: float, deadline: float, concurrency: int | None, verbose: bool, fmt: str,
          details: bool, no_color: bool, **cron: Any) -> None:
    """Probe every GPT-5.6 tier (and the fallbacks) for each org. Sends one free
    GET /v1/models per org and key (beside the samples) and one 16-token "Return
    ok." per model and surface; prints the matrix, a line per problem and the
    status line (--details: the request ids).

    \b
    gpt56probe check --org org-abc --org org-def
    Exit: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (gpt56probe --help: all codes)
    """
    from gpt56probe.net.checkrun import CheckRequest, perform_check
    from gpt56probe.core.discovery import DISCOVER_ALL
    from gpt56probe.net.probe import DEFAULT_BASE_URL

    from gpt56probe.cli.auth import get_config
    from gpt56probe.cli.sinks import SINKS_META, Sinks, reserve_after_probes, run_clock

    from gpt56probe.core.names import UnknownName, check_model_ids, expect_models, explicit_extras

    ctx = click.get_current_context()
    clock = run_clock(ctx)
    from gpt56probe.cli.fleet import run_vantage
    from gpt56probe.cli.sinks import vantage_name

    started_s = clock.elapsed()  # start-up, reading the config, parsing the command line
    from gpt56probe.core.history import endpoint_of
    from gpt56probe.store.state import endpoint_dir

    endpoint = endpoint_of(base_url or DEFAULT_BASE_URL)
    state_dir = endpoint_dir(cron["state_dir"], endpoint)  # each endpoint keeps its own history, state and streaks
    sinks = Sinks(fmt, cron["quiet"], cron["prom_file"], cron["ping_url"], deadline, vantage_name(cron["vantage"]), endpoint)
    ctx.meta[SINKS_META] = sinks  # from here on, any failure is UNKNOWN in these sinks (cli/guard.py)
    cfg = get_config(monitoring=True)
    table = cfg.table
    try:
        model_ids = check_model_ids(model_ids, table)
    except UnknownName as exc:
        raise MonitoringInputError(f"--model: {exc}") from None
    all_orgs, api_key_env, no_keyring = cron.pop("all_orgs", False), cron.pop("api_key_env", None), cron.pop("no_keyring", False)
    try:
        admin_key = read_admin_key(cron.pop("admin_key_env", None))
    except click.BadParameter as exc:
        raise MonitoringInputError(exc.format_message()) from None
    if all_orgs:
        if not cfg.orgs:
            raise MonitoringInputError(f"--all-orgs: no orgs in {cfg.path}; add one with `gpt56probe auth set --org ORG`")
        orgs = tuple(dict.fromkeys([*orgs, *cfg.orgs]))
    _refuse_unusable_ids(orgs, cfg)
    models = table.select(tiers, model_ids)
    _refuse_unprobed_expect(ctx, cron["expect"], models, tiers)
    if cron.pop("dry_run", False):
        from gpt56probe.cli.plan import dry_run_text

        click.echo(dry_run_text(orgs or (None,), table.select(tiers, model_ids), surface, stream, base_url or DEFAULT_BASE_URL, fmt))
        if cron.get("discover"):
            say("note: --discover adds a probe per listed GPT-5.6 id that is not configured, known only once each org's list is read", err=True)
        sys.exit(0)
    _refuse_socks_from_environment(base_url or DEFAULT_BASE_URL, proxy)
    keys_from = clock.elapsed()
    creds = _resolve_keys(orgs or (None,), cfg, project, api_key_env, no_keyring, verbose, clock.left(deadline))
    keys_s = clock.elapsed() - keys_from
    # --expect applies to every org; otherwise each configured org's `expect`, else every tier.
    expected = cron["expect"] or {org: org_expected(cfg, org, None) for org in orgs or (None,)}
    expected = expect_models(expected, explicit_extras(model_ids, table))  # a named snapshot or new id must be reachable too
    set_display({org: cfg.orgs[org].label for org in orgs if org in cfg.orgs}, no_color, details or verbose)
    targets = len(creds) * len(models) * (2 if surface == "both" else 1) * (2 if stream else 1)
    reserve = reserve_after_probes(targets, _history_bytes(state_dir))
    window = _probe_window(clock, deadline, reserve, {f"start-up and reading the config took {started_s:.1f}s": started_s,
                                                      f"the key lookup took {keys_s:.1f}s": keys_s,
                                                      f"recording and reporting {targets} probes needs {reserve:.1f}s after them": reserve})
    request = CheckRequest(
        orgs=creds, models=models, table=table, surface=surface, stream=stream,
        base_url=base_url or DEFAULT_BASE_URL, proxy=proxy, timeout_s=timeout, deadline_s=window,
        concurrency=concurrency, tracer=_tracer(verbose), expected_tiers=expected,
        discover=DISCOVER_ALL if cron.pop("discover", False) else "", discover_tiers=tiers, id_sources=cfg.model_sources,
        vantage=run_vantage(sinks.vantage, base_url or DEFAULT_BASE_URL, proxy),
    )
    until_ok, every, give_up_after = cron.pop("until_ok"), cron.pop("every"), cron.pop("give_up_after")
    if until_ok:  # each round is bounded by --deadline on its own
        sys.exit(wait_until_ok(replace(request, deadline_s=deadline), every, give_up_after, cron["quiet"], verbose, endpoint))
    with Progress(enabled=not (cron["quiet"] or verbose)) as progress:
        outcome = perform_check(replace(request, progress=progress.update))
    if admin_key is not None:
        outcome = _with_admin_evidence(outcome, admin_key, request, clock.left(deadline) - reserve)
    if cron["record_path"] is not None:
        from gpt56probe.cli.fleet import write_recording

        write_recording(cron["record_path"], request, outcome)
    outcome = outcome.judged()  # the raw answers are not read again: recording and reporting reuse their memory
    sys.exit(_record_and_report(outcome, sinks, clock, state_dir, cron["on_change"],
                                cron["fail_after"], cron["lock_timeout"], reserve))


@click.command()
@click.argument("what", required=False, type=Choices(["check", "eval"]), default="check")
@click.option("--surface", type=Choices(["chat", "responses", "both"]), default="chat", show_default=True, metavar="SURFACE",
              help="chat (completions), responses, or both.")
@click.option("--stream", is_flag=True, help="Add a streamed probe per target.")
@click.option("-v", "--verbose", is_flag=True, help="Trace each request on stderr.")
@format_option(extra=("summary",), default="summary")
@details_option
@no_color_option
def demo(what: str, surface: str, stream: bool, verbose: bool, fmt: str, details: bool, no_color: bool) -> None:
    """Run check against the bundled simulator: no key, no network, no config.

    Starts the preview-API simulator on 127.0.0.1 (an ephemeral port), checks
    its scenario orgs (each with its own fake key) and prints the summary, as
    check does. Exits 0 when the demonstration ran, whatever the verdicts.

    `demo eval` runs the example eval task set instead (eval's own demo: the
    recommendation per class, at the tasks' effort and one level lower).
    """
    if what == "eval":
        from gpt56probe.cli.evalcmd import demo_eval

        demo_eval(verbose, "json" if fmt == "json" else "summary")
        return
    from gpt56probe.net.checkrun import CheckRequest, OrgCredential, perform_check
    from gpt56probe.simulator.demo import DEMO_ORGS, DEMO_SAFETY_DELAY_S, demo_key
    from gpt56probe.core.models import DEFAULT_TABLE
    from gpt56probe.simulator import start_simulator

    with start_simulator(port=0, safety_delay=DEMO_SAFETY_DELAY_S) as sim:
        if verbose:
            say(f"simulator: {sim.base_url} (loopback only)", err=True)
        creds = [OrgCredential(org, demo_key(org), None, "demo") for org in DEMO_ORGS]
        set_display({}, no_color, details or verbose)
        with Progress(enabled=not verbose) as progress:
            request = CheckRequest(orgs=creds, models=DEFAULT_TABLE.models, table=DEFAULT_TABLE, surface=surface, stream=stream,
                                   base_url=sim.base_url, timeout_s=10.0, deadline_s=60.0, concurrency=32, tracer=_tracer(verbose),
                                   trust_env=False, progress=progress.update)
            outcome = perform_check(request)
    _emit(outcome, fmt)
