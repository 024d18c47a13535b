"""Every screen fits: each command's documented examples run in a pseudo-terminal at 60, 80 and 120
columns, and no line the terminal shows is wider than the terminal.

The examples are the README's and each command's --help examples, pointed at the bundled simulator
(a fake key, a private home and state directory). What the user sees is rebuilt from the bytes the
terminal received (tests/test_terminal.py ``replay``), so a line the terminal would wrap is caught.
Documents meant for another program (--format json/nagios, Markdown, an emitted config, a completion
script) are not screens and are not measured; everything a person reads is.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from gpt56probe.cli import COMMANDS
from gpt56probe.views.textwidth import display_width
from tests.test_terminal import child_env, replay, run_in_pty

KEY = "sk-test-fake-screens-0000000000"
WIDTHS = (60, 80, 120)


def screens_env(home: Path, base_url: str, **extra: str) -> dict[str, str]:
    return child_env(GPT56PROBE_HOME=str(home), HOME=str(home / "home"), OPENAI_API_KEY=KEY, OPENAI_BASE_URL=base_url,
                     GPT56PROBE_NO_KEYRING="1", PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
                     GPT56PROBE_VANTAGE="laptop", **extra)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, sim: Any) -> dict[str, Any]:
    """A home with a config of two orgs, a state directory with history, and two vantages' results to merge."""
    home = tmp_path_factory.mktemp("screens")
    (home / "config.toml").write_text('[orgs."org-sim-approved"]\nlabel = "prod"\nexpect = ["sol", "terra"]\n'
                                      '[orgs."org-sim-dated"]\nemail = "owner@example.com"\n')
    state = home / "state"
    env = screens_env(home, sim.base_url)
    for vantage in ("eu-office", "us-ci"):
        raw, code = run_in_pty(["check", "--all-orgs", "--org", "org-sim-region", "--vantage", vantage, "--format", "json",
                                "--state-dir", str(state)], 200, env=env)
        assert code in (0, 1, 2), raw
        text = raw.replace("\r\n", "\n")
        (home / f"{vantage}.json").write_text(text[text.index("{"):])
        json.loads((home / f"{vantage}.json").read_text())
    return {"home": home, "state": state, "env": env, "base_url": sim.base_url}


def examples(w: dict[str, Any]) -> list[list[str]]:
    """Each command's documented examples (README and --help), as they run here; every command's --help,
    whatever commands the CLI has (cli.COMMANDS)."""
    home, state = w["home"], str(w["state"])
    return [
        ["--help"], *[[c, "--help"] for c in COMMANDS],
        ["auth", "set", "--help"], ["auth", "list", "--help"], ["auth", "delete", "--help"], ["config", "show", "--help"],
        ["demo"], ["demo", "eval"],
        ["check", "--org", "org-sim-approved", "--org", "org-sim-dated", "--state-dir", state],
        ["check", "--org", "org-sim-approved", "--org", "org-sim-dated", "--details", "--state-dir", state],
        ["check", "--org", "org-sim-dated", "--format", "table", "--state-dir", state],
        ["check", "--org", "org-sim-approved", "--org", "org-sim-safety", "--surface", "both", "--format", "table", "--state-dir", state],
        ["check", "--org", "org-sim-dated", "--dry-run"],
        ["check", "--org", "org-sim-dated", "--discover", "--details", "--state-dir", state],
        ["check", "--org", "org-sim-region", "--tier", "sol", "-v", "--state-dir", state],
        ["check", "--all-orgs", "--quiet", "--expect", "sol,terra", "--state-dir", state],
        ["check", "--org", "org-sim-approved", "--tier", "sol", "--until-ok", "--every", "1s", "--give-up-after", "5s"],
        ["check", "--format", "xml"], ["chek"], ["check", "--expect", "soll"],
        ["check", "--base-url", w["base_url"].rsplit("/v1", 1)[0], "--org", "org-sim-approved"],
        ["models", "--org", "org-sim-dated"], ["models", "--all-orgs"],
        ["models", "--base-url", "http://127.0.0.1:9"],
        ["config", "show"], ["config", "show", "--org", "org-sim-dated"], ["orgs"], ["auth", "list"],
        ["auth", "delete", "--org", "org-sim-nokey"],
        ["cost", "--input", "10M", "--output", "2M"],
        ["plan", "--org", "org-sim-approved", "--emit", "python", "-o", str(home / "gpt56_models.py")],
        ["history", "--state-dir", state], ["history", "--since", "7days", "--state-dir", state],
        ["report", "--html", str(home / "status.html"), "--since", "7d", "--state-dir", state],
        ["report", "--since", "yesterday", "--state-dir", state],
        ["merge", str(home / "eu-office.json"), str(home / "us-ci.json")],
        ["merge", "--format", "table", str(home / "eu-office.json"), str(home / "us-ci.json")],
        ["support-packet", "--org", "org-sim-dated", "--model", "gpt-5.6-sol", "--email", "owner@example.com",
         "--task", "summarise a log", "--state-dir", state],
        ["support-packet", "--product", "codex", "--workspace", "ws_123", "--error", "This content can't be shown. " * 4,
         "--request-id", "req_0123456789abcdef0123456789abcdef", "--email", "owner@example.com", "--task", "summarise a log"],
    ]


def too_wide(lines: list[str], cols: int) -> list[str]:
    return [line for line in lines if display_width(line) > cols]


