"""Issue #12, items 1, 6, 7 and 8: a run that cannot judge says UNKNOWN in every sink; input that
cannot work is refused before any probe and recorded nowhere; --quiet is quiet; perfdata labels
cannot break the Nagios line.

The real CLI (CliRunner) against the loopback simulator; a crash is injected by replacing
``perform_check``, the one place every check goes through.
"""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

import pytest
from click.testing import CliRunner

from gpt56probe.core.history import transitions_from_history
from gpt56probe.views import render
from gpt56probe.store import state
from gpt56probe.cli import main
from gpt56probe.core.observation import Diagnosis, Severity, Target, Verdict
from tests.conftest import FAKE_KEY

SCHEMA = Path(__file__).resolve().parents[1] / "gpt56probe" / "schema" / "check-result.schema.json"


def run(*args: str, key: str | None = FAKE_KEY, env: dict[str, str] | None = None) -> Any:
    environ = {"OPENAI_API_KEY": key} if key else {}
    environ.update(env or {})
    return CliRunner().invoke(main, list(args), env=environ, catch_exceptions=False)


class PingRecorder(BaseHTTPRequestHandler):
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
def pings() -> Iterator[tuple[str, list[tuple[str, str]]]]:
    PingRecorder.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), PingRecorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/ping/abc", PingRecorder.seen
    finally:
        server.shutdown()
        server.server_close()


def prom_value(text: str, name: str) -> float:
    found = re.search(rf"^{name}(?:\{{vantage=\"[^\"]*\"\}})? (\S+)$", text, re.MULTILINE)  # labelled by the run's vantage
    assert found, text
    return float(found.group(1))


def a_previous_ok_run(sim: Any, sd: Path, prom: Path) -> None:
    ok = run("check", "--base-url", sim.base_url, "--org", "org-sim-approved", "--tier", "luna", "--state-dir", str(sd),
             "--prom-file", str(prom), "--quiet")
    assert ok.exit_code == 0 and prom_value(prom.read_text(), "gpt56probe_exit_status") == 0


def assert_unknown_everywhere(result: Any, prom: Path, seen: list[tuple[str, str]], started: float, cause: str) -> None:
    assert result.exit_code == 3, result.output
    assert result.stdout.startswith("GPT56 UNKNOWN - ") and len(result.stdout.splitlines()) == 1, result.stdout
    assert cause in result.stdout
    assert len(result.stderr.splitlines()) == 1 and cause in result.stderr, result.stderr
    assert "Traceback" not in result.output
    text = prom.read_text()
    assert prom_value(text, "gpt56probe_exit_status") == 3
    assert prom_value(text, "gpt56probe_last_run_timestamp_seconds") >= started - 1
    assert [path for path, _ in seen] == ["/ping/abc/fail"] and seen[0][1].startswith("GPT56 UNKNOWN - ")


# --------------------------------------------------------------------------- item 1


def boom(request: Any) -> Any:
    raise RuntimeError(f"boom while holding {FAKE_KEY}")


def test_a_crash_inside_check_is_unknown_in_every_sink(sim, tmp_path, monkeypatch, pings):
    url, seen = pings
    sd, prom = tmp_path / "state", tmp_path / "m.prom"
    a_previous_ok_run(sim, sd, prom)
    monkeypatch.setattr("gpt56probe.net.checkrun.perform_check", boom)
    started = time.time()
    result = run("check", "--base-url", sim.base_url, "--org", "org-sim-approved", "--tier", "luna", "--state-dir", str(sd),
                 "--prom-file", str(prom), "--ping-url", url, "--quiet", "--format", "nagios")
    assert_unknown_everywhere(result, prom, seen, started, "internal error: RuntimeError: boom")
    assert FAKE_KEY not in result.output  # the crash message is redacted
    assert "--debug" in result.stderr
    assert len(state.read_history(sd)) == 1  # only the earlier OK run


def test_debug_adds_the_traceback_of_a_crash(sim, monkeypatch):
    monkeypatch.setattr("gpt56probe.net.checkrun.perform_check", boom)
    result = run("--debug", "check", "--base-url", sim.base_url, "--tier", "luna")
    assert result.exit_code == 3
    assert "Traceback (most recent call last)" in result.stderr and "RuntimeError" in result.stderr
    assert FAKE_KEY not in result.stderr
    assert result.stdout.splitlines()[-1].startswith("GPT56 UNKNOWN - internal error: RuntimeError")


def test_quiet_json_crash_prints_a_json_document(sim, monkeypatch):
    import jsonschema  # a test extra: a missing one fails the test, never skips it
    monkeypatch.setattr("gpt56probe.net.checkrun.perform_check", boom)
    result = run("check", "--base-url", sim.base_url, "-q", "--format", "json")
    assert result.exit_code == 3
    doc = json.loads(result.stdout)
    assert doc["summary"]["status"] == "UNKNOWN" and doc["summary"]["exit_code"] == 3 and doc["results"] == []
    assert "internal error: RuntimeError" in doc["summary"]["error"]
    jsonschema.validate(doc, json.loads(SCHEMA.read_text()))


