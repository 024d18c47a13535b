"""The one guard at the top of the CLI: signals, crashes and refusals end a command the documented way.

- SIGINT / SIGTERM: "interrupted" on stderr, exit 130 / 143, within a second; nothing recorded.
- ``check`` that cannot judge (bad input, no key, unusable config, a crash): UNKNOWN in every
  sink (cli/sinks.py ``report_unknown``), exit 3.
- A crash in any other command: one line on stderr, exit 3 for the monitoring-convention
  commands (support-packet), else 70 (EX_SOFTWARE). Never 1, never a traceback, unless --debug.
"""

from __future__ import annotations

import time
from typing import Any

import click

from gpt56probe.cli.common import (EXIT_INTERNAL, EXIT_STDOUT_CLOSED, EXIT_UNKNOWN, STARTED_META, MonitoringCommand,
                                   MonitoringInputError, error_line, stdout_gone)

RAW_ARGS_META = "gpt56probe.raw_args"
MONITORING_STATUS_COMMANDS = ("check",)
"""Commands whose every failure is a monitoring status: UNKNOWN in every sink."""


def crash_cause(exc: BaseException) -> str:
    """One line naming an unexpected exception, secrets redacted."""
    from gpt56probe.redact import redact

    detail = redact(str(exc)).strip().splitlines()
    return f"internal error: {type(exc).__name__}" + (f": {detail[0]}" if detail else "")


def _print_traceback(exc: BaseException) -> None:
    import traceback

    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    from gpt56probe.redact import redact

    click.echo(redact(text).rstrip("\n"), err=True)


def _interrupted(exc: KeyboardInterrupt) -> int:
    """Say so, and return the shell's exit status for the signal: 130 (SIGINT) or 143 (SIGTERM)."""
    from gpt56probe import interrupts

    code = interrupts.exit_code_of(exc)
    click.echo("interrupted" + (" (SIGTERM)" if code == 143 else ""), err=True)
    return code


def _subcommand_args(raw: list[str], name: str) -> list[str]:
    """The arguments after the subcommand's name in the raw command line."""
    return raw[raw.index(name) + 1:] if name in raw else []


class GuardedGroup(click.Group):
    """click.Group whose ``invoke`` turns every way a command can end into a documented exit."""

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any) -> click.Context:
        started = (time.monotonic(), time.time())  # the run's time budget starts when its command line is read
        raw = list(args)
        ctx = super().make_context(info_name, args, parent=parent, **extra)
        ctx.meta[RAW_ARGS_META] = raw
        ctx.meta[STARTED_META] = started
        return ctx

    def invoke(self, ctx: click.Context) -> Any:
        from gpt56probe import interrupts

        with interrupts.handling_signals():
            try:  # the outer try also covers the reporting below: a Ctrl-C during a report is still 130
                try:
                    return super().invoke(ctx)
                except MonitoringInputError as exc:
                    if ctx.invoked_subcommand not in MONITORING_STATUS_COMMANDS:
                        raise
                    code = self._report_unknown(ctx, exc.format_message())
                except click.exceptions.Abort as exc:
                    interrupt = interrupts.interrupt_behind(exc)
                    if interrupt is None:
                        raise  # end of input at a prompt: click's "Aborted!", exit 1
                    raise interrupt from None
                except (click.ClickException, click.exceptions.Exit):
                    raise
                except BrokenPipeError:
                    stdout_gone()
                    code = EXIT_STDOUT_CLOSED
                except Exception as exc:  # noqa: BLE001 - the guard: every crash becomes a documented exit
                    code = self._crash(ctx, exc)
            except KeyboardInterrupt as exc:
                code = _interrupted(exc)
        ctx.exit(code)

    def _debug(self, ctx: click.Context) -> bool:
        return bool(ctx.params.get("debug"))

    def _report_unknown(self, ctx: click.Context, cause: str) -> int:
        from gpt56probe.cli.sinks import SINKS_META, report_unknown, run_clock, sinks_from_args

        sinks = ctx.meta.get(SINKS_META)
        if sinks is None:
            sinks = sinks_from_args(_subcommand_args(ctx.meta.get(RAW_ARGS_META, []), ctx.invoked_subcommand or ""))
        return report_unknown(cause, sinks, run_clock(ctx))

    def _crash(self, ctx: click.Context, exc: Exception) -> int:
        hint = "" if self._debug(ctx) else " (run again with --debug for the traceback)"
        if self._debug(ctx):
            _print_traceback(exc)
        sub = ctx.invoked_subcommand
        if sub in MONITORING_STATUS_COMMANDS:
            return self._report_unknown(ctx, crash_cause(exc) + hint)
        error_line(crash_cause(exc) + hint)
        command = self.get_command(ctx, sub) if sub else None
        return EXIT_UNKNOWN if isinstance(command, MonitoringCommand) else EXIT_INTERNAL

