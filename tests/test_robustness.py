"""Issue #8: every network fault gets its verdict and a clean exit, never a traceback, and fast.

Runs the real CLI (CliRunner, catch_exceptions=False) against the loopback simulator's fault orgs,
a refused port and an unresolvable host.
"""

from __future__ import annotations

import json
import socket
import time
from typing import Any, Iterator

import pytest
from click.testing import CliRunner

from gpt56probe.cli import main
from tests.conftest import FAKE_KEY

TIMEOUT_S = 1
DEADLINE_S = 8

# Per the README's exit table: WARNING 1 for degraded (timeout, server_error), CRITICAL 2 for access
# verdicts (region_vpn), UNKNOWN 3 when the network is down for every probe or the answer can't be judged.
FAULTS = {
    # org suffix: (allowed verdicts, exit code)
    "delay": ({"timeout"}, 1),          # headers later than --timeout
    "slowbody": ({"timeout"}, 1),       # body trickles: the wall-clock read budget must cut it
    "reset": ({"network_error"}, 3),    # a TCP reset is a network error, not a server error
    "html502": ({"server_error"}, 1),   # edge "Bad gateway" page
    "html403": ({"region_vpn"}, 2),     # edge "Sorry, you have been blocked" page
    "truncated": ({"unknown"}, 3),      # a 200 whose JSON is cut: not ok, shown raw
    "oversize": ({"unknown"}, 3),       # a 200 over the body cap: not ok
    "500": ({"server_error"}, 1),
}


@pytest.fixture(scope="module")
def fault_sim() -> Iterator[Any]:
    """Faults with short knobs: a 5 s header delay, a 0.1 s/byte trickle (still far over --timeout 1
    for the body as a whole), and the default 20 MiB oversize body."""
    from gpt56probe.simulator import start_simulator

    with start_simulator(port=0, fault_delay=5.0, trickle_interval=0.1) as handle:
        yield handle


_runs: dict[tuple[str, str], tuple[Any, dict[str, Any], float]] = {}


def run_check(base_url: str, org: str, fmt: str = "json") -> tuple[Any, Any, float]:
    """One `check` run, cached per (url, org, format) so several tests can look at the same run."""
    key = (base_url, org + "|" + fmt)
    if key not in _runs:
        started = time.monotonic()
        result = CliRunner().invoke(
            main,
            ["check", "--base-url", base_url, "--org", org, "--tier", "luna", "--timeout", str(TIMEOUT_S),
             "--deadline", str(DEADLINE_S), "--format", fmt],
            env={"OPENAI_API_KEY": FAKE_KEY}, catch_exceptions=False,
        )
        _runs[key] = (result, json.loads(result.stdout) if fmt == "json" else None, time.monotonic() - started)
    return _runs[key]


def assert_clean(result: Any) -> None:
    assert "Traceback" not in result.stdout and "Traceback" not in result.stderr, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_fault_gets_its_verdict_and_a_clean_exit(fault_sim, fault):
    verdicts, exit_code = FAULTS[fault]
    result, doc, wall = run_check(fault_sim.base_url, f"org-sim-fault-{fault}")
    assert_clean(result)
    [row] = doc["results"]
    assert row["verdict"] in verdicts, row
    assert row["ok"] is False
    assert result.exit_code == exit_code == doc["summary"]["exit_code"], (row, result.stderr)


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_fault_also_renders_as_a_table_and_nagios_line(fault_sim, fault):
    if fault in ("slowbody", "delay"):
        pytest.skip("slow faults: the json run covers them")
    for fmt in ("table", "nagios"):
        result, _, _ = run_check(fault_sim.base_url, f"org-sim-fault-{fault}", fmt)
        assert_clean(result)
        assert result.exit_code == FAULTS[fault][1]
        assert result.stdout.strip()


def test_a_fast_fault_finishes_fast(fault_sim):
    for fault in ("reset", "html403", "truncated", "oversize"):
        _, _, wall = run_check(fault_sim.base_url, f"org-sim-fault-{fault}")
        assert wall < 5, (fault, wall)