def test_a_missing_key_is_unknown_in_every_sink(sim, tmp_path, pings):
    url, seen = pings
    sd, prom = tmp_path / "state", tmp_path / "m.prom"
    a_previous_ok_run(sim, sd, prom)
    started = time.time()
    result = run("check", "--base-url", sim.base_url, "--no-keyring", "--state-dir", str(sd), "--prom-file", str(prom),
                 "--ping-url", url, "-q", key=None)
    assert_unknown_everywhere(result, prom, seen, started, "OPENAI_API_KEY")
    assert len(state.read_history(sd)) == 1


def test_an_unusable_config_is_unknown_in_every_sink(sim, tmp_path, pings):
    url, seen = pings
    sd, prom = tmp_path / "state", tmp_path / "m.prom"
    a_previous_ok_run(sim, sd, prom)
    config = Path(tmp_path / "gpt56probe-home" / "config.toml")
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("[defaults\n")
    started = time.time()
    result = run("check", "--base-url", sim.base_url, "--state-dir", str(sd), "--prom-file", str(prom), "--ping-url", url)
    assert_unknown_everywhere(result, prom, seen, started, "config file")


def test_a_refused_flag_still_reaches_the_sinks_it_names(tmp_path, pings):
    url, seen = pings
    prom = tmp_path / "m.prom"
    started = time.time()
    result = run("check", "--deadline", "nan", "--prom-file", str(prom), "--ping-url", url, "--quiet")
    assert_unknown_everywhere(result, prom, seen, started, "--deadline")


def test_a_crash_in_another_command_is_one_line_and_exit_70(monkeypatch, tmp_path):
    def broken(rows: Any) -> Any:
        raise ValueError("history replay broke")

    import gpt56probe.cli.history as history_command

    monkeypatch.setattr(history_command, "transitions_from_history", broken)
    result = run("history", "--state-dir", str(tmp_path))
    assert result.exit_code == 70
    assert result.stderr == "Error: internal error: ValueError: history replay broke (run again with --debug for the traceback)\n"
    assert result.stdout == ""


def test_a_crash_in_support_packet_exits_3(monkeypatch):
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise KeyError("template slot")

    monkeypatch.setattr("gpt56probe.views.packet.render_text", broken)
    result = run("support-packet", "--product", "codex", "--workspace", "ws_1", "--error", "x", "--no-input", "--format", "text", key=None)
    assert result.exit_code == 3 and "internal error: KeyError" in result.stderr and "Traceback" not in result.output


# --------------------------------------------------------------------------- item 6

BAD_FLAGS = [
    (["--timeout", "nan"], "--timeout"),
    (["--deadline", "nan"], "--deadline"),
    (["--deadline", "inf"], "--deadline"),
    (["--concurrency", "0"], "--concurrency"),
    (["--base-url", "http://[::1"], "not a valid URL"),
    (["--base-url", "http://127.0.0.1:9/v1?api-version=1"], "query or fragment"),
    (["--base-url", "http://127.0.0.1:9/v1#top"], "query or fragment"),
    (["--base-url", "http://127.0.0.1:9"], "did you mean http://127.0.0.1:9/v1"),
    (["--base-url", "http://127.0.0.1:9/openai"], "did you mean http://127.0.0.1:9/openai/v1"),
    (["--base-url", "http://user:hunter2-secret@127.0.0.1:9/v1"], "user:password@"),
    (["--proxy", "socks5://127.0.0.1:1080"], "PySocks"),
    (["--state-dir", ""], "--state-dir"),
    (["--ping-url", "hc-ping.com/abc"], "--ping-url"),
    (["--prom-file", ""], "--prom-file"),
]


@pytest.fixture
def refusal_setup(sim, tmp_path):
    """A state dir with no history yet, an --on-change hook that would leave a mark, and the request count."""
    marker = tmp_path / "hook-ran"
    return {"sd": tmp_path / "state", "marker": marker, "hook": f"touch {marker}", "before": len(sim.requests)}


def assert_refused(result: Any, needle: str, sim: Any, setup: dict[str, Any]) -> None:
    assert result.exit_code == 3, result.output
    assert len(result.stderr.splitlines()) == 1 and needle in result.stderr, result.stderr
    assert "Traceback" not in result.output
    assert not (setup["sd"] / state.HISTORY_FILE).exists()
    assert not setup["marker"].exists()
    assert len(sim.requests) == setup["before"]  # refused before any probe


@pytest.mark.parametrize("bad,needle", BAD_FLAGS, ids=[" ".join(b) for b, _ in BAD_FLAGS])
def test_input_that_cannot_work_is_refused_before_any_probe(sim, refusal_setup, bad, needle):
    args = ["check", "--base-url", sim.base_url, "--state-dir", str(refusal_setup["sd"]), "--on-change", refusal_setup["hook"],
            "--tier", "luna", *bad]
    result = run(*args)
    assert_refused(result, needle, sim, refusal_setup)
    assert "hunter2-secret" not in result.output


