"""The one guard at the top of the CLI: signals, crashes and refusals end a command the documented way.

- SIGINT / SIGTERM / SIGHUP / SIGQUIT: "interrupted" on stderr, exit 128 + the signal (130, 143,
  129, 131), within a second; nothing recorded that was not complete.
- ``check`` that cannot judge (bad input, no key, unusable config, a crash, a usage error
  in the group's own options): UNKNOWN in every sink (cli/sinks.py ``report_unknown``), exit 3.
- ``check`` that crashes after its status was printed: the crash on stderr, the sinks not yet
  reached get that status (cli/sinks.py ``Delivery``), exit with it: never a second status.
- A crash in any other command: one line on stderr, exit 3 for the monitoring-convention
  commands (support-packet), else 70 (EX_SOFTWARE). Never 1, never a traceback, unless --debug.
- End of input at a prompt (Ctrl-D, a closed stdin): one line saying which option gives the value
  (cli/common.py ``ask``), exit 3 like every mistake; Ctrl-C at a prompt is still 130.
- stdout gone: ``check`` exits with its status regardless; another command whose reader quit
  (EPIPE) exits 141 quietly, one whose stdout failed otherwise (a full disk) says so, exit 74.
"""

from __future__ import annotations

import time
from typing import Any

import click

from gpt56probe.cli.common import (EXIT_INTERNAL, OneLineError, OneLineUsageError, SuggestingGroup, usage_message, EXIT_IO_ERROR, EXIT_STDOUT_CLOSED, EXIT_UNKNOWN, STARTED_META, MonitoringCommand,
                                   MonitoringInputError, error_line, stdout_gone, warn)

RAW_ARGS_META = "gpt56probe.raw_args"
MONITORING_STATUS_COMMANDS = ("check",)
"""Commands whose every failure is a monitoring status: UNKNOWN in every sink."""
RUN_STARTED: tuple[float, float] | None = None
"""(monotonic, wall-clock) time the process's entry point began (gpt56probe/__main__.py), taken by the
first command line read after it, so --deadline counts the imports too."""


def crash_cause(exc: BaseException) -> str:
    """One line naming an unexpected exception, secrets redacted."""
    from gpt56probe.core.redact import redact

    detail = redact(str(exc)).strip().splitlines()
    return f"internal error: {type(exc).__name__}" + (f": {detail[0]}" if detail else "")


def _print_traceback(exc: BaseException) -> None:
    import traceback

    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    from gpt56probe.core.redact import redact

    click.echo(redact(text).rstrip("\n"), err=True)


def _interrupted(exc: KeyboardInterrupt) -> int:
    """Say so, and return the shell's exit status for the signal (128 + its number)."""
    from gpt56probe.net import interrupts

    click.echo(interrupts.interrupted_text(exc), err=True)
    return interrupts.exit_code_of(exc)


def _subcommand_args(raw: list[str], name: str) -> list[str]:
    """The arguments after the subcommand's name in the raw command line."""
    return raw[raw.index(name) + 1:] if name in raw else []


def _take_started() -> tuple[float, float]:
    global RUN_STARTED
    started, RUN_STARTED = RUN_STARTED, None
    return started or (time.monotonic(), time.time())


def _stdout_cut() -> OSError | None:
    import sys

    return getattr(sys.stdout, "cut", None)


