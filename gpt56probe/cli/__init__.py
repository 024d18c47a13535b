"""The gpt56probe command line. Only this package imports click.

Commands import their heavy modules (requests, tabulate, keyring, the simulator)
inside the command, so ``gpt56probe --help`` costs little more than click itself.
"""

from __future__ import annotations

from typing import Any

import click

from gpt56probe import __version__
from gpt56probe.cli.auth import auth, config_group, install_config, orgs
from gpt56probe.cli.check import check, demo
from gpt56probe.cli.guard import GuardedGroup
from gpt56probe.cli.history import history
from gpt56probe.cli.merge import merge
from gpt56probe.cli.packet import support_packet
from gpt56probe.cli.plan import cost, plan
from gpt56probe.cli.report import report
from gpt56probe.cli.simulate import simulate

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class GatedGroup(GuardedGroup):
    """The top-level group: the whole run, click's own messages and the guard's included, writes
    through the output gate; the guard (cli/guard.py) turns every ending into a documented exit."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        from gpt56probe import interrupts
        from gpt56probe.gate import installed

        # Signals outermost: the gate's last flush is covered too (a second Ctrl-C cannot cut it short).
        with interrupts.handling_signals(), installed():
            return super().main(*args, **kwargs)


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

    Exit codes of check: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN; 130/143
    when interrupted (SIGINT/SIGTERM). A crash in another command exits 70.
    """
    install_config(ctx)  # config file [defaults] -> ctx.default_map (flag > env > file > default)


main.add_command(check)
main.add_command(demo)
main.add_command(history)
main.add_command(plan)
main.add_command(cost)
main.add_command(simulate)
main.add_command(auth)
main.add_command(orgs)
main.add_command(config_group)
main.add_command(support_packet)
main.add_command(report)
main.add_command(merge)