def test_the_header_delay_is_cut_by_the_timeout(fault_sim):
    _, _, wall = run_check(fault_sim.base_url, "org-sim-fault-delay")
    assert wall < DEADLINE_S + 1, wall


def test_the_oversize_body_is_capped(fault_sim):
    """20 MiB on offer: the probe stops reading at its cap (1 MiB), quickly, and keeps little of it."""
    result, doc, wall = run_check(fault_sim.base_url, "org-sim-fault-oversize")
    [row] = doc["results"]
    assert row["verdict"] != "ok" and row["ok"] is False
    assert wall < 5, wall
    assert len(result.stdout) < 100_000  # nothing like the 20 MiB body reaches the output


def test_the_oversize_body_read_stops_at_the_cap(fault_sim):
    """In-process: a single exchange against the 20 MiB body reads at most the cap and says TOO_LARGE."""
    import tracemalloc

    from gpt56probe.core.observation import Failure
    from gpt56probe.net.probe import Deadline, HttpSettings, http_exchange, make_session

    settings = HttpSettings(base_url=fault_sim.base_url, timeout_s=5.0)
    tracemalloc.start()
    try:
        with make_session(pool_size=1, trust_env=False) as session:
            started = time.monotonic()
            exchange = http_exchange(session, "GET", fault_sim.base_url + "/models/gpt-5.6-luna",
                                     {"Authorization": f"Bearer {FAKE_KEY}", "OpenAI-Organization": "org-sim-fault-oversize"},
                                     None, settings, Deadline(10))
            wall = time.monotonic() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert exchange.status == 200
    assert exchange.failure is Failure.TOO_LARGE
    assert wall < 3, wall
    assert peak < 8 * settings.max_body_bytes, peak  # a few copies of the 1 MiB cap, never the 20 MiB body


def test_the_slow_body_is_cut_within_the_deadline(fault_sim):
    """Each byte arrives within --timeout, so only a wall-clock bound on the whole body can cut it."""
    result, doc, wall = run_check(fault_sim.base_url, "org-sim-fault-slowbody")
    assert doc["results"][0]["verdict"] == "timeout"
    assert wall < DEADLINE_S + 1, wall


def _closed_port() -> int:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def test_a_refused_port_is_a_network_error():
    result, doc, wall = run_check(f"http://127.0.0.1:{_closed_port()}/v1", "org-sim-approved")
    assert_clean(result)
    [row] = doc["results"]
    assert row["verdict"] == "network_error", row
    assert result.exit_code == 3  # the network is down for every probe: UNKNOWN
    assert wall < 5, wall


def test_an_unresolvable_host_is_a_network_error(monkeypatch):
    real_getaddrinfo = socket.getaddrinfo

    def fake_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(host, (str, bytes)) and (host.decode() if isinstance(host, bytes) else host).endswith(".invalid"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    result, doc, wall = run_check("http://nonexistent.invalid/v1", "org-sim-approved")
    assert_clean(result)
    [row] = doc["results"]
    assert row["verdict"] == "network_error", row
    assert result.exit_code == 3
    assert wall < 5, wall


def test_every_fault_at_once_in_one_check_is_judged_per_target(fault_sim):
    """All fast faults in one run: each org keeps its own verdict; the worst decides the exit."""
    orgs = [f"org-sim-fault-{f}" for f in ("reset", "html502", "html403", "truncated", "oversize", "500")]
    args = ["check", "--base-url", fault_sim.base_url, "--tier", "luna", "--timeout", "1", "--deadline", "8", "--format", "json"]
    for org in orgs:
        args += ["--org", org]
    result = CliRunner().invoke(main, [*args, "--org", "org-sim-approved"], env={"OPENAI_API_KEY": FAKE_KEY}, catch_exceptions=False)
    assert_clean(result)
    doc = json.loads(result.stdout)
    got = {r["org"]: r["verdict"] for r in doc["results"]}
    for fault in ("reset", "html502", "html403", "truncated", "oversize", "500"):
        assert got[f"org-sim-fault-{fault}"] in FAULTS[fault][0], got
    assert got["org-sim-approved"] == "ok"
    assert result.exit_code == 2  # region_vpn (html403) is an access verdict: CRITICAL wins
