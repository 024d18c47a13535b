"""Options and error handling shared by the commands."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any, Callable, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

EXIT_UNKNOWN = 3
STARTED_META = "gpt56probe.started"
"""ctx.meta key: (monotonic, wall-clock) time the command line was read; the run's clock (cli/sinks.py)."""
EXIT_INTERNAL = 70
"""A crash (a bug) in a command without the monitoring convention: sysexits.h EX_SOFTWARE, never 1."""


EXIT_STDOUT_CLOSED = 141
"""stdout's reader went away (``history | head -1``): 128 + SIGPIPE, quietly, as other Unix tools do.
``check`` exits with its status instead: its other sinks were reached."""
EXIT_IO_ERROR = 74
"""stdout could not be written for another reason (a full disk): sysexits.h EX_IOERR."""


def stdout_gone() -> None:
    """Point stdout at /dev/null after its reader closed it, so nothing later (the exit flush) complains."""
    import os
    import sys

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass  # not a real file (a test runner's buffer): nothing to protect


def warn(message: str) -> None:
    """One warning on stderr: one line in a log, wrapped at word boundaries on a terminal."""
    from gpt56probe.cli.terminal import say

    say(f"warning: {message}", err=True)


def error_line(message: str) -> None:
    """One error on stderr: one line in a log, wrapped at word boundaries on a terminal."""
    from gpt56probe.cli.terminal import say

    say(f"Error: {message}", err=True)


EXIT_CODES: tuple[tuple[str, str], ...] = (
    ("0", "done; check: OK (every expected target answered ok)"),
    ("1", "check: WARNING (degraded: safety, rate limit, 5xx, timeout); models: a list could not be read"),
    ("2", "check: CRITICAL (an access verdict); plan, eval: nothing answered; --until-ok: gave up"),
    ("3", "could not do what was asked, in every command: a bad flag, value, command or config, no key, "
          "nothing to delete; check: UNKNOWN"),
    ("70", "internal error (a bug): one line, --debug for the traceback; check and support-packet: 3"),
    ("74", "output could not be written (stdout or -o FILE: a full disk)"),
    ("141", "stdout's reader quit early (`history | head -1`); never check"),
    ("129-143", "interrupted: 130 Ctrl-C, 143 SIGTERM, 129 SIGHUP, 131 SIGQUIT"),
)
"""The one exit-code table: every command, README and ``gpt56probe --help``; the same mistake, the same code."""


class OneLineError(click.ClickException):
    """Something the user can fix, as one line on stderr, never a traceback nor the usage block:
    exit 3 whatever the command (EXIT_CODES)."""

    exit_code = EXIT_UNKNOWN

    def show(self, file: Any = None) -> None:
        error_line(self.format_message())


class OneLineUsageError(OneLineError):
    """A usage error (a bad flag, value or command), one line, exit 3 like every mistake (EXIT_CODES)."""


def ask(text: str, give: str, **prompt_options: Any) -> Any:
    """``click.prompt``, whose end of input (Ctrl-D, a stdin closed or at its end) is a one-line error, exit 3,
    saying how to ``give`` the value without the prompt (``--email EMAIL, or --no-input``), not click's
    "Aborted!" and exit 1; Ctrl-C stays an interrupt (130, cli/guard.py)."""
    try:
        return click.prompt(text, **prompt_options)
    except click.exceptions.Abort as exc:
        from gpt56probe.net.interrupts import interrupt_behind

        if interrupt_behind(exc) is not None:
            raise
        if not prompt_options.get("hide_input"):  # click ends a hidden prompt's line itself
            click.echo(err=bool(prompt_options.get("err")))
        raise OneLineError(f"no answer to {text!r} (end of input): {give}") from None


class MonitoringInputError(OneLineError):
    """Bad input to a monitoring command: exit 3 (UNKNOWN), reported in every sink of check."""


class OutputError(OneLineError):
    """The command's document could not be written (-o FILE): exit 74 (EX_IOERR), as for stdout."""

    exit_code = EXIT_IO_ERROR


def source_of(ctx: click.Context | None, param: click.Parameter | None) -> str | None:
    """Where a parameter's value came from, as an error names it: ``--base-url``, ``OPENAI_BASE_URL`` or
    ``config file PATH, line N ([defaults] base_url)``; None when unknown."""
    if ctx is None or param is None or param.name is None:
        return None
    from click.core import ParameterSource

    source = ctx.get_parameter_source(param.name)
    if source is ParameterSource.ENVIRONMENT:
        envvar = param.envvar if isinstance(param.envvar, str) else next(iter(param.envvar or ()), None)
        return envvar or None
    if source is ParameterSource.DEFAULT_MAP:
        from gpt56probe.store.config import config_path, where_default

        return where_default(config_path(), param.name)
    opts = [o for o in getattr(param, "opts", []) if o.startswith("--")] or list(getattr(param, "opts", []))
    return opts[0] if opts else param.name


