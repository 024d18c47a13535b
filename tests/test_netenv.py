"""netenv: proxy settings and VPN-like interfaces, from given inputs (no OS state needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gpt56probe.net import netenv

API = "https://api.openai.com/v1"


@pytest.mark.parametrize("raw, expected", [
    ("http://bob:hunter2@proxy.corp:3128", "proxy.corp:3128"),
    ("http://proxy.corp:3128/", "proxy.corp:3128"),
    ("proxy.corp:8080", "proxy.corp:8080"),
    ("socks5h://u:p@10.0.0.1:1080", "10.0.0.1:1080"),
    ("http://[::1]:3128", "[::1]:3128"),
    ("http://proxy.corp", "proxy.corp"),
    ("", ""),
    ("http://host:notaport", "(unparseable proxy setting)"),
])
def test_sanitize_proxy_keeps_host_and_port_only(raw: str, expected: str) -> None:
    assert netenv.sanitize_proxy(raw) == expected


def test_proxy_status_from_environment_strips_credentials() -> None:
    status = netenv.proxy_status(API, environ={"HTTPS_PROXY": "http://bob:hunter2@proxy.corp:3128", "PATH": "/bin"})
    assert status.applies == "proxy.corp:3128"
    assert status.configured == {"https": "proxy.corp:3128"}
    assert "hunter2" not in repr(status) and "bob" not in repr(status)


def test_lower_case_wins_and_only_the_scheme_of_the_url_applies() -> None:
    env = {"HTTPS_PROXY": "http://upper:1", "https_proxy": "http://lower:2", "http_proxy": "http://plain:3"}
    status = netenv.proxy_status(API, environ=env)
    assert status.applies == "lower:2"
    assert netenv.proxy_status("http://example.test/v1", environ=env).applies == "plain:3"


def test_all_proxy_applies_when_no_scheme_proxy() -> None:
    assert netenv.proxy_status(API, environ={"ALL_PROXY": "socks5://s:1080"}).applies == "s:1080"


def test_http_proxy_only_does_not_apply_to_https() -> None:
    status = netenv.proxy_status(API, environ={"HTTP_PROXY": "http://p:3128"})
    assert status.applies is None and status.configured == {"http": "p:3128"}
    assert "not for the API URL" in netenv.describe(netenv.NetEnv(status, ()))


@pytest.mark.parametrize("no_proxy", ["api.openai.com", ".openai.com", "openai.com", "*", "localhost, openai.com"])
def test_no_proxy_bypass(no_proxy: str) -> None:
    status = netenv.proxy_status(API, environ={"HTTPS_PROXY": "http://p:3128", "NO_PROXY": no_proxy})
    assert status.bypassed and status.applies is None
    assert "bypassed" in netenv.describe(netenv.NetEnv(status, ()))


def test_no_proxy_other_host_does_not_bypass() -> None:
    status = netenv.proxy_status(API, environ={"HTTPS_PROXY": "http://p:3128", "NO_PROXY": "example.com,notopenai.com"})
    assert status.applies == "p:3128"


def test_cgi_ignores_upper_http_proxy() -> None:
    status = netenv.proxy_status("http://x.test/", environ={"HTTP_PROXY": "http://evil:1", "REQUEST_METHOD": "GET"})
    assert status.applies is None


def test_explicit_proxy_wins() -> None:
    status = netenv.proxy_status(API, environ={"HTTPS_PROXY": "http://env:1"}, explicit="http://u:pw@flag:9")
    assert status.applies == "flag:9" and status.source == "--proxy"
    assert "from --proxy" in netenv.describe(netenv.NetEnv(status, ()))


def test_os_default_does_not_crash() -> None:
    env = netenv.gather(API)
    assert isinstance(netenv.describe(env), str)


def _sysfs(tmp_path: Path, states: dict[str, str]) -> Path:
    for name, state in states.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "operstate").write_text(state + "\n")
    (tmp_path / "broken").mkdir()  # no operstate file
    return tmp_path


def test_interfaces_up_reads_operstate(tmp_path: Path) -> None:
    base = _sysfs(tmp_path, {"eth0": "up", "lo": "unknown", "wg0": "unknown", "tun1": "down", "tailscale0": "up"})
    assert netenv.interfaces_up(base) == ["eth0", "lo", "tailscale0", "wg0"]
    assert netenv.interfaces_up(base, names=["wg0", "tun1"]) == ["wg0"]


def test_interfaces_without_sysfs_fall_back(tmp_path: Path) -> None:
    assert netenv.interfaces_up(tmp_path / "missing", names=["eth0"]) == ["eth0"]
    assert isinstance(netenv.interfaces_up(tmp_path / "missing"), list)


def test_vpn_interfaces_by_prefix() -> None:
    names = ["eth0", "lo", "tun0", "tap1", "wg0", "utun3", "ppp0", "tailscale0", "zt12345", "nordlynx", "proton0",
             "ipsec0", "wlan0", "docker0", "enp3s0"]
    assert netenv.vpn_interfaces(names) == ["tun0", "tap1", "wg0", "utun3", "ppp0", "tailscale0", "zt12345",
                                            "nordlynx", "proton0", "ipsec0"]


def test_describe_relates_the_verdict() -> None:
    env = netenv.gather(API, verdict="region_vpn", environ={}, interfaces=["wg0", "eth0"])
    line = netenv.describe(env)
    assert env.verdict_points_at_network
    assert "no proxy" in line and "wg0" in line and "region or network edge" in line and "disconnect" in line
    other = netenv.describe(netenv.gather(API, verdict="not_provisioned", environ={}, interfaces=[]))
    assert "does not point at region" in other and "no VPN-like interface up" in other
    assert "network path" in netenv.describe(netenv.gather(API, verdict="network_error", environ={}, interfaces=[]))
    assert "no verdict" in netenv.describe(netenv.gather(API, environ={}, interfaces=[]))
