"""``eval``: the cheapest tier that passes your own tasks, measured on the tiers your org reaches.

Wires migrate/ (task file, scoring, results, the promptfoo export) to the terminal: reads the task
file, prints the cost estimate and applies the --max-cost guard before anything is sent, probes
access, runs the calls, and prints the summary or writes the results JSON (through the output gate).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable, Sequence

import click

from gpt56probe.cli.common import (Duration, FiniteFloatRange, OneLineError, OneLineUsageCommand, OneLineUsageError, deliver,
                                   validate_base_url, validate_output_file, validate_proxy)
from gpt56probe.cli.options import TierChoice, credential_options, org_project, validate_ids, validate_orgs
from gpt56probe.cli.terminal import Progress, say
from gpt56probe.views.vocabulary import counted

EXIT_NOTHING_REACHABLE = 2
EFFORT_CHOICES = ("current", "current,lower", "lower")
DEMO_MAX_COST_USD = 5.0
RESULTS_LIMIT = 64 * 1024 * 1024


def _efforts(ctx: click.Context, param: click.Parameter, value: str) -> tuple[str, ...]:
    parts = tuple(dict.fromkeys(p.strip() for p in value.split(",") if p.strip()))
    if not parts or any(p not in ("current", "lower") for p in parts):
        raise click.BadParameter("give current, lower or current,lower")
    return parts


def _tracer(verbose: bool) -> Callable[[str], None] | None:
    from gpt56probe.cli.terminal import say

    return (lambda line: say(f"trace: {line}", err=True)) if verbose else None


def _width() -> int:
    from gpt56probe.cli.terminal import terminal_width

    return terminal_width()


class EvalProgress(Progress):
    """``evaluating: 12/80 calls done, 3.4 s``: check's live line (a terminal's stderr only), in eval's words."""

    def __init__(self, enabled: bool, label: str) -> None:
        super().__init__(enabled)
        self._label = label

    def __enter__(self) -> "EvalProgress":
        super().__enter__()
        return self

    def text(self, elapsed_s: float, width: int) -> str:
        from gpt56probe.views.textwidth import fit

        if not self._total:
            return ""
        return fit(f"{self._label}: {self._done}/{self._total} calls done, {elapsed_s:.1f} s", max(20, width) - 1)


def read_doc(path: Path, timeout_s: float = 60.0) -> dict[str, Any]:
    """An eval results file, read as every input is (``store.files.read_input``: a FIFO or a pipe that never
    ends is an error by ``timeout_s``, never a hang)."""
    from gpt56probe.migrate.evalresults import ResultsError, read_results
    from gpt56probe.cli.common import read_named_input

    raw = read_named_input(path, RESULTS_LIMIT, timeout_s, "an eval results file")
    try:
        return read_results(raw.decode("utf-8", errors="replace"), str(path))
    except ResultsError as exc:
        raise OneLineError(str(exc)) from None


def _load_tasks(path: str) -> Any:
    from gpt56probe.migrate.tasks import TaskFileError, load_task_file

    try:
        return load_task_file(path)
    except TaskFileError as exc:
        raise OneLineError(str(exc)) from None


@click.command("eval", cls=OneLineUsageCommand)
@click.argument("tasks_file", required=False, metavar="TASKS")
@click.option("--org", metavar="ORG", callback=validate_orgs, help="API organization to evaluate for. [default: the key's default org]")
@click.option("--project", metavar="PROJ", envvar="OPENAI_PROJECT_ID", callback=validate_ids, help="Project id, sent as OpenAI-Project [env OPENAI_PROJECT_ID].")
@click.option("--tier", "tiers", multiple=True, type=TierChoice(), help="Only these tiers of the family (repeatable). [default: all of them]")
@click.option("--efforts", default="current", show_default=True, callback=_efforts, metavar="LIST",
              help="current: each task's effort; current,lower: also one level lower (none < minimal < low < medium < high < xhigh).")
