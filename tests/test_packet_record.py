"""support-packet --record FILE: the packet's probe recorded (or an earlier recording attached), named in the packet."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from gpt56probe.cli import main
from tests.replay_harness import replay

KEY = "sk-test-packet-record-0123456789abcdef"


def packet(*args: str) -> Any:
    return CliRunner().invoke(main, ["support-packet", "--no-input", *args], env={"OPENAI_API_KEY": KEY}, catch_exceptions=False)


def test_the_packets_probe_is_recorded_attached_and_replays_to_the_same_verdict(sim: Any, tmp_path: Path) -> None:
    record = tmp_path / "incident.toml"
    result = packet("--org", "org-sim-region", "--model", "gpt-5.6-sol", "--base-url", sim.base_url, "--format", "json",
                    "--record", str(record))
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["recording"].startswith(f"{record} (recorded ")
    assert doc["recording"].endswith(": 1 probe of 1 org: 1 region_vpn; replay: gpt56probe simulate --scenarios incident.toml)")
    assert KEY not in record.read_text() and KEY not in result.output
    _, replayed, _ = replay(record)
    assert replayed == {("org-sim-region", "gpt-5.6-sol", "chat", False): "region_vpn"}


def test_an_earlier_recording_is_attached_to_a_packet_from_history_or_codex(sim: Any, tmp_path: Path) -> None:
    incident = Path(__file__).resolve().parent / "incidents" / "region-and-edge.toml"
    result = packet("--product", "codex", "--workspace", "ws_1", "--error", "blocked", "--request-id", "req_" + "a" * 32,
                    "--record", str(incident), "--format", "markdown")
    assert result.exit_code == 0, result.output
    assert f"**Recorded incident (attached):** {incident} (recorded " in result.stdout
    assert "from incident-lab: 16 probes of 4 orgs: " in result.stdout and "region_vpn" in result.stdout


def test_a_file_that_is_not_a_recording_is_one_line_exit_3(tmp_path: Path) -> None:
    other = tmp_path / "notes.toml"
    other.write_text('[[scenario]]\nname = "x"\norg = "org-x"\n')
    result = packet("--product", "codex", "--workspace", "ws_1", "--record", str(other))
    assert result.exit_code == 3
    assert result.stderr.strip() == f"Error: --record: {other}: not a recording: no [[scenario]] with replies (write one with check --record FILE)"
    garbage = tmp_path / "g.json"
    garbage.write_bytes(b"\xff{not json")
    result = packet("--product", "codex", "--workspace", "ws_1", "--record", str(garbage))
    assert result.exit_code == 3 and "not a readable JSON file" in result.stderr
