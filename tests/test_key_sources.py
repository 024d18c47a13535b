"""Where a key came from, said truthfully, and no silent fallback: --api-key-env, no keyring, the owner-only key file.

Real CLI against the simulator; keyring's own "fail" backend stands for a server or container without one.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from gpt56probe.cli import main

FILE_KEY = "sk-test-fake-keyfile-0000000000aa"
ENV_KEY = "sk-test-fake-envkey-00000000000bb"
NO_BACKEND = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
ORG = "org-sim-approved"


def run(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> Any:
    return CliRunner().invoke(main, list(args), env=env, input=input, catch_exceptions=False)


def key_file() -> Path:
    return Path(os.environ["GPT56PROBE_HOME"]) / "keys.json"


def test_an_explicit_api_key_env_that_is_empty_is_an_error_naming_it_never_openai_api_key(sim: Any) -> None:
    before = len(sim.requests)
    for env in ({"OPENAI_API_KEY": ENV_KEY}, {"OPENAI_API_KEY": ENV_KEY, "MY_KEY": ""}):
        result = run("check", "--base-url", sim.base_url, "--org", ORG, "--api-key-env", "MY_KEY", "--format", "json", env=env)
        assert result.exit_code == 3, result.output
        assert "the variable MY_KEY named by --api-key-env is" in result.stderr
        assert json.loads(result.stdout)["summary"]["status"] == "UNKNOWN"
    assert len(sim.requests) == before  # nothing sent with the key the user did not choose
    for command in (["plan", "--emit", "json"], ["support-packet", "--model", "gpt-5.6-sol", "--no-input"]):
        result = run(*command, "--base-url", sim.base_url, "--org", ORG, "--api-key-env", "MY_KEY", env={"OPENAI_API_KEY": ENV_KEY})
        assert result.exit_code != 0 and "the variable MY_KEY named by --api-key-env" in result.stderr, command
    shown = run("config", "show", "--org", ORG, "--api-key-env", "MY_KEY", "--format", "json", env={"OPENAI_API_KEY": ENV_KEY})
    rows = {r["setting"]: r for r in json.loads(shown.stdout)}
    assert rows[f"key[{ORG}]"]["value"] == "(none)" and "MY_KEY named by --api-key-env is not set" in rows[f"key[{ORG}]"]["source"]


def test_without_a_keyring_backend_config_show_says_off_and_auth_set_names_the_key_file() -> None:
    shown = run("config", "show", "--format", "json", env=NO_BACKEND)
    rows = {r["setting"]: r for r in json.loads(shown.stdout)}
    assert rows["keyring"]["value"] == "off" and "no keyring backend" in rows["keyring"]["source"]
    assert "absent" in rows["key_file"]["value"]
    refused = run("auth", "set", "--org", ORG, env=NO_BACKEND, input=FILE_KEY + "\n")
    assert refused.exit_code == 3 and "--key-file" in refused.stderr
    assert not key_file().exists()  # never a silent fallback


def test_the_key_file_is_owner_only_flagged_everywhere_and_used_by_check(sim: Any) -> None:
    stored = run("auth", "set", "--org", ORG, "--key-file", env=NO_BACKEND, input=FILE_KEY + "\n")
    assert stored.exit_code == 0, stored.output
    assert FILE_KEY not in stored.output and "owner-only file, unencrypted" in stored.stderr
    assert stat.S_IMODE(key_file().stat().st_mode) == 0o600
    assert json.loads(key_file().read_text()) == {ORG: FILE_KEY}

    listed = run("auth", "list", env=NO_BACKEND)
    assert f"key file {key_file()} (owner-only file, unencrypted)" in listed.stdout and FILE_KEY not in listed.output
    shown = run("config", "show", "--org", ORG, "--format", "json", env=NO_BACKEND)
    rows = {r["setting"]: r for r in json.loads(shown.stdout)}
    assert rows[f"key[{ORG}]"]["source"].startswith("rung 3: key file") and "unencrypted" in rows[f"key[{ORG}]"]["source"]
    assert "1 key(s)" in rows["key_file"]["value"] and "mode 0600" in rows["key_file"]["value"]

    before = len(sim.requests)
    result = run("check", "--base-url", sim.base_url, "--org", ORG, "--tier", "luna", "-v", env={**NO_BACKEND, "OPENAI_API_KEY": ENV_KEY})
    assert result.exit_code == 0, result.output
    assert {r.headers.get("authorization") for r in sim.requests[before:]} == {f"Bearer {FILE_KEY}"}
    assert "from rung 3: key file" in result.stderr and FILE_KEY not in result.output

    deleted = run("auth", "delete", "--org", ORG, env=NO_BACKEND)
    assert "key file entry deleted" in deleted.stderr and json.loads(key_file().read_text()) == {}


def test_a_key_file_others_can_read_is_not_used_and_config_show_says_why(sim: Any) -> None:
    run("auth", "set", "--org", ORG, "--key-file", env=NO_BACKEND, input=FILE_KEY + "\n")
    key_file().chmod(0o644)
    shown = run("config", "show", "--format", "json", env=NO_BACKEND)
    rows = {r["setting"]: r for r in json.loads(shown.stdout)}
    assert "can be read by others (mode 0644)" in rows["key_file"]["value"] and "chmod 600" in rows["key_file"]["value"]
    before = len(sim.requests)
    result = run("check", "--base-url", sim.base_url, "--org", ORG, "--tier", "luna", "-v", env=NO_BACKEND)
    assert result.exit_code == 3 and "rung 3 skipped" in result.stderr and "can be read by others" in result.stderr
    assert len(sim.requests) == before
