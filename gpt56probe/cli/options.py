"""Options several commands share, each defined once here so it means the same everywhere.

``connection_options`` (base URL, proxy, timeouts, concurrency, -v) lives in
cli/common.py; this module adds the credential options (check, plan,
support-packet, config show), the state directory (check, history,
support-packet, config show), --expect, the tier type with its "did you mean",
and how check picks an org's project and expected tiers, which config show
reports from the same functions.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])
CONFIG_META = "gpt56probe.store.config"
"""Where the main group keeps the loaded config (ctx.meta), so every command reads the file once."""


def family_tiers(ctx: click.Context | None = None) -> tuple[str, ...]:
    """The configured family's tiers (config ``[family] tiers``), else the built-in ones; a config that
    cannot be read leaves the built-in tiers here and is reported by the command itself."""
    from gpt56probe.core.models import TIERS
    from gpt56probe.store.config import ConfigError, load_config

    ctx = ctx or click.get_current_context(silent=True)
    cfg = ctx.meta.get(CONFIG_META) if ctx is not None else None
    if cfg is None:
        try:
            cfg = load_config()
        except ConfigError:
            return TIERS
    return tuple(cfg.family.tiers)


class TierChoice(click.Choice):
    """A tier of the configured family (sol, terra or luna built in), any case; a near miss says which
    tier it probably meant."""

    def __init__(self) -> None:
        from gpt56probe.core.models import TIERS

        super().__init__(list(TIERS), case_sensitive=False)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from gpt56probe.core.names import UnknownName, check_tier

        try:
            return check_tier(str(value), family_tiers(ctx))
        except UnknownName as exc:
            self.fail(str(exc), param, ctx)


def id_problem(value: str) -> str | None:
    """Why ``value`` cannot be an org or project id (names.header_id_problem), or the output gate would
    not show it as given (it looks like a secret): then two such ids could not be told apart in any sink."""
    from gpt56probe.core.gate import GATE
    from gpt56probe.core.names import header_id_problem

    problem = header_id_problem(value)
    if problem is None and GATE.scrub(value) != value:
        problem = "looks like a secret (every output would mask it)"
    return problem


def validate_ids(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """Callback for --org and --project (one value or several): refuse, before anything is sent, an id
    that cannot be sent as an HTTP header or shown as given (``id_problem``)."""
    if value is None:
        return None
    items = tuple(v.strip() for v in (value if isinstance(value, tuple) else (value,)))
    for item in items:
        problem = id_problem(item)
        if problem:
            raise click.BadParameter(f"{item!r} {problem}")
    return items if isinstance(value, tuple) else items[0]


CONFIG_META = "gpt56probe.config"


def config_error(message: str, monitoring: bool) -> click.ClickException:
    """Exit 3 for monitoring commands (check), 1 for the others; one line, no traceback."""
    from gpt56probe.cli.common import MonitoringInputError

    return MonitoringInputError(message) if monitoring else click.ClickException(message)


def get_config(ctx: click.Context | None = None, monitoring: bool = False) -> Any:
    """The config loaded by the main group (cached in ctx.meta), loading it when absent."""
    from gpt56probe.store.config import ConfigError, load_config

    ctx = ctx or click.get_current_context()
    cfg = ctx.meta.get(CONFIG_META)
    if cfg is None:
        try:
            cfg = load_config()
        except ConfigError as exc:
            raise config_error(str(exc), monitoring) from None
        ctx.meta[CONFIG_META] = cfg
        _introduce_to_gate(cfg)
    return cfg


def _introduce_to_gate(cfg: Any) -> None:
    """The approved e-mails the user wrote in the config are meant to be shown; everything else in it is data."""
    from gpt56probe.core.gate import GATE

    for entry in cfg.orgs.values():
        GATE.keep_email(entry.email)


def _config_orgs(ctx: click.Context) -> Any:
    """The config's orgs ({id: entry}), or {} when the config cannot be read here (the command reports that itself)."""
    try:
        return get_config(ctx, monitoring=True).orgs
    except click.ClickException:
        return {}


