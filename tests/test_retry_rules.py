"""The SDK's retry rules on the real HTTP path: `check` against simulator rules that play each one."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
from click.testing import CliRunner

from gpt56probe.cli import main
from gpt56probe.simulator import start_simulator
from tests.conftest import FAKE_KEY


@pytest.fixture
def fresh() -> Iterator[Any]:
    """A simulator of its own: the `times = 1` rules count per simulator."""
    with start_simulator(port=0) as handle:
        yield handle


def check(sim: Any, *args: str) -> tuple[Any, dict[str, Any], float]:
    started = time.monotonic()
    result = CliRunner().invoke(main, ["check", "--base-url", sim.base_url, "--format", "json", "--timeout", "5", *args],
                                env={"OPENAI_API_KEY": FAKE_KEY}, catch_exceptions=False)
    return result, json.loads(result.stdout), time.monotonic() - started


def sampling_times(sim: Any, model: str) -> list[float]:
    return [r.time for r in sim.requests if r.method == "POST" and isinstance(r.json, dict) and r.json.get("model") == model]


def test_each_server_directed_retry_is_obeyed_then_the_model_answers(fresh):
    result, doc, wall = check(fresh, "--org", "org-sim-retry", "--deadline", "20")
    by_model = {r["model"]: r for r in doc["results"]}
    for model in ("gpt-5.6-sol", "gpt-5.6-terra", "gpt-5.6-luna", "gpt-5.5"):
        assert by_model[model]["verdict"] == "ok" and by_model[model]["attempts"] == 2, by_model[model]
    sol = sampling_times(fresh, "gpt-5.6-sol")
    assert 0.25 <= sol[1] - sol[0] < 5, "retry-after-ms 300 wins over retry-after 30"
    luna = sampling_times(fresh, "gpt-5.6-luna")
    assert 0.3 <= luna[1] - luna[0] < 3, "a 409 without a wait backs off 0.375-0.5 s"
    assert result.exit_code == 0 and wall < 10


def test_x_should_retry_false_is_not_retried(fresh):
    result, doc, _ = check(fresh, "--org", "org-sim-noretry", "--tier", "sol", "--deadline", "20")
    [r] = doc["results"]
    assert (r["verdict"], r["http_status"], r["attempts"]) == ("server_error", 503, 1)
    assert len(sampling_times(fresh, "gpt-5.6-sol")) == 1


def test_a_billing_429_is_not_retried_on_the_wire(sim):
    _, doc, _ = check(sim, "--org", "org-sim-quota", "--tier", "luna", "--deadline", "20")
    assert [(r["verdict"], r["attempts"]) for r in doc["results"]] == [("quota_exhausted", 1)]


def test_retries_stay_inside_the_deadline(tmp_path: Path):
    path = tmp_path / "slow.toml"
    path.write_text('[[scenario]]\nname = "slow-down"\norg = "org-slow"\n'
                    '[[scenario.rules]]\nendpoints = "sampling"\nheaders = { "retry-after" = "4" }\n'
                    'error = { status = 429, message = "Rate limit reached for {model}", code = "rate_limit_exceeded", type = "requests" }\n')
    with start_simulator(port=0, scenarios_file=path) as sim:
        _, doc, wall = check(sim, "--org", "org-slow", "--tier", "luna", "--deadline", "3")
    [r] = doc["results"]
    assert (r["verdict"], r["attempts"]) == ("rate_limited", 1), r  # 4 s + the answer cannot fit in 3 s
    assert wall < 3 and "retry-after 4" in r["remediation"]
