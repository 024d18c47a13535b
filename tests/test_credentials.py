"""The credential order: one test per rung, each asserting the headers that reached the simulator."""

from __future__ import annotations

from typing import Any

import keyring
import pytest
from click.testing import CliRunner
from keyring.backend import KeyringBackend

from gpt56probe.cli import main
from gpt56probe.store.credentials import (
    KEYRING_SERVICE,
    KeyringUnavailable,
    NoKeyError,
    fingerprint,
    keyring_get,
    keyring_set,
    resolve_key,
)

ENV_KEY = "sk-test-from-env-var-aaaa1111"
RING_KEY = "sk-test-from-keyring-bbbb2222"
DEFAULT_KEY = "sk-test-from-default-cccc3333"
ORG = "org-sim-approved"


class BrokenKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        raise RuntimeError("dbus exploded")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise RuntimeError(f"cannot store {password}")

    def delete_password(self, service: str, username: str) -> None:
        raise RuntimeError("nope")


def _run_check(sim: Any, args: list[str], monkeypatch: pytest.MonkeyPatch, env: dict[str, str] | None = None) -> tuple[Any, list[Any]]:
    before = len(sim.requests)
    runner = CliRunner()
    result = runner.invoke(main, ["check", "--base-url", sim.base_url, "--tier", "luna", "-v", *args], env=env or {})
    return result, list(sim.requests[before:])


def _assert_headers(requests: list[Any], key: str, org: str) -> None:
    assert requests, "no request reached the simulator"
    for req in requests:
        assert req.headers.get("authorization") == f"Bearer {key}"
        assert req.headers.get("openai-organization") == org


# ---------------------------------------------------------------- one test per rung, end to end


def test_rung1_api_key_env_wins(sim: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    keyring_set(ORG, RING_KEY)
    monkeypatch.setenv("MY_KEY", ENV_KEY)
    monkeypatch.setenv("OPENAI_API_KEY", DEFAULT_KEY)
    result, reqs = _run_check(sim, ["--org", ORG, "--api-key-env", "MY_KEY"], monkeypatch)
    assert result.exit_code == 0, result.output
    _assert_headers(reqs, ENV_KEY, ORG)
    assert "rung 1" in result.stderr
    for key in (ENV_KEY, RING_KEY, DEFAULT_KEY):
        assert key not in result.output


def test_rung2_keyring_entry_for_the_org(sim: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    keyring_set(ORG, RING_KEY)
    monkeypatch.setenv("OPENAI_API_KEY", DEFAULT_KEY)
    result, reqs = _run_check(sim, ["--org", ORG], monkeypatch)
    assert result.exit_code == 0, result.output
    _assert_headers(reqs, RING_KEY, ORG)
    assert "rung 2: keyring" in result.stderr
    assert RING_KEY not in result.output


def test_rung3_openai_api_key_and_org_from_env(sim: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", DEFAULT_KEY)
    monkeypatch.setenv("OPENAI_ORG_ID", ORG)
    result, reqs = _run_check(sim, [], monkeypatch)
    assert result.exit_code == 0, result.output
    _assert_headers(reqs, DEFAULT_KEY, ORG)
    assert "rung 4: env OPENAI_API_KEY" in result.stderr
    assert "rung 2 skipped: no keyring entry" in result.stderr
    assert DEFAULT_KEY not in result.output


def test_no_keyring_flag_skips_rung2(sim: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    keyring_set(ORG, RING_KEY)
    monkeypatch.setenv("OPENAI_API_KEY", DEFAULT_KEY)
    result, reqs = _run_check(sim, ["--org", ORG, "--no-keyring"], monkeypatch)
    assert result.exit_code == 0, result.output
    _assert_headers(reqs, DEFAULT_KEY, ORG)


def test_project_env_sent_as_header(sim: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", DEFAULT_KEY)
    monkeypatch.setenv("OPENAI_PROJECT_ID", "proj_abc")
    result, reqs = _run_check(sim, ["--org", ORG], monkeypatch)
    assert result.exit_code == 0, result.output
    assert reqs and all(r.headers.get("openai-project") == "proj_abc" for r in reqs)


def test_no_key_anywhere_exits_3_one_line() -> None:
    result = CliRunner().invoke(main, ["check", "--org", "org-x", "--base-url", "http://127.0.0.1:9/v1"])
    assert result.exit_code == 3
    assert "no API key for org-x" in result.output
    assert "Traceback" not in result.output


# ---------------------------------------------------------------- resolve_key in isolation


def test_order_unit() -> None:
    keyring_set("org-a", RING_KEY)
    env = {"V": ENV_KEY, "OPENAI_API_KEY": DEFAULT_KEY}
    assert resolve_key("org-a", env, api_key_env="V").rung == 1
    assert resolve_key("org-a", env).rung == 2
    assert resolve_key("org-b", env).rung == 4
    with pytest.raises(NoKeyError, match="the variable UNSET named by --api-key-env is not set"):
        resolve_key("org-a", env, api_key_env="UNSET")  # named and empty: an error, never the keyring's key
    assert resolve_key(None, env).key == DEFAULT_KEY
    with pytest.raises(NoKeyError):
        resolve_key("org-b", {})


@pytest.mark.parametrize("env", [{"GPT56PROBE_NO_KEYRING": "1"}, {"PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"},
                                 {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"},
                                 {"PYTHON_KEYRING_BACKEND": "no.such.Backend"}])
def test_keyring_skipped_by_env(env: dict[str, str]) -> None:
    keyring_set("org-a", RING_KEY)
    lines: list[str] = []
    resolved = resolve_key("org-a", {**env, "OPENAI_API_KEY": DEFAULT_KEY}, log=lines.append)
    assert resolved.rung == 4
    assert any("rung 2 skipped" in line for line in lines)


def test_broken_backend_falls_through_and_never_leaks() -> None:
    keyring.set_keyring(BrokenKeyring())
    lines: list[str] = []
    assert resolve_key("org-a", {"OPENAI_API_KEY": DEFAULT_KEY}, log=lines.append).rung == 4
    assert any("dbus exploded" in line for line in lines)
    with pytest.raises(KeyringUnavailable) as info:
        keyring_set("org-a", RING_KEY)
    assert RING_KEY not in str(info.value)
    with pytest.raises(KeyringUnavailable):
        keyring_get("org-a")


def test_fail_backend_is_unavailable() -> None:
    import keyring.backends.fail

    keyring.set_keyring(keyring.backends.fail.Keyring())
    assert resolve_key("org-a", {"OPENAI_API_KEY": DEFAULT_KEY}).rung == 4


def test_repr_and_fingerprint_hide_the_key() -> None:
    resolved = resolve_key(None, {"OPENAI_API_KEY": DEFAULT_KEY})
    assert DEFAULT_KEY not in repr(resolved)
    assert fingerprint(DEFAULT_KEY) == "sk-\u20263333"
    assert KEYRING_SERVICE == "gpt56probe"
