"""Record a check and replay it, through the real CLI and the real HTTP path (tests and tests/incidents share it).

Keys go into the tests' in-memory keyring with ``auth set``, one per org, so each org is checked
with its own key exactly as recorded; a replay stores one fake key per recorded key number.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

import pytest
from click.testing import CliRunner

from gpt56probe.cli import main
from gpt56probe.store.record import ReplayPlan, replay_plan
from gpt56probe.simulator import load_scenario_file, start_simulator

Key = tuple[str | None, str, str, bool]

BADPARAM_SCENARIO = """
[[scenario]]
name = "badparam"
org = "org-inc-badparam"
description = "the API rejects a parameter the probe cannot do without"
[[scenario.rules]]
endpoints = ["sampling"]
error = { status = 400, message = "Unsupported parameter: 'messages' is not supported with this model.", param = "messages", code = "unsupported_parameter" }
"""

# org -> (its own key, the verdict of gpt-5.6-sol on plain chat): one org per verdict, 18 in all
INCIDENT_ORGS: dict[str, tuple[str, str]] = {
    "org-sim-approved": ("sk-test-rec-k01-not-a-real-key", "ok"),
    "org-sim-foreign": ("sk-test-rec-k02-not-a-real-key", "wrong_org"),
    "org-sim-unprovisioned": ("sk-test-rec-k03-not-a-real-key", "not_provisioned"),
    "org-sim-pending": ("sk-test-rec-k04-not-a-real-key", "provisioning_pending"),
    "org-sim-project": ("sk-test-rec-k05-not-a-real-key", "project_no_access"),
    "org-sim-region": ("sk-test-rec-k06-not-a-real-key", "region_vpn"),
    "org-sim-safety": ("sk-test-rec-k07-not-a-real-key", "safety_check"),
    "org-inc-badkey": ("sk-sim-invalid-k08-not-a-real-key", "invalid_key"),
    "org-inc-scopeless": ("sk-sim-nosample-k09-not-a-real-key", "key_permissions"),
    "org-inc-blocked": ("sk-sim-deactivated-k10-not-a-real-key", "account_blocked"),
    "org-sim-quota": ("sk-test-rec-k11-not-a-real-key", "quota_exhausted"),
    "org-sim-ratelimited": ("sk-test-rec-k12-not-a-real-key", "rate_limited"),
    "org-sim-unverified": ("sk-test-rec-k13-not-a-real-key", "org_not_eligible"),
    "org-inc-badparam": ("sk-test-rec-k14-not-a-real-key", "unsupported_parameter"),
    "org-sim-noretry": ("sk-test-rec-k15-not-a-real-key", "server_error"),
    "org-sim-fault-delay": ("sk-test-rec-k16-not-a-real-key", "timeout"),
    "org-sim-fault-reset": ("sk-test-rec-k17-not-a-real-key", "network_error"),
    "org-sim-fault-truncated": ("sk-test-rec-k18-not-a-real-key", "unknown"),
}


@contextmanager
def hermetic(home: Path) -> Iterator[None]:
    """What tests/conftest.py's autouse fixture does for a test, for a module-scoped fixture that runs the CLI
    before it: a home of its own, no key variables, an in-memory keyring, a gate that knows nothing."""
    import keyring

    from gpt56probe.core.gate import GATE
    from tests.conftest import KEY_ENV_VARS
    from tests.memory_keyring import MemoryKeyring

    mp = pytest.MonkeyPatch()
    previous = keyring.get_keyring()
    try:
        for name in KEY_ENV_VARS:
            mp.delenv(name, raising=False)
        mp.setenv("GPT56PROBE_HOME", str(home / "gpt56probe-home"))
        mp.setenv("HOME", str(home / "home"))
        keyring.set_keyring(MemoryKeyring())
        GATE.forget()
        yield
    finally:
        keyring.set_keyring(previous)
        mp.undo()
        GATE.forget()


def store_keys(keys: Mapping[str, str]) -> None:
    """``auth set --org ORG`` for each org, with its key on stdin."""
    for org, key in keys.items():
        result = CliRunner().invoke(main, ["auth", "set", "--org", org], input=key + "\n")
        assert result.exit_code == 0, result.output


def check(base_url: str, orgs: Sequence[str], *extra: str, env: Mapping[str, str] | None = None) -> tuple[Any, dict[str, Any]]:
    """``check --format json`` against ``base_url`` for these orgs (keys from the keyring)."""
    # The simulator runs in this process and shares its interpreter lock with the check: at the default
    # fan-out (hundreds in flight) its answers would be late for a --timeout of 1 s. What is under test
    # here is the recording and its replay, not the fan-out (bench/scale.py measures that).
    args = ["check", "--base-url", base_url, "--format", "json", "--deadline", "40", "--concurrency", "64", *extra]
    for org in orgs:
        args += ["--org", org]
    result = CliRunner().invoke(main, args, env=dict(env or {}), catch_exceptions=False)
    assert result.stdout.strip().startswith("{"), result.output
    return result, json.loads(result.stdout)


def verdicts(doc: Mapping[str, Any]) -> dict[Key, str]:
    return {(r["org"], r["model"], r["surface"], r["stream"]): r["verdict"] for r in doc["results"]}


def replay_key(number: int) -> str:
    return f"sk-test-replay-key-{number}-not-a-real-key"


def replay(recording_file: Path, *extra: str) -> tuple[ReplayPlan, dict[Key, str], Any]:
    """Play ``recording_file`` back in the simulator and check it the way it was recorded: the same orgs
    (one fake key per recorded key number), models, surfaces. Returns the plan, the replay's verdicts
    and the CLI result."""
    recording = load_scenario_file(recording_file).recording
    assert recording is not None, f"{recording_file} has no [recording] table"
    plan = replay_plan(recording)
    named = [org for org, _, _ in plan.orgs if org is not None]
    store_keys({org: replay_key(number) for org, number, _ in plan.orgs if org is not None})
    default = [number for org, number, _ in plan.orgs if org is None]
    env = {"OPENAI_API_KEY": replay_key(default[0])} if default else {}
    args = [*(["--timeout", str(plan.timeout_s)] if plan.timeout_s is not None else []), *extra,
            "--surface", plan.surface, *(["--stream"] if plan.stream else [])]
    for model in plan.models:
        args += ["--model", model]
    with start_simulator(port=0, scenarios_file=recording_file) as sim:
        result, doc = check(sim.base_url, named, *args, env=env)
    return plan, verdicts(doc), result
