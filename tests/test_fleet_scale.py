"""Fleet scale (thousands of orgs in one run): what makes the cost grow in a straight line keeps every promise.

The speed itself is measured by bench/scale.py (side by side with an aiohttp script), never by a timed
test here: these tests pin the behaviour the fast paths must keep.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gpt56probe.core.gate import Gate

FAKE_KEY = "sk-test-fake-scale-0123456789abcdef"

# Pieces that the shape rules react to, and the JSON punctuation a document is made of.
PIECES = [
    "cookie", "Cookie", "set-cookie", '"', "'", ",", ":", "=", ";", " ", "  ", "\t", "{", "}", "[", "]", "a=b", "sid=xyz123",
    "token", "api_key", "password", "Authorization", "Bearer", "basic", "Token", "setx", "-u", "--api-key", "x-api-key",
    "request_id", "req_", "request id", "0123456789abcdef0123456789abcdef", "AbCdEfGh0123456789AbCdEfGh0123456789xyzQ",
    "sk-proj-abcdefghijklmnop1234", "ann@example.com", "https://user:pw@host/p", "ok", "1", "2.5", "null", "\\", "\\\"",
    FAKE_KEY, FAKE_KEY[:20], FAKE_KEY[10:], "\u241b", "\x1b[31m", "/tmp/public/path", "e",
]


def _gate() -> Gate:
    gate = Gate()
    gate.add_secret(FAKE_KEY)
    gate.add_public("/tmp/public/path")
    gate.keep_email("ann@example.com")
    return gate


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.sampled_from(PIECES), max_size=8).map("".join), min_size=1, max_size=12).map("\n".join))
def test_a_long_text_scrubbed_line_by_line_comes_out_as_if_scrubbed_whole(text: str) -> None:
    gate = _gate()
    assert gate._scrub(text, chunked_from=0) == gate._scrub(text, chunked_from=10**9)


@pytest.mark.parametrize("text", [
    '{"password"\n: "hunter2hunter2"}',
    '"Set-Cookie",\n"sid=abcdef123"',
    'Cookie",\n  "sid=abcdef123"',
    'request_id "\n0123456789abcdef0123456789abcdef',
    'x-request-id: 1,\n0123456789abcdef0123456789abcdef',
    'Authorization:\n Bearer abcdefgh12345678',
    '"token"  \n  =  "abcdefgh12345678"',
])
def test_lines_a_rule_can_match_across_are_scrubbed_together(text: str) -> None:
    gate = _gate()
    assert gate._scrub(text, chunked_from=0) == gate._scrub(text, chunked_from=10**9)


def test_a_fleet_document_is_scrubbed_line_by_line_with_every_secret_still_removed() -> None:
    gate = _gate()
    rows = [{"org": f"org-{n:04d}", "verdict": "ok", "error_message": f"Incorrect API key provided: {FAKE_KEY}",
             "headers": ["Set-Cookie", "sid=abcdef123"], "request_id": "0123456789abcdef0123456789abcdef"} for n in range(2000)]
    text = json.dumps({"results": rows}, indent=2)
    assert len(text) > 64 * 1024
    out = gate.scrub(text)
    assert FAKE_KEY not in out and FAKE_KEY[:16] not in out
    assert out == gate._scrub(text, chunked_from=10**9)
    assert len(json.loads(out)["results"]) == 2000


def test_a_not_provisioned_org_names_at_most_three_orgs_that_reach_the_model_and_counts_the_rest() -> None:
    from tests.test_classify import api_error, chat_ok, ex, obs, target

    from gpt56probe.core.classify import classify_all
    from gpt56probe.core.observation import Verdict

    nf = api_error("The model `gpt-5.6-sol` does not exist or you do not have access to it.", code="model_not_found")
    here = obs(ex(404, nf), target("org-x", key="sk-…aaaa"))
    others = [obs(ex(200, chat_ok()), target(f"org-reach-{n}", key=f"sk-…b{n:03d}")) for n in range(40)]
    d = classify_all([here, *others])[0]
    assert d.verdict is Verdict.NOT_PROVISIONED
    assert "org-reach-0, org-reach-1, org-reach-10 and 37 more can" in d.remediation


def test_classifying_a_fleet_indexes_the_peers_once_instead_of_comparing_every_pair() -> None:
    """2,000 orgs x 5 models: each observation's base facts are judged once (none per pair)."""
    from unittest import mock

    from tests.test_classify import chat_ok, ex, obs, target

    from gpt56probe.core import classify as classify_module

    observations = [obs(ex(200, chat_ok()), target(f"org-{n:04d}", key="sk-…aaaa")) for n in range(10_000)]
    with mock.patch.object(classify_module, "facts_of", wraps=classify_module.facts_of) as judged:
        diagnoses = classify_module.classify_all(observations)
    assert len(diagnoses) == 10_000 and judged.call_count == 10_000


