"""auth set / list / delete, orgs, and the done-when test: two orgs, two keys, check --all-orgs."""

from __future__ import annotations

from typing import Any

import keyring
import pytest
from click.testing import CliRunner

from gpt56probe.cli import main
from gpt56probe.store.config import config_path, load_config
from gpt56probe.store.credentials import KEYRING_SERVICE

KEY_A = "sk-test-org-one-key-aaaaaaaa1111"
KEY_B = "sk-test-org-two-key-bbbbbbbb2222"


def _set(org: str, key: str, *extra: str) -> Any:
    return CliRunner().invoke(main, ["auth", "set", "--org", org, *extra], input=key + "\n")


def test_auth_set_stores_in_keyring_and_config() -> None:
    result = _set("org-a", KEY_A, "--label", "prod", "--project", "proj_9")
    assert result.exit_code == 0, result.output
    assert keyring.get_password(KEYRING_SERVICE, "org-a") == KEY_A
    cfg = load_config()
    assert cfg.orgs["org-a"].label == "prod" and cfg.orgs["org-a"].project == "proj_9"
    text = config_path().read_text()
    assert KEY_A not in text and KEY_A not in result.output
    assert "sk-\u20261111" in result.output


def test_auth_set_update_keeps_label() -> None:
    _set("org-a", KEY_A, "--label", "prod")
    _set("org-a", KEY_B)
    assert load_config().orgs["org-a"].label == "prod"
    assert keyring.get_password(KEYRING_SERVICE, "org-a") == KEY_B


def test_auth_set_empty_input_fails() -> None:
    result = _set("org-a", "")
    assert result.exit_code == 3 and "no key" in result.output
    assert not load_config().orgs


@pytest.mark.parametrize("how", ["fail", "null", "broken", "disabled"])
def test_auth_set_without_keyring_names_fixes(how: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if how == "fail":
        from keyring.backends import fail

        keyring.set_keyring(fail.Keyring())
    elif how == "null":
        monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    elif how == "broken":
        from tests.test_credentials import BrokenKeyring

        keyring.set_keyring(BrokenKeyring())
    else:
        monkeypatch.setenv("GPT56PROBE_NO_KEYRING", "1")
    result = _set("org-a", KEY_A)
    assert result.exit_code == 3
    assert "Traceback" not in result.output and KEY_A not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert "OPENAI_API_KEY" in result.output and "keyrings.alt" in result.output and "--api-key-env" in result.output


def test_auth_list_shows_fingerprints_never_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    _set("org-a", KEY_A, "--label", "prod")
    _set("org-b", KEY_B)
    keyring.delete_password(KEYRING_SERVICE, "org-b")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-the-env-fallback-zzzz")
    result = CliRunner().invoke(main, ["auth", "list"])
    assert result.exit_code == 0, result.output
    assert "sk-\u20261111" in result.output and "keyring" in result.output and "prod" in result.output
    assert "env OPENAI_API_KEY" in result.output and "sk-\u2026zzzz" in result.output
    for key in (KEY_A, KEY_B, "sk-test-the-env-fallback-zzzz"):
        assert key not in result.output


def test_auth_delete_removes_the_key_and_the_org_and_a_second_delete_is_an_error() -> None:
    _set("org-a", KEY_A)
    result = CliRunner().invoke(main, ["auth", "delete", "--org", "org-a"])
    assert result.exit_code == 0, result.output
    assert keyring.get_password(KEYRING_SERVICE, "org-a") is None
    assert "org-a" not in load_config().orgs
    again = CliRunner().invoke(main, ["auth", "delete", "--org", "org-a"])
    assert again.exit_code == 3 and again.stderr == "Error: org-a has no key in the keyring or the key file; nothing deleted\n"


def test_auth_delete_of_an_org_without_a_key_changes_nothing() -> None:
    config_path().parent.mkdir(parents=True, exist_ok=True)
    config_path().write_text('[orgs."org-a"]\nlabel = "prod"\n')
    result = CliRunner().invoke(main, ["auth", "delete", "--org", "org-b"])
    assert result.exit_code == 3 and "org-b has no key in the keyring or the key file" in result.stderr and "org-a" in result.stderr
    assert "org-a" in load_config().orgs


def test_orgs_lists_config() -> None:
    config_path().parent.mkdir(parents=True, exist_ok=True)
    config_path().write_text('[orgs."org-a"]\nlabel = "prod"\nemail = "me@example.com"\nexpect = ["sol"]\n')
    result = CliRunner().invoke(main, ["orgs"])
    assert result.exit_code == 0, result.output
    assert "org-a" in result.output and "prod" in result.output and "me@example.com" in result.output
    empty_cfg = CliRunner().invoke(main, ["auth", "list"], env={"GPT56PROBE_HOME": str(config_path().parent / "nothing")})
    assert "no orgs" in empty_cfg.output


def test_all_orgs_without_orgs_exits_3() -> None:
    result = CliRunner().invoke(main, ["check", "--all-orgs", "--base-url", "http://127.0.0.1:9/v1"])
    assert result.exit_code == 3 and "no orgs" in result.output


def test_done_when_two_orgs_two_keys_all_orgs(sim: Any) -> None:
    """A user stores two orgs' keys via `auth set` (stdin) and checks them all: each org's probes carry its own key."""
    orgs = {"org-sim-approved": KEY_A, "org-sim-pending": KEY_B}
    for org, key in orgs.items():
        result = _set(org, key, "--label", org.rsplit("-", 1)[-1])
        assert result.exit_code == 0, result.output
    before = len(sim.requests)
    result = CliRunner().invoke(main, ["check", "--all-orgs", "--base-url", sim.base_url, "--tier", "sol", "-v"])
    assert result.exit_code in (0, 1, 2), result.output
    assert "Traceback" not in result.output
    requests = sim.requests[before:]
    seen: dict[str, set[str]] = {}
    for req in requests:
        seen.setdefault(req.headers.get("openai-organization", ""), set()).add(req.headers.get("authorization", ""))
    assert seen == {org: {f"Bearer {key}"} for org, key in orgs.items()}
    for key in orgs.values():
        assert key not in result.output
    assert result.output.count("rung 2: keyring") == 2