@click.option("--max-cost", type=FiniteFloatRange(0, 1_000_000), default=1.0, show_default=True, metavar="USD",
              help="Refuse to start when the estimate for the priced models is above this (raise it to run a bigger set).")
@click.option("--dry-run", is_flag=True, help="Print the cost estimate and the calls it would make; send nothing.")
@click.option("--keep-text", is_flag=True, help="Keep each task's input and each answer in the results (they may be sensitive).")
@click.option("--format", "fmt", type=click.Choice(["summary", "json"]), default="summary", show_default=True,
              help="Terminal summary, or the results JSON (gpt56probe/schema/eval-result.schema.json) on stdout.")
@click.option("-o", "--output", "output_path", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              callback=validate_output_file, help="Also write the results JSON here (with --emit: the exported config).")
@click.option("--compare", nargs=2, type=click.Path(dir_okay=False, path_type=Path), metavar="OLD NEW",
              help="Compare two results files (no TASKS, nothing sent): what got better or worse.")
@click.option("--emit", type=click.Choice(["promptfoo"]), help="Write TASKS as a promptfoo config instead of running it.")
@credential_options
@click.option("--base-url", envvar="OPENAI_BASE_URL", callback=validate_base_url, metavar="URL",
              help="API base URL including /v1 [env OPENAI_BASE_URL; default https://api.openai.com/v1].")
@click.option("--proxy", callback=validate_proxy, metavar="URL", help="Proxy for every request (HTTPS_PROXY, NO_PROXY also work).")
@click.option("--timeout", type=Duration(0.1, 3600), default=120.0, show_default=True, metavar="DURATION",
              help="Bound on each call: seconds, or a duration (90s, 2m).")
@click.option("--deadline", type=Duration(0.5, 86400), default=900.0, show_default=True, metavar="DURATION",
              help="Bound on the whole run: seconds, or a duration (15m, 1h).")
@click.option("--concurrency", type=click.IntRange(1, 64), default=8, show_default=True, metavar="N", help="Calls in flight at once.")
@click.option("-v", "--verbose", is_flag=True, help="Trace each request on stderr (credentials redacted).")
def eval_command(tasks_file: str | None, org: str | None, project: str | None, tiers: tuple[str, ...], efforts: tuple[str, ...],
                 max_cost: float, dry_run: bool, keep_text: bool, fmt: str, output_path: Path | None,
                 compare: tuple[Path, Path] | None, emit: str | None, api_key_env: str | None, no_keyring: bool,
                 base_url: str | None, proxy: str | None, timeout: float, deadline: float, concurrency: int, verbose: bool) -> None:
    """Run your own task set on gpt-5.5 and every GPT-5.6 tier your org reaches, and recommend per class the cheapest model that passes.

    TASKS is a TOML (or JSON Lines) file you keep in version control: each task
    has an id, a class (hard, balanced, cheap or your own word), a prompt or
    messages, an optional output cap and effort, and one deterministic check.
    Access is probed first, as check does; an unreachable tier is reported with
    its verdict and runs no task. The cost is estimated before anything is sent.

    \b
    Examples:
      gpt56probe demo eval                                 # offline, the example set
      gpt56probe eval tasks.toml --org org-abc --dry-run   # the estimate only
      gpt56probe eval tasks.toml --org org-abc --efforts current,lower -o results.json
      gpt56probe eval --compare last-week.json results.json
      gpt56probe plan --from-eval results.json --emit python -o routing_config.py
      gpt56probe eval tasks.toml --emit promptfoo -o promptfooconfig.json

    \b
    Exit status: 0 the eval ran (or compared, or wrote the export); 3 a bad task
    or results file, the estimate above --max-cost, no key; 2 nothing reachable.
    """
    from gpt56probe.net.probe import DEFAULT_BASE_URL

    if compare is not None:
        if tasks_file is not None or emit is not None:
            raise OneLineUsageError("--compare OLD NEW takes no TASKS and no --emit")
        compare_files(compare[0], compare[1], fmt, output_path)
        return
    if tasks_file is None:
        raise OneLineUsageError("give a TASKS file (or --compare OLD NEW)")
    tasks = _load_tasks(tasks_file)
    from gpt56probe.cli.auth import get_config
    from gpt56probe.migrate.evalrun import eval_models

    cfg = get_config()
    table = cfg.table  # the configured ids and prices ([models.<tier>], GPT56PROBE_MODEL_<TIER>)
    project = org_project(cfg, org, project)
    models = eval_models(table, tiers or None)
    url = base_url or DEFAULT_BASE_URL
    if emit == "promptfoo":
        emit_promptfoo(tasks, models, url, org, output_path)
        return
    from gpt56probe.store.credentials import NoKeyError, resolve_key

    if not dry_run:
        try:
            resolved = resolve_key(org, api_key_env=api_key_env, no_keyring=no_keyring)
        except NoKeyError as exc:
            raise OneLineError(str(exc)) from None
        key, source = resolved.key, resolved.source
    else:
        key, source = "", ""
    run(tasks, models, table, org=org, project=project, key=key, key_source=source, efforts=efforts, max_cost=max_cost,
        dry_run=dry_run, keep_text=keep_text, fmt=fmt, output_path=output_path, base_url=url, proxy=proxy, timeout=timeout,
        deadline=deadline, concurrency=concurrency, verbose=verbose, trust_env=True)


