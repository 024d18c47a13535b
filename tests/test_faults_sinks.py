"""Issue 12, the hostile review, sinks and clocks: a lost stdout or stderr never costs another sink or the
status, one run never reports twice, every phase ends by --deadline + 1 s, the hook is bounded, and input
that cannot work is refused.

Real subprocesses where streams, signals or process groups are the point; generous wall-clock bounds.
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
from click.testing import CliRunner

from gpt56probe.core.history import Transition
from gpt56probe.store import state
from gpt56probe.cli import main
from gpt56probe.core.gate import Gate
from gpt56probe.store.gated_stream import GatedStream
from tests.conftest import FAKE_KEY, sim_state
from tests.test_faults import REPO, cli, cli_env, run_timed, trickle  # noqa: F401 - trickle is a fixture
from tests.test_monitor_cli import pings, prom_value  # noqa: F401 - pings is a fixture


def run(*args: str, **env: str) -> Any:
    return CliRunner().invoke(main, list(args), env={"OPENAI_API_KEY": FAKE_KEY, **env}, catch_exceptions=False)


class Blackhole:
    """Accepts connections and reads, never answers: only a wall-clock bound ends a request to it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.held:
            conn.close()


@pytest.fixture
def blackhole() -> Iterator[Blackhole]:
    server = Blackhole()
    try:
        yield server
    finally:
        server.close()


