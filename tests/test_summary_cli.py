"""The summary from the real CLI: one cause when the network is down, the old table on request."""

from __future__ import annotations

from typing import Any

from click.testing import CliRunner

from gpt56probe.cli import main
from tests.conftest import FAKE_KEY


def run(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(main, ["check", "--no-keyring", *args], env={"OPENAI_API_KEY": FAKE_KEY, "COLUMNS": "80", **(env or {})},
                              catch_exceptions=False)


def test_every_probe_refused_is_said_once_not_as_ten_rows(tmp_path: Any) -> None:
    result = run("--org", "org-a", "--org", "org-b", "--base-url", "http://127.0.0.1:9/v1", "--state-dir", str(tmp_path))
    assert result.exit_code == 3
    out = result.stdout
    assert out.startswith("network: all 10 probe(s) (2 org(s) x 5 model(s)) failed the same way")
    assert "host      127.0.0.1 port 9" in out and "refused: nothing accepts connections" in out
    assert "Connection refused" in out and "proxy     none" in out
    assert out.count("next ") == 1 and "org-a " not in out.split("GPT56")[0]
    assert max(len(line) for line in out.splitlines()) <= 80


def test_a_dead_proxy_is_the_cause_and_is_named_without_its_password(tmp_path: Any) -> None:
    result = run("--org", "org-a", "--tier", "sol", "--state-dir", str(tmp_path),
                 env={"HTTPS_PROXY": "http://proxyuser:Sup3rSecretPw@127.0.0.1:9"})
    out = result.stdout
    assert "proxy: the proxy refused or failed the connection" in out
    assert "proxy     127.0.0.1:9 (from HTTPS_PROXY/ALL_PROXY or the system settings)" in out
    assert "Sup3rSecretPw" not in result.output
    explicit = run("--org", "org-a", "--tier", "sol", "--proxy", "http://127.0.0.1:9", "--state-dir", str(tmp_path))
    assert "127.0.0.1:9 (from --proxy)" in explicit.stdout


def test_some_probes_failing_on_the_network_is_a_problem_in_the_matrix(sim: Any, tmp_path: Any) -> None:
    result = run("--org", "org-sim-approved", "--org", "org-sim-fault-reset", "--tier", "luna", "--base-url", sim.base_url,
                 "--state-dir", str(tmp_path), "--details")
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["org", "luna"]
    assert lines[1].split() == ["org-sim-approved", "ok"] and lines[2].split() == ["org-sim-fault-reset", "network"]
    assert any(line.startswith("network (network_error): ") for line in lines)


def test_format_table_is_still_the_per_probe_table(sim: Any, tmp_path: Any) -> None:
    # as wide as it is in a pipe with no COLUMNS (at 80 columns its rows would be shown as records)
    result = run("--org", "org-sim-pending", "--tier", "sol", "--base-url", sim.base_url, "--format", "table", "--state-dir", str(tmp_path),
                 env={"COLUMNS": ""})
    header = result.stdout.splitlines()[0].split()
    assert header == ["org", "tier", "model", "verdict", "http", "latency", "request", "id", "next", "step"]
    assert "provisioning_pending  403" in result.stdout
