"""Hermetic tests: no user home, no real keyring, no key env vars, only loopback sockets."""

from __future__ import annotations

import ipaddress
import socket
from typing import Any, Iterator

import pytest

KEY_ENV_VARS = (
    "OPENAI_API_KEY", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID", "OPENAI_BASE_URL",
    "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy", "NO_PROXY", "no_proxy",
    "GPT56PROBE_NO_KEYRING", "PYTHON_KEYRING_BACKEND",
    "GPT56PROBE_MODEL_SOL", "GPT56PROBE_MODEL_TERRA", "GPT56PROBE_MODEL_LUNA",
)

SCREEN_ENV_VARS = ("COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE")
"""The user's terminal settings: a test that means a width or colour sets it itself, so the suite reads the same
in a shell that exports COLUMNS=80 as in CI."""

FAKE_KEY = "sk-test-fake-key-not-real-0000"
SIM_ENDPOINT = "127.0.0.1"
"""The endpoint (base URL host) every run against the loopback simulator is kept under."""


def sim_state(state_dir: Any) -> Any:
    """Where a check against the simulator keeps its history and state inside ``state_dir`` (history is kept per endpoint)."""
    from pathlib import Path

    from gpt56probe.store.state import endpoint_dir

    folder = endpoint_dir(Path(state_dir), SIM_ENDPOINT)
    try:
        folder.mkdir(parents=True, exist_ok=True)  # tests write files there before a run does
    except OSError:
        pass
    return folder


@pytest.fixture(autouse=True)
def hermetic_environment(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point the user dir at tmp_path, clear credentials, use an in-memory keyring, and start
    each test with an output gate that knows nothing (as a fresh process does)."""
    from gpt56probe.core.gate import GATE

    GATE.forget()
    for name in (*KEY_ENV_VARS, *SCREEN_ENV_VARS):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GPT56PROBE_HOME", str(tmp_path / "gpt56probe-home"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    try:
        import keyring

        from tests.memory_keyring import MemoryKeyring

        previous = keyring.get_keyring()
        keyring.set_keyring(MemoryKeyring())
        yield
        keyring.set_keyring(previous)
    except ImportError:
        yield


_real_connect = socket.socket.connect


def _loopback_only_connect(self: socket.socket, address: Any) -> Any:
    host = address[0] if isinstance(address, tuple) else None
    if host is not None and self.family in (socket.AF_INET, socket.AF_INET6):
        try:
            ip = ipaddress.ip_address(host.split("%")[0])
        except ValueError:
            ip = None
        if ip is None or not ip.is_loopback:
            raise ConnectionRefusedError(f"tests may only connect to loopback, not {host}")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _loopback_only_connect)


@pytest.fixture(scope="session")
def sim() -> Iterator[Any]:
    """One simulator for the session, with short delays so the suite stays fast."""
    from gpt56probe.simulator import start_simulator

    with start_simulator(port=0, safety_delay=0.6, fault_delay=5.0) as handle:
        yield handle
