"""Issue 13, item 6: the tool says when keys are stored unencrypted, and never talks about a keyring it was told to skip."""

from __future__ import annotations

import os
from pathlib import Path

from click.testing import CliRunner

from gpt56probe.cli import main

FAKE_KEY = "sk-test-fake-key-honesty-0000000000"
PLAINTEXT = {"PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring"}


def run(*args: str, env: dict[str, str] | None = None, input: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args), env=env, input=input, catch_exceptions=False)


def test_auth_set_on_the_real_plaintext_backend_says_the_key_is_stored_unencrypted() -> None:
    result = run("auth", "set", "--org", "org-honest", env=PLAINTEXT, input=FAKE_KEY + "\n")
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if "unencrypted" in line]
    assert len(warnings) == 1, result.stderr
    assert "keyrings.alt.file.PlaintextKeyring" in warnings[0]
    stored = Path(os.environ["HOME"]) / ".local" / "share" / "python_keyring"
    assert str(stored) in warnings[0]  # it names the file
    assert FAKE_KEY not in result.output


def test_auth_list_on_the_plaintext_backend_says_so_once() -> None:
    run("auth", "set", "--org", "org-honest", env=PLAINTEXT, input=FAKE_KEY + "\n")
    result = run("auth", "list", env=PLAINTEXT)
    assert result.exit_code == 0, result.output
    assert sum("unencrypted" in line for line in result.stderr.splitlines()) == 1
    assert "org-honest" in result.stdout and "keyring" in result.stdout


def test_an_encrypted_keyring_gets_no_warning() -> None:
    result = run("auth", "set", "--org", "org-quiet", input=FAKE_KEY + "\n")
    assert result.exit_code == 0, result.output
    assert "unencrypted" not in result.output
    assert "unencrypted" not in run("auth", "list").output


def test_auth_list_with_no_keyring_reads_no_keyring_and_warns_about_none() -> None:
    run("auth", "set", "--org", "org-honest", env=PLAINTEXT, input=FAKE_KEY + "\n")
    result = run("auth", "list", "--no-keyring", env=PLAINTEXT)
    assert "unencrypted" not in result.output
    assert "(no key)" in result.stdout


def test_with_no_keyring_the_missing_key_error_does_not_talk_about_keyring_entries() -> None:
    result = run("check", "--org", "org-nokey", "--no-keyring", "--base-url", "http://127.0.0.1:9/v1")
    assert result.exit_code == 3
    assert "keyring" not in result.stderr.lower()
    assert "auth set --org org-nokey --key-file" in result.stderr  # the store that works without a keyring
    assert "OPENAI_API_KEY" in result.stderr


def test_without_no_keyring_the_missing_key_error_offers_auth_set() -> None:
    result = run("check", "--org", "org-nokey", "--base-url", "http://127.0.0.1:9/v1")
    assert result.exit_code == 3
    assert "gpt56probe auth set --org org-nokey" in result.stderr
