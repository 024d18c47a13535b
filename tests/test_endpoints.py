"""History, state, streaks and metrics are kept per endpoint (the base URL's host); readers read one and say which.

Two endpoints on loopback: ``127.0.0.1`` and ``localhost`` are different hosts to gpt56probe, as the
simulator and the real API are. Real CLI, real HTTP.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from gpt56probe.cli import main
from gpt56probe.simulator import start_simulator
from gpt56probe.store import state
from tests.conftest import FAKE_KEY

ORG = "org-sim-pending"


def run(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(main, list(args), env={"OPENAI_API_KEY": FAKE_KEY, **(env or {})}, catch_exceptions=False)


def check(base_url: str, sd: Path, org: str, *extra: str) -> Any:
    return run("check", "--base-url", base_url, "--org", org, "--tier", "sol", "--state-dir", str(sd), "--format", "json", *extra)


def legacy_row(verdict: str) -> str:
    """A row written before endpoints were kept (no "endpoint"): it counts as the real API's."""
    return json.dumps({"run_id": verdict, "checked_at": "2026-11-20T10:00:00+00:00", "org": ORG, "model": "gpt-5.6-sol", "tier": "sol",
                       "surface": "chat", "stream": False, "verdict": verdict, "status": "OK"}) + "\n"


def test_runs_against_two_endpoints_never_share_history_state_streaks_or_metrics(sim: Any, tmp_path: Path) -> None:
    sd, prom = tmp_path / "state", tmp_path / "g.prom"
    sd.mkdir()
    (sd / state.HISTORY_FILE).write_text(legacy_row("ok"))  # the real API's history, from before
    other = sim.base_url.replace("127.0.0.1", "localhost")
    first = check(sim.base_url, sd, ORG, "--prom-file", str(prom), "--fail-after", "2")
    assert first.exit_code == 1  # the first access verdict of a streak of 2: WARNING
    assert 'endpoint="127.0.0.1"' in prom.read_text() and "# gpt56probe-endpoint: 127.0.0.1" in prom.read_text()
    second = check(other, sd, "org-sim-approved", "--prom-file", str(prom), "--fail-after", "2")
    assert second.exit_code == 0
    text = prom.read_text()
    assert 'endpoint="localhost"' in text and 'endpoint="127.0.0.1"' not in text
    third = check(sim.base_url, sd, ORG, "--prom-file", str(prom), "--fail-after", "2")
    assert third.exit_code == 2  # the streak on 127.0.0.1 went on; the localhost run did not end it
    assert "-> " not in first.stderr + second.stderr + third.stderr  # no endpoint's verdict "changed" into another's
    assert 'gpt56probe_down_runs{org="org-sim-pending",model="gpt-5.6-sol",tier="sol",surface="chat",stream="false"' in prom.read_text()
    assert "} 1\n" in prom.read_text().split("gpt56probe_down_runs{")[1]  # the localhost file's streaks were not carried over

    assert (sd / state.HISTORY_FILE).read_text() == legacy_row("ok")  # the real API's history untouched
    sim_rows = state.read_history(state.endpoint_dir(sd, "127.0.0.1"))
    local_rows = state.read_history(state.endpoint_dir(sd, "localhost"))
    assert {r["endpoint"] for r in sim_rows} == {"127.0.0.1"} and len({r["run_id"] for r in sim_rows}) == 2
    assert {r["endpoint"] for r in local_rows} == {"localhost"} and len({r["run_id"] for r in local_rows}) == 1

    real = run("history", "--state-dir", str(sd), "--format", "json")
    assert real.exit_code == 0 and json.loads(real.stdout) == []
    assert real.stderr.splitlines()[0] == "endpoint: api.openai.com; also recorded: 127.0.0.1, localhost (--endpoint HOST)"
    told = run("history", "--state-dir", str(sd), "--endpoint", "localhost")
    assert told.exit_code == 0 and told.stderr.startswith("endpoint: localhost;")
    by_env = run("history", "--state-dir", str(sd), "--format", "json", env={"OPENAI_BASE_URL": sim.base_url})
    assert by_env.stderr.startswith("endpoint: 127.0.0.1;")  # where check would probe is where history reads


def test_report_and_merge_read_one_endpoint_and_say_which(sim: Any, tmp_path: Path) -> None:
    sd = tmp_path / "state"
    doc = tmp_path / "sim.json"
    result = check(sim.base_url, sd, ORG, "--vantage", "here")
    doc.write_text(result.stdout)
    history = state.endpoint_dir(sd, "127.0.0.1") / state.HISTORY_FILE
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text(legacy_row("ok") + history.read_text())

    report = run("report", "--state-dir", str(sd), "--format", "markdown", str(doc))
    assert report.exit_code == 3  # the real API has nothing recorded, and the simulator's result is left out
    assert f"{doc} was checked against 127.0.0.1, not api.openai.com: left out (--endpoint 127.0.0.1 reports it)" in report.stderr
    told = run("report", "--state-dir", str(sd), "--format", "markdown", "--endpoint", "127.0.0.1", str(doc))
    assert told.exit_code == 0 and "(endpoint 127.0.0.1)" in told.stdout and "provisioning" in told.stdout

    merged = run("merge", str(mixed), "--format", "json")
    assert merged.exit_code == 0
    assert "endpoint: api.openai.com" in merged.stderr and "row(s) recorded against 127.0.0.1 left out" in merged.stderr
    assert {r["verdict"] for r in json.loads(merged.stdout)["results"]} == {"ok"}
    told = run("merge", str(mixed), str(doc), "--format", "json", "--endpoint", sim.base_url)
    out = json.loads(told.stdout)
    assert out["endpoint"] == "127.0.0.1" and {r["verdict"] for r in out["results"]} == {"provisioning_pending"}


def test_until_ok_says_which_endpoint_it_waits_on(sim: Any) -> None:
    result = run("check", "--base-url", sim.base_url, "--org", "org-sim-approved", "--tier", "luna", "--until-ok", "--every", "1s")
    assert result.exit_code == 0
    assert "endpoint: 127.0.0.1 (waiting until every expected target there is ok)" in result.stderr


def test_a_check_document_and_history_rows_name_their_endpoint(sim: Any, tmp_path: Path) -> None:
    with start_simulator(port=0) as other:
        url = other.base_url.replace("127.0.0.1", "localhost")
        result = check(url, tmp_path, "org-sim-approved")
    assert json.loads(result.stdout)["vantage"]["base_url_host"] == "localhost"
    assert {r["endpoint"] for r in state.read_history(state.endpoint_dir(tmp_path, "localhost"))} == {"localhost"}
