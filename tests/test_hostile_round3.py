"""Hostile round three: odd charsets, huge numbers in config.toml, state files someone else aims, a ping
answer that would eat memory, and the small ones. Each through the real CLI, against a hostile loopback
server where one is needed (tests/hostile_server.py, tests/hostile_round3.py). The key encodings the gate
must see are in tests/test_hostile_encodings.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from gpt56probe.store.state import endpoint_dir
from click.testing import CliRunner

from gpt56probe.cli import main
from tests.conftest import FAKE_KEY, sim_state
from tests.hostile_server import hostile_server
from tests.test_monitor_cli import pings, prom_value  # noqa: F401 - pings is a fixture

REPO = Path(__file__).resolve().parents[1]
ORG = "org-hostile"


def run(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(main, list(args), env={"OPENAI_API_KEY": FAKE_KEY, **(env or {})}, catch_exceptions=False)


# ---------------------------------------------------------------------------- 1. odd charsets


@pytest.mark.parametrize("charset", ["utf8mb4", "binary", "none", "rot13", "base64", "x-unknown-\u00e9"])
def test_an_answer_in_a_charset_python_does_not_know_is_read_as_utf8_and_judged(tmp_path: Path, charset: str) -> None:
    with hostile_server() as (server, seen):
        seen.mode, seen.charset = "charset", charset.encode("latin-1", "replace").decode("latin-1")
        base = f"{server}/v1"
        result = run("check", "--base-url", base, "--org", ORG, "--format", "json", "--state-dir", str(tmp_path), "--deadline", "20")
        models = run("models", "--base-url", base, "--org", ORG)
        packet = run("support-packet", "--base-url", base, "--org", ORG, "--model", "gpt-5.6-sol", "--no-input")
    assert result.exit_code == 0, result.output
    assert "internal error" not in result.output
    doc = json.loads(result.stdout)
    assert doc["results"] and {r["verdict"] for r in doc["results"]} == {"ok"}
    history = (sim_state(tmp_path) / "history.jsonl").read_text().splitlines()  # kept under its endpoint
    assert len(history) == len(doc["results"])  # the run was recorded
    assert models.exit_code == 0 and "gpt-5.6-sol" in models.stdout, models.output
    assert packet.exit_code == 0 and "Traceback" not in packet.output and "internal error" not in packet.output, packet.output


# ---------------------------------------------------------------------------- 2. config errors


@pytest.mark.parametrize("line", ["timeout = " + "9" * 5000, "timeout = 1" + "0" * 4000, "concurrency = " + "7" * 4299,
                                  "deadline = -" + "9" * 5000])
def test_a_huge_integer_in_config_is_one_line_exit_3_and_unknown_in_every_sink(tmp_path: Path, line: str) -> None:
    home = Path(os.environ["GPT56PROBE_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    prom = tmp_path / "m.prom"
    prom.write_text("gpt56probe_exit_status 0\n")
    with hostile_server() as (server, seen):
        (home / "config.toml").write_text(f"[defaults]\n{line}\n")
        result = run("check", "--org", ORG, "--base-url", f"{server}/v1", "--state-dir", str(tmp_path), "--prom-file", str(prom),
                     "--ping-url", f"{server}/ping/x")
        pinged = [p.decode() for p in seen.pings]
    assert result.exit_code == 3, result.output
    assert "Traceback" not in result.output
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 1 and "config" in errors[0] and len(errors[0]) < 400, errors
    assert result.stdout.startswith("GPT56 UNKNOWN - ")
    assert prom_value(prom.read_text(), "gpt56probe_exit_status") == 3
    assert pinged and "UNKNOWN" in pinged[-1]
    for command in (["history", "--state-dir", str(tmp_path)], ["models", "--org", ORG], ["config", "show"]):
        other = run(*command)
        assert other.exit_code != 0 and "Traceback" not in other.output, other.output
        assert len(other.stderr.strip().splitlines()) == 1 and "config" in other.stderr, other.stderr


# ---------------------------------------------------------------------------- 3. state files nobody else aims


def test_a_lock_file_planted_as_a_symlink_is_never_followed_and_the_run_still_reports(sim: Any, tmp_path: Path) -> None:
    state_dir = tmp_path / "state"
    state_dir.mkdir()
    target = tmp_path / "elsewhere" / "nologin"
    target.parent.mkdir()
    (sim_state(state_dir) / "lock").symlink_to(target)
    result = run("check", "--base-url", sim.base_url, "--org", "org-sim-approved", "--tier", "luna", "--state-dir", str(state_dir))
    assert not target.exists(), "the run created the file the planted link points at"
    assert result.exit_code == 0 and result.stdout.strip(), result.output  # the verdicts are still reported
    assert "symbolic link" in result.stderr and "cannot record" in result.stderr, result.stderr
    assert (sim_state(state_dir) / "lock").is_symlink()


@pytest.mark.parametrize("name", ["state.json", "history.jsonl"])
def test_state_files_planted_as_symlinks_are_never_read_through(sim: Any, tmp_path: Path, name: str) -> None:
    state_dir = tmp_path / "state"
    state_dir.mkdir()
    secret = tmp_path / "someone-elses.json"
    secret.write_text('{"version": 2, "verdicts": {"x": {"org": "TESTFAKE-read-through-me"}}}\n')
    (sim_state(state_dir) / name).symlink_to(secret)
    result = run("check", "--base-url", sim.base_url, "--org", "org-sim-approved", "--tier", "luna", "--state-dir", str(state_dir),
                 "--format", "json")
    history = run("history", "--state-dir", str(state_dir), "--endpoint", sim.base_url, "--format", "json")
    assert result.exit_code == 0, result.output
    assert "TESTFAKE-read-through-me" not in result.output + history.output
    assert secret.read_text().startswith('{"version": 2')  # never written through either


@pytest.mark.parametrize("umask", [0o000, 0o022, 0o077])
def test_the_state_and_config_directories_are_created_owner_only_whatever_the_umask(sim: Any, tmp_path: Path, umask: int) -> None:
    state_dir = tmp_path / "deep" / "state"
    home = Path(os.environ["GPT56PROBE_HOME"])
    old = os.umask(umask)
    try:
        result = run("check", "--base-url", sim.base_url, "--org", "org-sim-approved", "--tier", "luna", "--state-dir", str(state_dir))
        auth = CliRunner().invoke(main, ["auth", "set", "--org", "org-umask", "--label", "x"], input="sk-test-fake-umask-0000000000\n")
    finally:
        os.umask(old)
    assert result.exit_code == 0 and auth.exit_code == 0, result.output + auth.output
    kept = endpoint_dir(state_dir, "127.0.0.1")  # the simulator's endpoint: its own folder under the state dir
    for directory in (kept, kept.parent, state_dir, state_dir.parent, home):
        assert directory.stat().st_mode & 0o777 == 0o700, (directory, oct(directory.stat().st_mode))
    assert (kept / "lock").stat().st_mode & 0o777 == 0o600


def test_a_state_json_with_a_byte_order_mark_is_read_not_moved_aside(sim: Any, tmp_path: Path) -> None:
    args = ("check", "--base-url", sim.base_url, "--org", "org-sim-approved", "--tier", "luna", "--state-dir", str(tmp_path))
    assert run(*args).exit_code == 0
    saved = sim_state(tmp_path) / "state.json"
    saved.write_bytes(b"\xef\xbb\xbf" + saved.read_bytes())
    again = run(*args)
    assert again.exit_code == 0, again.output
    assert "corrupt" not in again.stderr and not list(saved.parent.glob("state.json.corrupt-*")), again.stderr


# ---------------------------------------------------------------------------- 4. the ping's answer


def _run_measured(args: list[str], timeout: float = 40) -> tuple[int, str, float, int]:
    """(exit status, stderr, wall seconds, peak RSS in KiB) of a real gpt56probe process: its own high-water
    mark (VmHWM, which exec resets), never a rusage figure: Linux carries the forking test process's peak
    into the child's ru_maxrss, so a test run grown large would be blamed on the CLI."""
    import threading

    from tests.test_faults import cli, cli_env

    started = time.monotonic()
    proc = subprocess.Popen(cli(*args), cwd=REPO, env=cli_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    chunks: list[str] = []
    reader = threading.Thread(target=lambda: chunks.append(proc.stderr.read() if proc.stderr else ""), daemon=True)
    reader.start()
    give_up = started + timeout
    peak_kib = 0
    status_file = Path(f"/proc/{proc.pid}/status")
    while True:
        try:  # VmHWM only grows: the last reading before the exit is the peak, within one poll
            for line in status_file.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak_kib = max(peak_kib, int(line.split()[1]))
        except (OSError, ValueError, IndexError):
            pass
        pid, status, _ = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > give_up:
            proc.kill()
            pid, status, _ = os.wait4(proc.pid, 0)
            break
        time.sleep(0.005)
    wall = time.monotonic() - started
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait for it again
    reader.join(5)
    assert peak_kib > 0, "the CLI's memory could not be read from /proc"
    return proc.returncode, "".join(chunks), wall, peak_kib


@pytest.mark.parametrize("answer", ["bomb", "endless"])
def test_a_ping_answer_that_would_eat_memory_is_read_a_few_kilobytes_and_never_inflated(sim: Any, tmp_path: Path, answer: str) -> None:
    deadline = 8
    with hostile_server() as (server, seen):
        seen.ping_answer = answer
        code, err, wall, peak_kib = _run_measured(["check", "--base-url", sim.base_url, "--org", "org-sim-approved", "--tier", "luna",
                                                   "--state-dir", str(tmp_path), "--deadline", str(deadline), "-q",
                                                   "--ping-url", f"{server}/ping/abc"])
        sent = seen.ping_bytes_sent
        pinged = len(seen.pings)
    print(f"ping answer {answer}: run {wall:.2f}s, peak RSS {peak_kib // 1024} MiB, server pushed {sent >> 20} MiB")
    assert code == 0, err
    assert pinged == 1
    assert wall < deadline + 1.5, wall
    assert peak_kib < 300 * 1024, f"peak RSS {peak_kib // 1024} MiB"
    assert "Traceback" not in err


# ---------------------------------------------------------------------------- 7. small ones: the hook's environment


def test_the_on_change_hook_runs_without_any_key_in_its_environment(tmp_path: Path) -> None:
    seen_env = tmp_path / "hook-env.txt"
    key, other = "sk-test-fake-hook-env-key-00000000", "TESTFAKE-custom-var-key-11111111"
    with hostile_server() as (server, seen):
        args = ["check", "--base-url", f"{server}/v1", "--org", ORG, "--tier", "sol", "--state-dir", str(tmp_path),
                "--on-change", f"env > {seen_env}"]
        env = {"OPENAI_API_KEY": key, "OPENAI_ADMIN_KEY": "sk-admin-test-fake-00000000000000", "MY_ORG_KEY": other,
               "HOOK_SETTING": "kept"}
        first = run(*args, "--api-key-env", "MY_ORG_KEY", env=env)
        seen.sol_answers = True  # Sol's verdict changes: the hook runs
        second = run(*args, "--api-key-env", "MY_ORG_KEY", env=env)
    assert first.exit_code in (0, 1, 2) and second.exit_code in (0, 1, 2), second.output
    hook_env = seen_env.read_text()
    assert "HOOK_SETTING=kept" in hook_env and "PATH=" in hook_env  # the rest of the environment is there
    for name, value in (("OPENAI_API_KEY", key), ("MY_ORG_KEY", other), ("OPENAI_ADMIN_KEY", "sk-admin-test-fake")):
        assert f"{name}=" not in hook_env and value not in hook_env, name


# ---------------------------------------------------------------------------- 7. small ones: inputs that cannot crash a command


def _deep(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("content", [_deep(100_000), '{"results": [' + _deep(100_000) + "]}", '{"results": [], "n": ' + "9" * 5000 + "}",
                                     '{"checked_at": "x", "results": [{"model": "m", "verdict": "ok", "latency_ms": 1' + "0" * 400 + "}]}"])
def test_report_and_merge_turn_a_hostile_json_input_into_one_line(tmp_path: Path, content: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    for args in (["report", "--format", "markdown", str(bad), "--state-dir", str(tmp_path)], ["merge", str(bad)]):
        result = run(*args)
        assert result.exit_code == 3, (args[0], result.exit_code, result.output[-500:])
        assert "Traceback" not in result.output and "internal error" not in result.output, result.output[-500:]
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and str(bad) in lines[0] and len(lines[0]) < 400, lines


@pytest.mark.parametrize("content", ["[[scenario]]\nname = \"x\"\nkey = \"sk-test-fake-scn-0000\"\nsafety_delay = " + "9" * 5000 + "\n",
                                     "[[scenario]]\nname = \"x\"\nkey = \"sk-test-fake-scn-0000\"\noversize_bytes = 1" + "0" * 400 + "\n",
                                     "a = " + "[" * 100_000 + "]" * 100_000 + "\n"])
def test_simulate_turns_a_hostile_scenario_file_into_one_line(tmp_path: Path, content: str) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(content)
    result = run("simulate", "--scenarios", str(bad))
    assert result.exit_code == 3, (result.exit_code, result.output[-500:])
    assert "Traceback" not in result.output and "internal error" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "bad.toml" in lines[0] and len(lines[0]) < 400, lines


@pytest.mark.parametrize("command", ["report", "merge", "report --eval"])
def test_a_fifo_whose_writer_never_ends_is_an_error_by_the_deadline_not_a_hang(tmp_path: Path, command: str) -> None:
    from tests.test_faults import cli, cli_env

    fifo = tmp_path / "results.json"
    os.mkfifo(fifo)
    writer = subprocess.Popen(["sh", "-c", f"exec 3>'{fifo}'; printf '{{\"results\": [' >&3; sleep 30"])  # opens, writes a little, never ends
    try:
        args = [*command.split(), str(fifo), "--deadline", "2"]
        args += ["--format", "markdown", "--state-dir", str(tmp_path)] if command.startswith("report") else []
        started = time.monotonic()
        proc = subprocess.run(cli(*args), cwd=REPO, env=cli_env(), capture_output=True, text=True, timeout=30)
        wall = time.monotonic() - started
    finally:
        writer.kill()
        writer.wait()
    assert proc.returncode == 3, proc.stderr
    assert wall < 8, wall
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "no end of input within the --deadline" in lines[0], lines


def test_a_fifo_that_ends_is_read_like_a_file(tmp_path: Path, sim: Any) -> None:
    from tests.test_faults import cli, cli_env

    check = run("check", "--base-url", sim.base_url, "--org", "org-sim-approved", "--tier", "luna", "--format", "json",
                "--state-dir", str(tmp_path))
    fifo = tmp_path / "now.json"
    os.mkfifo(fifo)
    proc = subprocess.Popen(cli("merge", str(fifo), "--format", "json", "--endpoint", sim.base_url), cwd=REPO, env=cli_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    with open(fifo, "w") as writer:
        writer.write(check.stdout)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert json.loads(out)["results"], out


# ---------------------------------------------------------------------------- 7. small ones: a signal during start-up


@pytest.mark.parametrize("name,code,word", [("SIGINT", 130, "interrupted"), ("SIGTERM", 143, "interrupted (SIGTERM)"),
                                            ("SIGHUP", 129, "interrupted (SIGHUP)"), ("SIGQUIT", 131, "interrupted (SIGQUIT)")])
def test_a_signal_at_any_import_of_the_start_up_ends_the_run_the_documented_way(tmp_path: Path, name: str, code: int, word: str) -> None:
    """From the entry point's first instruction: the first imports (before net.interrupts is loaded), the
    CLI's, and the last ones, each hit by the signal in turn."""
    from tests.test_faults import cli_env

    landed = 0
    for at in (1, 2, 3, 5, 8, 13, 21, 40, 80, 160, 320, 480, 640):
        proc = subprocess.run([sys.executable, str(REPO / "tests" / "signal_at_import.py"), str(at), name, "history", "--state-dir",
                               str(tmp_path)], cwd=REPO, env=cli_env(), capture_output=True, text=True, timeout=60)
        total = int(proc.stderr.rstrip().rsplit("[", 1)[1].split()[0])
        if at > total:
            assert proc.returncode == 0, proc.stderr  # the run was over before the signal: nothing to see
            continue
        landed += 1
        assert "Traceback" not in proc.stderr, (at, proc.stderr[-800:])
        assert proc.returncode == code, (at, proc.returncode, proc.stderr[-800:])
        assert proc.stderr.splitlines()[0] == word, (at, proc.stderr[-800:])
    assert landed >= 8