def test_a_long_document_written_in_pieces_through_the_stream_gate_comes_out_as_if_scrubbed_whole() -> None:
    import io

    from gpt56probe.store.gated_stream import GatedStream

    gate = _gate()
    rows = [{"org": f"org-{n:04d}", "error_message": f"key {FAKE_KEY} refused", "note": "Set-Cookie" if n % 7 else "cookie",
             "h": "sid=abc123456"} for n in range(6000)]
    text = json.dumps({"results": rows}, indent=2) + "\n"
    pieces = list(gate.pieces(text, size=4096))
    assert len(pieces) > 10 and "".join(pieces) == text
    sink = io.StringIO()
    stream = GatedStream(sink, gate)
    stream.write(text)
    stream.flush(final=True)
    assert sink.getvalue() == gate._scrub(text, chunked_from=10**9)
    assert FAKE_KEY not in sink.getvalue()


# --------------------------------------------------------------------------- the fan-out and the deadline


def test_a_fleet_longer_than_the_deadline_is_cut_to_what_fits_and_the_rest_is_unknown(tmp_path) -> None:
    """Not refused: probed and reported what fit by --deadline + 1 s; what was never sent is unknown, not timeout."""
    from tests.test_faults import cli, cli_env, run_timed

    from gpt56probe.simulator import start_simulator

    deadline = 6.0
    orgs = [a for n in range(300) for a in ("--org", f"org-fleet-{n:03d}")]
    with start_simulator(port=0, latency=0.3) as slow:
        proc, wall = run_timed(cli("check", "--base-url", slow.base_url, *orgs, "--deadline", str(deadline), "--concurrency", "8",
                                   "--format", "json", "--state-dir", str(tmp_path / "s")), env=cli_env(), timeout=60)
    assert wall < deadline + 1, wall
    results = json.loads(proc.stdout)["results"]
    verdicts = [r["verdict"] for r in results]
    assert len(results) == 1500 and "ok" in verdicts and proc.returncode == 3
    unsent = [r for r in results if r["verdict"] == "unknown"]
    assert len(unsent) > 500 and all("not probed: the run's --deadline was spent" in r["reason"] for r in unsent)


def test_a_run_starts_its_workers_and_one_watchdog_never_a_thread_per_request_or_per_org(sim) -> None:
    import threading
    from unittest import mock

    from gpt56probe.core.models import DEFAULT_TABLE
    from gpt56probe.core.observation import Target
    from gpt56probe.net.probe import HttpSettings, key_id
    from gpt56probe.net.runner import run_plan

    key = "sk-test-fake-threads-0123456789"
    targets = [Target(f"org-t-{n}", spec.id, spec.tier, key_id=key_id(key)) for n in range(20) for spec in DEFAULT_TABLE.models]
    started: list[str] = []
    real_start = threading.Thread.start

    def counting(self: threading.Thread) -> None:
        started.append(self.name)
        real_start(self)

    with mock.patch.object(threading.Thread, "start", counting):
        result = run_plan(targets, {key_id(key): key}, HttpSettings(base_url=sim.base_url), DEFAULT_TABLE, concurrency=8,
                          trust_env=False)
    assert [o.precheck for o in result.observations].count("listed") == 100  # every sample joined to its org's listing
    ours = [name for name in started if not name.endswith("(process_request_thread)")]  # not the simulator's
    assert len([name for name in ours if name.startswith("probe-")]) == 8
    assert len(ours) <= 8 + 1, ours  # the workers, and the watchdog the first time it is needed


def test_the_default_in_flight_bound_follows_the_open_file_limit() -> None:
    import resource
    from unittest import mock

    from gpt56probe.net.runner import AUTO_CONCURRENCY_CAP, FDS_KEPT, auto_concurrency

    with mock.patch.object(resource, "getrlimit", return_value=(256, 4096)):
        assert auto_concurrency() == (256 - FDS_KEPT) // 2
    with mock.patch.object(resource, "getrlimit", return_value=(1 << 20, 1 << 20)):
        assert auto_concurrency() == AUTO_CONCURRENCY_CAP


