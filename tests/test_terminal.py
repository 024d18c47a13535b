"""The summary on a real terminal: the CLI run in a pseudo-terminal (pty) of a given size.

What a user sees is rebuilt from the bytes the terminal received (``replay``):
carriage return, the line erase and SGR colours are the only sequences gpt56probe
may send, so anything else fails the test. Then: no line wider than the terminal,
every org and verdict present, the progress line shown and then erased; and with
the output piped, not one escape code.
"""

from __future__ import annotations

import fcntl
import os
import re
import struct
import subprocess
import sys
import termios
import time
from typing import Any

import pytest

from gpt56probe.simulator.demo import DEMO_ORGS
from gpt56probe.views.textwidth import display_width
from tests.conftest import FAKE_KEY

DEMO_WORDS = ("ok", "no access", "pending", "wrong org", "project", "region/vpn", "safety", "quota", "rate limit", "unverified")
DEMO_VERDICTS = ("not_provisioned", "provisioning_pending", "wrong_org", "project_no_access", "region_vpn", "safety_check",
                 "quota_exhausted", "rate_limited", "org_not_eligible")
SEQUENCE = re.compile(r"\x1b\[([0-9;]*)([A-Za-z])")


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR")}
    env.update({"TERM": "xterm-256color", "PYTHONIOENCODING": "utf-8"})
    env.update(extra)
    return env


