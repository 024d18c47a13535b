"""Options several commands share, each defined once here so it means the same everywhere.

``connection_options`` (base URL, proxy, timeouts, concurrency, -v) lives in
cli/common.py; this module adds the credential options, the state directory,
and the tier type with its "did you mean".
"""

from __future__ import annotations

from typing import Any, Callable, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


class TierChoice(click.Choice):
    """sol, terra or luna, any case; a near miss says which tier it probably meant."""

    def __init__(self) -> None:
        from gpt56probe.models import TIERS

        super().__init__(list(TIERS), case_sensitive=False)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from gpt56probe.names import UnknownName, check_tier

        try:
            return check_tier(str(value))
        except UnknownName as exc:
            self.fail(str(exc), param, ctx)


def credential_options(f: F) -> F:
    """``--api-key-env`` and ``--no-keyring``: the first rungs of the one credential order (credentials.resolve_key)."""
    options = [
        click.option("--api-key-env", metavar="VAR",
                     help="Read the key from this env var first. Key order: 1 --api-key-env VAR, 2 keyring entry for the org, 3 OPENAI_API_KEY."),
        click.option("--no-keyring", is_flag=True, envvar="GPT56PROBE_NO_KEYRING",
                     help="Skip the OS keyring, e.g. under cron [env GPT56PROBE_NO_KEYRING=1]."),
    ]
    for option in reversed(options):
        f = option(f)
    return f