def validate_orgs(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """Callback for --org (one value or several): a label from the config becomes its org id; then, as
    for every id (``validate_ids``), and refused when it cannot be an org id (``names.org_id_problem``:
    a project id, a comma list, no ``org-``), before anything is sent. The config's own org ids pass."""
    from gpt56probe.core.names import org_id_problem

    value = validate_ids(ctx, param, value)
    if value is None:
        return None
    orgs = _config_orgs(ctx)
    by_label: dict[str, str] = {entry.label: org for org, entry in orgs.items() if getattr(entry, "label", "")}
    given: tuple[str, ...] = tuple(str(v) for v in (value if isinstance(value, tuple) else (value,)))
    items = tuple(v if v in orgs or v.startswith("org-") else by_label.get(v, v) for v in given)
    for item in items:
        problem = org_id_problem(item, orgs)
        if problem:
            raise click.BadParameter(f"{item!r} {problem}")
    # An org named twice (or by its id and its label) is probed once: twice would double its cost and its rate-limit use.
    return tuple(dict.fromkeys(items)) if isinstance(value, tuple) else items[0]


def complete_orgs(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """Shell completion of --org: the orgs in the config file (a broken or absent config completes nothing)."""
    from click.shell_completion import CompletionItem

    try:
        from gpt56probe.store.config import load_config

        cfg = load_config()
    except Exception:  # completion must never print a traceback into the user's shell
        return []
    return [CompletionItem(org, help=entry.label or None) for org, entry in cfg.orgs.items() if org.startswith(incomplete)]


def credential_options(f: F) -> F:
    """``--api-key-env`` and ``--no-keyring``: the first rungs of the one credential order (credentials.resolve_key)."""
    options = [
        click.option("--api-key-env", metavar="VAR",
                     help="Read the key from this env var (set and not empty, or an error). Key order: 1 --api-key-env VAR, 2 keyring entry "
                          "for the org, 3 the owner-only key file (auth set --key-file), 4 OPENAI_API_KEY."),
        click.option("--no-keyring", is_flag=True, envvar="GPT56PROBE_NO_KEYRING",
                     help="Skip the OS keyring, e.g. under cron [env GPT56PROBE_NO_KEYRING=1]."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def default_state_dir() -> Path:
    """``$GPT56PROBE_HOME/state``, else the user config dir's ``state``: one rule for every command."""
    home = os.environ.get("GPT56PROBE_HOME")
    base = Path(home) if home else Path(click.get_app_dir("gpt56probe"))
    return base / "state"


def _state_dir(ctx: click.Context, param: click.Parameter, value: str | None) -> Path:
    """The given directory (common.validate_state_dir: never empty), else the default
    (``$GPT56PROBE_HOME/state``, else the app dir's ``state``)."""
    from gpt56probe.cli.common import validate_state_dir

    given = validate_state_dir(ctx, param, value)
    return given.expanduser() if given is not None else default_state_dir()


def state_dir_option(f: F) -> F:
    """``--state-dir``: where check records history and state, and where history and support-packet --last read them."""
    return click.option("--state-dir", "state_dir", type=click.Path(file_okay=False, dir_okay=True), metavar="DIR", callback=_state_dir,
                        help="Where history.jsonl and state.json live. [default: $GPT56PROBE_HOME/state, else the user config dir's state/]")(f)


def _endpoint(ctx: click.Context, param: click.Parameter, value: str | None) -> str:
    """``--endpoint HOST|URL`` -> the host history is kept under (core.history.endpoint_of); not given: the
    host of ``$OPENAI_BASE_URL`` when set (where check would probe), else the real API."""
    from gpt56probe.core.history import REAL_API_ENDPOINT, endpoint_of

    if value is not None and not value.strip():
        raise click.BadParameter("must not be empty (a host such as api.openai.com or 127.0.0.1, or a base URL)")
    if value is None:
        value = os.environ.get("OPENAI_BASE_URL") or REAL_API_ENDPOINT
    return endpoint_of(value)


def endpoint_option(f: F) -> F:
    """``--endpoint``: which endpoint's history a reader (history, report, merge, support-packet --last) reads."""
    return click.option("--endpoint", "endpoint", metavar="HOST", callback=_endpoint,
                        help="Read the history kept for this endpoint: a host or a base URL (127.0.0.1, "
                             "http://127.0.0.1:8056/v1). [default: the host of $OPENAI_BASE_URL, else api.openai.com]")(f)


def other_endpoints(endpoint: str, state_dir: Path) -> list[str]:
    """The endpoints other than ``endpoint`` with a history under ``state_dir`` (the real API first)."""
    from gpt56probe.store.state import HISTORY_FILE, REAL_API_ENDPOINT, recorded_endpoints

    real = [REAL_API_ENDPOINT] if (state_dir / HISTORY_FILE).is_file() else []
    return [e for e in real + recorded_endpoints(state_dir) if e != endpoint]


def endpoint_note(endpoint: str, state_dir: Path) -> str:
    """One line saying which endpoint's history is read, and the other endpoints recorded beside it."""
    others = other_endpoints(endpoint, state_dir)
    also = f"; also recorded: {', '.join(others)} (--endpoint HOST)" if others else ""
    return f"endpoint: {endpoint}{also}"


def _parse_expect(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...] | None:
    """``--expect sol,terra`` (repeatable, comma-separated) -> ("sol", "terra"); None when not given."""
    if not value:
        return None
    TIERS = family_tiers(ctx)
    tiers: list[str] = []
    for name in (n.strip().lower() for chunk in value for n in chunk.split(",")):
        if not name:
            continue
        if name not in TIERS:
            from gpt56probe.core.names import UnknownName, check_tier

            try:
                check_tier(name)
            except UnknownName as exc:
                raise click.BadParameter(str(exc)) from None
        if name not in tiers:
            tiers.append(name)
    if not tiers:
        raise click.BadParameter("name at least one tier, e.g. --expect sol,terra")
    return tuple(tiers)


def expect_option(f: F) -> F:
    """``--expect sol,terra``: the tiers every checked org must reach (else each org's config ``expect``, else all)."""
    return click.option("--expect", "expect", multiple=True, metavar="TIERS", callback=_parse_expect,
                        help="Tiers this org must reach, e.g. sol,terra: an access verdict on one of them is CRITICAL. "
                             "[default: the org's `expect` in the config, else all]")(f)


# --------------------------------------------------------------------------- what check uses for an org


def org_project(cfg: Any, org: str | None, flag: str | None) -> str | None:
    """--project (or OPENAI_PROJECT_ID), else the org's project in the config."""
    return flag or (cfg.orgs[org].project if org in cfg.orgs else None)


def org_expected(cfg: Any, org: str | None, flag: tuple[str, ...] | None) -> tuple[str, ...]:
    """--expect, else the org's ``expect`` in the config, else every tier of the configured family."""
    if flag:
        return tuple(flag)
    entry = cfg.orgs.get(org) if org is not None else None
    return tuple(entry.expect) if entry is not None and entry.expect else tuple(cfg.family.tiers)


# --------------------------------------------------------------------------- the Admin API's key


def admin_key_option(f: F) -> F:
    """``--admin-key-env VAR``: the env variable that holds an admin key, for the Admin API's read-only evidence."""
    return click.option("--admin-key-env", "admin_key_env", metavar="VAR",
                        help="Read an admin key (sk-admin-...) from this env var and read the org's projects from the Admin "
                             "API (GET only): model permissions, rate limits, spend limit.")(f)


def read_admin_key(var: str | None) -> str | None:
    """The admin key the variable holds, registered with the output gate by value at once; None without
    ``--admin-key-env``; a usage error naming the variable when it is unset or empty."""
    import os

    from gpt56probe.core.gate import GATE

    if not var:
        return None
    value = (os.environ.get(var) or "").strip()
    if not value:
        raise click.BadParameter(f"the environment variable {var} is not set or empty (it should hold an admin key, sk-admin-...)",
                                 param_hint="--admin-key-env")
    GATE.add_secret(value)
    return value
