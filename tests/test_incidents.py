"""The recorded incidents under tests/incidents/ replay, in CI, to the verdicts they recorded.

The regression suite grows from real cases: `check ... --record tests/incidents/NAME.toml` adds one
(tests/incidents/make_incidents.py records these from the simulator's scenario orgs).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gpt56probe.core.observation import Verdict
from gpt56probe.store.record import replay_plan
from gpt56probe.simulator import load_scenario_file
from tests.replay_harness import replay

INCIDENTS = Path(__file__).resolve().parent / "incidents"
FILES = sorted(p for p in INCIDENTS.iterdir() if p.suffix in (".toml", ".json"))


def test_there_are_incidents_and_together_they_hold_every_verdict() -> None:
    assert len(FILES) >= 5
    recorded = {v for f in FILES for v in replay_plan(load_scenario_file(f).recording or {}).verdicts.values()}
    assert recorded == {v.value for v in Verdict}
    every = replay_plan(load_scenario_file(INCIDENTS / "all-verdicts.toml").recording or {})
    assert sorted(every.verdicts.values()) == sorted(v.value for v in Verdict)  # one org per verdict


@pytest.mark.parametrize("incident", FILES, ids=[f.name for f in FILES])
def test_a_recorded_incident_replays_to_the_verdicts_it_recorded(incident: Path) -> None:
    plan, replayed, _ = replay(incident)
    assert plan.verdicts, f"{incident.name} recorded no verdicts"
    assert replayed == dict(plan.verdicts)


@pytest.mark.parametrize("incident", FILES, ids=[f.name for f in FILES])
def test_an_incident_holds_no_key(incident: Path) -> None:
    text = incident.read_text(encoding="utf-8")
    assert not re.search(r"\bsk-(?!…)[A-Za-z0-9_-]{12,}", text), "a key-shaped value in a recording"
