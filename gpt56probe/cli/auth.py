"""``auth`` (keys in the OS keyring), ``orgs`` and ``config show``.

Keys are read from a hidden prompt or stdin, stored with keyring (service
``gpt56probe``, username = org id) and only ever shown as fingerprints (``sk-…abcd``).
"""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from gpt56probe.cli.common import Choices, MonitoringInputError, OneLineError, ask, SuggestingGroup, connection_options, format_option, warn
from gpt56probe.cli.options import CONFIG_META, config_error, get_config  # noqa: F401 - the config loader, used by every command
from gpt56probe.cli.options import (complete_orgs, credential_options, expect_option, org_expected, org_project, state_dir_option,
                                    validate_ids, validate_orgs)
from gpt56probe.cli.terminal import say

NO_CONFIG_COMMANDS = ("demo", "simulate")


def learn_stored_keys(cfg: Any) -> None:
    """Before printing recorded text (history, reports, --last packets), learn every key stored for a
    configured org: a record written by an older version, or by hand, may hold one verbatim."""
    from gpt56probe.store.credentials import KeyringUnavailable, keyring_disabled_reason, keyring_get
    from gpt56probe.store.keyfile import KeyFileUnusable, read_keys

    try:
        read_keys()  # hands every key in the owner-only file to the gate
    except KeyFileUnusable:
        pass
    if keyring_disabled_reason() is not None:
        return
    for org in cfg.orgs:
        try:
            keyring_get(org)  # the credentials module hands every value it reads to the gate
        except KeyringUnavailable:
            return


def install_config(ctx: click.Context) -> None:
    """Main-group callback helper: load the config file and turn ``[defaults]`` into ``ctx.default_map``,
    so precedence is click's own: flag > env > config file > default."""
    sub = ctx.invoked_subcommand
    if sub in NO_CONFIG_COMMANDS:
        return
    cfg = get_config(ctx, monitoring=(sub == "check"))
    command = ctx.command
    mapping = cfg.default_map(command.list_commands(ctx) if isinstance(command, click.Group) else ())
    if mapping:
        merged = dict(ctx.default_map or {})
        merged.update(mapping)
        ctx.default_map = merged


# ---------------------------------------------------------------- auth


@click.group(cls=SuggestingGroup)
def auth() -> None:
    """Store, list and delete API keys in the OS keyring (one per org).

    \b
    Keys live in the OS keyring under service "gpt56probe", username = the org id;
    the org itself is recorded in the config file (keyring cannot list entries).
    Without a usable keyring, use OPENAI_API_KEY or --api-key-env VAR instead.
    """


def _read_key(org: str) -> str:
    stdin = sys.stdin  # click's runner and a pipe both replace it; read it where the user wrote to
    try:
        interactive = stdin.isatty()
    except (AttributeError, ValueError):
        interactive = False
    if interactive:
        key = ask(f"API key for {org} (input hidden)", f"paste the key at the prompt, or pipe it in: "
                  f"printf %s \"$KEY\" | gpt56probe auth set --org {org}", hide_input=True, show_default=False, default="")
    elif stdin is None or getattr(stdin, "closed", False):  # `0<&-`: no stdin at all
        raise OneLineError(f"no key given (stdin is closed): pipe the key in: printf %s \"$KEY\" | gpt56probe auth set --org {org}")
    else:
        key = stdin.readline()
    return (key or "").strip()


@auth.command("set")
@click.option("--org", required=True, metavar="ORG", shell_complete=complete_orgs, callback=validate_orgs, help="Organization id (the keyring username).")
@click.option("--label", metavar="L", help="A human name for the org, shown by `orgs` and in tables.")
@click.option("--project", metavar="PROJ", callback=validate_ids, help="Project id sent as OpenAI-Project for this org.")
@click.option("--email", metavar="EMAIL", help="The e-mail of the account approved for the preview.")
@click.option("--key-file", "key_file", is_flag=True,
              help="Store the key in keys.json in the config dir, readable only by you and unencrypted, instead of the "
                   "OS keyring: for servers and containers without one (as gh's --insecure-storage, llm's keys.json).")