def usage_message(exc: click.UsageError, info_name: str | None) -> str:
    """click's usage error as one line that names where a bad value came from, with a --help hint."""
    hint = f" (see '{exc.ctx.command_path if exc.ctx else info_name} --help')"
    if isinstance(exc, click.BadParameter) and not isinstance(exc, click.MissingParameter):
        where = source_of(exc.ctx, exc.param)
        if where is not None:
            return f"{where}: {exc.message}" + hint
    return exc.format_message() + hint


class OneLineUsageCommand(click.Command):
    """A command whose usage errors print one line (naming the flag, env var or config line of a bad
    value, with a --help hint) and exit 3, as every mistake does (EXIT_CODES)."""

    usage_error: type[OneLineError] = OneLineUsageError

    def __init__(self, *args: Any, help_groups: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help_groups: tuple[tuple[str, tuple[str, ...]], ...] = tuple(help_groups)
        """Option sections for --help (title, parameter names); none: click's one list."""

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        if not self.help_groups:
            super().format_options(ctx, formatter)
            return
        from gpt56probe.cli.helpformat import format_grouped_options

        format_grouped_options(self, ctx, formatter, self.help_groups)

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any) -> click.Context:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as exc:
            raise self.usage_error(usage_message(exc, info_name)) from None


class SuggestingGroup(click.Group):
    """A group whose unknown command says which one was probably meant (``chek``: did you mean check?)."""

    def resolve_command(self, ctx: click.Context, args: list[str]) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            from gpt56probe.core.names import typo_of

            commands = self.list_commands(ctx)
            guess = typo_of(name, commands) or next((c for c in commands if c.startswith(name) or name.startswith(c)), None)
            ctx.fail(f"no command {name!r}" + (f"; did you mean {guess}?" if guess else "") + f" (commands: {', '.join(commands)})")
        return super().resolve_command(ctx, args)


class MonitoringCommand(OneLineUsageCommand):
    """Usage errors exit 3 (UNKNOWN), as the monitoring-plugins convention wants, instead of click's 2."""

    usage_error = MonitoringInputError


def deliver(text: str, target: str | Path | None, *, mode: int = 0o644, wrote: str = "",
            error: type[click.ClickException] = OutputError) -> None:
    """A command's document: to stdout when ``target`` is None or "-", else written through the
    output gate (files.write_output) with one "wrote" line on stderr; a failed write is one
    ``error`` line (each command's documented exit code)."""
    if target is None or str(target) == "-":
        click.echo(text, nl=not text.endswith("\n"))
        return
    from gpt56probe.store.files import write_output

    try:
        write_output(Path(target), text, mode=mode)
    except OSError as exc:
        raise error(f"cannot write {target}: {exc.strerror or exc}") from None
    from gpt56probe.cli.terminal import say

    say(wrote or f"wrote {target}", err=True)


def _shown(value: str) -> str:
    """A URL as it may appear in an error line: credentials redacted, query values and fragment masked,
    control characters dropped."""
    from gpt56probe.core.redact import redact, without_query_values

    return repr(redact(without_query_values("".join(c for c in value if c.isprintable()))))


def validate_base_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A base URL is http(s)://host[:port]/.../v1, as the SDK's is; nothing after the path.

    Refused: a URL that does not parse, a query or fragment (they would be sent
    with every request), user:password@ (requests would send Basic auth instead
    of the bearer key), and a path without the /v1 every endpoint hangs off.
    """
    if value is None:
        return None
    from urllib.parse import urlsplit

    remember_url(value)
    value = value.strip()
    try:
        parts = urlsplit(value)
        parts.port
    except ValueError as exc:
        raise click.BadParameter(f"{_shown(value)} is not a valid URL ({exc}); example: https://api.openai.com/v1") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise click.BadParameter(f"{_shown(value)} is not an http(s) URL (example: https://api.openai.com/v1)")
    if "@" in parts.netloc:
        raise click.BadParameter("must not carry user:password@ (requests would send it as Basic auth instead of the API key); "
                                 "give the key with OPENAI_API_KEY, --api-key-env or the keyring")
    if parts.query or parts.fragment or "?" in value or "#" in value:
        raise click.BadParameter(f"{_shown(value)} has a query or fragment; give only scheme://host[:port]/path ending in /v1")
    path = parts.path.rstrip("/")
    if not path.endswith("/v1"):
        raise click.BadParameter(f"{_shown(value)} does not end in /v1; did you mean {parts.scheme}://{parts.netloc}{path}/v1 ?")
    from gpt56probe.core.gate import GATE

    GATE.add_public(f"{parts.scheme}://{parts.netloc}{path}")  # shown as given: a gateway path's hex id is no secret
    return f"{parts.scheme}://{parts.netloc}{path}"


def have_pysocks() -> bool:
    try:
        import socks  # noqa: F401 - PySocks, what requests needs for socks5:// proxies
    except ImportError:
        return False
    return True


SOCKS_FIX = "SOCKS proxies need PySocks: pip install 'requests[socks]'"


def remember_url(url: str) -> None:
    """Hand a URL's userinfo to the output gate before anything (an error message included) can show it."""
    from gpt56probe.core.gate import GATE

    GATE.add_url(url)