def test_the_json_document_made_result_by_result_is_the_one_built_whole(sim) -> None:
    import json as _json

    from gpt56probe.cli.check import _status_text
    from gpt56probe.core.cost import diagnosis_cost, probe_cost
    from gpt56probe.core.models import DEFAULT_TABLE
    from gpt56probe.core.vantage import annotate
    from gpt56probe.net.checkrun import CheckRequest, OrgCredential, perform_check
    from gpt56probe.net.netenv import gather_vantage
    from gpt56probe.views import render

    creds = [OrgCredential(org, "sk-test-fake-json-0123456789") for org in ("org-sim-approved", "org-sim-unprovisioned", "org-j-1")]
    outcome = perform_check(CheckRequest(orgs=creds, models=DEFAULT_TABLE.models, table=DEFAULT_TABLE, base_url=sim.base_url,
                                         trust_env=False, vantage=gather_vantage("bench-vm", sim.base_url, None)))
    spent = probe_cost(outcome.diagnoses, outcome.table)
    whole = render.check_doc(outcome.diagnoses, outcome.severity, outcome.checked_at, expected=outcome.expected_tiers,
                             extra_summary={"probe_cost_usd": round(spent.total_usd, 8)},
                             cost_of=lambda d: diagnosis_cost(d, outcome.table))
    expected = _json.dumps(annotate(whole, outcome.vantage), indent=2, sort_keys=False)
    assert "".join(_status_text(outcome, "json") or ()) == expected


# --------------------------------------------------------------------------- memory: what a fleet's run holds


def test_workers_are_added_only_while_they_all_wait_on_the_network_and_the_cpu_is_not_full() -> None:
    from gpt56probe.net import runner

    added: list[int] = []
    load = {"running": 64, "busy": 64, "waiting": 1000}
    cpu = iter([0.0, 0.01, 0.02, 0.60, 0.61, 0.62, 0.63, 0.64, 0.65])  # process CPU seconds at each tick
    wall = iter([0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8])
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(runner.time, "process_time", lambda: next(cpu))
        mp.setattr(runner.time, "monotonic", lambda: next(wall))
        growth = runner.WorkerGrowth(512, lambda n: (added.append(n), load.__setitem__("running", load["running"] + n), n)[-1],
                                     lambda: (load["running"], load["busy"], load["waiting"]))
        growth.tick()  # 10 % of a CPU, every worker busy, work waiting: double
        assert added == [64]
        load["busy"] = load["running"]
        growth.tick()  # still waiting on the network: double again
        assert added == [64, 128]
        load["busy"] = load["running"]
        growth.tick()  # the client's own work filled a core (5.8 s of CPU a second): no more threads
        assert added == [64, 128]
        load["busy"] = load["running"] - 1
        growth.tick()  # an idle worker: no more threads
        load["busy"], load["waiting"] = load["running"], 0
        growth.tick()  # nothing waiting: no more threads
        assert added == [64, 128] and load["running"] == 256
        load["waiting"] = 1000
        growth.tick()
        growth.tick()
        assert load["running"] == 512 and added == [64, 128, 256]  # never past the bound
        growth.tick()
        assert load["running"] == 512


def test_a_run_whose_workers_all_wait_on_a_slow_server_adds_workers_up_to_its_bound() -> None:
    """Through run_plan against the simulator at 300 ms: the first workers all wait on the network, so the run adds
    workers (never past --concurrency) instead of sending 600 requests 64 at a time. (How few threads a fast server
    needs is the CPU's to say: bench/scale.py measures it.)"""
    import threading
    from unittest import mock

    from gpt56probe.core.models import DEFAULT_TABLE
    from gpt56probe.core.observation import Target
    from gpt56probe.net.probe import HttpSettings, key_id
    from gpt56probe.net.runner import FIRST_WORKERS, run_plan
    from gpt56probe.simulator import start_simulator

    key = "sk-test-fake-growth-0123456789"
    targets = [Target(f"org-g-{n:03d}", spec.id, spec.tier, key_id=key_id(key)) for n in range(120) for spec in DEFAULT_TABLE.models]
    started: dict[float, list[str]] = {}
    real_start = threading.Thread.start
    for latency in (0.3,):
        names: list[str] = []

        def counting(self: threading.Thread, names: list[str] = names) -> None:
            names.append(self.name)
            real_start(self)

        with start_simulator(port=0, latency=latency) as slow, mock.patch.object(threading.Thread, "start", counting):
            result = run_plan(targets, {key_id(key): key}, HttpSettings(base_url=slow.base_url), DEFAULT_TABLE, concurrency=400,
                              trust_env=False)
        assert [o.sample.status for o in result.observations if o.sample] == [200] * 600
        started[latency] = [n for n in names if n.startswith("probe-")]
    assert FIRST_WORKERS < len(started[0.3]) <= 400


def test_an_answer_keeps_only_the_headers_a_verdict_a_gateway_name_or_a_ticket_reads(sim) -> None:
    from gpt56probe.core.models import DEFAULT_TABLE
    from gpt56probe.core.observation import RECORDED_HEADERS, is_recorded_header
    from gpt56probe.net.checkrun import CheckRequest, OrgCredential, perform_check

    outcome = perform_check(CheckRequest(orgs=[OrgCredential("org-sim-approved", FAKE_KEY)], models=DEFAULT_TABLE.models[:1],
                                         table=DEFAULT_TABLE, base_url=sim.base_url, trust_env=False))
    observation = outcome.observations[0]
    kept = dict(observation.sample.headers)
    assert "x-request-id" in kept and "content-type" in kept and any(k.startswith("x-ratelimit-") for k in kept)
    assert all(is_recorded_header(name) for name in kept), kept  # no date, cf-ray, content-length
    assert "server" in RECORDED_HEADERS  # a proxy named only by its Server header is named again on replay
    assert observation.attempt_log[-1].headers is observation.sample.headers  # shared, never a second copy


