"""``models``: the GPT-5.6 ids each org lists, mapped to tiers, against the configured ids."""

from __future__ import annotations

import sys

import click

from gpt56probe.cli.terminal import say

from gpt56probe.cli.common import OneLineUsageCommand, connection_options, format_option
from gpt56probe.cli.options import admin_key_option, complete_orgs, read_admin_key, validate_ids, validate_orgs

EXIT_LIST_UNREAD = 1


@click.command("models", cls=OneLineUsageCommand)
@click.option("--org", "orgs", multiple=True, metavar="ORG", shell_complete=complete_orgs, envvar="OPENAI_ORG_ID", callback=validate_orgs, help="API organization id, sent as OpenAI-Organization. Repeat for several [env OPENAI_ORG_ID; default: the key's default org].")
@click.option("--all-orgs", is_flag=True, help="Every org listed in the config file, plus any --org.")
@click.option("--project", metavar="PROJ", envvar="OPENAI_PROJECT_ID", callback=validate_ids, help="Project id, sent as OpenAI-Project [env OPENAI_PROJECT_ID; default: the org's project in the config file].")
@click.option("--api-key-env", metavar="VAR", help="Read the key from this env var first (the key order of check).")
@click.option("--no-keyring", is_flag=True, envvar="GPT56PROBE_NO_KEYRING", help="Skip the OS keyring [env GPT56PROBE_NO_KEYRING=1].")
@click.option("--projects", "show_projects", is_flag=True,
              help="Show project x model permissions, rate limits and spend limits from the Admin API (needs --admin-key-env; nothing is sampled).")
@admin_key_option
@connection_options
@format_option()
def models(orgs: tuple[str, ...], all_orgs: bool, project: str | None, api_key_env: str | None, no_keyring: bool, base_url: str | None,
           proxy: str | None, timeout: float, deadline: float, concurrency: int | None, verbose: bool, fmt: str, show_projects: bool,
           admin_key_env: str | None) -> None:
    """Show the GPT-5.6 ids each org lists, by tier, and the configured ids it does not list.

    One free GET /v1/models per org; nothing is sampled. Every id that starts
    with gpt-5.6 (dated snapshots, Ultra) is mapped to its tier by name (sol,
    terra, luna, sol-ultra, else unknown) and marked configured or not; each
    configured id the org does not list is shown too. When the org lists
    another id of a configured tier, the note under the table gives the
    config.toml lines that switch to it.

    With --projects and an admin key (--admin-key-env VAR), it reads the
    org's projects from the Admin API instead (GET only, nothing changes):
    each project's model permissions (allow or deny list), its per-model
    rate limits and its spend limit, for every configured model.

    \b
    Examples:
      gpt56probe models --org org-abc
      gpt56probe models --all-orgs --format json
      gpt56probe models --org org-abc --projects --admin-key-env OPENAI_ADMIN_KEY

    \b
    Exit status: 0 every org's list was read; 1 a list could not be read (the
    table says why); 3 no key was found, or any other mistake (gpt56probe --help).
    """
    from gpt56probe.net.checkrun import CheckRequest, OrgCredential, read_listings
    from gpt56probe.store.credentials import NoKeyError, resolve_key
    from gpt56probe.views.modelsview import models_doc, models_table, org_models
    from gpt56probe.net.probe import DEFAULT_BASE_URL, now_iso

    from gpt56probe.cli.auth import get_config

    cfg = get_config()
    table = cfg.table
    if all_orgs:
        if not cfg.orgs:
            raise click.ClickException(f"--all-orgs: no orgs in {cfg.path}; add one with `gpt56probe auth set --org ORG`")
        orgs = tuple(dict.fromkeys([*orgs, *cfg.orgs]))
    tracer = (lambda line: say(f"trace: {line}", err=True)) if verbose else None
    admin_key = read_admin_key(admin_key_env)
    if show_projects:
        if admin_key is None:
            raise click.ClickException("--projects reads the Admin API: give an admin key with --admin-key-env VAR "
                                       "(an sk-admin-... key from the org's settings, Admin keys)")
        from gpt56probe.net.admin import read_admin
        from gpt56probe.views.adminview import projects_doc, projects_table

        url = base_url or DEFAULT_BASE_URL
        evidence = read_admin(orgs or (None,), admin_key, url, timeout_s=timeout, deadline_s=deadline, proxy=proxy, tracer=tracer)
        if fmt == "json":
            from gpt56probe.views.render import render_json

            click.echo(render_json(projects_doc(evidence, table.ids, url)))
        else:
            from gpt56probe.cli.terminal import screen_width

            click.echo(projects_table(evidence, table.ids, fmt, screen_width()))
        if any(e.error and not e.projects for e in evidence):
            sys.exit(EXIT_LIST_UNREAD)
        return
    creds = []
    for org in dict.fromkeys(orgs or (None,)):
        try:
            resolved = resolve_key(org, api_key_env=api_key_env, no_keyring=no_keyring, log=tracer)
        except NoKeyError as exc:
            raise click.ClickException(str(exc)) from None
        creds.append(OrgCredential(org, resolved.key, project or (cfg.orgs[org].project if org in cfg.orgs else None), resolved.source))
    url = base_url or DEFAULT_BASE_URL
    listed_at = now_iso()
    request = CheckRequest(orgs=creds, models=(), table=table, base_url=url, proxy=proxy, timeout_s=timeout, deadline_s=deadline,
                           concurrency=concurrency, tracer=tracer)
    views = [org_models(listing, table, cfg.model_sources) for listing in read_listings(request)]
    if fmt == "json":
        from gpt56probe.views.render import render_json

        click.echo(render_json(models_doc(views, listed_at, url)))
    else:
        from gpt56probe.cli.terminal import screen_width

        click.echo(models_table(views, fmt, listed_at, screen_width()))
    if not all(v.read for v in views):
        sys.exit(EXIT_LIST_UNREAD)