def run(tasks: Any, models: Sequence[Any], table: Any, *, org: str | None, project: str | None, key: str, key_source: str,
        efforts: Sequence[str], max_cost: float | None, dry_run: bool, keep_text: bool, fmt: str, output_path: Path | None,
        base_url: str, proxy: str | None, timeout: float, deadline: float, concurrency: int, verbose: bool, trust_env: bool,
        simulated: bool = False) -> None:
    """Estimate, guard, probe access, run, report: the one path ``eval`` and ``demo eval`` share."""
    from gpt56probe.migrate import evalresults, scoring
    from gpt56probe.migrate.estimate import estimate
    from gpt56probe.migrate.evalrun import EvalRequest, check_access, run_eval
    from gpt56probe.net.checkrun import OrgCredential
    from gpt56probe.views import evalview
    from gpt56probe.views.textwidth import wrap_text

    width = _width()
    guess = estimate(tasks.tasks, models, len(efforts))
    for line in evalview.estimate_lines(guess.doc(), max_cost, width):
        click.echo(line, err=True)
    if simulated:
        for line in wrap_text("(the simulator bills nothing: this is what the same run would cost on the real API)", width, "  ", "  "):
            click.echo(line, err=True)
    if dry_run:
        say(f"dry run: nothing was sent; {len(tasks.tasks) * len(models) * len(efforts)} call(s) and "
            f"{len(models)} access probe(s) would be made", err=True)
        return
    if max_cost is not None and guess.priced_usd > max_cost:
        from gpt56probe.core.cost import format_usd

        raise OneLineError(f"the estimate ({format_usd(guess.priced_usd)}) is above --max-cost {format_usd(max_cost)}: "
                           "nothing was sent; raise --max-cost, lower the caps, or run fewer tiers (--tier)")
    request = EvalRequest(tasks=tasks, cred=OrgCredential(org, key, project, key_source), table=table, models=models,
                          efforts=tuple(efforts), base_url=base_url, proxy=proxy, timeout_s=timeout, deadline_s=deadline,
                          concurrency=concurrency, trust_env=trust_env, keep_text=keep_text, tracer=_tracer(verbose))
    with EvalProgress(not verbose, "checking access") as progress:
        from dataclasses import replace

        access, check = check_access(replace(request, access_progress=progress.update))
    if not any(a.state == "evaluated" for a in access):
        for a in access:
            for line in wrap_text(f"unreachable: {a.model} ({a.verdict}): {a.reason}", width, rest="  "):
                click.echo(line, err=True)
        for line in wrap_text(f"nothing is reachable for {org or 'the default org'}: run `gpt56probe check` to see why", width):
            click.echo(line, err=True)
        sys.exit(EXIT_NOTHING_REACHABLE)
    with EvalProgress(not verbose, "evaluating") as progress:
        outcome = run_eval(replace(request, progress=progress.update), access, check)
    classes = tasks.classes
    scores = scoring.all_scores(outcome.outcomes, classes, outcome.runs)
    baseline = models[0].id
    recs = scoring.recommendations(scores, classes, baseline, table)
    doc = evalresults.results_doc(
        started_at=outcome.started_at, finished_at=outcome.finished_at, org=org, base_url=base_url, vantage=None,
        tasks=tasks, baseline=baseline, efforts=efforts, estimate=guess.doc(), models=access, outcomes=outcome.outcomes,
        scores=scores, recommendations=recs, keep_text=keep_text, notes=outcome.notes,
    )
    from gpt56probe.views.render import render_json

    text = render_json(doc)
    if output_path is not None:
        deliver(text, output_path, wrote=f"wrote {output_path} (eval results)")
    if fmt == "json":
        deliver(text, None)
    else:
        click.echo(evalview.render_summary(doc, width))


