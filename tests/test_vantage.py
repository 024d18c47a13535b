"""Vantage points: every result says where it was made, with the facts that explain a network verdict."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from gpt56probe.store import state
from gpt56probe.cli import main
from gpt56probe.core.vantage import Vantage, VantageError, annotate, check_name, from_dict
from gpt56probe.net.netenv import gather_vantage
from tests.conftest import FAKE_KEY, sim_state


def test_the_proxy_in_use_is_named_by_its_host_and_port_never_its_userinfo() -> None:
    env = {"HTTPS_PROXY": "http://alice:Pr0xyPassw0rd@squid.corp.example:3128", "NO_PROXY": "localhost,.internal"}
    v = gather_vantage("eu-office", "https://api.openai.com/v1", environ=env, interfaces=["eth0", "wg0"])
    assert (v.name, v.base_url_host, v.proxy, v.proxy_source) == ("eu-office", "api.openai.com", "squid.corp.example:3128", "environment")
    assert v.no_proxy == "localhost,.internal" and v.vpn == ("wg0",) and not v.proxy_bypassed
    shown = json.dumps(v.to_dict()) + v.describe()
    assert "Pr0xyPassw0rd" not in shown and "alice" not in shown
    assert v.describe() == "eu-office: api.openai.com via proxy squid.corp.example:3128 (environment); NO_PROXY=localhost,.internal; VPN wg0"


def test_no_proxy_that_exempts_the_api_host_is_said_and_an_explicit_proxy_wins() -> None:
    env = {"https_proxy": "http://squid:3128", "no_proxy": "api.openai.com"}
    bypassed = gather_vantage("a", "https://api.openai.com/v1", environ=env, interfaces=[])
    assert bypassed.proxy is None and bypassed.proxy_bypassed and "NO_PROXY exempts" in bypassed.describe()
    explicit = gather_vantage("a", "https://api.openai.com/v1", "http://u:p@gw.example:8080", environ=env, interfaces=[])
    assert (explicit.proxy, explicit.proxy_source) == ("gw.example:8080", "--proxy")
    demo = gather_vantage("a", "http://127.0.0.1:9/v1", trust_env=False, environ=env, interfaces=[])
    assert demo.proxy is None and demo.no_proxy == ""


def test_the_default_vantage_is_the_host_name() -> None:
    import socket

    assert gather_vantage(None, "https://api.openai.com/v1", environ={}, interfaces=[]).name == (socket.gethostname().strip() or "unknown-host")


@pytest.mark.parametrize("name, problem", [("", "empty"), ("  ", "empty"), ("eu\x1b[2Joffice", "printable"),
                                           ("a\nb", "printable"), ("x" * 65, "at most 64")])
def test_a_vantage_name_that_cannot_be_a_label_is_refused(name: str, problem: str) -> None:
    with pytest.raises(VantageError, match=problem):
        check_name(name)


def test_a_document_without_a_vantage_object_still_gives_one() -> None:
    assert from_dict("us-ci") == Vantage("us-ci")
    assert from_dict(None, "eu.json") == Vantage("eu.json") and from_dict(None) is None
    assert from_dict({"name": 3, "proxy": 7, "vpn_interfaces": ["wg0", 1]}, "f").vpn == ("wg0",)
    doc = annotate({"results": [{"org": "a"}, "not a result"]}, Vantage("eu"))
    assert doc["results"][0]["vantage"] == "eu" and doc["vantage"]["name"] == "eu"


def run(args: list[str], env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(main, args, env={"OPENAI_API_KEY": FAKE_KEY, **(env or {})}, catch_exceptions=False)


def test_every_result_history_row_and_metric_carries_the_vantage(sim: Any, tmp_path: Path) -> None:
    prom = tmp_path / "g.prom"
    env = {"HTTP_PROXY": "http://bob:S3cretProxyPw@proxy.invalid:3128", "NO_PROXY": "127.0.0.1"}
    result = run(["check", "--base-url", sim.base_url, "--org", "org-sim-region", "--org", "org-sim-approved", "--tier", "sol",
                  "--format", "json", "--vantage", "eu-office", "--state-dir", str(tmp_path / "st"), "--prom-file", str(prom)], env)
    assert result.exit_code == 2, result.output
    doc = json.loads(result.stdout)
    assert {r["vantage"] for r in doc["results"]} == {"eu-office"}
    assert doc["vantage"] == {"name": "eu-office", "base_url_host": "127.0.0.1", "proxy": None, "proxy_source": None,
                              "proxy_bypassed": True, "no_proxy": "127.0.0.1", "vpn_interfaces": doc["vantage"]["vpn_interfaces"]}
    assert "S3cretProxyPw" not in result.output and "bob" not in result.stdout
    assert {row["vantage"] for row in state.read_history(sim_state(tmp_path / "st"))} == {"eu-office"}
    text = prom.read_text()
    assert 'gpt56probe_up{org="org-sim-region",model="gpt-5.6-sol",tier="sol",surface="chat",stream="false",vantage="eu-office",endpoint="127.0.0.1"} 0' in text
    assert 'gpt56probe_exit_status{vantage="eu-office",endpoint="127.0.0.1"} 2' in text


def test_the_vantage_comes_from_the_environment_and_a_bad_one_is_unknown(sim: Any) -> None:
    result = run(["check", "--base-url", sim.base_url, "--org", "org-sim-approved", "--tier", "sol", "--format", "json"],
                 {"GPT56PROBE_VANTAGE": "us-ci"})
    assert json.loads(result.stdout)["vantage"]["name"] == "us-ci"
    bad = run(["check", "--base-url", sim.base_url, "--vantage", "", "--format", "json"])
    assert bad.exit_code == 3 and "--vantage" in bad.stderr
    doc = json.loads(bad.stdout)
    assert doc["summary"]["status"] == "UNKNOWN" and doc["vantage"]["name"]  # still says where it ran from (the host)


def test_a_run_that_cannot_judge_names_its_vantage_in_json_and_metrics(tmp_path: Path) -> None:
    prom = tmp_path / "g.prom"
    result = CliRunner().invoke(main, ["check", "--vantage", "eu-office", "--format", "json", "--prom-file", str(prom),
                                       "--base-url", "http://127.0.0.1:9/v1", "--no-keyring"], env={})
    assert result.exit_code == 3
    assert json.loads(result.stdout)["vantage"] == {"name": "eu-office"}
    assert 'gpt56probe_exit_status{vantage="eu-office",endpoint="127.0.0.1"} 3' in prom.read_text()
    assert 'gpt56probe_unknown_runs{vantage="eu-office",endpoint="127.0.0.1"} 1' in prom.read_text()
