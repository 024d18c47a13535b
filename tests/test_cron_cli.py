"""check for cron: exit codes per expected tier, history, verdict changes, metrics, pings, locking.

One fixed org id (``org-fleet``) is pointed at four simulators, each loading a
scenario file that gives that org the behaviour of a built-in scenario
(unprovisioned -> pending -> approved -> ratelimited), so the same state
directory sees the org's access change from run to run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.conftest import sim_state
from click.testing import CliRunner

from gpt56probe.core.history import HISTORY_FIELDS, verdict_key
from gpt56probe.store import state
from gpt56probe.cli import main

ORG = "org-fleet"
PHASES = ("unprovisioned", "pending", "approved", "ratelimited")
REPO = Path(__file__).resolve().parent.parent
KEY = "sk-test-cron-not-real-0000"


def _scenario_file(directory: Path, phase: str) -> Path:
    from gpt56probe.simulator.builtin import BUILTIN_SCENARIOS

    base = next(s for s in BUILTIN_SCENARIOS["scenario"] if s.get("org") == f"org-sim-{phase}")
    scenario = {k: v for k, v in base.items() if k not in ("name", "org")}
    path = directory / f"{phase}.json"
    path.write_text(json.dumps({"scenario": [{**scenario, "name": f"fleet-{phase}", "org": ORG}]}))
    return path


@pytest.fixture(scope="module")
def phase_sims(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from gpt56probe.simulator import start_simulator

    directory = tmp_path_factory.mktemp("scenarios")
    handles = {phase: start_simulator(port=0, scenarios_file=_scenario_file(directory, phase)) for phase in PHASES}
    try:
        yield handles
    finally:
        for handle in handles.values():
            handle.stop()


@pytest.fixture(autouse=True)
def api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)


def run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def check(sim: Any, state_dir: Path, *extra: str) -> Any:
    return run("check", "--org", ORG, "--base-url", sim.base_url, "--state-dir", str(state_dir), "--deadline", "30", *extra)


class Recorder(BaseHTTPRequestHandler):
    seen: list[tuple[str, str]] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server naming
        body = self.rfile.read(int(self.headers.get("content-length", 0))).decode()
        type(self).seen.append((self.path, body))
        self.send_response(200)
        self.send_header("content-length", "2")
        self.end_headers()
        self.wfile.write(b"OK")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def ping_server() -> Iterator[tuple[str, list[tuple[str, str]]]]:
    Recorder.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/ping/abc", Recorder.seen
    finally:
        server.shutdown()
        server.server_close()


def test_scripted_sequence_exit_codes_transitions_history_and_metrics(phase_sims: dict[str, Any], tmp_path: Path) -> None:
    sd, prom = tmp_path / "state", tmp_path / "textfile" / "gpt56probe.prom"
    prom.parent.mkdir()  # the collector's directory exists; gpt56probe never creates it
    results = {phase: check(phase_sims[phase], sd, "--expect", "sol,terra", "--format", "nagios", "--prom-file", str(prom))
               for phase in PHASES}
    assert [results[p].exit_code for p in PHASES] == [2, 2, 0, 1]

    for phase in PHASES:  # nagios: always one line, with perfdata
        lines = results[phase].stdout.splitlines()
        assert len(lines) == 1 and lines[0].startswith("GPT56 ") and " | " in lines[0]
    assert results["approved"].stdout.startswith("GPT56 OK - ")

    assert results["unprovisioned"].stderr == ""  # the first run sets the baseline
    assert f"{ORG} gpt-5.6-sol: not_provisioned -> provisioning_pending" in results["pending"].stderr.splitlines()
    assert f"{ORG} gpt-5.6-terra: provisioning_pending -> ok" in results["approved"].stderr.splitlines()
    assert f"{ORG} gpt-5.6-sol: ok -> rate_limited" in results["ratelimited"].stderr.splitlines()

    history = state.read_history(sim_state(sd))
    lines = (sim_state(sd) / state.HISTORY_FILE).read_text().splitlines()
    assert len(lines) == len(history) and len(history) % 4 == 0 and len(history) >= 12
    assert len({row["run_id"] for row in history}) == 4
    assert all(tuple(row) == HISTORY_FIELDS for row in history)
    sol = [row["verdict"] for row in history if row["model"] == "gpt-5.6-sol"]
    assert sol == ["not_provisioned", "provisioning_pending", "ok", "rate_limited"]
    assert all(KEY not in line for line in lines)

    saved = json.loads((sim_state(sd) / state.STATE_FILE).read_text())
    sol_key = verdict_key({"org": ORG, "model": "gpt-5.6-sol", "surface": "chat", "stream": False})
    assert saved["streaks"][sol_key] == 0  # rate_limited (after ok) is no access verdict

    text = prom.read_text()
    vantage = state.read_history(sim_state(sd))[-1]["vantage"]  # the host name: every series says where it was measured
    assert vantage
    assert f'gpt56probe_exit_status{{vantage="{vantage}",endpoint="127.0.0.1"}} 1' in text
    assert f'gpt56probe_up{{org="{ORG}",model="gpt-5.6-sol",tier="sol",surface="chat",stream="false",vantage="{vantage}",endpoint="127.0.0.1"}} 0' in text
    assert (f'gpt56probe_verdict{{org="{ORG}",model="gpt-5.6-sol",tier="sol",surface="chat",stream="false",vantage="{vantage}",endpoint="127.0.0.1",'
            'verdict="rate_limited"} 1') in text
    assert os.listdir(prom.parent) == ["gpt56probe.prom"]

    table = run("history", "--state-dir", str(sd), "--endpoint", "127.0.0.1", "--model", "gpt-5.6-sol")
    assert table.exit_code == 0
    for pair in (("not_provisioned", "provisioning_pending"), ("provisioning_pending", "ok"), ("ok", "rate_limited")):
        assert any(pair[0] in line and pair[1] in line for line in table.stdout.splitlines())
    doc = json.loads(run("history", "--state-dir", str(sd), "--endpoint", "127.0.0.1", "--org", ORG, "--format", "json", "--since", "1h").stdout)
    sol_changes = [(c["previous"], c["current"]) for c in doc if c["model"] == "gpt-5.6-sol"]
    assert sol_changes == [("not_provisioned", "provisioning_pending"), ("provisioning_pending", "ok"), ("ok", "rate_limited")]
    assert json.loads(run("history", "--state-dir", str(sd), "--endpoint", "127.0.0.1", "--org", "org-other", "--format", "json").stdout) == []
    assert json.loads(run("history", "--state-dir", str(sd), "--endpoint", "127.0.0.1", "--since", "2999-01-01", "--format", "json").stdout) == []


def test_quiet_prints_nothing_when_ok_and_one_line_otherwise(phase_sims: dict[str, Any], tmp_path: Path) -> None:
    ok = check(phase_sims["approved"], tmp_path, "--quiet")
    assert (ok.exit_code, ok.stdout, ok.stderr) == (0, "", "")
    bad = check(phase_sims["pending"], tmp_path, "--quiet")
    assert bad.exit_code == 2
    assert len(bad.stdout.splitlines()) == 1 and bad.stdout.startswith("GPT56 CRITICAL - ") and " | " not in bad.stdout


def test_default_state_dir_is_under_gpt56probe_home(phase_sims: dict[str, Any]) -> None:
    result = run("check", "--org", ORG, "--base-url", phase_sims["approved"].base_url, "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["summary"]["status"] == "OK"
    home = Path(os.environ["GPT56PROBE_HOME"])
    assert len(state.read_history(sim_state(home / "state"))) >= 3


def test_demo_writes_no_history() -> None:
    result = run("demo")
    assert result.exit_code == 0
    assert not (Path(os.environ["GPT56PROBE_HOME"]) / "state" / state.HISTORY_FILE).exists()


def test_fail_after_downgrades_until_the_streak_is_long_enough(phase_sims: dict[str, Any], tmp_path: Path) -> None:
    codes = [check(phase_sims["unprovisioned"], tmp_path, "--fail-after", "3", "--quiet").exit_code for _ in range(3)]
    assert codes == [1, 1, 2]
    assert max(json.loads((sim_state(tmp_path) / state.STATE_FILE).read_text())["streaks"].values()) == 3
    assert check(phase_sims["approved"], tmp_path, "--fail-after", "3").exit_code == 0
    assert check(phase_sims["unprovisioned"], tmp_path, "--fail-after", "3").exit_code == 1


def test_on_change_gets_the_changes_as_json(phase_sims: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "changes.json"
    hook = f"cat > {out}"
    assert check(phase_sims["pending"], tmp_path / "s", "--on-change", hook).exit_code == 2
    assert not out.exists()  # baseline: no change, no hook
    assert check(phase_sims["approved"], tmp_path / "s", "--on-change", hook).exit_code == 0
    payload = json.loads(out.read_text())
    assert payload["status"] == "OK" and payload["run_id"]
    assert {(c["model"], c["previous"], c["current"]) for c in payload["changes"]} >= {("gpt-5.6-sol", "provisioning_pending", "ok")}


def test_failing_on_change_command_only_warns(phase_sims: dict[str, Any], tmp_path: Path) -> None:
    check(phase_sims["pending"], tmp_path)
    result = check(phase_sims["approved"], tmp_path, "--on-change", "exit 7")
    assert result.exit_code == 0 and "--on-change command exited 7" in result.stderr


def test_ping_success_and_failure(phase_sims: dict[str, Any], tmp_path: Path, ping_server: tuple[str, list]) -> None:
    url, seen = ping_server
    assert check(phase_sims["approved"], tmp_path, "--ping-url", url, "--quiet").exit_code == 0
    assert check(phase_sims["pending"], tmp_path, "--ping-url", url, "--quiet").exit_code == 2
    assert [path for path, _ in seen] == ["/ping/abc", "/ping/abc/fail"]
    assert seen[0][1].startswith("GPT56 OK - ") and seen[1][1].startswith("GPT56 CRITICAL - ")


def test_unreachable_ping_warns_and_keeps_the_exit_code(phase_sims: dict[str, Any], tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = check(phase_sims["approved"], tmp_path, "--ping-url", f"http://127.0.0.1:{port}/x", "--quiet")
    assert result.exit_code == 0 and result.stdout == ""
    assert result.stderr.startswith("warning: ping to 127.0.0.1:") and len(result.stderr.splitlines()) == 1


def test_a_held_lock_reports_the_verdicts_with_one_warning_as_an_unwritable_state_dir_does(phase_sims: dict[str, Any],
                                                                                          tmp_path: Path) -> None:
    """Issue 12 review M2: what the run saw is never thrown away because another run holds the lock."""
    check(phase_sims["pending"], tmp_path, "--quiet")
    with state.locked(sim_state(tmp_path)):
        result = check(phase_sims["pending"], tmp_path, "--lock-timeout", "0.2", "--fail-after", "5", "--format", "nagios")
    assert result.exit_code == 2, result.output  # the run's own verdicts; no --fail-after without its streaks
    assert result.stdout.startswith("GPT56 CRITICAL - ")
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("warning: cannot record the run: another gpt56probe run")
    assert len({row["run_id"] for row in state.read_history(sim_state(tmp_path))}) == 1  # nothing recorded


def test_bad_expect_and_since_are_unknown(phase_sims: dict[str, Any], tmp_path: Path) -> None:
    result = check(phase_sims["approved"], tmp_path, "--expect", "sol,mars")
    assert result.exit_code == 3 and "mars" in result.stderr
    result = run("history", "--state-dir", str(tmp_path), "--endpoint", "127.0.0.1", "--since", "yesterday")
    assert result.exit_code == 3 and len(result.stderr.splitlines()) == 1


def test_history_without_runs(tmp_path: Path) -> None:
    result = run("history", "--state-dir", str(tmp_path), "--endpoint", "127.0.0.1")
    assert result.exit_code == 0 and "no verdict changes" in result.stdout


def test_concurrent_processes_leave_state_and_history_intact(phase_sims: dict[str, Any], tmp_path: Path) -> None:
    sd, prom = tmp_path / "state", tmp_path / "m.prom"
    env = {**os.environ, "OPENAI_API_KEY": KEY, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    sims = [phase_sims["approved"], phase_sims["pending"]]
    procs = [subprocess.Popen([sys.executable, "-m", "gpt56probe", "check", "--org", ORG, "--base-url", sims[i % 2].base_url,
                               "--state-dir", str(sd), "--prom-file", str(prom), "--quiet", "--deadline", "30"],
                              cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i in range(8)]
    codes = [p.wait(timeout=120) for p in procs]
    for p in procs:
        assert p.stdout is not None and p.stderr is not None
        p.stdout.close()
        p.stderr.close()
    assert sorted(codes) == [0, 0, 0, 0, 2, 2, 2, 2]
    lines = (sim_state(sd) / state.HISTORY_FILE).read_text().splitlines()
    rows = [json.loads(line) for line in lines]  # every line valid JSON
    assert len({row["run_id"] for row in rows}) == 8 and len(rows) % 8 == 0
    json.loads((sim_state(sd) / state.STATE_FILE).read_text())
    samples = [line for line in prom.read_text().rstrip().splitlines() if not line.startswith("#")]
    assert samples[-1].startswith("gpt56probe_unknown_runs")  # the last family: the file is whole
    assert sorted(os.listdir(sim_state(sd))) == ["history.jsonl", "lock", "state.json"]
    assert os.listdir(tmp_path / "state") and sorted(p.name for p in tmp_path.iterdir()) == ["m.prom", "state"]
