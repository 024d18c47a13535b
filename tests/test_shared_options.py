"""One set of shared options (issue 14, item 5): defined once, meaning the same on every command;
``config show --org X`` says what check really uses for X; ``[defaults]`` takes every key README lists."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from gpt56probe.cli import main
from gpt56probe.store.config import DEFAULT_KEYS, config_path, load_config
from tests.conftest import FAKE_KEY, sim_state

README = Path(__file__).resolve().parents[1] / "README.md"
OTHER_KEY = "sk-test-fake-other-var-key-1234"

SHARED = {
    "--api-key-env": ("check", "plan", "support-packet", "config show"),
    "--no-keyring": ("check", "plan", "support-packet", "config show"),
    "--base-url": ("check", "plan", "support-packet", "config show"),
    "--proxy": ("check", "plan", "support-packet", "config show"),
    "--timeout": ("check", "plan", "support-packet", "config show"),
    "--deadline": ("check", "plan", "support-packet", "config show"),
    "--state-dir": ("check", "history", "support-packet", "report", "config show"),
}


def command(path: str) -> click.Command:
    """The command at ``path`` (``config show``), loaded as the CLI loads it (the top level loads its commands lazily)."""
    found: Any = main
    ctx = click.Context(main)
    for name in path.split():
        found = found.get_command(ctx, name)
        assert found is not None, path
    return found


def option(cmd: click.Command, flag: str) -> click.Option:
    return next(p for p in cmd.params if isinstance(p, click.Option) and flag in p.opts)


def write_config(text: str) -> None:
    config_path().parent.mkdir(parents=True, exist_ok=True)
    config_path().write_text(text)


def run(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(main, list(args), env={"OPENAI_API_KEY": FAKE_KEY, **(env or {})}, catch_exceptions=False)


@pytest.mark.parametrize("flag", sorted(SHARED))
def test_a_shared_option_is_one_definition_on_every_command(flag: str) -> None:
    seen = []
    for path in SHARED[flag]:
        opt = option(command(path), flag)
        seen.append((opt.name, opt.help, opt.envvar, opt.callback, type(opt.type), opt.is_flag, opt.default))
    assert all(s == seen[0] for s in seen), seen


def test_plan_and_support_packet_read_the_key_from_api_key_env(sim: Any) -> None:
    env = {"MY_OTHER_KEY": OTHER_KEY}
    for args in (["plan", "--org", "org-sim-approved", "--emit", "json"],
                 ["support-packet", "--org", "org-sim-approved", "--model", "gpt-5.6-luna", "--no-input", "--format", "json"]):
        before = len(sim.requests)
        result = run(*args, "--base-url", sim.base_url, "--api-key-env", "MY_OTHER_KEY", "--no-keyring", env=env)
        assert result.exit_code == 0, result.output
        sent = {r.headers.get("authorization") for r in sim.requests[before:]}
        assert sent == {f"Bearer {OTHER_KEY}"}, args


def test_support_packet_last_and_history_read_the_state_dir_check_wrote(sim: Any, tmp_path: Path) -> None:
    state = tmp_path / "shared-state"
    assert run("check", "--base-url", sim.base_url, "--org", "org-sim-pending", "--tier", "sol", "--state-dir", str(state)).exit_code == 2
    packet = run("support-packet", "--org", "org-sim-pending", "--model", "gpt-5.6-sol", "--last", "--state-dir", str(state),
                 "--base-url", sim.base_url, "--no-input", "--format", "json")
    assert packet.exit_code == 0, packet.output
    assert json.loads(packet.stdout)["verdict"].startswith("provisioning_pending")
    elsewhere = run("support-packet", "--org", "org-sim-pending", "--model", "gpt-5.6-sol", "--last", "--no-input")
    assert elsewhere.exit_code == 3  # nothing recorded in the default state dir


def test_defaults_state_dir_moves_check_history_and_support_packet_together(sim: Any, tmp_path: Path) -> None:
    state = tmp_path / "from-defaults"
    write_config(f'[defaults]\nstate_dir = "{state}"\n')
    run("check", "--base-url", sim.base_url, "--org", "org-sim-approved", "--tier", "luna")
    assert (sim_state(state) / "history.jsonl").exists()  # kept under the simulator's endpoint
    packet = run("support-packet", "--org", "org-sim-approved", "--model", "gpt-5.6-luna", "--last", "--no-input", "--format", "json",
                 "--base-url", sim.base_url)
    assert packet.exit_code == 0, packet.output
    assert run("history", "--format", "json", "--endpoint", sim.base_url).exit_code == 0


def test_config_show_for_an_org_is_what_check_really_uses(sim: Any, tmp_path: Path) -> None:
    write_config('[defaults]\nno_keyring = true\n[orgs."org-sim-approved"]\nlabel = "prod"\nproject = "proj_glance"\n'
                 'email = "owner@example.com"\nexpect = ["terra"]\n')
    shown = run("config", "show", "--org", "org-sim-approved", "--format", "json", "--state-dir", str(tmp_path / "s"))
    assert shown.exit_code == 0, shown.output
    rows = {r["setting"]: (r["value"], r["source"]) for r in json.loads(shown.stdout)}
    assert rows["project[org-sim-approved]"][0] == "proj_glance" and "[orgs.\"org-sim-approved\"]" in rows["project[org-sim-approved]"][1]
    assert rows["expect[org-sim-approved]"][0] == "terra"
    assert rows["email[org-sim-approved]"][0] == "owner@example.com"
    assert rows["state_dir"] == (str(tmp_path / "s"), "flag")
    assert rows["key[org-sim-approved]"] == ("sk-\u20260000", "rung 4: env OPENAI_API_KEY")
    assert rows["keyring"][0] == "off"
    # ... and check sends that project, judges only terra, and records in that state dir
    before = len(sim.requests)
    result = run("check", "--base-url", sim.base_url, "--org", "org-sim-approved", "--format", "json", "--state-dir", str(tmp_path / "s"))
    assert {r.headers.get("openai-project") for r in sim.requests[before:]} == {"proj_glance"}
    assert json.loads(result.stdout)["summary"]["expected_total"] == 1
    assert (sim_state(tmp_path / "s") / "history.jsonl").exists()
    overridden = run("config", "show", "--org", "org-sim-approved", "--expect", "sol,luna", "--project", "proj_flag", "--format", "json")
    rows = {r["setting"]: (r["value"], r["source"]) for r in json.loads(overridden.stdout)}
    assert rows["expect[org-sim-approved]"] == ("sol,luna", "flag") and rows["project[org-sim-approved]"] == ("proj_flag", "flag")


SAMPLES: dict[str, Any] = {
    "timeout": 7.5, "deadline": 30, "concurrency": 3, "base_url": "http://127.0.0.1:9/v1", "proxy": "http://127.0.0.1:3128",
    "surface": "both", "stream": True, "format": "json", "no_color": True, "project": "proj_x", "all_orgs": True,
    "api_key_env": "SOME_VAR", "no_keyring": True, "state_dir": "/tmp/gpt56-state-x", "expect": ["sol", "terra"],
    "quiet": True, "fail_after": 2, "prom_file": "/tmp/gpt56.prom", "ping_url": "https://hc-ping.example/x", "on_change": "true",
}


def _toml(value: Any) -> str:
    return json.dumps(value)  # JSON scalars and arrays of strings are TOML too


@pytest.mark.parametrize("key", sorted(DEFAULT_KEYS))
def test_every_defaults_key_reaches_check(key: str) -> None:
    write_config(f"[defaults]\n{key} = {_toml(SAMPLES[key])}\n")
    cfg = load_config()
    param = DEFAULT_KEYS[key][0]
    check = command("check")
    ctx = check.make_context("check", [], default_map=cfg.default_map(["check"])["check"])
    got = ctx.params[param]
    want = SAMPLES[key]
    assert (tuple(want) if isinstance(want, list) else want) == (str(got) if isinstance(got, Path) else got)


def test_readme_lists_exactly_the_defaults_keys() -> None:
    text = README.read_text()
    listed = re.search(r"`\[defaults\]` takes: (.*?)\.\n", text, re.DOTALL)
    assert listed, "README must list the [defaults] keys"
    assert set(re.findall(r"`([a-z_]+)`", listed.group(1))) == set(DEFAULT_KEYS)


@pytest.mark.parametrize("line,problem", [
    ("no_keyring = \"yes\"", "true or false"), ("expect = [\"mars\"]", "a list of one of sol, terra, luna"),
    ("expect = \"sol\"", "must be a list"), ("fail_after = 1.5", "must be a whole number"), ("color = true", "is not a setting"),
])
def test_a_wrong_defaults_value_is_one_clear_line(line: str, problem: str) -> None:
    write_config(f"[defaults]\n{line}\n")
    result = run("check", "--org", "org-a")
    assert result.exit_code == 3 and problem in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert result.stdout.startswith("GPT56 UNKNOWN - ")


def test_format_in_defaults_applies_to_check_and_leaves_other_commands_alone() -> None:
    write_config('[defaults]\nformat = "nagios"\n')
    for args in (["orgs"], ["config", "show"], ["history"], ["auth", "list"]):
        assert run(*args).exit_code == 0, args
