"""``simulate``: the preview-API simulator in the foreground."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True, help="Port on 127.0.0.1 (0: an ephemeral one).")
@click.option("--scenarios", "scenarios_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Extra scenarios from a TOML or JSON file.")
@click.option("--latency", type=click.FloatRange(0, 60), default=0.0, show_default=True, metavar="S", help="Fixed latency added to every answer (for benchmarks).")
def simulate(port: int, scenarios_file: Path | None, latency: float) -> None:
    """Serve the GPT-5.6 preview-API simulator on loopback until Ctrl-C.

    Prints the base URL and the keys and orgs that select each scenario.

    \b
    Example:
      gpt56probe simulate --port 8056 &
      export OPENAI_API_KEY=sk-test-simulator-example
      gpt56probe check --base-url http://127.0.0.1:8056/v1 --org org-sim-pending
    """
    from gpt56probe.simulator import ScenarioFileError, run_forever

    try:
        from gpt56probe.cli.terminal import screen_width

        run_forever(port=port, scenarios_file=scenarios_file, latency=latency, width=screen_width())
    except ScenarioFileError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}") from None