def auth_set(org: str, label: str | None, project: str | None, email: str | None, key_file: bool) -> None:
    """Store the key for ORG: read from a hidden prompt, or from stdin when piped.

    The key goes to the OS keyring; with --key-file, to a file only you
    can read (never as a silent fallback: without a keyring, the error
    names --key-file).

    \b
    Examples:
      gpt56probe auth set --org org-abc --label prod
      pass show openai/prod | gpt56probe auth set --org org-abc
      pass show openai/prod | gpt56probe auth set --org org-abc --key-file
    """
    from gpt56probe.store.config import ConfigError, upsert_org
    from gpt56probe.store.credentials import KEYRING_FIXES, KeyringUnavailable, fingerprint, keyring_backend, keyring_set, plaintext_warning
    from gpt56probe.store.files import LockTimeout
    from gpt56probe.core.gate import GATE

    org = org.strip()
    if not org:
        raise click.ClickException("--org must not be empty")
    GATE.keep_email(email)
    cfg = get_config()
    if not key_file:
        try:
            keyring_backend()  # fail before asking for the key
        except KeyringUnavailable as exc:
            raise click.ClickException(f"cannot store the key: {exc}. Fixes: {KEYRING_FIXES}") from None
    key = _read_key(org)
    if not key:
        raise click.ClickException("no key given (empty input); nothing stored")
    if any(c.isspace() for c in key):
        raise click.ClickException("the key contains whitespace; paste only the key; nothing stored")
    if key_file:
        from gpt56probe.store.keyfile import KIND, KeyFileUnusable, store_key

        GATE.add_secret(key)
        try:
            path = store_key(org, key)
        except (KeyFileUnusable, OSError, LockTimeout) as exc:
            raise click.ClickException(f"cannot store the key in the key file: {getattr(exc, 'strerror', None) or exc}") from None
        backend = f"key file {path} ({KIND})"
    else:
        try:
            backend = "the keyring (" + keyring_set(org, key) + ")"
        except KeyringUnavailable as exc:
            raise click.ClickException(f"cannot store the key: {exc}. Fixes: {KEYRING_FIXES}") from None
    try:
        upsert_org(cfg, org, label=label, project=project, email=email)
    except (OSError, LockTimeout, ConfigError) as exc:
        raise click.ClickException(f"key stored, but the config file {cfg.path} could not be written: {getattr(exc, 'strerror', None) or exc}") from None
    say(f"stored {fingerprint(key)} for {org} in {backend}; org recorded in {cfg.path}", err=True)
    warning = None if key_file else plaintext_warning()
    if warning:
        warn(warning)


@auth.command("list")
@click.option("--no-keyring", is_flag=True, envvar="GPT56PROBE_NO_KEYRING", help="Do not read the keyring.")
@format_option()
def auth_list(no_keyring: bool, fmt: str) -> None:
    """Show each configured org, where its key comes from and its fingerprint (never the key)."""
    from gpt56probe.store.credentials import NoKeyError, plaintext_warning, resolve_key

    cfg = get_config()
    warning = plaintext_warning(no_keyring=no_keyring)
    if warning:
        warn(warning)
    rows = []
    for org, entry in cfg.orgs.items():
        try:
            resolved = resolve_key(org, no_keyring=no_keyring)
            source, fp = resolved.source, resolved.fingerprint
        except NoKeyError:
            source, fp = "(no key)", ""
        rows.append({"org": org, "label": entry.label, "key source": source, "fingerprint": fp})
    _print_rows(rows, fmt, empty=f"no orgs in {cfg.path}; add one with `gpt56probe auth set --org ORG`")


@auth.command("delete")
@click.option("--org", required=True, metavar="ORG", shell_complete=complete_orgs, help="Organization id.")
def auth_delete(org: str) -> None:
    """Delete ORG's keyring entry and key file entry, and remove it from the config file.

    An org with no stored key (keyring or key file) is an error (exit 3), and nothing is changed:
    a typo in ORG must not look like a deletion.
    """
    from gpt56probe.store.config import ConfigError, remove_org
    from gpt56probe.store.credentials import KeyringUnavailable, keyring_delete
    from gpt56probe.store.files import LockTimeout
    from gpt56probe.store.keyfile import KeyFileUnusable, delete_key

    cfg = get_config()
    notes = []
    deleted = False
    try:
        if keyring_delete(org):
            deleted = True
            notes.append("keyring entry deleted")
    except KeyringUnavailable as exc:
        notes.append(f"keyring not touched ({exc})")
    try:
        if delete_key(org):
            deleted = True
            notes.append("key file entry deleted")
    except (KeyFileUnusable, OSError, LockTimeout) as exc:
        notes.append(f"key file not touched ({getattr(exc, 'strerror', None) or exc})")
    if not deleted and not any("not touched" in note for note in notes):
        known = f" (orgs in the config: {', '.join(cfg.orgs)})" if cfg.orgs else ""
        raise OneLineError(f"{org} has no key in the keyring or the key file; nothing deleted{known}")
    try:
        notes.append(f"removed from {cfg.path}" if remove_org(cfg, org) else "not in the config file")
    except (OSError, LockTimeout, ConfigError) as exc:
        raise click.ClickException(f"could not write {cfg.path}: {getattr(exc, 'strerror', None) or exc}") from None
    say(f"{org}: " + "; ".join(notes), err=True)