class GuardedGroup(SuggestingGroup):
    """click.Group whose ``invoke`` turns every way a command can end into a documented exit."""

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any) -> click.Context:
        started = _take_started()  # the run's time budget starts when the process did
        raw = list(args)
        try:
            ctx = super().make_context(info_name, args, parent=parent, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:  # a bare `gpt56probe`: it asks for the help, and gets it
            click.echo(exc.ctx.get_help())
            raise click.exceptions.Exit(0) from None
        except click.UsageError as exc:
            if "check" not in raw:
                raise OneLineUsageError(usage_message(exc, info_name or "gpt56probe")) from None
            # `gpt56probe -q check ...`: the group's own parse failed, but the run was a check: UNKNOWN in its sinks.
            hint = f" (see '{info_name or 'gpt56probe'} --help')"
            raise click.exceptions.Exit(self._guarded_unknown(raw, exc.format_message() + hint, started)) from None
        except KeyboardInterrupt as exc:
            raise click.exceptions.Exit(_interrupted(exc)) from None
        ctx.meta[RAW_ARGS_META] = raw
        ctx.meta[STARTED_META] = started
        return ctx

    def _guarded_unknown(self, raw: list[str], cause: str, started: tuple[float, float]) -> int:
        from gpt56probe.cli.sinks import RunClock, report_unknown, sinks_from_args

        try:
            sinks = sinks_from_args(_subcommand_args(raw, "check"), _config_defaults(None))
            return report_unknown(cause, sinks, RunClock(*started))
        except KeyboardInterrupt as exc:
            return _interrupted(exc)

    def invoke(self, ctx: click.Context) -> Any:
        from gpt56probe.net import interrupts

        with interrupts.handling_signals():
            try:  # the outer try also covers the reporting below: a Ctrl-C during a report is still 130
                try:
                    super().invoke(ctx)
                    code = 0
                except MonitoringInputError as exc:
                    if ctx.invoked_subcommand not in MONITORING_STATUS_COMMANDS:
                        raise
                    code = self._report_unknown(ctx, exc.format_message())
                except click.exceptions.Abort as exc:
                    interrupt = interrupts.interrupt_behind(exc)
                    if interrupt is None:  # end of input at a prompt not asked through common.ask: a mistake too, exit 3
                        path = " ".join(filter(None, (ctx.command_path, ctx.invoked_subcommand)))
                        raise OneLineError("no answer at the prompt (end of input): give the value as an option "
                                           f"(see '{path} --help')") from None
                    raise interrupt from None
                except OneLineError:
                    raise
                except click.exceptions.NoArgsIsHelpError as exc:  # `gpt56probe auth`: its help, exit 0
                    click.echo(exc.ctx.get_help())
                    code = 0
                except click.UsageError as exc:  # a command without its own one-line usage errors: the same line, exit 3
                    raise OneLineUsageError(usage_message(exc, ctx.invoked_subcommand)) from None
                except click.ClickException as exc:  # every mistake exits 3, whichever command found it (EXIT_CODES)
                    raise OneLineError(exc.format_message()) from None
                except click.exceptions.Exit as exc:
                    code = exc.exit_code
                except SystemExit as exc:
                    code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
                except BrokenPipeError:  # a stream that is not the gate's (a library writing to sys.__stdout__)
                    stdout_gone()
                    code = EXIT_STDOUT_CLOSED
                except Exception as exc:  # noqa: BLE001 - the guard: every crash becomes a documented exit
                    code = self._crash(ctx, exc)
            except KeyboardInterrupt as exc:
                code = _interrupted(exc)
        ctx.exit(self._stdout_status(ctx, code))

    def _stdout_status(self, ctx: click.Context, code: int) -> int:
        """The exit status once stdout is accounted for: check keeps its own (its other sinks were reached);
        another command that ended well but lost its output says so."""
        cut = _stdout_cut()
        if cut is None:
            return code
        import errno

        quit_reading = cut.errno == errno.EPIPE
        if ctx.invoked_subcommand in MONITORING_STATUS_COMMANDS:
            if not quit_reading:
                warn(f"cannot write to stdout ({cut.strerror or cut}); the status went only to the other sinks")
            return code
        if code != 0:
            return code
        if quit_reading:
            return EXIT_STDOUT_CLOSED
        error_line(f"cannot write to stdout ({cut.strerror or cut}); the output is lost")
        return EXIT_IO_ERROR

    def _debug(self, ctx: click.Context) -> bool:
        return bool(ctx.params.get("debug"))

    def _report_unknown(self, ctx: click.Context, cause: str) -> int:
        from gpt56probe.cli.sinks import SINKS_META, report_unknown, run_clock, sinks_from_args

        sinks = ctx.meta.get(SINKS_META)
        if sinks is None:
            raw = _subcommand_args(ctx.meta.get(RAW_ARGS_META, []), ctx.invoked_subcommand or "")
            sinks = sinks_from_args(raw, _config_defaults(ctx))
        return report_unknown(cause, sinks, run_clock(ctx))

    def _crash(self, ctx: click.Context, exc: Exception) -> int:
        hint = "" if self._debug(ctx) else " (run again with --debug for the traceback)"
        if self._debug(ctx):
            _print_traceback(exc)
        sub = ctx.invoked_subcommand
        if sub in MONITORING_STATUS_COMMANDS:
            from gpt56probe.cli.sinks import DELIVERY_META, SINKS_META, run_clock

            delivery, sinks = ctx.meta.get(DELIVERY_META), ctx.meta.get(SINKS_META)
            if delivery is not None and delivery.status is not None and sinks is not None:
                error_line(f"{crash_cause(exc)} after the status was reported{hint}")
                return int(delivery.finish(sinks, run_clock(ctx)))
            return self._report_unknown(ctx, crash_cause(exc) + hint)
        error_line(crash_cause(exc) + hint)
        command = self.get_command(ctx, sub) if sub else None
        return EXIT_UNKNOWN if isinstance(command, MonitoringCommand) else EXIT_INTERNAL


def _config_defaults(ctx: click.Context | None) -> dict[str, Any]:
    """check's [defaults] from the config file (the one already loaded, else read now), or none when unusable."""
    from gpt56probe.cli.auth import CONFIG_META

    cfg = ctx.meta.get(CONFIG_META) if ctx is not None else None
    if cfg is None:
        from gpt56probe.store.config import ConfigError, load_config

        try:
            cfg = load_config()
        except ConfigError:
            return {}
    return dict(cfg.defaults)