def run_in_pty(args: list[str], cols: int, rows: int = 500, env: dict[str, str] | None = None, timeout: float = 90) -> tuple[str, int]:
    """Run ``gpt56probe ARGS`` with stdin, stdout and stderr on a pty of ``cols`` x ``rows``; all it wrote, and its exit code."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    proc = subprocess.Popen([sys.executable, "-m", "gpt56probe", *args], stdin=slave, stdout=slave, stderr=slave,
                            env=env or child_env(), close_fds=True)
    os.close(slave)
    chunks: list[bytes] = []
    end = time.monotonic() + timeout
    try:
        while time.monotonic() < end:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(master)
        code = proc.wait(timeout=10)
    return b"".join(chunks).decode("utf-8", "replace"), code


def replay(raw: str) -> tuple[list[str], list[str]]:
    """The lines left on the screen after ``raw`` (as a terminal draws them, colours dropped), and every
    progress frame drawn. Fails on any escape sequence other than SGR and the line erase."""
    lines: list[str] = []
    current: list[str] = []
    column = 0
    frames: list[str] = []
    position = 0
    while position < len(raw):
        match = SEQUENCE.match(raw, position)
        if match:
            params, final = match.groups()
            assert final in "mK" and (final == "m" or params in ("", "2")), f"unexpected sequence {match.group(0)!r}"
            if final == "K":
                current, column = [], 0
                end = min((i for i in (raw.find("\r", match.end()), raw.find("\n", match.end())) if i >= 0), default=len(raw))
                frames.append(SEQUENCE.sub("", raw[match.end():end]))
            position = match.end()
            continue
        char = raw[position]
        assert char == "\n" or char == "\r" or char == "\t" or char >= " ", f"control character {char!r} reached the terminal"
        if char == "\r":
            column = 0
        elif char == "\n":
            lines.append("".join(current))
            current, column = [], 0
        else:
            if column < len(current):
                current[column] = char
            else:
                current.append(char)
            column += 1
        position += 1
    if current:
        lines.append("".join(current))
    return lines, frames


@pytest.mark.parametrize("cols", [80, 120])
def test_the_demo_summary_fits_the_terminal_shows_every_org_and_verdict_and_erases_its_progress(cols: int) -> None:
    raw, code = run_in_pty(["demo"], cols)
    assert code == 0, raw
    lines, frames = replay(raw)
    too_wide = [line for line in lines if display_width(line) > cols]
    assert not too_wide, too_wide
    screen = "\n".join(lines)
    for org in DEMO_ORGS:
        assert re.search(rf"^{org}\s", screen, re.MULTILINE), org  # a matrix row per org, whole
    for word in DEMO_WORDS:
        assert word in screen
    assert len(lines) <= 30  # the answer stays on the screen: the matrix, a line per problem, the status line
    assert re.search(rf"^GPT56 CRITICAL - \d+/{3 * len(DEMO_ORGS)} expected tiers reachable", screen, re.MULTILINE)
    # progress: drawn while probing, each frame inside the width, and gone from the final screen
    progress = [f for f in frames if f.startswith("checking: ")]
    total = 5 * len(DEMO_ORGS)
    assert progress and all(re.fullmatch(rf"checking: \d+/{total} probes done, \d+\.\d s", f) for f in progress), frames
    assert not frames[-1].startswith("checking:")  # the last erase clears the progress; the summary starts there
    assert all(display_width(f) < cols for f in frames)
    assert "checking:" not in screen
    assert "\x1b[32m" in raw  # coloured on a terminal ...


def test_no_color_keeps_every_word_and_drops_only_the_colours() -> None:
    raw, code = run_in_pty(["demo", "--no-color"], 100)
    assert code == 0
    assert not re.search(r"\x1b\[[0-9;]*m", raw)
    lines, _ = replay(raw)
    assert all(word in "\n".join(lines) for word in DEMO_WORDS)
    raw, _ = run_in_pty(["demo"], 100, env=child_env(NO_COLOR="1"))
    assert not re.search(r"\x1b\[[0-9;]*m", raw)


def test_piped_output_has_no_escape_codes_and_no_progress() -> None:
    done = subprocess.run([sys.executable, "-m", "gpt56probe", "demo"], capture_output=True, text=True, env=child_env(), timeout=90)
    assert done.returncode == 0
    assert "\x1b" not in done.stdout and "\x1b" not in done.stderr and "\r" not in done.stdout + done.stderr
    assert "checking:" not in done.stderr
    assert "org-sim-approved" in done.stdout


@pytest.mark.parametrize("cols", ["80", "120"])
def test_columns_bounds_the_piped_demo(cols: str) -> None:
    done = subprocess.run([sys.executable, "-m", "gpt56probe", "demo"], capture_output=True, text=True,
                          env=child_env(COLUMNS=cols), timeout=90)
    assert done.returncode == 0
    widths = [display_width(line) for line in done.stdout.splitlines()]
    assert max(widths) <= int(cols)
    if cols == "80":
        table = subprocess.run([sys.executable, "-m", "gpt56probe", "demo", "--format", "table"], capture_output=True, text=True,
                               env=child_env(COLUMNS=cols), timeout=90)
        assert len(done.stdout.splitlines()) < len(table.stdout.splitlines())  # shorter than the per-probe table it replaced


def test_quiet_check_draws_no_progress_on_a_terminal(sim: Any) -> None:
    env = child_env(OPENAI_API_KEY=FAKE_KEY)
    raw, code = run_in_pty(["check", "--base-url", sim.base_url, "--org", "org-sim-pending", "--quiet", "--no-keyring"], 80, env=env)
    assert code == 2
    assert "checking:" not in raw and "\x1b[2K" not in raw
    shown = [line for line in replay(raw)[0] if line.strip()]
    # the one status line, wrapped between words on the terminal (continuations indented), nothing else
    assert shown[0].startswith("GPT56 CRITICAL - ") and all(line.startswith("  ") for line in shown[1:])
    assert all(display_width(line) <= 80 for line in shown)


def test_check_on_a_terminal_shows_the_matrix_with_the_config_label(sim: Any, tmp_path: Any) -> None:
    home = tmp_path / "home-config"
    home.mkdir()
    (home / "config.toml").write_text('[orgs."org-sim-approved"]\nlabel = "prod"\n')
    env = child_env(OPENAI_API_KEY=FAKE_KEY, GPT56PROBE_HOME=str(home))
    for cols in (80, 120):
        raw, code = run_in_pty(["check", "--base-url", sim.base_url, "--org", "org-sim-approved", "--org", "org-sim-region",
                                "--no-keyring", "--state-dir", str(tmp_path / "state")], cols, env=env)
        assert code == 2, raw
        lines, _ = replay(raw)
        assert all(display_width(line) <= cols for line in lines)
        row = next(line for line in lines if line.startswith("org-sim-approv"))
        assert row.split()[-5:] == ["ok"] * 5 and "(prod)" in row
        if cols == 120:
            assert row.startswith("org-sim-approved (prod) ")


def test_the_runner_reports_each_probe_as_it_ends(sim: Any) -> None:
    from gpt56probe.net.checkrun import CheckRequest, OrgCredential, perform_check
    from gpt56probe.core.models import DEFAULT_TABLE

    seen: list[tuple[int, int]] = []
    request = CheckRequest(orgs=[OrgCredential("org-sim-approved", FAKE_KEY), OrgCredential("org-sim-quota", FAKE_KEY)],
                           models=DEFAULT_TABLE.models, table=DEFAULT_TABLE, base_url=sim.base_url, trust_env=False,
                           progress=lambda done, total: seen.append((done, total)))
    perform_check(request)
    assert seen == [(n, 10) for n in range(11)]


def test_until_ok_counts_down_between_checks_on_a_terminal_and_erases_it(sim: Any) -> None:
    env = child_env(OPENAI_API_KEY=FAKE_KEY)
    raw, code = run_in_pty(["check", "--base-url", sim.base_url, "--org", "org-sim-pending", "--tier", "sol", "--no-keyring",
                            "--until-ok", "--every", "1s", "--give-up-after", "1.5s"], 80, env=env)
    assert code == 2, raw
    lines, frames = replay(raw)
    assert any(re.fullmatch(r"waiting: next check in \ds \(round 2, \ds so far\)", f) for f in frames), frames
    assert not any("waiting:" in line or "checking:" in line for line in lines)
    assert lines[0] == "endpoint: 127.0.0.1 (waiting until every expected target there is ok)"
    firsts = [line for line in lines[1:] if line.strip() and not line.startswith(" ")]  # a wrapped line continues indented
    assert [line.split(" ", 1)[1][:14] for line in firsts] == ["GPT56 CRITICAL", "gave up after "]


def test_the_readme_opens_with_a_real_capture_of_the_demo_summary() -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    start = readme.index("```text\n$ gpt56probe demo")
    assert readme[:start].count("\n") < 12  # on the first screen
    block = readme[start:readme.index("```\n", start + 8)].splitlines()[2:]
    assert "\x1b" not in "\n".join(block) and all(display_width(line) <= 80 for line in block)
    done = subprocess.run([sys.executable, "-m", "gpt56probe", "demo"], capture_output=True, text=True,
                          env=child_env(COLUMNS="80"), timeout=90)
    assert block == done.stdout.splitlines()  # all of it: the default summary shows nothing that changes between runs