@pytest.mark.parametrize("cols", WIDTHS)
def test_every_documented_example_fits_the_terminal_line_by_line(world: dict[str, Any], cols: int) -> None:
    failures = []
    for args in examples(world):
        raw, code = run_in_pty(args, cols, env=world["env"])
        lines, _ = replay(raw)
        assert "Traceback" not in raw, (args, raw)
        wide = too_wide(lines, cols)
        if wide:
            failures.append((args, wide[:3]))
    assert not failures, failures


def test_the_simulator_banner_fits_the_terminal(world: dict[str, Any]) -> None:
    import signal
    import subprocess
    import sys
    import time

    master, slave = os.openpty()
    import fcntl
    import struct
    import termios

    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 200, 80, 0, 0))
    proc = subprocess.Popen([sys.executable, "-m", "gpt56probe", "simulate", "--port", "0"], stdin=slave, stdout=slave, stderr=slave,
                            env=world["env"], close_fds=True)
    os.close(slave)
    chunks = b""
    end = time.monotonic() + 20
    while time.monotonic() < end and b"Ctrl-C" not in chunks:
        chunks += os.read(master, 65536)
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=10)
    os.close(master)
    lines, _ = replay(chunks.decode("utf-8", "replace"))
    assert len(lines) > 5 and not too_wide(lines, 80), too_wide(lines, 80)


def test_an_error_wraps_at_word_boundaries_and_keeps_ids_and_urls_whole(world: dict[str, Any]) -> None:
    url = "http://127.0.0.1:9/gateway/0a1b2c3d4e5f"
    raw, code = run_in_pty(["models", "--base-url", url], 60, env=world["env"])
    lines, _ = replay(raw)
    assert code == 3 and not too_wide(lines, 60)
    text = " ".join(line.strip() for line in lines)
    assert f"{url}/v1" in text  # the URL is one word: never split across lines
    words = re.findall(r"[A-Za-z_]+", text)
    assert "OPENAI_" not in words and "--base-url:" in text  # the flag named, no word cut in two


def test_the_demo_at_80_columns_is_at_most_30_lines_and_says_how_to_get_the_request_ids(world: dict[str, Any]) -> None:
    raw, code = run_in_pty(["demo"], 80, env=world["env"])
    lines, _ = replay(raw)
    assert code == 0 and len(lines) <= 30, lines
    assert not any("req_" in line for line in lines)
    assert any(line.startswith("--details: ") for line in lines)
    assert lines[0].split()[0] == "org" and lines[-1].startswith("  ") or lines[-1].startswith("GPT56 ")


def test_the_demo_details_keep_every_request_id_and_verdict(world: dict[str, Any]) -> None:
    raw, code = run_in_pty(["demo", "--details"], 80, env=world["env"])
    lines, _ = replay(raw)
    screen = "\n".join(lines)
    assert code == 0 and screen.count("req_") >= 30
    for verdict in ("not_provisioned", "provisioning_pending", "wrong_org", "project_no_access", "region_vpn", "safety_check",
                    "quota_exhausted", "rate_limited", "org_not_eligible"):
        assert verdict in screen
    assert not too_wide(lines, 80)


def test_the_eval_dry_run_line_wraps_at_sixty_columns_like_every_other_message(world: dict[str, Any]) -> None:
    """`eval --dry-run`'s closing line ("dry run: nothing was sent; N call(s) and ...") went out through a bare
    click.echo, one 73-column line; it is prose on stderr, so it goes through `say` and wraps at the terminal."""
    tasks = Path(__file__).resolve().parents[1] / "gpt56probe" / "migrate" / "examples" / "eval-tasks.toml"
    raw, code = run_in_pty(["eval", str(tasks), "--dry-run", "--efforts", "current,lower"], 60, env={**world["env"], "COLUMNS": "60"})
    lines, _ = replay(raw)
    assert code == 0, raw
    assert "dry run: nothing was sent;" in " ".join(lines) and "would be made" in " ".join(lines)
    assert not too_wide(lines, 60), too_wide(lines, 60)


def test_the_merge_matrix_on_a_colour_terminal_at_80_columns_is_the_no_color_screen_with_every_row_on_one_line(world: dict[str, Any]) -> None:
    """In colour at 80 columns the merge matrix came out as single-spaced words with rows wrapped (colour marks
    measured as columns); and the row labels lost their "@" and most of the vantage."""
    home = world["home"]
    args = ["merge", str(home / "eu-office.json"), str(home / "us-ci.json")]
    coloured, code = run_in_pty(args, 80, env=world["env"])
    plain, _ = run_in_pty(args, 80, env={**world["env"], "NO_COLOR": "1"})
    assert code == 0 and "\x1b[" in coloured, coloured
    lines = replay(coloured)[0]
    assert lines == replay(plain)[0]
    rows = [line for line in lines if line.startswith("  @ ")]  # each org on its own line, its vantages under it
    assert rows and {line.split()[1] for line in rows} == {"eu-office", "us-ci"} and "\u2026" not in "".join(lines), lines
    header = lines[lines.index(next(line for line in lines if line.startswith("org ")))]
    starts = [m.start() for m in re.finditer(r"\S+", header)][1:]  # where each column starts
    for line in rows:
        assert [line[s - 1] for s in starts] == [" "] * len(starts) and all(line[s] != " " for s in starts), (header, line)