def shell(command: str, *args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """``sh -c command`` with the CLI as "$@": for redirections a test cannot set up from Python (``>&-``)."""
    return subprocess.run(["sh", "-c", command, "sh", *args], cwd=REPO, capture_output=True, text=True, timeout=60, **kwargs)


# --------------------------------------------------------------------------- H2: a lost stream costs nothing else


def test_a_gated_stream_whose_reader_quit_becomes_a_null_sink_and_says_why() -> None:
    r, w = os.pipe()
    os.close(r)
    inner = open(w, "w", encoding="utf-8")  # noqa: SIM115 - closed below
    stream = GatedStream(inner, Gate())
    stream.write("first line\n")
    stream.flush()
    stream.write("second line\n")
    stream.flush(final=True)
    assert stream.cut is not None and stream.cut.errno == 32  # EPIPE
    inner.close()  # its buffer goes to /dev/null now: no BrokenPipeError at exit


def test_a_gated_stream_over_no_stream_at_all_is_a_null_sink() -> None:
    stream = GatedStream(None, Gate())
    assert stream.write("nowhere\n") == 8
    stream.flush(final=True)
    assert stream.cut is None and not stream.isatty()


def test_a_gated_stream_never_fails_on_a_lone_surrogate() -> None:
    raw = io.BytesIO()
    stream = GatedStream(io.TextIOWrapper(raw, encoding="utf-8", errors="strict"), Gate())
    stream.write("org-\udcff\n")
    stream.flush(final=True)
    assert raw.getvalue() == b"org-\\udcff\n"


def test_a_check_with_stdout_closed_at_start_reaches_every_other_sink(sim, tmp_path, pings):
    url, seen = pings
    prom = tmp_path / "m.prom"
    proc = shell('exec "$@" >&-', *cli("check", "--base-url", sim.base_url, "--org", "org-sim-pending", "--tier", "luna",
                                       "--state-dir", str(tmp_path / "s"), "--prom-file", str(prom), "--ping-url", url), env=cli_env())
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr
    assert prom_value(prom.read_text(), "gpt56probe_exit_status") == 2
    assert [path for path, _ in seen] == ["/ping/abc/fail"]


def test_an_ok_check_with_stderr_closed_at_start_is_ok(sim, tmp_path):
    proc = shell('exec "$@" 2>&-', *cli("check", "--base-url", sim.base_url, "--tier", "luna", "--state-dir", str(tmp_path),
                                        "--format", "nagios"), env=cli_env())
    assert proc.returncode == 0 and proc.stdout.startswith("GPT56 OK - ")


def test_an_unknown_run_whose_reader_quit_still_reaches_the_other_sinks(tmp_path, pings):
    """`check ... | true` on a run that cannot judge: exit 3 (not 1), the metrics and the ping all say UNKNOWN."""
    url, seen = pings
    prom = tmp_path / "m.prom"
    r, w = os.pipe()
    os.close(r)
    try:
        proc = subprocess.run(cli("check", "--deadline", "nan", "--prom-file", str(prom), "--ping-url", url), cwd=REPO, env=cli_env(),
                              stdout=w, stderr=subprocess.PIPE, text=True, timeout=60)
    finally:
        os.close(w)
    assert proc.returncode == 3, proc.stderr
    assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr
    assert prom_value(prom.read_text(), "gpt56probe_exit_status") == 3
    assert [path for path, _ in seen] == ["/ping/abc/fail"]


def test_hook_output_and_warnings_on_dead_streams_never_change_the_status(sim, tmp_path, pings):
    """A failing hook prints to a closed stdout pipe and warns on a closed stderr pipe: the CRITICAL status stands."""
    url, seen = pings
    sd, prom = tmp_path / "s", tmp_path / "m.prom"
    row = {"run_id": "seed", "checked_at": "2026-11-23T10:00:00+00:00", "org": "org-sim-pending", "model": "gpt-5.6-luna",
           "tier": "luna", "surface": "chat", "stream": False, "verdict": "ok", "status": "OK"}
    state.record_run(sim_state(sd), [row], "seed", row["checked_at"], failing=False)
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    os.close(out_r)
    os.close(err_r)
    try:
        proc = subprocess.run(cli("check", "--base-url", sim.base_url, "--org", "org-sim-pending", "--tier", "luna", "--state-dir", str(sd),
                                  "--prom-file", str(prom), "--ping-url", url, "--on-change", "seq 1 20000; exit 1"),
                              cwd=REPO, env=cli_env(), stdout=out_w, stderr=err_w, timeout=60)
    finally:
        os.close(out_w)
        os.close(err_w)
    assert proc.returncode == 2
    assert prom_value(prom.read_text(), "gpt56probe_exit_status") == 2 and [p for p, _ in seen] == ["/ping/abc/fail"]


def test_another_command_whose_reader_quit_exits_141(tmp_path):
    r, w = os.pipe()
    os.close(r)
    try:
        proc = subprocess.run(cli("cost", "--input", "10M", "--output", "2M"), cwd=REPO, env=cli_env(), stdout=w, stderr=subprocess.PIPE,
                              text=True, timeout=60)
    finally:
        os.close(w)
    assert proc.returncode == 141 and proc.stderr == ""


def test_another_command_whose_stdout_is_full_says_so_and_exits_74(tmp_path):
    """ENOSPC on a private 4 KiB tmpfs in a private mount namespace (never /dev/full: it is shared)."""
    import shutil

    if os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.skip("needs root and unshare for a private mount namespace")
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    script = 'mount -t tmpfs -o size=4k tmpfs "$0" && head -c 4096 /dev/zero > "$0/fill" 2>/dev/null; exec "$@" > "$0/out"'
    probe = subprocess.run(["unshare", "--mount", "sh", "-c", "mount -t tmpfs tmpfs \"$0\"", str(mnt)], capture_output=True, timeout=10)
    if probe.returncode != 0:
        pytest.skip("cannot mount a tmpfs in a private mount namespace here")
    proc = subprocess.run(["unshare", "--mount", "sh", "-c", script, str(mnt), *cli("cost", "--input", "10M", "--output", "2M")],
                          cwd=REPO, env=cli_env(), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 74, proc.stderr
    assert proc.stderr.startswith("Error: cannot write to stdout (No space left on device)") and "Traceback" not in proc.stderr


# --------------------------------------------------------------------------- H5: ids that cannot work; one report per run


def test_a_non_utf8_org_id_is_refused_before_any_probe_with_one_json_document(sim, tmp_path, pings):
    url, seen = pings
    prom, sd = tmp_path / "x.prom", tmp_path / "s"
    before = len(sim.requests)
    args = [os.fsencode(a) for a in cli("check", "--base-url", sim.base_url, "--tier", "sol", "--org")] + [b"org-\xff"]
    args += [os.fsencode(a) for a in ("--org", "org-ok", "--prom-file", str(prom), "--format", "json", "--ping-url", url,
                                      "--state-dir", str(sd))]
    proc = subprocess.run(args, cwd=REPO, env=cli_env(), capture_output=True, timeout=60)
    assert proc.returncode == 3, proc.stderr
    doc = json.loads(proc.stdout)  # one document, not two
    assert doc["summary"]["status"] == "UNKNOWN" and "not valid UTF-8" in doc["summary"]["error"]
    assert prom_value(prom.read_text(), "gpt56probe_exit_status") == 3 and [p for p, _ in seen] == ["/ping/abc/fail"]
    assert len(sim.requests) == before and not sd.exists()


@pytest.mark.parametrize("org,why", [("org-a\r\nX-Evil: 1", "control"), ("org-a\nb", "control"), ("org-\u0101", "outside Latin-1"),
                                     ("team-AbCdEfGhIjKlMnOpQrStUvWxYz012345xyz", "looks like a secret")])
def test_org_ids_that_cannot_be_sent_or_shown_as_given_are_refused(sim, tmp_path, org, why):
    before = len(sim.requests)
    result = run("check", "--base-url", sim.base_url, "--org", org, "--tier", "luna", "--state-dir", str(tmp_path))
    assert result.exit_code == 3 and why in result.stderr and result.stdout.startswith("GPT56 UNKNOWN - ")
    assert len(sim.requests) == before
    stored = CliRunner().invoke(main, ["auth", "set", "--org", org], input="sk-test-fake-orgcheck-0000\n")
    assert stored.exit_code == 3 and why in stored.output
    project = run("check", "--base-url", sim.base_url, "--project", org, "--tier", "luna", "--state-dir", str(tmp_path))
    assert project.exit_code == 3 and why in project.stderr


def test_a_config_org_with_a_control_character_is_refused_by_all_orgs(sim, tmp_path):
    home = tmp_path / "gpt56probe-home"
    home.mkdir()
    (home / "config.toml").write_text('[orgs."org-a\\u0007"]\nlabel = "bell"\n')
    result = run("check", "--base-url", sim.base_url, "--all-orgs", "--tier", "luna", "--state-dir", str(tmp_path / "s"))
    assert result.exit_code == 3 and "control" in result.stderr and str(home / "config.toml") in result.stderr


def test_a_crash_after_the_status_finishes_the_other_sinks_with_it_and_never_reports_twice(sim, tmp_path, monkeypatch, pings):
    url, seen = pings
    sd, prom = tmp_path / "s", tmp_path / "m.prom"
    row = {"run_id": "seed", "checked_at": "2026-11-23T10:00:00+00:00", "org": "org-sim-pending", "model": "gpt-5.6-luna",
           "tier": "luna", "surface": "chat", "stream": False, "verdict": "ok", "status": "OK"}
    state.record_run(sim_state(sd), [row], "seed", row["checked_at"], failing=False)

    def broken(self: Any) -> str:
        raise RuntimeError("describe broke")

    monkeypatch.setattr(Transition, "describe", broken)  # between the status line and the metrics
    result = run("check", "--base-url", sim.base_url, "--org", "org-sim-pending", "--tier", "luna", "--state-dir", str(sd),
                 "--prom-file", str(prom), "--ping-url", url, "--format", "json")
    assert result.exit_code == 2, result.output
    assert json.loads(result.stdout)["summary"]["status"] == "CRITICAL"  # exactly one document
    assert "internal error: RuntimeError: describe broke after the status was reported" in result.stderr
    assert prom_value(prom.read_text(), "gpt56probe_exit_status") == 2
    assert [p for p, _ in seen] == ["/ping/abc/fail"] and seen[0][1].startswith("GPT56 CRITICAL - ")


# --------------------------------------------------------------------------- M1 / L2: one hard end for every phase

DEADLINE_S = 2.0


def test_a_held_lock_a_trickling_api_and_a_blackhole_ping_end_by_the_deadline_plus_one(trickle, blackhole, tmp_path):
    sd = tmp_path / "s"
    with state.locked(sim_state(sd)):
        proc, wall = run_timed(cli("check", "--base-url", f"http://127.0.0.1:{trickle.port}/v1", "--tier", "luna", "--deadline",
                                   str(DEADLINE_S), "--state-dir", str(sd), "-q", "--prom-file", str(tmp_path / "m.prom"),
                                   "--ping-url", f"http://127.0.0.1:{blackhole.port}/p"), env=cli_env())
    print(f"lock + trickle + blackhole ping: --deadline {DEADLINE_S} run took {wall:.2f}s")
    assert wall < DEADLINE_S + 1, wall
    assert proc.returncode == 1 and "cannot record the run: another gpt56probe run holds" in proc.stderr
    assert prom_value((tmp_path / "m.prom").read_text(), "gpt56probe_exit_status") == 1


def test_a_thousand_probes_against_a_trickling_api_end_by_the_deadline_plus_one(trickle, tmp_path):
    """The probes stop early enough for classifying, recording and printing a thousand results by the bound:
    those in flight are timeouts, those never sent unknown."""
    orgs = [a for n in range(200) for a in ("--org", f"org-{n:03d}")]
    deadline = 4.0
    proc, wall = run_timed(cli("check", "--base-url", f"http://127.0.0.1:{trickle.port}/v1", *orgs, "--deadline", str(deadline),
                               "--concurrency", "512", "--state-dir", str(tmp_path / "s"), "--format", "json",
                               "--prom-file", str(tmp_path / "m.prom")), env=cli_env(), timeout=60)
    print(f"200 orgs x 5 models vs a trickle: --deadline {deadline} run took {wall:.2f}s")
    assert wall < deadline + 1, wall
    results = json.loads(proc.stdout)["results"]
    assert len(results) == 1000 and {r["verdict"] for r in results} <= {"timeout", "unknown"}
    assert proc.returncode == 3  # what the deadline left no time to send could not be judged: UNKNOWN, not WARNING


def test_a_usage_error_pings_within_the_configs_deadline(blackhole, tmp_path):
    home = tmp_path / "gpt56probe-home"
    home.mkdir()
    (home / "config.toml").write_text(f'[defaults]\ndeadline = {DEADLINE_S}\nping_url = "http://127.0.0.1:{blackhole.port}/p"\n')
    proc, wall = run_timed(cli("check", "--no-such-flag"), env=cli_env(GPT56PROBE_HOME=str(home)))
    assert wall < DEADLINE_S + 1, wall
    assert proc.returncode == 3 and "did not finish" in proc.stderr  # the config's ping was tried, and cut


def test_a_deadline_too_short_for_the_reporting_of_its_probes_is_unknown_before_any_probe(sim, tmp_path):
    orgs = [a for n in range(400) for a in ("--org", f"org-{n:03d}")]
    before = len(sim.requests)
    result = run("check", "--base-url", sim.base_url, *orgs, "--deadline", "1", "--state-dir", str(tmp_path))
    assert result.exit_code == 3
    assert "leaves too little time to judge any probe: recording and reporting 2000 probes needs" in result.stdout
    assert len(sim.requests) == before


def test_a_deadline_spent_before_any_probe_is_unknown_naming_the_phase(sim, tmp_path):
    import keyring
    from keyring.backend import KeyringBackend

    class SlowKeyring(KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def get_password(self, service: str, username: str) -> str | None:
            time.sleep(0.9)  # answers, but only after most of the deadline
            return None

        def set_password(self, service: str, username: str, password: str) -> None:
            raise NotImplementedError

        def delete_password(self, service: str, username: str) -> None:
            raise NotImplementedError

    previous = keyring.get_keyring()
    keyring.set_keyring(SlowKeyring())
    try:
        before = len(sim.requests)
        result = run("check", "--base-url", sim.base_url, "--org", "org-a", "--tier", "luna", "--deadline", "1", "--state-dir", str(tmp_path))
    finally:
        keyring.set_keyring(previous)
    assert result.exit_code == 3, result.output
    assert "the --deadline of 1s leaves too little time to judge any probe: the key lookup took 0.9s" in result.stdout
    assert len(sim.requests) == before and not (sim_state(tmp_path) / state.HISTORY_FILE).exists()


# --------------------------------------------------------------------------- M4: the hook is bounded


def changed_run(sim: Any, sd: Path, hook: str, *extra: str) -> Any:
    row = {"run_id": "seed", "checked_at": "2026-11-23T10:00:00+00:00", "org": "org-sim-approved", "model": "gpt-5.6-luna",
           "tier": "luna", "surface": "chat", "stream": False, "verdict": "not_provisioned", "status": "CRITICAL"}
    state.record_run(sim_state(sd), [row], "seed", row["checked_at"], failing=True)
    return run("check", "--base-url", sim.base_url, "--org", "org-sim-approved", "--tier", "luna", "--state-dir", str(sd),
               "--on-change", hook, *extra)


def test_a_hook_that_prints_without_end_is_capped_and_drained(sim, tmp_path):
    from gpt56probe.cli.onchange import HOOK_CAPTURE_BYTES

    started = time.monotonic()
    result = changed_run(sim, tmp_path / "s", "yes 0123456789 | head -c 50000000", "--format", "nagios")
    took = time.monotonic() - started
    assert result.exit_code == 0, result.stderr[-500:]
    lines = result.stdout.splitlines()
    assert lines[0].startswith("GPT56 OK - ") and lines[-1] == f"[{50000000 - HOOK_CAPTURE_BYTES} more bytes of hook output not shown]"
    assert len(result.stdout) < HOOK_CAPTURE_BYTES + 1000
    assert took < 15, took


def test_a_hook_that_times_out_is_killed_with_every_process_it_started(sim, tmp_path, monkeypatch):
    import gpt56probe.cli.onchange as onchange

    monkeypatch.setattr(onchange, "HOOK_TIMEOUT_S", 1.0)
    pidfile = tmp_path / "child.pid"
    result = changed_run(sim, tmp_path / "s", f"sleep 60 & echo $! > {pidfile}; wait")
    assert result.exit_code == 0
    assert "did not finish within 1s; it was killed with every process it started" in result.stderr
    child = int(pidfile.read_text())
    end = time.monotonic() + 5
    while time.monotonic() < end:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        pytest.fail(f"the hook's child {child} outlived the timeout")


def test_the_metrics_are_written_before_the_hook_runs(sim, tmp_path):
    prom, seen_by_hook = tmp_path / "m.prom", tmp_path / "seen.prom"
    result = changed_run(sim, tmp_path / "s", f"cp {prom} {seen_by_hook}", "--prom-file", str(prom), "-q")
    assert result.exit_code == 0
    assert prom_value(seen_by_hook.read_text(), "gpt56probe_exit_status") == 0
    assert "gpt56probe_up{" in seen_by_hook.read_text()  # this run's metrics, not an older file


@pytest.mark.parametrize("hook,shown", [("echo hook-said-this", False), ("echo hook-said-this; exit 3", True)])
def test_quiet_shows_the_hooks_output_only_when_the_hook_fails(sim, tmp_path, hook, shown):
    result = changed_run(sim, tmp_path / "s", hook, "-q")
    assert result.exit_code == 0
    assert ("hook-said-this" in result.stdout) is shown
    assert ("--on-change command exited 3" in result.stderr) is shown


# --------------------------------------------------------------------------- M5, M6: usage errors and the config's defaults


def test_a_group_level_usage_error_of_a_check_is_unknown_in_every_sink(tmp_path, pings):
    url, seen = pings
    prom = tmp_path / "m.prom"
    result = run("-q", "check", "--prom-file", str(prom), "--ping-url", url)
    assert result.exit_code == 3, result.output
    assert result.stdout.startswith("GPT56 UNKNOWN - No such option '-q'") and "Usage:" not in result.output
    assert prom_value(prom.read_text(), "gpt56probe_exit_status") == 3 and [p for p, _ in seen] == ["/ping/abc/fail"]


def test_the_unknown_report_follows_the_configs_defaults(tmp_path):
    home = tmp_path / "gpt56probe-home"
    home.mkdir()
    prom = tmp_path / "m.prom"
    (home / "config.toml").write_text(f'[defaults]\nformat = "json"\nprom_file = "{prom}"\n')
    result = run("check", "--no-such-flag")
    assert result.exit_code == 3
    assert json.loads(result.stdout)["summary"]["status"] == "UNKNOWN"
    assert prom_value(prom.read_text(), "gpt56probe_exit_status") == 3


# --------------------------------------------------------------------------- L1: signals before the guard, SIGHUP


@pytest.mark.parametrize("signum,code", [(signal.SIGINT, 130), (signal.SIGHUP, 129)])
def test_a_signal_while_the_cli_is_still_being_imported_ends_it_quietly(signum, code):
    """The signal lands while click is imported: before the CLI's guard exists, the entry point's handlers do."""
    program = f"""
import importlib.abc, os, signal, sys
class Bomb(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name == "click":
            os.kill(os.getpid(), {int(signum)})
        return None
sys.meta_path.insert(0, Bomb())
sys.argv = ["gpt56probe", "--version"]
from gpt56probe.__main__ import run
run()
"""
    proc = subprocess.run([sys.executable, "-c", program], cwd=REPO, env=cli_env(), capture_output=True, text=True, timeout=30)
    assert proc.returncode == code, proc.stderr
    assert proc.stderr.startswith("interrupted") and "Traceback" not in proc.stderr and proc.stdout == ""


def test_sighup_mid_run_is_interrupted_129_within_a_second(tmp_path, blackhole):
    proc = subprocess.Popen(cli("check", "--base-url", f"http://127.0.0.1:{blackhole.port}/v1", "--tier", "luna", "--deadline", "30",
                                "--state-dir", str(tmp_path)), cwd=REPO, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        end = time.monotonic() + 20
        while not blackhole.held and time.monotonic() < end:
            time.sleep(0.02)
        sent = time.monotonic()
        proc.send_signal(signal.SIGHUP)
        _, err = proc.communicate(timeout=10)
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    print(f"SIGHUP -> exit {proc.returncode} in {took:.3f}s")
    assert proc.returncode == 129 and took < 1.0 and err.strip() == "interrupted (SIGHUP)"
    assert not (sim_state(tmp_path) / state.HISTORY_FILE).exists()


# --------------------------------------------------------------------------- L4, L5: labels and expectations


def test_metrics_labels_that_come_out_the_same_after_the_gate_stay_distinct_series():
    from gpt56probe.views.metrics import render_metrics
    from gpt56probe.core.observation import Diagnosis, Target, Verdict

    diagnoses = [Diagnosis(Target(org, "gpt-5.6-sol", "sol"), Verdict.OK, "", "") for org in ("org-secret-a", "org-secret-b")]
    text = render_metrics(diagnoses, 0, 1.0, label_text=lambda v: "***" if v.startswith("org-secret") else v)
    ups = re.findall(r"^gpt56probe_up\{(.*)\} 1$", text, re.MULTILINE)
    assert ups == ['org="***",model="gpt-5.6-sol",tier="sol",surface="chat",stream="false"',
                   'org="***#2",model="gpt-5.6-sol",tier="sol",surface="chat",stream="false"']


def test_perfdata_labels_that_collide_stay_distinct():
    from gpt56probe.views import render
    from gpt56probe.core.observation import Diagnosis, Severity, Target, Verdict

    diagnoses = [Diagnosis(Target("o", model, "sol"), Verdict.OK, "", "", latency_ms=100.0)
                 for model in ("gpt-5.6-sol", "gpt-5.6-sol-2026-06-26")]
    perf = render.status_line(diagnoses, Severity.OK, perfdata=True).split(" | ")[1]
    assert perf == "'o_sol_latency'=0.10s;;;0 'o_sol_latency_2'=0.10s;;;0"


def test_expect_that_nothing_probed_can_satisfy_is_refused(sim, tmp_path):
    before = len(sim.requests)
    result = run("check", "--base-url", sim.base_url, "--tier", "luna", "--expect", "sol", "--state-dir", str(tmp_path))
    assert result.exit_code == 3 and "--expect sol: this run probes luna" in result.stderr
    assert len(sim.requests) == before


# --------------------------------------------------------------------------- L6: the simulator's 100-continue


def test_expect_100_continue_over_the_cap_gets_413_without_an_interim_100(sim):
    from gpt56probe.simulator.server import MAX_REQUEST_BODY_BYTES

    request = (f"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {FAKE_KEY}\r\nContent-Type: application/json\r\n"
               f"Content-Length: {MAX_REQUEST_BODY_BYTES + 1}\r\nExpect: 100-continue\r\n\r\n").encode()
    with socket.create_connection((sim.host, sim.port), timeout=5) as conn:
        conn.sendall(request)
        answer = b""
        while b"\r\n\r\n" not in answer:
            piece = conn.recv(65536)
            if not piece:
                break
            answer += piece
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:100]
