"""Record the incidents under tests/incidents/ again, from the simulator's scenario orgs (and the hostile server).

    .venv/bin/python -m tests.incidents.make_incidents        # from the repository root

Each incident is one `check --record FILE` through the real CLI, with an in-memory keyring and a
home of its own (tests/replay_harness.py), never the user's. tests/test_incidents.py replays every
file here in CI and compares the verdicts with the ones the file recorded. An incident from a real
run can be added the same way: `check ... --record tests/incidents/NAME.toml`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Sequence

from gpt56probe.simulator import start_simulator
from tests.hostile_server import hostile_server
from tests.replay_harness import BADPARAM_SCENARIO, INCIDENT_ORGS, check, hermetic, store_keys

HERE = Path(__file__).resolve().parent


def _record(name: str, base_url: str, orgs: dict[str, str], *args: str, env: dict[str, str] | None = None) -> None:
    store_keys(orgs)
    _, doc = check(base_url, list(orgs), *args, "--vantage", "incident-lab", "--record", str(HERE / name), env=env)
    verdicts = sorted({r["verdict"] for r in doc["results"]})
    print(f"{name}: {len(doc['results'])} probes, {(HERE / name).stat().st_size} bytes, verdicts {', '.join(verdicts)}")


def main(argv: Sequence[str] = ()) -> None:
    with tempfile.TemporaryDirectory() as folder, hermetic(Path(folder)):
        extra = Path(folder) / "badparam.toml"
        extra.write_text(BADPARAM_SCENARIO)
        with start_simulator(port=0, scenarios_file=extra, safety_delay=0.3, fault_delay=5.0) as sim:
            # One org per verdict, all 18, Sol on chat.
            _record("all-verdicts.toml", sim.base_url, {org: key for org, (key, _) in INCIDENT_ORGS.items()},
                    "--tier", "sol", "--timeout", "1")
            # Blocked by region, by the edge (VPN/IP reputation), and the edge giving up: streamed too.
            _record("region-and-edge.toml", sim.base_url, {
                "org-sim-approved": "sk-test-inc-a1-not-a-real-key", "org-sim-region": "sk-test-inc-a2-not-a-real-key",
                "org-sim-fault-html403": "sk-test-inc-a3-not-a-real-key", "org-sim-fault-html524": "sk-test-inc-a4-not-a-real-key",
            }, "--tier", "sol", "--tier", "luna", "--stream", "--timeout", "3")
            # Retries: the waits each answer asked for, a retry storm that never ends, a 503 that says do not.
            _record("retries.toml", sim.base_url, {
                "org-sim-retry": "sk-test-inc-b1-not-a-real-key", "org-sim-flaky": "sk-test-inc-b2-not-a-real-key",
                "org-sim-ratelimited": "sk-test-inc-b3-not-a-real-key", "org-sim-noretry": "sk-test-inc-b4-not-a-real-key",
                "org-sim-stream-ratelimit": "sk-test-inc-b5-not-a-real-key",
            }, "--tier", "sol", "--tier", "luna", "--stream", "--timeout", "3")
            # No --org: the key's default org; a restricted key that may not use the Responses API. JSON.
            _record("default-org-restricted-key.json", sim.base_url, {}, "--surface", "both", "--timeout", "3",
                    env={"OPENAI_API_KEY": "sk-sim-restricted-inc-c1-not-a-real-key"})
        # A server that echoes the key everywhere: the recording holds only its fingerprint.
        with hostile_server() as (url, _):
            _record("echoed-key.toml", f"{url}/v1", {"org-echo": "sk-test-inc-d1-echoed-0123456789abcdef"},
                    "--surface", "both", "--timeout", "3")


if __name__ == "__main__":
    main()