# ---------------------------------------------------------------- orgs


@click.command()
@format_option()
def orgs(fmt: str) -> None:
    """List the orgs in the config file (label, project, approved e-mail, expected tiers)."""
    cfg = get_config()
    rows = [
        {"org": e.id, "label": e.label, "project": e.project or "", "email": e.email or "", "expect": ",".join(e.expect)}
        for e in cfg.orgs.values()
    ]
    _print_rows(rows, fmt, empty=f"no orgs in {cfg.path}; add one with `gpt56probe auth set --org ORG`")


def _print_rows(rows: list[dict[str, Any]], fmt: str, empty: str) -> None:
    if fmt == "json":
        import json

        click.echo(json.dumps(rows, indent=2))
        return
    from gpt56probe.cli.terminal import say, screen_width

    if not rows:
        say(empty)
        return
    from gpt56probe.views.tables import render

    headers = list(rows[0])
    click.echo(render([[row.get(h, "") for h in headers] for row in rows], headers, fmt, screen_width()))


# ---------------------------------------------------------------- config show


@click.group("config", cls=SuggestingGroup)
def config_group() -> None:
    """Inspect the configuration (file, env vars, defaults)."""


_ENV_OF = {"orgs": "OPENAI_ORG_ID", "project": "OPENAI_PROJECT_ID", "base_url": "OPENAI_BASE_URL", "no_keyring": "GPT56PROBE_NO_KEYRING"}


def _source(ctx: click.Context, name: str, cfg: Any) -> str:
    from click.core import ParameterSource

    source = ctx.get_parameter_source(name)
    if source == ParameterSource.COMMANDLINE:
        return "flag"
    if source == ParameterSource.ENVIRONMENT:
        return f"env {_ENV_OF.get(name, '')}".strip()
    if source == ParameterSource.DEFAULT_MAP:
        return f"file {cfg.path}"
    return "default"


def _keyring_row(no_keyring: bool) -> dict[str, Any]:
    """Whether the keyring rung can really be used: disabled, no backend (a server, a container), or on with its backend."""
    from gpt56probe.store.credentials import KEYRING_BACKEND_ENV, KeyringUnavailable, keyring_backend, keyring_disabled_reason

    skip = keyring_disabled_reason(no_keyring=no_keyring)
    if skip:
        return {"setting": "keyring", "value": "off", "source": skip}
    try:
        backend = keyring_backend()
    except KeyringUnavailable as exc:
        return {"setting": "keyring", "value": "off", "source": f"{exc}; auth set --key-file stores keys in a file only you can read"}
    where = f"env {KEYRING_BACKEND_ENV}" if os.environ.get(KEYRING_BACKEND_ENV) else "default"
    return {"setting": "keyring", "value": "on", "source": f"{where}: {type(backend).__module__}.{type(backend).__name__}"}


def _model_id_rows(cfg: Any) -> list[dict[str, Any]]:
    """Each tier's id and where it comes from (env GPT56PROBE_MODEL_<TIER>, the file's [models.<tier>], or
    the built-in placeholder), then the fallbacks."""
    from gpt56probe.core.family import DEFAULT_FAMILY

    family = cfg.family
    source = f"file {cfg.path} [family]" if family is not DEFAULT_FAMILY else "built-in (gpt56probe/core/family.py)"
    rows = [{"setting": "family", "value": f"{family.name} ({family.prefix}-<{'|'.join(family.tiers)}>), prices read "
                                           f"{family.prices_read or 'on an unknown date'}", "source": source}]
    rows += [{"setting": f"model[{s.tier}]", "value": s.id, "source": s.describe()} for s in cfg.model_sources.values()]
    fallbacks = ",".join(m.id for m in cfg.table.fallbacks)
    rows.append({"setting": "model[fallbacks]", "value": fallbacks,
                 "source": f"file {cfg.path} [models] fallbacks" if "fallbacks" in cfg.models else "built-in (gpt56probe/core/models.py)"})
    return rows


