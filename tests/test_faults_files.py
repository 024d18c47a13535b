"""Issue 12, the hostile review, files: what is at a path can neither hang a run nor be clobbered by it, the
commit holds signals only for its renames, --fail-after counts per target, a change reaches the hook.

Real subprocesses where a process boundary is the point (a FIFO that would block an open, a signal);
generous wall-clock bounds. Nothing here writes to a real device file: FIFOs and symlinks live in tmp_path.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from gpt56probe.store import files, state
from gpt56probe.net import interrupts
from gpt56probe.cli import main
from tests.conftest import FAKE_KEY, sim_state
from tests.test_faults import REPO, cli, cli_env, run_timed, trickle  # noqa: F401 - trickle is a fixture

DEADLINE_S = 2.0


def run(*args: str, **env: str) -> Any:
    return CliRunner().invoke(main, list(args), env={"OPENAI_API_KEY": FAKE_KEY, **env}, catch_exceptions=False)


def check_in_subprocess(base_url: str, *extra: str, timeout: float = 30) -> tuple[subprocess.CompletedProcess[str], float]:
    return run_timed(cli("check", "--base-url", base_url, "--tier", "luna", "--timeout", "1", "--deadline", str(DEADLINE_S), "-q",
                         *extra), env=cli_env(), timeout=timeout)


# --------------------------------------------------------------------------- H1: nothing at a path can hang the commit


def test_a_fifo_as_state_json_cannot_hang_a_run(trickle, tmp_path):
    sd = tmp_path / "state"
    sd.mkdir()
    os.mkfifo(sim_state(sd) / state.STATE_FILE)
    proc, wall = check_in_subprocess(f"http://127.0.0.1:{trickle.port}/v1", "--state-dir", str(sd))
    print(f"FIFO state.json: --deadline {DEADLINE_S} run took {wall:.2f}s")
    assert wall < DEADLINE_S + 1, wall
    assert proc.returncode == 1 and "Traceback" not in proc.stderr  # the timeout it saw, recorded
    assert "FIFO, not a regular file" in proc.stderr and "moved to state.json.corrupt-" in proc.stderr
    assert (sim_state(sd) / state.STATE_FILE).is_file() and len(state.read_history(sim_state(sd))) == 1


def test_a_history_symlinked_to_dev_zero_is_never_read_or_written(trickle, tmp_path):
    sd = tmp_path / "state"
    sd.mkdir()
    (sim_state(sd) / state.HISTORY_FILE).symlink_to("/dev/zero")
    proc, wall = check_in_subprocess(f"http://127.0.0.1:{trickle.port}/v1", "--state-dir", str(sd))
    assert wall < DEADLINE_S + 1, wall
    assert proc.returncode == 1 and "a symbolic link, not a regular file" in proc.stderr  # not even followed to see what it is
    assert os.readlink(sim_state(sd) / state.HISTORY_FILE) == "/dev/zero"  # left as it is, not replaced


def test_a_fifo_as_config_toml_is_unknown_at_once(tmp_path):
    home = tmp_path / "gpt56probe-home"
    home.mkdir()
    os.mkfifo(home / "config.toml")
    proc, wall = run_timed(cli("check", "--tier", "luna", "--deadline", "5"), env=cli_env(GPT56PROBE_HOME=str(home)), timeout=30)
    assert wall < 5, wall
    assert proc.returncode == 3 and proc.stdout.startswith("GPT56 UNKNOWN - config file ") and "FIFO" in proc.stdout


def test_a_config_toml_past_its_size_cap_is_refused_unread(tmp_path):
    from gpt56probe.store import config

    home = tmp_path / "gpt56probe-home"
    home.mkdir()
    (home / "config.toml").write_text("# padding\n" * (config.MAX_BYTES // 10 + 1))
    result = run("check", "--tier", "luna")
    assert result.exit_code == 3 and "larger than 256 KiB" in result.stdout


def test_reading_and_staging_run_outside_the_signal_hold_and_only_the_renames_inside(sim, tmp_path, monkeypatch):
    """A signal during the commit waits only for os.replace; every read and temporary write can be interrupted."""
    depths: dict[str, list[int]] = {"read": [], "stage": [], "commit": []}
    real_tail, real_stage, real_commit = files.read_tail, files._stage, files.StagedFile.commit

    def read_tail(*args: Any, **kwargs: Any) -> Any:
        depths["read"].append(interrupts._depth)
        return real_tail(*args, **kwargs)

    def stage(*args: Any, **kwargs: Any) -> Any:  # every staged file, whole or streamed
        depths["stage"].append(interrupts._depth)
        return real_stage(*args, **kwargs)

    def commit(self: Any) -> None:
        depths["commit"].append(interrupts._depth)
        real_commit(self)

    monkeypatch.setattr(files, "read_tail", read_tail)
    monkeypatch.setattr(files, "_stage", stage)
    monkeypatch.setattr(files.StagedFile, "commit", commit)
    result = run("check", "--base-url", sim.base_url, "--tier", "luna", "--state-dir", str(tmp_path / "s"), "-q",
                 "--prom-file", str(tmp_path / "m.prom"))
    assert result.exit_code == 0, result.output
    assert depths["read"] and set(depths["read"]) == {0}
    assert len(depths["stage"]) == 3 and set(depths["stage"]) == {0}  # history, state, metrics
    assert depths["commit"] == [1, 1, 1]


# --------------------------------------------------------------------------- H3: no output ever replaces what is not a regular file


@pytest.fixture
def link_and_target(tmp_path: Path) -> tuple[Path, Path]:
    target = tmp_path / "target.prom"
    target.write_text("# the real file\n")
    link = tmp_path / "link.prom"
    link.symlink_to(target)
    return link, target


def test_a_prom_file_that_is_a_symlink_is_refused_before_any_probe(sim, tmp_path, link_and_target):
    link, target = link_and_target
    before = len(sim.requests)
    result = run("check", "--base-url", sim.base_url, "--tier", "luna", "--state-dir", str(tmp_path / "s"), "--prom-file", str(link))
    assert result.exit_code == 3 and "a symbolic link" in result.stderr and str(target) in result.stderr
    assert link.is_symlink() and target.read_text() == "# the real file\n"
    assert len(sim.requests) == before and not (tmp_path / "s").exists()


def test_a_prom_file_that_is_a_fifo_is_refused(sim, tmp_path):
    fifo = tmp_path / "m.prom"
    os.mkfifo(fifo)
    result = run("check", "--base-url", sim.base_url, "--tier", "luna", "--state-dir", str(tmp_path / "s"), "--prom-file", str(fifo))
    assert result.exit_code == 3 and "a FIFO, not a regular file" in result.stderr
    assert fifo.is_fifo()


@pytest.mark.parametrize("command", [
    ["report", "--html", "{out}"],
    ["report", "--format", "markdown", "-o", "{out}"],
    ["plan", "--org", "org-sim-approved", "-o", "{out}"],
    ["support-packet", "--product", "codex", "--workspace", "ws_1", "--error", "x", "--no-input", "-o", "{out}"],
], ids=["report --html", "report -o", "plan -o", "support-packet -o"])
def test_every_output_file_refuses_a_symlink_before_any_work(sim, tmp_path, link_and_target, command):
    link, target = link_and_target
    args = [a.replace("{out}", str(link)) for a in command]
    result = run(*args, "--base-url", sim.base_url) if args[0] == "plan" else run(*args)
    assert result.exit_code != 0 and "a symbolic link" in result.output and "Traceback" not in result.output
    assert link.is_symlink() and target.read_text() == "# the real file\n"


def test_write_output_never_replaces_a_fifo_or_a_symlink_planted_after_the_check(tmp_path):
    """The mechanism under every output file: refused at the last moment too (a path can change after validation)."""
    fifo, link = tmp_path / "f", tmp_path / "l"
    os.mkfifo(fifo)
    link.symlink_to(tmp_path / "elsewhere")
    for path in (fifo, link):
        with pytest.raises(files.NotRegularFile):
            files.write_output(path, "x\n")
    staged = files.stage_output(tmp_path / "late", "x\n")
    (tmp_path / "late").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(files.NotRegularFile):
        staged.commit()
    staged.discard()
    assert fifo.is_fifo() and link.is_symlink() and not (tmp_path / "elsewhere").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f", "l", "late"]  # no temporary file left


def test_a_config_toml_that_is_a_symlink_is_written_where_it_points(tmp_path):
    """The user's own file (a dotfiles checkout): its link survives `auth set`."""
    home = tmp_path / "gpt56probe-home"
    home.mkdir()
    real = tmp_path / "dotfiles" / "gpt56probe.toml"
    real.parent.mkdir()
    real.write_text('[orgs."org-a"]\nlabel = "a"\n')
    (home / "config.toml").symlink_to(real)
    result = CliRunner().invoke(main, ["auth", "set", "--org", "org-b"], input="sk-test-fake-dotfiles-0000\n", catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert (home / "config.toml").is_symlink() and "[orgs.org-b]" in real.read_text() and "[orgs.org-a]" in real.read_text()


# --------------------------------------------------------------------------- H4: --fail-after counts per target


def sim_check(sim: Any, sd: Path, org: str, *extra: str) -> Any:
    return run("check", "--base-url", sim.base_url, "--org", org, "--tier", "luna", "--state-dir", str(sd), "-q", *extra)


def test_two_crontab_lines_for_different_orgs_sharing_a_state_dir_each_escalate(sim, tmp_path):
    sd = tmp_path / "state"
    codes = []
    for n in range(5):  # interleaved: one org is refused every run, the other is fine
        org = "org-sim-unprovisioned" if n % 2 == 0 else "org-sim-approved"
        codes.append(sim_check(sim, sd, org, "--fail-after", "3").exit_code)
    assert codes == [1, 0, 1, 0, 2]


def test_degraded_runs_before_the_first_access_verdict_do_not_escalate_it(sim, tmp_path):
    sd = tmp_path / "state"
    sd.mkdir()
    timeouts = [{"run_id": str(n), "checked_at": "2026-11-23T10:00:00+00:00", "org": "org-sim-unprovisioned", "model": "gpt-5.6-luna",
                 "tier": "luna", "surface": "chat", "stream": False, "verdict": "timeout", "status": "WARNING"} for n in range(3)]
    (sim_state(sd) / state.HISTORY_FILE).write_text("".join(json.dumps(r) + "\n" for r in timeouts))
    assert sim_check(sim, sd, "org-sim-unprovisioned", "--fail-after", "3").exit_code == 1  # the first access verdict: WARNING
    assert [sim_check(sim, sd, "org-sim-unprovisioned", "--fail-after", "3").exit_code for _ in range(2)] == [1, 2]


# --------------------------------------------------------------------------- L3: history trimming says what it drops


def test_a_byte_order_mark_before_the_first_history_row_is_ignored(tmp_path):
    row = {"run_id": "a", "org": "org-a", "model": "m", "verdict": "ok"}
    (tmp_path / state.HISTORY_FILE).write_bytes(b"\xef\xbb\xbf" + json.dumps(row).encode() + b"\n")
    found = state.read_history_file(tmp_path / state.HISTORY_FILE)
    assert found.rows == (row,) and found.skipped == 0


def test_rows_lost_because_a_junk_line_fills_the_read_window_are_said(tmp_path, monkeypatch):
    monkeypatch.setattr(state, "HISTORY_MAX_BYTES", 64 << 10)
    good = json.dumps({"run_id": "old", "org": "org-a", "model": "m", "verdict": "ok"})
    last = json.dumps({"run_id": "new", "org": "org-a", "model": "m", "verdict": "ok"})
    (tmp_path / state.HISTORY_FILE).write_text(good + "\n" + "x" * (100 << 10) + "\n" + last + "\n")
    problems: list[str] = []
    rows = state.read_history(tmp_path, problems)
    assert [r["run_id"] for r in rows] == ["new"]
    [problem] = problems
    assert "only its last 64 KiB were read" in problems[0] and f"the {(100 << 10) + len(good) + 2 - (64 << 10) + len(last) + 1} bytes" in problem


def test_a_huge_history_is_read_only_as_far_as_the_kept_rows_need(tmp_path):
    path = tmp_path / state.HISTORY_FILE
    row = json.dumps({"run_id": "r", "org": "org-a", "model": "m", "verdict": "ok", "error_message": "x" * 300})
    with open(path, "wb") as fh:
        fh.truncate(1 << 30)  # 1 GiB, sparse: no disk used
        fh.seek(1 << 30)
        fh.write(((row + "\n") * 6000).encode())
    started = time.monotonic()
    found = state.read_history_file(path)
    took = time.monotonic() - started
    assert len(found.rows) == state.HISTORY_LIMIT and found.unread_bytes == 0 and found.problems(path) == []
    assert took < 2, took  # a few MiB read, never the GiB


# --------------------------------------------------------------------------- M3: a change reaches the hook, even across a signal


def seed_previous_verdict(sd: Path, org: str, verdict: str) -> None:
    """A previous run that saw ``verdict`` for org's luna: the next OK run is a change."""
    row = {"run_id": "seed", "checked_at": "2026-11-23T10:00:00+00:00", "org": org, "model": "gpt-5.6-luna", "tier": "luna",
           "surface": "chat", "stream": False, "verdict": verdict, "status": "CRITICAL"}
    state.record_run(sim_state(sd), [row], "seed", row["checked_at"], failing=True)


def test_a_change_whose_hook_was_cut_by_a_signal_is_delivered_by_the_next_run(sim, tmp_path):
    sd, started, got = tmp_path / "state", tmp_path / "hook-started", tmp_path / "changes.json"
    seed_previous_verdict(sd, "org-sim-approved", "not_provisioned")
    slow_hook = f"touch {started}; sleep 30"
    proc = subprocess.Popen(cli("check", "--base-url", sim.base_url, "--org", "org-sim-approved", "--tier", "luna", "--state-dir", str(sd),
                                "-q", "--on-change", slow_hook), cwd=REPO, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        end = time.monotonic() + 20
        while not started.exists() and time.monotonic() < end:
            time.sleep(0.02)
        assert started.exists(), "the hook never started"
        sent = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=10)
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    print(f"SIGTERM during the hook: exit {proc.returncode} in {took:.3f}s")
    assert proc.returncode == 143 and took < 1.0 and "interrupted (SIGTERM)" in err
    assert [t["current"] for t in state.load_state(sim_state(sd))["undelivered"]] == ["ok"]  # recorded, not yet delivered

    nothing_new = sim_check(sim, sd, "org-sim-approved", "--on-change", f"cat > {got}")
    assert nothing_new.exit_code == 0, nothing_new.output
    changes = json.loads(got.read_text())["changes"]
    assert [(c["previous"], c["current"]) for c in changes] == [("not_provisioned", "ok")]
    assert state.load_state(sim_state(sd))["undelivered"] == []  # delivered once: cleared
    got.unlink()
    assert sim_check(sim, sd, "org-sim-approved", "--on-change", f"cat > {got}").exit_code == 0
    assert not got.exists()  # and never again


def test_a_hook_that_fails_to_start_keeps_the_changes_for_the_next_run(sim, tmp_path, monkeypatch):
    import gpt56probe.cli.check as check_cli

    sd, got = tmp_path / "state", tmp_path / "changes.json"
    seed_previous_verdict(sd, "org-sim-approved", "provisioning_pending")
    monkeypatch.setattr(check_cli, "run_on_change", lambda *args, **kwargs: False)
    assert sim_check(sim, sd, "org-sim-approved", "--on-change", "true").exit_code == 0
    monkeypatch.undo()
    assert sim_check(sim, sd, "org-sim-approved", "--on-change", f"cat > {got}").exit_code == 0
    assert [c["previous"] for c in json.loads(got.read_text())["changes"]] == ["provisioning_pending"]
