"""Every command the tool prints runs as printed: each is pasted into a shell, as a user would.

The commands come from the tool's own output (simulate --help, what simulate prints for a recording,
next steps and error lines of check); each runs in bash with the gpt56probe this suite installed.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from io import StringIO
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from gpt56probe.cli import main
from gpt56probe.simulator import run_forever, start_simulator

BIN = Path(sys.executable).parent
BACKTICKED = re.compile(r"`(gpt56probe [^`]+)`")
EXPECTED = re.compile(r"(\d+/\d+) expected")


def paste(command: str, env: dict[str, str] | None = None, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """The command as a user pastes it into bash (env assignments, quoting and all)."""
    environ = {**os.environ, "PATH": f"{BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}", **(env or {})}
    return subprocess.run(["bash", "-c", command], capture_output=True, text=True, env=environ, input=stdin, timeout=120)


def unwrap(text: str) -> str:
    """The summary wraps lines at the terminal width: join them back so a command is one string again."""
    return re.sub(r"\s*\n\s+", " ", text)


def assert_ran(result: subprocess.CompletedProcess[str], command: str) -> None:
    assert result.returncode not in (2, 127) or "CRITICAL" in result.stdout, (command, result.stderr)
    assert "Usage:" not in result.stderr and "No such option" not in result.stderr and "Traceback" not in result.stderr, (command, result.stderr)
    assert "***" not in command, command  # a masked value cannot be pasted


def test_the_simulate_help_example_runs_as_printed() -> None:
    text = CliRunner().invoke(main, ["simulate", "--help"]).stdout
    lines = [line.strip() for line in text.splitlines()]
    [at] = [i for i, line in enumerate(lines) if "OPENAI_API_KEY=" in line]
    line = lines[at] if "gpt56probe check" in lines[at] else f"{lines[at]}; {lines[at + 1]}"  # export, then the command
    port = int(re.search(r"127\.0\.0\.1:(\d+)", line).group(1))  # type: ignore[union-attr]
    handle = None
    for _ in range(20):  # the example names a fixed port; wait if another run holds it
        try:
            handle = start_simulator(port=port)
            break
        except OSError:
            time.sleep(0.5)
    assert handle is not None, f"port {port} stayed busy"
    with handle:
        result = paste(line)
    assert_ran(result, line)
    assert result.returncode == 2 and "provisioning_pending" in result.stdout  # org-sim-pending, as the example promises


def test_the_replay_command_simulate_prints_runs_as_printed_and_replays_the_recorded_count(sim: Any, tmp_path: Path) -> None:
    recording = tmp_path / "incident.toml"
    env = {"OPENAI_API_KEY": "sk-test-fake-recorder-000000000000"}
    recorded = paste(f"gpt56probe check --base-url {sim.base_url} --org org-sim-unprovisioned --org org-sim-pending "
                     f"--record {recording} --format nagios --state-dir {tmp_path / 's'}", env)
    assert recorded.returncode == 2, recorded.stderr
    want = EXPECTED.search(recorded.stdout).group(1)  # type: ignore[union-attr]
    out = StringIO()
    started = threading.Event()
    handles: list[Any] = []

    def on_start(handle: Any) -> None:
        handles.append(handle)
        started.set()

    thread = threading.Thread(target=run_forever, kwargs={"scenarios_file": recording, "out": out, "on_start": on_start}, daemon=True)
    thread.start()
    assert started.wait(10)
    try:
        end = time.monotonic() + 10
        while "Ctrl-C to stop" not in out.getvalue() and time.monotonic() < end:
            time.sleep(0.05)
        text = out.getvalue()
        [replay] = [line.split("replay it: ", 1)[1] for line in text.splitlines() if "replay it: " in line]
        [export] = [line.strip() for line in text.splitlines() if line.strip().startswith("export OPENAI_BASE_URL=")]
        result = paste(replay + f" --format nagios --state-dir {tmp_path / 'r'}")
        exported = paste(f"{export}; OPENAI_API_KEY=sk-test-simulator-example gpt56probe check --org org-sim-pending --tier sol "
                         f"--state-dir {tmp_path / 'e'}")
    finally:
        handles[0].stop()
        thread.join(5)
    assert_ran(result, replay)
    assert EXPECTED.search(result.stdout).group(1) == want == "0/6", (want, result.stdout)  # type: ignore[union-attr]
    assert exported.returncode == 2 and "pending" in exported.stdout


def test_the_commands_in_checks_next_steps_and_errors_run_as_printed(sim: Any, tmp_path: Path) -> None:
    env = {"OPENAI_BASE_URL": sim.base_url, "OPENAI_API_KEY": "sk-test-fake-paste-000000000000", "COLUMNS": "200",
           "GPT56PROBE_HOME": str(tmp_path / "home")}
    first = paste("gpt56probe check --org org-sim-dated --tier sol --details", env)
    demo = paste("gpt56probe demo --details", {"COLUMNS": "200", "GPT56PROBE_HOME": str(tmp_path / "home")})
    commands = sorted(set(BACKTICKED.findall(unwrap(first.stdout)) + BACKTICKED.findall(unwrap(demo.stdout))))
    assert "gpt56probe check --org org-sim-dated --discover" in commands and "gpt56probe config show" in commands
    for command in commands:
        result = paste(command, env)
        assert_ran(result, command)
    discovered = paste("gpt56probe check --org org-sim-dated --tier sol --discover --format json", env)
    import json

    [dated] = [r for r in json.loads(discovered.stdout)["results"] if r["model"] == "gpt-5.6-sol"]
    assert "--discover probed it: it answers." in dated["remediation"] and "tries it" not in dated["remediation"]

    no_key = paste("gpt56probe check --org org-sim-approved", {**env, "OPENAI_API_KEY": ""})
    [fix] = BACKTICKED.findall(no_key.stderr)
    stored = paste(fix, env, stdin="sk-test-fake-pasted-key-0000000000\n")
    assert stored.returncode == 0, stored.stderr
    again = paste("gpt56probe check --org org-sim-approved --tier luna", {**env, "OPENAI_API_KEY": ""})
    assert again.returncode == 0, again.stderr


def test_no_printed_command_carries_a_masked_value(sim: Any) -> None:
    """The example key is public by design: the gate never masks it, so a command that carries it pastes."""
    from gpt56probe.core.gate import EXAMPLE_KEY, GATE

    assert GATE.scrub(f"OPENAI_API_KEY={EXAMPLE_KEY} gpt56probe check") == f"OPENAI_API_KEY={EXAMPLE_KEY} gpt56probe check"
    assert GATE.scrub("OPENAI_API_KEY=sk-test-some-other-key gpt56probe check") == "OPENAI_API_KEY=*** gpt56probe check"
    with socket.socket() as probe:  # nothing above needed the network beyond loopback
        probe.settimeout(0.1)


def test_a_printed_command_is_never_broken_across_lines_at_80_columns(tmp_path: Path) -> None:
    demo = paste("gpt56probe demo --details", {"COLUMNS": "80", "GPT56PROBE_HOME": str(tmp_path / "home")})
    assert demo.returncode == 0, demo.stderr
    spans = [line for line in demo.stdout.splitlines() if "`gpt56probe " in line]
    assert spans and all(line.count("`") % 2 == 0 for line in demo.stdout.splitlines())
    assert any("`gpt56probe check --org org-sim-dated --discover`" in line for line in spans)