def test_a_judged_outcome_drops_the_raw_answers_and_keeps_every_verdict_and_transport_failure(sim) -> None:
    from gpt56probe.core.models import DEFAULT_TABLE
    from gpt56probe.net.checkrun import CheckRequest, OrgCredential, perform_check
    from gpt56probe.views.summary import transport_cause

    outcome = perform_check(CheckRequest(orgs=[OrgCredential(o, FAKE_KEY) for o in ("org-sim-approved", "org-sim-unprovisioned")],
                                         models=DEFAULT_TABLE.models, table=DEFAULT_TABLE, base_url=sim.base_url, trust_env=False))
    judged = outcome.judged()
    assert judged.diagnoses == outcome.diagnoses and judged.severity is outcome.severity
    assert [o.target for o in judged.observations] == [o.target for o in outcome.observations]
    assert all(o.final is not None and o.final.body == "" and not o.final.headers and not o.attempt_log and o.listing is None
               for o in judged.observations)
    assert [(o.final.status, o.final.failure) for o in judged.observations] == \
        [(o.final.status, o.final.failure) for o in outcome.observations]
    assert transport_cause(judged.observations) == transport_cause(outcome.observations)
    with __import__("gpt56probe.simulator", fromlist=["x"]).start_simulator(port=0) as gone:
        dead = gone.base_url
    refused = perform_check(CheckRequest(orgs=[OrgCredential("org-x", FAKE_KEY)], models=DEFAULT_TABLE.models[:2], table=DEFAULT_TABLE,
                                         base_url=dead, trust_env=False, timeout_s=2, deadline_s=5))
    assert transport_cause(refused.judged().observations) == transport_cause(refused.observations) is not None


def test_a_machine_that_will_not_start_another_thread_keeps_the_run_going_on_the_workers_it_has() -> None:
    """Growth hits "can't start new thread" (a ulimit -u, a container's pids limit): the run finishes every probe
    on the workers already started, instead of failing after probes were sent."""
    import threading
    from unittest import mock

    from gpt56probe.core.models import DEFAULT_TABLE
    from gpt56probe.core.observation import Target
    from gpt56probe.net.probe import HttpSettings, key_id
    from gpt56probe.net.runner import FIRST_WORKERS, run_plan
    from gpt56probe.simulator import start_simulator

    key = "sk-test-fake-nothread-0123456789"
    targets = [Target(f"org-n-{n:03d}", spec.id, spec.tier, key_id=key_id(key)) for n in range(60) for spec in DEFAULT_TABLE.models]
    real_start = threading.Thread.start
    probes = [0]

    def limited(self: threading.Thread) -> None:
        if self.name.startswith("probe-"):
            probes[0] += 1
            if probes[0] > FIRST_WORKERS:
                raise RuntimeError("can't start new thread")
        real_start(self)

    with start_simulator(port=0, latency=0.3) as slow, mock.patch.object(threading.Thread, "start", limited):
        result = run_plan(targets, {key_id(key): key}, HttpSettings(base_url=slow.base_url), DEFAULT_TABLE, concurrency=400,
                          trust_env=False, deadline_s=30)
    assert probes[0] == FIRST_WORKERS + 1  # one refused start, then no more tries
    assert [o.sample.status for o in result.observations if o.sample] == [200] * 300


def test_the_raw_answers_are_freed_as_soon_as_a_judged_outcome_replaces_them(sim) -> None:
    """By reference counting, at once: nothing of the run (its workers' closures, the pool) holds them in a cycle
    that would keep a fleet's answers alive until the cyclic collector happened to run."""
    import gc
    import weakref

    from gpt56probe.core.models import DEFAULT_TABLE
    from gpt56probe.net.checkrun import CheckRequest, OrgCredential, perform_check

    gc.disable()
    try:
        outcome = perform_check(CheckRequest(orgs=[OrgCredential(f"org-free-{n}", FAKE_KEY) for n in range(3)],
                                             models=DEFAULT_TABLE.models, table=DEFAULT_TABLE, base_url=sim.base_url, trust_env=False))
        raw = [weakref.ref(o) for o in outcome.observations] + [weakref.ref(o.sample) for o in outcome.observations if o.sample]
        outcome = outcome.judged()
        assert [r for r in raw if r() is not None] == []
    finally:
        gc.enable()