def validate_proxy(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    from urllib.parse import urlsplit

    remember_url(value)
    try:
        parts = urlsplit(value)
        parts.port
    except ValueError:
        raise click.BadParameter("a proxy must look like http://host:port") from None
    if parts.scheme not in ("http", "https", "socks5", "socks5h", "socks4", "socks4a") or not parts.hostname:
        raise click.BadParameter("a proxy must look like http://host:port")
    if parts.scheme.startswith("socks") and not have_pysocks():
        raise click.BadParameter(SOCKS_FIX)
    return value


def validate_ping_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A dead-man's-switch URL must be absolute http(s), e.g. https://hc-ping.com/UUID."""
    if value is None:
        return None
    from urllib.parse import urlsplit

    remember_url(value)
    try:
        parts = urlsplit(value.strip())
        parts.port
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise click.BadParameter(f"{_shown(value)} is not an http(s) URL (example: https://hc-ping.com/UUID)")
    return value.strip()


def validate_state_dir(ctx: click.Context, param: click.Parameter, value: str | None) -> Path | None:
    """An empty --state-dir would silently mean the current directory; refuse it."""
    if value is None:
        return None
    if not str(value).strip():
        raise click.BadParameter("must not be empty (name a directory, e.g. /var/lib/gpt56probe)")
    return Path(value)


def validate_output_file(ctx: click.Context, param: click.Parameter, value: Any) -> Path | None:
    """A file gpt56probe will replace: not empty, and not something that is not a regular file.

    A symlink is refused rather than followed: as root under cron, following a link someone
    planted in a shared directory would let them choose which file gets replaced; a device
    (/dev/stdout) or a FIFO would be replaced by a regular file. ``-`` passes (stdout, where allowed).
    """
    if value is None:
        return None
    if not str(value).strip():
        raise click.BadParameter("must not be empty (name a file)")
    from gpt56probe.store.files import NotRegularFile, refuse_non_regular

    path = Path(value)
    if str(value) != "-":
        try:
            refuse_non_regular(path)
        except NotRegularFile as exc:
            real = f" (it points to {os.path.realpath(path)}: name that file)" if path.is_symlink() else ""
            raise click.BadParameter(f"{str(value)!r} is {exc.strerror}; gpt56probe replaces only regular files{real}") from None
    return path


def validate_sink_file(ctx: click.Context, param: click.Parameter, value: Any) -> Path | None:
    """A file a scheduled run feeds (--prom-file): as ``validate_output_file``, and its directory must exist.
    A typo in the node_exporter path would otherwise create a directory nobody reads and send the
    metrics nowhere, with exit 0."""
    path = validate_output_file(ctx, param, value)
    if path is None or str(path) == "-":
        return path
    parent = path.expanduser().parent
    if not parent.is_dir():
        what = "is not a directory" if parent.exists() else "does not exist"
        raise click.BadParameter(f"the directory {str(parent)!r} {what}; gpt56probe does not create it "
                                 "(name the directory your collector reads, e.g. node_exporter's --collector.textfile.directory)")
    return path


class FiniteFloatRange(click.FloatRange):
    """A FloatRange that also refuses NaN (every comparison with it is false, so a range lets it in)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if math.isnan(number):
            self.fail(f"{value!r} is not a number", param, ctx)
        return number


class Duration(click.ParamType):
    """An option that takes seconds: a bare number (``20``, ``1.5``) or a duration (``500ms``, ``3s``, ``2m``),
    read by core.waiting.parse_duration, within ``[minimum, maximum]`` seconds. A bad value is a usage error
    (exit 3) that names the accepted forms. A number from the config file ([defaults] deadline = 30) is seconds."""

    name = "duration"

    def __init__(self, minimum: float = 0.0, maximum: float | None = None) -> None:
        self.minimum, self.maximum = minimum, maximum

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        from gpt56probe.core.waiting import duration_forms, parse_duration

        forms = duration_forms(self.minimum, self.maximum)  # the examples fit this option's range
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            seconds = float(value)
            if not math.isfinite(seconds) or seconds < 0:
                self.fail(f"{value!r} is not a duration: give {forms}", param, ctx)
        else:
            try:
                seconds = parse_duration(str(value), forms)
            except ValueError as exc:
                self.fail(str(exc), param, ctx)
        if seconds < self.minimum or (self.maximum is not None and seconds > self.maximum):
            span = f"from {self.minimum:g}s to {self.maximum:g}s" if self.maximum is not None else f"at least {self.minimum:g}s"
            self.fail(f"{value!r} is out of range: give {span}", param, ctx)
        return seconds


def own_formats(param: click.Parameter | None) -> list[str]:
    """gpt56probe's own formats for this --format: its default first, then table, json and the command's extras."""
    default = str(getattr(param, "default", None) or "table")
    return list(dict.fromkeys([default, "table", "json", *getattr(param, "extra_formats", ())]))


def refusal(problem: str, guess: str | None, then: str) -> str:
    """A refused value as one sentence each: ``'jsno' is not a format; did you mean json? Use ...``, or without a
    likely one ``'x' is not a format. Use ...``."""
    return problem + (f"; did you mean {guess}? " if guess else ". ") + then


def validate_format(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """Any case; one of gpt56probe's own formats, else a tabulate format (tabulate is imported only then:
    ``check --format json`` never loads it); a near miss says which was meant."""
    own = own_formats(param)
    folded = str(value).strip().lower()
    if folded in own:
        return folded
    from gpt56probe.views.render import table_formats

    tabulate_formats = [f for f in table_formats() if f not in own]
    if folded in tabulate_formats:
        return folded
    if folded == "help":
        from gpt56probe.cli.terminal import say

        say(f"gpt56probe's formats: {', '.join(own)}\ntabulate's formats: {', '.join(tabulate_formats)}")
        ctx.exit(0)
    from gpt56probe.core.names import typo_of

    guess = typo_of(folded, own + tabulate_formats)
    raise click.BadParameter(refusal(f"{value!r} is not a format", guess,
                                     f"Use {', '.join(own)}, or one of {len(tabulate_formats)} tabulate formats "
                                     "(github, grid, plain, ...: `--format help` names them all)"))


def complete_formats(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """Shell completion of --format: the command's own formats, then tabulate's."""
    from gpt56probe.views.render import table_formats

    names = list(dict.fromkeys([*own_formats(param), *table_formats()]))
    return [n for n in names if n.startswith(incomplete.lower())]


class Choices(click.Choice):
    """click.Choice in any case, whose refusal names the choices and the one probably meant."""

    def __init__(self, choices: Any) -> None:
        super().__init__(list(choices), case_sensitive=False)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        folded = str(value).strip().lower()
        for choice in self.choices:
            if str(choice).lower() == folded:
                return choice
        from gpt56probe.core.names import typo_of

        names = [str(c) for c in self.choices]
        guess = typo_of(folded, names)
        self.fail(f"{value!r} is not one of {', '.join(names)}" + (f"; did you mean {guess}?" if guess else ""), param, ctx)


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
            shell_complete=complete_formats,
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
        click.option("--timeout", type=Duration(0.1, 600), default=20.0, show_default=True, metavar="DURATION",
                     help="Bound on each HTTP request: seconds, or a duration (500ms, 3s, 2m)."),
        click.option("--deadline", type=Duration(0.5, 3600), default=60.0, show_default=True, metavar="DURATION",
                     help="Bound on the whole run: seconds, or a duration (90s, 2m)."),
        click.option("--concurrency", type=click.IntRange(1, 4096), default=None, metavar="N",
                     help="Requests in flight at once across all orgs [default: as many as the machine holds, from its "
                          "open-file limit, at most 512]. Each org has at most 12 in flight whatever this says: rate limits are per org."),
        click.option("-v", "--verbose", is_flag=True, help="Trace each request on stderr (credentials redacted)."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def read_named_input(path: Path, limit: int, timeout_s: float, expected: str) -> bytes:
    """A file the user names as input (``-``: stdin; a FIFO or a pipe never hangs past ``timeout_s``), read
    through ``store.files.read_input``; every way it can fail is one line naming the file (``expected``
    says what it should have been: "a check result")."""
    from gpt56probe.store.files import FileTooLarge, InputTimeout, read_input

    name = "<stdin>" if str(path) == "-" else str(path)
    try:
        return read_input(path, limit, timeout_s)
    except InputTimeout:
        raise OneLineError(f"{name}: no end of input within the --deadline; is something still writing it?") from None
    except FileTooLarge:
        raise OneLineError(f"{name}: larger than {limit >> 20} MiB; is it {expected}?") from None
    except OSError as exc:
        raise OneLineError(f"cannot read {name}: {exc.strerror or exc}") from None