@config_group.command("show")
@click.option("--org", "orgs", multiple=True, envvar="OPENAI_ORG_ID", metavar="ORG", shell_complete=complete_orgs, callback=validate_orgs, help="As for check [env OPENAI_ORG_ID].")
@click.option("--project", metavar="PROJ", envvar="OPENAI_PROJECT_ID", callback=validate_ids, help="As for check [env OPENAI_PROJECT_ID].")
@click.option("--surface", type=Choices(["chat", "responses", "both"]), default="chat", help="As for check.")
@credential_options
@connection_options
@expect_option
@state_dir_option
@format_option()
def config_show(**params: Any) -> None:
    """Print every effective setting and where it came from (flag, env, file, default).

    Takes the same options as check, so `gpt56probe config show --timeout 5`
    shows what `gpt56probe check --timeout 5` would use, and `--org X` what it
    would use for X: the project, the expected tiers, the approved e-mail, the
    state directory and where the key comes from. Keys appear only as fingerprints.
    """
    from gpt56probe.store.config import HOME_ENV
    from gpt56probe.store.credentials import NoKeyError, resolve_key
    from gpt56probe.core.redact import redact

    ctx = click.get_current_context()
    cfg = get_config(ctx)
    fmt = params.pop("fmt")
    params.pop("verbose", None)
    rows: list[dict[str, Any]] = []
    home_src = f"env {HOME_ENV}" if os.environ.get(HOME_ENV) else "default"
    rows.append({"setting": "config_file", "value": f"{cfg.path}" + ("" if cfg.exists else " (absent)"), "source": home_src})
    for name, value in params.items():
        if isinstance(value, tuple):
            value = ",".join(value)
        if name == "base_url" and not value:
            value = "https://api.openai.com/v1"
        if name == "state_dir":
            value = str(value)
        # Values are shown redacted: a proxy or base URL may carry a password.
        rows.append({"setting": name, "value": "" if value is None else (redact(value) if isinstance(value, str) else value),
                     "source": _source(ctx, name, cfg)})
    rows.append(_keyring_row(params.get("no_keyring", False)))
    from gpt56probe.store.keyfile import describe

    rows.append({"setting": "key_file", "value": describe(), "source": "rung 3 of the key order (auth set --key-file)"})
    org_list = list(params.get("orgs") or ()) or list(cfg.orgs) or [None]
    for org in org_list:
        name = org or "default org"
        entry = cfg.orgs.get(org) if org is not None else None
        in_file = f'file {cfg.path} [orgs."{org}"]'
        project = org_project(cfg, org, params.get("project"))
        project_src = _source(ctx, "project", cfg) if params.get("project") else (in_file if project else "none: the key's default project")
        expect = org_expected(cfg, org, params.get("expect"))
        expect_src = _source(ctx, "expect", cfg) if params.get("expect") else (in_file if entry is not None and entry.expect else "default: every tier")
        rows.append({"setting": f"project[{name}]", "value": project or "", "source": project_src})
        rows.append({"setting": f"expect[{name}]", "value": ",".join(expect), "source": expect_src})
        rows.append({"setting": f"email[{name}]", "value": (entry.email if entry is not None and entry.email else ""),
                     "source": in_file if entry is not None and entry.email else "none (support-packet --email)"})
        try:
            resolved = resolve_key(org, api_key_env=params.get("api_key_env"), no_keyring=params.get("no_keyring", False))
            value, where = resolved.fingerprint, f"rung {resolved.rung}: {resolved.source}"
        except NoKeyError as exc:
            value, where = "(none)", str(exc)  # which source was empty, or what was tried, and the fix
        rows.append({"setting": f"key[{name}]", "value": value, "source": where})
    rows += _model_id_rows(cfg)
    _print_rows(rows, fmt, empty="")
    sys.stdout.flush()
