"""The gpt56probe command line. Only this package imports click.

Commands are loaded when they are run: COMMANDS names each one's module and its
one-line help, so ``gpt56probe --help`` and ``--version`` import no command module
and cost little more than click itself, and ``check`` loads only what it uses
(tests/test_packaging.py pins each line below to the command's own help).
"""

from __future__ import annotations

import importlib
from typing import Any

import click

from gpt56probe import __version__
from gpt56probe.cli.guard import GuardedGroup
from gpt56probe.cli.helpformat import FittingContext, fit_help

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}

COMMANDS: dict[str, tuple[str, str]] = {
    "auth": ("gpt56probe.cli.auth:auth", "Store, list and delete API keys in the OS keyring (one per org)."),
    "check": ("gpt56probe.cli.check:check", "Probe every GPT-5.6 tier (and the fallbacks) for each org."),
    "config": ("gpt56probe.cli.auth:config_group", "Inspect the configuration (file, env vars, defaults)."),
    "cost": ("gpt56probe.cli.plan:cost", "What a workload costs on each tier, from the models table's prices."),
    "demo": ("gpt56probe.cli.check:demo", "Run check against the bundled simulator: no key, no network, no config."),
    "eval": ("gpt56probe.cli.evalcmd:eval_command", "Run your own task set on gpt-5.5 and every GPT-5.6 tier your org reaches, and "
             "recommend per class the cheapest model that passes."),
    "history": ("gpt56probe.cli.history:history", "Show the verdict changes recorded by past check runs, oldest first."),
    "merge": ("gpt56probe.cli.merge:merge", "Merge checks made from several places into one vantage x org x tier matrix."),
    "models": ("gpt56probe.cli.models:models", "Show the GPT-5.6 ids each org lists, by tier, and the configured ids it does not list."),
    "orgs": ("gpt56probe.cli.auth:orgs", "List the orgs in the config file (label, project, approved e-mail, expected tiers)."),
    "plan": ("gpt56probe.cli.plan:plan", "Probe an org now and emit a routing config: the model per role and its fallbacks."),
    "report": ("gpt56probe.cli.report:report", "Write a status page from history: the org x model matrix now, a timeline per "
               "org and model, and the list of changes."),
    "rollout": ("gpt56probe.cli.rollout:rollout", "Walk the rollout checklist for an org: each step done, not yet or unknown."),
    "served": ("gpt56probe.cli.served:served", "Read the tier-served logs the emitted router writes: per role and day, which model served."),
    "simulate": ("gpt56probe.cli.simulate:simulate", "Serve the GPT-5.6 preview-API simulator on loopback until Ctrl-C."),
    "support-packet": ("gpt56probe.cli.packet:support_packet", "Write the support packet for a failing GPT-5.6 call, with every "
                       "secret removed."),
}
"""Each command: ``module:attribute`` and its one-line help (the first sentence of its docstring)."""


class GatedGroup(GuardedGroup):
    """The top-level group: the whole run, click's own messages and the guard's included, writes
    through the output gate; the guard (cli/guard.py) turns every ending into a documented exit.
    Subcommands are imported when first asked for (COMMANDS); each gets help that fits the screen."""

    context_class = FittingContext

    def main(self, *args: Any, **kwargs: Any) -> Any:
        from gpt56probe.net import interrupts
        from gpt56probe.store.gated_stream import installed, restore_std_fds

        restore_std_fds()  # done already when started from gpt56probe/__main__.py, the entry point
        # Signals outermost: the gate's last flush is covered too (a second Ctrl-C cannot cut it short).
        with interrupts.handling_signals(), installed():
            return super().main(*args, **kwargs)

    def _main_shell_completion(self, ctx_args: Any, prog_name: str, complete_var: str | None = None) -> None:
        """Shell completion runs in every new shell: whatever breaks in it ends quietly (exit 1), never as a
        traceback in the user's prompt."""
        try:
            super()._main_shell_completion(ctx_args, prog_name, complete_var)
        except (SystemExit, click.exceptions.Exit):
            raise
        except Exception:  # noqa: BLE001 - the shell shows nothing rather than a traceback
            raise SystemExit(1) from None

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(COMMANDS))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS and cmd_name not in self.commands:
            module, _, attr = COMMANDS[cmd_name][0].partition(":")
            command = getattr(importlib.import_module(module), attr)
            fit_help(command)
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from COMMANDS' help lines, without importing a single command."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            if name in COMMANDS and name not in self.commands:
                # click shortens it exactly as it would the command's own help
                rows.append((name, click.Command(name, help=COMMANDS[name][1]).get_short_help_str(limit)))
            else:
                command = self.get_command(ctx, name)
                if command is not None and not command.hidden:
                    rows.append((name, command.get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The one exit-code table (cli/common.py EXIT_CODES), for every command."""
        from gpt56probe.cli.common import EXIT_CODES

        with formatter.section("Exit codes (every command)"):
            formatter.write_dl(list(EXIT_CODES), col_max=8)


@click.group(cls=GatedGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "-V", "--version", prog_name="gpt56probe")
@click.option("--debug", is_flag=True, envvar="GPT56PROBE_DEBUG",
              help="On an internal error, print the traceback (redacted) too [env GPT56PROBE_DEBUG=1].")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Tell, in seconds, why a GPT-5.6 preview call fails for an API organization.

    \b
    First run (offline, against the bundled simulator):
      gpt56probe demo
    Against the real API:
      export OPENAI_API_KEY=...        # or: gpt56probe auth set --org org-...
      gpt56probe check --org org-abc --org org-def
    Shell completion (bash; zsh_source, fish_source likewise):
      eval "$(_GPT56PROBE_COMPLETE=bash_source gpt56probe)"
    """
    from gpt56probe.cli.auth import install_config

    install_config(ctx)  # config file [defaults] -> ctx.default_map (flag > env > file > default)
