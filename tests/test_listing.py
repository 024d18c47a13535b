"""One latency round: one GET /v1/models per org and key, beside the samples, and a bound per org.

Real HTTP against the loopback simulator; the simulator records when each request arrived.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Sequence

import pytest
from click.testing import CliRunner

from gpt56probe.net.checkrun import CheckRequest, OrgCredential, perform_check
from gpt56probe.cli import main
from gpt56probe.core.models import DEFAULT_TABLE
from gpt56probe.core.observation import listings_of
from gpt56probe.net.probe import PER_ORG_IN_FLIGHT
from gpt56probe.simulator import catalogue, start_simulator
from tests.conftest import FAKE_KEY

LATENCY = 0.4


def check(sim: Any, *args: str, key: str = FAKE_KEY) -> tuple[Any, dict[str, Any], float]:
    started = time.monotonic()
    result = CliRunner().invoke(main, ["check", "--base-url", sim.base_url, "--format", "json", "--timeout", "5", *args],
                                env={"OPENAI_API_KEY": key}, catch_exceptions=False)
    return result, json.loads(result.stdout), time.monotonic() - started


def most_within(times: Sequence[float], window: float) -> int:
    """The most arrivals inside any window shorter than one answer's latency: requests in flight together."""
    ordered = sorted(times)
    return max((sum(1 for u in ordered if t <= u < t + window) for t in ordered), default=0)


@pytest.fixture(scope="module")
def slow() -> Any:
    with start_simulator(port=0, latency=LATENCY) as handle:
        yield handle


def test_the_listing_travels_beside_the_samples_in_one_latency_round(slow):
    slow.clear_requests()
    result, doc, wall = check(slow, "--org", "org-bench-one", "--deadline", "20")
    assert result.exit_code == 0 and {r["verdict"] for r in doc["results"]} == {"ok"}
    sent = slow.requests
    assert [(r.method, r.path) for r in sent if r.method == "GET"] == [("GET", "/v1/models")]
    arrivals = [r.time for r in sent]
    assert max(arrivals) - min(arrivals) < LATENCY / 2, "every request left before the first answer came back"
    assert wall < 2 * LATENCY + 1.0


def test_one_listing_per_org_and_key_whatever_the_surfaces(sim):
    sim.clear_requests()
    check(sim, "--org", "org-bench-a", "--org", "org-bench-b", "--surface", "both", "--stream", "--deadline", "20")
    listings = [r for r in sim.requests if r.method == "GET"]
    assert sorted(r.headers["openai-organization"] for r in listings) == ["org-bench-a", "org-bench-b"]
    assert {r.path for r in listings} == {"/v1/models"}


def test_in_flight_requests_are_bounded_per_org_not_only_globally(slow):
    slow.clear_requests()
    result, doc, _ = check(slow, "--org", "org-bench-busy", "--org", "org-bench-quiet", "--tier", "sol", "--surface", "both",
                           "--stream", "--model", "gpt-5.5", "--model", "gpt-5.4-mini", "--model", "gpt-4o-mini",
                           "--concurrency", "64", "--deadline", "30")
    assert result.exit_code == 0, doc["summary"]
    for org in ("org-bench-busy", "org-bench-quiet"):
        times = [r.time for r in slow.requests if r.headers.get("openai-organization") == org]
        samples = [r for r in doc["results"] if r["org"] == org]
        assert len(samples) > PER_ORG_IN_FLIGHT and len(times) > len(samples)  # samples, the listing, adaptations
        assert most_within(times, LATENCY * 0.8) <= PER_ORG_IN_FLIGHT


def test_a_project_listing_that_hides_a_model_does_not_hide_the_project_refusal(sim):
    _, doc, _ = check(sim, "--org", "org-sim-project", "--tier", "sol", "--deadline", "20")
    [r] = doc["results"]
    assert (r["precheck"], r["verdict"], r["http_status"]) == ("not_listed", "project_no_access", 403), r["reason"]


def test_listed_but_refused_is_still_provisioning_pending(sim):
    _, doc, _ = check(sim, "--org", "org-sim-pending", "--tier", "terra", "--surface", "both", "--deadline", "20")
    assert [(r["precheck"], r["verdict"]) for r in doc["results"]] == [("listed", "provisioning_pending")] * 2


def test_the_observations_carry_each_org_s_full_model_list(sim):
    request = CheckRequest(orgs=[OrgCredential("org-sim-approved", FAKE_KEY), OrgCredential("org-sim-unprovisioned", FAKE_KEY)],
                           models=DEFAULT_TABLE.models, table=DEFAULT_TABLE, base_url=sim.base_url, timeout_s=5.0,
                           deadline_s=20.0, trust_env=False)
    outcome = perform_check(request)
    listings = {listing.org: listing for listing in listings_of(outcome.observations)}
    assert set(listings) == {"org-sim-approved", "org-sim-unprovisioned"}
    assert listings["org-sim-approved"].ids == catalogue()
    assert listings["org-sim-unprovisioned"].ids == tuple(i for i in catalogue() if not i.startswith("gpt-5.6-"))
    assert all(o.listing is listings[o.target.org] for o in outcome.observations)


def test_a_listing_that_hangs_does_not_hold_the_samples_past_the_deadline(tmp_path: Path):
    path = tmp_path / "slow-list.toml"
    path.write_text('[[scenario]]\nname = "slow-list"\norg = "org-slow-list"\n'
                    '[[scenario.rules]]\nendpoints = "models.list"\nfault = "delay"\n')
    with start_simulator(port=0, scenarios_file=path, fault_delay=30) as sim:
        result, doc, wall = check(sim, "--org", "org-slow-list", "--tier", "luna", "--deadline", "3", "--timeout", "10")
    [r] = doc["results"]
    assert (r["verdict"], r["precheck"]) == ("ok", "error"), r
    assert wall < 6