def compare_files(old: Path, new: Path, fmt: str, output_path: Path | None) -> None:
    from gpt56probe.migrate.evalresults import compare, comparison_doc
    from gpt56probe.views import evalview
    from gpt56probe.views.render import render_json

    doc = comparison_doc(compare(read_doc(old), read_doc(new)))
    if output_path is not None:
        deliver(render_json(doc), output_path, wrote=f"wrote {output_path} (comparison)")
    if fmt == "json":
        deliver(render_json(doc), None)
    else:
        click.echo(evalview.render_comparison(doc, str(old), str(new), _width()))


def emit_promptfoo(tasks: Any, models: Sequence[Any], base_url: str, org: str | None, output_path: Path | None) -> None:
    from gpt56probe.migrate.promptfoo import PROMPTFOO_VERSION, EmitError, render_config

    try:
        text = render_config(tasks, models, base_url, org)
    except EmitError as exc:
        raise OneLineError(f"{tasks.source}: {exc}") from None
    deliver(text, output_path, wrote=f"wrote {output_path} (promptfoo config, {counted(len(tasks.tasks), 'test')} x {counted(len(models), 'provider')})")
    say(f"run it with: npx promptfoo@{PROMPTFOO_VERSION} eval -c {output_path or 'CONFIG'} --no-cache "
        "(OPENAI_API_KEY set; PROMPTFOO_DISABLE_TELEMETRY=1 to stay offline)", err=True)


def demo_eval(verbose: bool, fmt: str) -> None:
    """``demo eval``: the example task set on the bundled simulator, current and lower effort."""
    from gpt56probe.core.models import DEFAULT_TABLE
    from gpt56probe.migrate.evalrun import eval_models
    from gpt56probe.migrate.tasks import example_tasks
    from gpt56probe.simulator import start_simulator
    from gpt56probe.views.textwidth import wrap_text

    tasks = example_tasks()
    with start_simulator(port=0) as sim:
        for line in wrap_text(f"simulator: {sim.base_url} (loopback only); tasks: the example set ({counted(len(tasks.tasks), 'task')})", _width()):
            click.echo(line, err=True)
        run(tasks, eval_models(DEFAULT_TABLE), DEFAULT_TABLE, org="org-sim-approved", project=None, key="sk-test-demo-eval",
            key_source="demo", efforts=("current", "lower"), max_cost=DEMO_MAX_COST_USD, dry_run=False, keep_text=False,
            fmt=fmt, output_path=None, base_url=sim.base_url, proxy=None, timeout=20.0, deadline=120.0, concurrency=16,
            verbose=verbose, trust_env=False, simulated=True)
