"""``rollout``: the migration guide's checklist for one org, each step with its evidence and next command."""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from typing import Any

import click

from gpt56probe.cli.common import OneLineUsageCommand, connection_options, format_option, warn
from gpt56probe.cli.options import (admin_key_option, credential_options, org_expected, read_admin_key, state_dir_option,
                                    validate_ids, validate_orgs)

EXIT_ALL_DONE = 0
EXIT_NOT_DONE = 1


def _admin_facts(org: str, key: str, table: Any, project: str | None, base_url: str, timeout: float, deadline: float,
                 proxy: str | None) -> Any:
    """Projects whose model permissions block a configured tier id (only the key's project, when known)."""
    from gpt56probe.migrate.rollout import AdminFacts
    from gpt56probe.net.admin import read_admin

    evidence = read_admin([org], key, base_url, timeout_s=timeout, deadline_s=deadline, proxy=proxy)[0]
    if evidence.error and not evidence.projects:
        return AdminFacts(error=evidence.error)
    projects = [p for p in evidence.projects if p.status == "active" and (project is None or p.id == project)]
    blocked = tuple((p.label, spec.id) for p in projects for spec in table.tiers if p.allows(spec.id) is False)
    return AdminFacts(blocked, evidence.error)


@click.command(cls=OneLineUsageCommand)
@click.option("--org", required=True, metavar="ORG", callback=validate_orgs, help="The API organization being rolled out.")
@click.option("--project", metavar="PROJ", envvar="OPENAI_PROJECT_ID", callback=validate_ids,
              help="Project id, sent as OpenAI-Project [env OPENAI_PROJECT_ID; default: the org's project in the config file].")
@click.option("--plan", "plan_path", metavar="FILE", help="The routing plan (gpt56probe plan --emit json -o FILE).")
@click.option("--eval", "eval_path", metavar="FILE", help="Eval results (gpt56probe eval TASKS -o FILE).")
@click.option("--served", "served_logs", multiple=True, metavar="LOG",
              help="The router's tier-served log: files or globs, gzip'd too (repeatable).")
@click.option("--offline", is_flag=True, help="Send nothing: judge from the files and history alone (the ids step is unknown).")
@admin_key_option
@state_dir_option
@credential_options
@connection_options
@format_option()
def rollout(org: str, project: str | None, plan_path: str | None, eval_path: str | None, served_logs: tuple[str, ...], offline: bool,
            admin_key_env: str | None, state_dir: Any, api_key_env: str | None, no_keyring: bool, base_url: str | None,
            proxy: str | None, timeout: float, deadline: float, concurrency: int, verbose: bool, fmt: str) -> None:
    """Walk the rollout checklist for an org: each step done, not yet or unknown.

    The migration guide's eight steps, each judged from evidence gpt56probe
    holds: the org's latest check in history and its age (access), the ids the
    org lists against the configured ones (one free GET /v1/models), the plan
    file's ids, the eval results' age and recommendation, and the router's
    tier-served logs (the fallback's share). Each step that does not hold yet
    names the one command that moves it forward. With --admin-key-env, the
    Admin API's model permissions join the access step (read only).

    \b
    Examples:
      gpt56probe rollout --org org-abc
      gpt56probe rollout --org org-abc --plan gpt56_plan.json --eval eval.json --served 'router.log*'

    \b
    Exit status: 0 every step holds; 1 a step is not yet done or cannot be
    judged (unknown); 2 bad usage.
    """
    from gpt56probe.core.discovery import shown
    from gpt56probe.migrate import rollout as checklist
    from gpt56probe.migrate.rollout_inputs import check_evidence, eval_evidence, plan_evidence, served_evidence
    from gpt56probe.net.probe import DEFAULT_BASE_URL
    from gpt56probe.store.state import read_history

    from gpt56probe.cli.auth import get_config
    from gpt56probe.cli.terminal import terminal_width

    cfg = get_config()
    table = cfg.table
    admin_key = read_admin_key(admin_key_env)
    project = project or (cfg.orgs[org].project if org in cfg.orgs else None)
    now = datetime.now(timezone.utc)
    url = base_url or DEFAULT_BASE_URL
    problems: list[str] = []
    from gpt56probe.core.history import endpoint_of
    from gpt56probe.store.state import endpoint_dir

    history_dir = endpoint_dir(state_dir, endpoint_of(url))  # the history of the endpoint this rollout asks
    rows = read_history(history_dir, problems)
    check = check_evidence(rows, org, str(history_dir))
    listing = None
    if not offline:
        listing = _listing(org, project, table, url, proxy, timeout, deadline, api_key_env, no_keyring, verbose)
    evidence = checklist.Evidence(
        org, now, table, check, listing,
        plan_evidence(plan_path) if plan_path else None,
        eval_evidence(eval_path) if eval_path else None,
        served_evidence(served_logs, table, org, now) if served_logs else None,
        _admin_facts(org, admin_key, table, project, url, timeout, deadline, proxy) if admin_key and not offline else None,
        org_expected(cfg, org, None),
    )
    steps = checklist.judge(evidence)
    if fmt == "json":
        from gpt56probe.views.render import render_json

        click.echo(render_json(checklist.rollout_doc(evidence, steps)))
    else:
        from gpt56probe.migrate.rolloutview import render_rollout

        click.echo(render_rollout(evidence, steps, terminal_width()))
    for problem in problems:
        warn(shown(problem))
    sys.exit(EXIT_ALL_DONE if all(s.state == checklist.DONE for s in steps) else EXIT_NOT_DONE)


def _listing(org: str, project: str | None, table: Any, url: str, proxy: str | None, timeout: float, deadline: float,
             api_key_env: str | None, no_keyring: bool, verbose: bool) -> Any:
    """The org's model list now (one free GET), as rollout evidence; a missing key is the step's reason."""
    from gpt56probe.migrate.rollout import ListingEvidence
    from gpt56probe.net.checkrun import CheckRequest, OrgCredential, read_listings
    from gpt56probe.store.credentials import NoKeyError, resolve_key

    try:
        resolved = resolve_key(org, api_key_env=api_key_env, no_keyring=no_keyring)
    except NoKeyError as exc:
        return ListingEvidence(error=str(exc))
    from gpt56probe.cli.terminal import say

    tracer = (lambda line: say(f"trace: {line}", err=True)) if verbose else None
    request = CheckRequest(orgs=[OrgCredential(org, resolved.key, project, resolved.source)], models=(), table=table, base_url=url,
                           proxy=proxy, timeout_s=timeout, deadline_s=deadline, tracer=tracer)
    found = read_listings(request)
    if not found or found[0].ids is None:
        exchange = found[0].exchange if found else None
        status = f"HTTP {exchange.status}" if exchange is not None and exchange.status else "no answer"
        return ListingEvidence(error=f"the model list of {org} could not be read ({status}): run `gpt56probe models --org {org}`")
    return ListingEvidence(found[0].ids, dict(found[0].shutdown_dates))
