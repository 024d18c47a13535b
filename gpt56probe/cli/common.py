"""Options and error handling shared by the commands."""

from __future__ import annotations

from typing import Any, Callable, TypeVar
import click

F = TypeVar("F", bound=Callable[..., Any])

EXIT_UNKNOWN = 3


class OneLineError(click.ClickException):
    """A user error as one line on stderr, never a traceback nor the usage block (exit 1)."""

    def show(self, file: Any = None) -> None:
        click.echo(f"Error: {self.format_message()}", err=True)


class OneLineUsageError(OneLineError):
    """A usage error, one line, click's usage exit code 2."""

    exit_code = 2


class MonitoringInputError(OneLineError):
    """Bad input to a monitoring command: exit 3 (UNKNOWN)."""

    exit_code = EXIT_UNKNOWN


class OneLineUsageCommand(click.Command):
    """A command whose usage errors print one line (with a --help hint) and exit with
    ``usage_error``'s code (click's 2 by default)."""

    usage_error: type[OneLineError] = OneLineUsageError

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any) -> click.Context:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as exc:
            hint = f" (see '{exc.ctx.command_path if exc.ctx else info_name} --help')"
            raise self.usage_error(exc.format_message() + hint) from None


class MonitoringCommand(OneLineUsageCommand):
    """Usage errors exit 3 (UNKNOWN), as the monitoring-plugins convention wants, instead of click's 2."""

    usage_error = MonitoringInputError


def validate_base_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A base URL must be http(s)://host[:port]/path; it normally ends in /v1, as the SDK's does."""
    if value is None:
        return None
    from urllib.parse import urlsplit

    remember_url(value)
    parts = urlsplit(value)
    if "@" in parts.netloc:
        raise click.BadParameter("the base URL must not carry credentials (user:password@host): requests would send them "
                                 "as Basic auth instead of the bearer key; give the key with OPENAI_API_KEY or the keyring")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise click.BadParameter(f"{value!r} is not an http(s) URL (example: https://api.openai.com/v1)")
    from gpt56probe.gate import GATE
    from gpt56probe.redact import public_url

    GATE.add_public(public_url(value.rstrip("/")))
    try:
        parts.port
    except ValueError:
        raise click.BadParameter(f"{value!r} has an invalid port") from None
    return value.rstrip("/")


def remember_url(url: str) -> None:
    """Hand a URL's userinfo to the output gate before anything (an error message included) can show it."""
    from gpt56probe.gate import GATE

    GATE.add_url(url)


def secret_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Callback for URL options that may carry credentials (--ping-url): the gate learns them first."""
    if value is not None:
        remember_url(value)
    return value


def validate_proxy(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    from urllib.parse import urlsplit

    remember_url(value)
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https", "socks5", "socks5h") or not parts.hostname:
        raise click.BadParameter("a proxy must look like http://host:port")
    return value


def validate_format(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from gpt56probe.render import table_formats

    choices = table_formats() + list(getattr(param, "extra_formats", ()))
    if value not in choices:
        raise click.BadParameter(f"{value!r} is not one of: {', '.join(choices)}")
    return value


def format_option(extra: tuple[str, ...] = (), default: str = "table") -> Callable[[F], F]:
    """``--format``: table, json, or any tabulate format (checked lazily, so --help stays fast), plus ``extra``."""
    names = ", ".join(dict.fromkeys([default, "table", "json", *extra]))

    def decorator(f: F) -> F:
        option = click.option(
            "--format",
            "fmt",
            default=default,
            show_default=True,
            callback=validate_format,
            help=f"Output: {names}, or any tabulate format (github, grid, plain, ...).",
        )
        f = option(f)
        # Remember the extra formats on the parameter object for the callback.
        for p in getattr(f, "__click_params__", []):
            if p.name == "fmt":
                p.extra_formats = extra  # type: ignore[attr-defined]
        return f

    return decorator


def connection_options(f: F) -> F:
    """The options every command that talks to the API shares."""
    options = [
        click.option("--base-url", envvar="OPENAI_BASE_URL", callback=validate_base_url, metavar="URL",
                     help="API base URL including /v1 [env OPENAI_BASE_URL; default https://api.openai.com/v1]."),
        click.option("--proxy", callback=validate_proxy, metavar="URL",
                     help="Proxy for every request (HTTPS_PROXY, NO_PROXY and REQUESTS_CA_BUNDLE also work, as in requests)."),
        click.option("--timeout", type=click.FloatRange(0.1, 600), default=20.0, show_default=True, metavar="S",
                     help="Bound on each HTTP request, seconds."),
        click.option("--deadline", type=click.FloatRange(0.5, 3600), default=60.0, show_default=True, metavar="S",
                     help="Bound on the whole run, seconds."),
        click.option("--concurrency", type=click.IntRange(1, 512), default=64, show_default=True, metavar="N",
                     help="Probes in flight at once (each org also has at most 12 requests in flight)."),
        click.option("-v", "--verbose", is_flag=True, help="Trace each request on stderr (credentials redacted)."),
    ]
    for option in reversed(options):
        f = option(f)
    return f
