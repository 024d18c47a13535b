"""An org's verdict is its own answers': the same alone and in any company (real CLI, real HTTP, the simulator).

What other orgs show goes into the next step only; history, metrics and the exit status carry the
org's own verdict, so a run with more orgs never records a change nothing at OpenAI made.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from click.testing import CliRunner

from gpt56probe.cli import main
from gpt56probe.simulator.demo import DEMO_ORGS
from tests.conftest import FAKE_KEY


def check(sim, orgs, *extra, state_dir=None):
    args = ["check", "--base-url", sim.base_url, "--format", "json", "--timeout", "3", "--deadline", "30"]
    for org in orgs:
        args += ["--org", org]
    if state_dir is not None:
        args += ["--state-dir", str(state_dir)]
    result = CliRunner().invoke(main, [*args, *extra], env={"OPENAI_API_KEY": FAKE_KEY}, catch_exceptions=False)
    doc = json.loads(result.stdout)
    return result.exit_code, {(r["org"], r["model"]): r for r in doc["results"]}


def combinations():
    """All demo orgs together, each with the approved org (the case that turned not_provisioned into wrong_org),
    and seeded random subsets."""
    rng = random.Random(22)
    combos = [list(DEMO_ORGS), ["org-sim-approved", "org-sim-dated"], ["org-sim-approved", "org-sim-unprovisioned"],
              ["org-sim-dated", "org-sim-unprovisioned", "org-sim-approved", "org-sim-project"]]
    for _ in range(4):
        combos.append(rng.sample(list(DEMO_ORGS), rng.randint(2, len(DEMO_ORGS) - 1)))
    return combos


def test_each_demo_org_gets_the_same_verdicts_alone_and_in_every_combination(sim, tmp_path: Path) -> None:
    state_dir = tmp_path / "state"
    alone = {}
    alone_exit = {}
    for org in DEMO_ORGS:
        code, rows = check(sim, [org], state_dir=state_dir)
        alone.update({key: row["verdict"] for key, row in rows.items()})
        alone_exit[org] = code
    assert alone[("org-sim-dated", "gpt-5.6-sol")] == "not_provisioned"
    assert alone[("org-sim-foreign", "gpt-5.6-sol")] == "wrong_org"  # its own answer says so
    for combo in combinations():
        _, rows = check(sim, combo, state_dir=state_dir)
        assert {key: row["verdict"] for key, row in rows.items()} == {k: v for k, v in alone.items() if k[0] in combo}, combo
    for combo in (["org-sim-approved", "org-sim-dated"], ["org-sim-approved", "org-sim-unprovisioned"]):
        _, rows = check(sim, combo, "--tier", "sol", state_dir=state_dir)
        assert {key: row["verdict"] for key, row in rows.items()} == {k: v for k, v in alone.items() if k[0] in combo and k[1] in
                                                                    {key[1] for key in rows}}
    # history recorded every run: not one verdict change, because nothing changed at the (simulated) API
    result = CliRunner().invoke(main, ["history", "--state-dir", str(state_dir), "--endpoint", sim.base_url, "--format", "json"],
                                catch_exceptions=False)
    assert json.loads(result.stdout) == []
    # a one-org run's exit status is the org's alone, whoever else was checked before
    for org in ("org-sim-dated", "org-sim-unprovisioned", "org-sim-approved"):
        assert check(sim, [org])[0] == alone_exit[org]


def test_in_company_the_dated_org_keeps_its_id_hint_and_the_peer_goes_into_the_next_step(sim) -> None:
    _, alone = check(sim, ["org-sim-dated"], "--tier", "sol")
    _, together = check(sim, ["org-sim-approved", "org-sim-dated"], "--tier", "sol")
    dated = together[("org-sim-dated", "gpt-5.6-sol")]
    assert dated["verdict"] == "not_provisioned"
    assert '[models.sol] id = "gpt-5.6-sol-2026-06-26"' in dated["remediation"]
    assert dated["remediation"] == alone[("org-sim-dated", "gpt-5.6-sol")]["remediation"]
    _, pair = check(sim, ["org-sim-approved", "org-sim-unprovisioned"], "--tier", "sol")
    unprovisioned = pair[("org-sim-unprovisioned", "gpt-5.6-sol")]
    assert unprovisioned["verdict"] == "not_provisioned"
    assert "the same key reaches it through org-sim-approved" in unprovisioned["remediation"]
    assert "--org org-sim-approved" in unprovisioned["remediation"]


def test_the_classifier_peer_pass_is_linear_in_the_observations() -> None:
    """The peers are aggregated once per run (an index per model and per org), not compared pairwise."""
    from gpt56probe.core import classify as classify_module
    from gpt56probe.core.observation import Exchange, Observation, Target

    calls = 0
    real = classify_module.facts_of

    def counting(observation):
        nonlocal calls
        calls += 1
        return real(observation)

    body = json.dumps({"choices": [{"message": {"content": "ok"}, "finish_reason": "stop"}]})
    items = [Observation(Target(f"org-{i}", "gpt-5.6-sol", "sol"), "listed", None, Exchange(200, {}, body), 1) for i in range(400)]
    classify_module.facts_of = counting
    try:
        classify_module.classify_all(items)
    finally:
        classify_module.facts_of = real
    assert calls == len(items)