def test_a_socks_proxy_from_the_environment_without_pysocks_is_refused(sim, refusal_setup):
    result = run("check", "--base-url", sim.base_url, "--state-dir", str(refusal_setup["sd"]), "--on-change", refusal_setup["hook"],
                 env={"ALL_PROXY": "socks5h://127.0.0.1:1080"})
    assert_refused(result, "PySocks", sim, refusal_setup)


BAD_CONFIGS = [
    ('[models.sol]\nid = 5\n', "models.sol.id must be a non-empty string"),
    ('[defaults]\ntimeout = nan\n', "finite number"),
    ('[defaults]\ndeadline = inf\n', "finite number"),
    ("[defaults]\nconcurrency = 0\n", "finite number above 0"),
    ("x = " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
    ("[a.b.c.d.e.f.g.h]\nx = 1\n", "nested too deeply"),
]


@pytest.mark.parametrize("text,needle", BAD_CONFIGS, ids=["model id int", "nan", "inf", "zero", "deep list", "deep table"])
def test_config_that_cannot_work_is_refused_before_any_probe(sim, tmp_path, refusal_setup, text, needle):
    config = tmp_path / "gpt56probe-home" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(text)
    result = run("check", "--base-url", sim.base_url, "--state-dir", str(refusal_setup["sd"]), "--on-change", refusal_setup["hook"])
    assert_refused(result, needle, sim, refusal_setup)


@pytest.mark.parametrize("since", ["99999999d", "99999999999999999999w", "0001-01-01", "99999-01-01"])
def test_history_since_out_of_range_is_one_line(tmp_path, since):
    result = run("history", "--state-dir", str(tmp_path), "--since", since)
    assert result.exit_code == 3 and len(result.stderr.splitlines()) == 1 and "--since" in result.stderr
    assert "Traceback" not in result.output


# --------------------------------------------------------------------------- item 7


def test_quiet_is_silent_on_an_ok_run_even_when_a_verdict_changed(sim, tmp_path):
    sd, out = tmp_path / "state", tmp_path / "changes.json"
    common = ["check", "--base-url", sim.base_url, "--tier", "luna", "--state-dir", str(sd), "--quiet", "--on-change", f"cat > {out}"]
    bad = run(*common, key="sk-sim-invalid-not-real-0000")
    assert bad.exit_code == 2 and bad.stdout.startswith("GPT56 CRITICAL - ")
    ok = run(*common)
    assert (ok.exit_code, ok.stdout, ok.stderr) == (0, "", "")
    changes = json.loads(out.read_text())["changes"]  # the change went to the hook
    assert [(c["previous"], c["current"]) for c in changes] == [("invalid_key", "ok")]
    assert transitions_from_history(state.read_history(sd))  # and to history


# --------------------------------------------------------------------------- item 8

# monitoring-plugins guidelines: 'label'=value[UOM];[warn];[crit];[min];[max], a quote in a label doubled
PERF_ITEM = re.compile(r"'((?:[^']|'')*)'=(-?[0-9.]+)(s|%|B|KB|MB|TB|c)?;[^;\s]*;[^;\s]*;[^;\s]*(?:;[^;\s]*)?")


def parse_perfdata(perf: str) -> list[str]:
    """Labels of a perfdata string, or an AssertionError when it does not parse from end to end."""
    labels, rest = [], perf.strip()
    while rest:
        found = PERF_ITEM.match(rest)
        assert found, f"perfdata does not parse at: {rest!r}"
        labels.append(found.group(1).replace("''", "'"))
        rest = rest[found.end():].lstrip(" ")
    return labels


def diag(org: str, verdict: Verdict, tier: str = "luna") -> Diagnosis:
    return Diagnosis(Target(org, f"gpt-5.6-{tier}", tier), verdict, "r", "n", latency_ms=410.0)


@pytest.mark.parametrize("org", ["it's", "a=b", "x|y", "with space", "all' = |of\nthem\t"])
def test_perfdata_labels_are_quoted_and_escaped(org):
    line = render.status_line([diag(org, Verdict.NOT_PROVISIONED), diag("org-ok", Verdict.OK, "sol")], Severity.CRITICAL, perfdata=True)
    assert "\n" not in line and line.count("|") == 1
    text, perf = line.split("|")
    assert render._plain(org) in text  # the problem still names the org, in one line without '|'
    labels = parse_perfdata(perf)
    assert len(labels) == 2 and labels[1] == "org-ok_sol_latency"
    assert "=" not in labels[0] and "|" not in labels[0] and labels[0].endswith("_luna_latency")


def test_a_hostile_org_id_cannot_break_the_nagios_line_of_a_real_run(sim, tmp_path):
    org = "o'r=g |x y"
    result = run("check", "--base-url", sim.base_url, "--org", org, "--tier", "luna", "--format", "nagios", "--state-dir", str(tmp_path))
    assert result.exit_code == 0
    [line] = result.stdout.splitlines()
    text, perf = line.split("|")
    assert text.startswith("GPT56 OK - ")
    assert parse_perfdata(perf) == ["o'r_g _x y_luna_latency"]
