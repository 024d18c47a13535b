"""The config file: location, parsing, errors with file and line, the TOML writer, default_map precedence."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from gpt56probe.cli import main
from gpt56probe.store.config import ConfigError, config_path, dumps_toml, load_config, parse_config, upsert_org

GOOD = '''
[defaults]
timeout = 7.5
concurrency = 4
surface = "both"

[orgs."org-abc"]
label = "prod"
project = "proj_1"
email = "owner@example.com"
expect = ["sol", "terra"]

[orgs."org-def"]
label = "staging"

[models.sol]
id = "gpt-5.6-sol-2026-12-01"
'''


def _write(text: str) -> Path:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_location_follows_gpt56probe_home(tmp_path: Path) -> None:
    assert config_path() == tmp_path / "gpt56probe-home" / "config.toml"
    assert config_path({}).name == "config.toml"


def test_absent_file_is_empty_config() -> None:
    cfg = load_config()
    assert not cfg.exists and cfg.orgs == {} and cfg.default_map() == {}


def test_parse_good() -> None:
    _write(GOOD)
    cfg = load_config()
    assert list(cfg.orgs) == ["org-abc", "org-def"]
    abc = cfg.orgs["org-abc"]
    assert (abc.label, abc.project, abc.email, abc.expect) == ("prod", "proj_1", "owner@example.com", ("sol", "terra"))
    assert cfg.defaults == {"timeout": 7.5, "concurrency": 4, "surface": "both"}
    assert cfg.table.for_tier("sol").id == "gpt-5.6-sol-2026-12-01"
    assert cfg.default_map(["check"])["check"]["timeout"] == 7.5


@pytest.mark.parametrize("text,needle", [
    ('[orgs."org-a"\nlabel = "x"\n', "line 1"),
    ("[defaults]\ntimeout = \"fast\"\n", "line 2"),
    ("[defaults]\n\nbogus = 1\n", "line 3"),
    ('[orgs."org-a"]\nexpect = ["mars"]\n', "line 2"),
    ("[models.sol]\ncolour = 1\n", "unknown key"),
    ("[nonsense]\n", "unknown key"),
])
def test_errors_name_file_and_line(text: str, needle: str) -> None:
    path = _write(text)
    with pytest.raises(ConfigError) as info:
        load_config()
    message = str(info.value)
    assert str(path) in message and needle in message and "\n" not in message


def test_malformed_config_exit_codes() -> None:
    _write("[defaults\n")
    runner = CliRunner()
    check = runner.invoke(main, ["check", "--org", "org-a"])
    assert check.exit_code == 3
    assert "config.toml" in check.stderr and "line 1" in check.stderr and "Traceback" not in check.output
    assert len(check.stderr.strip().splitlines()) == 1  # the cause, for a human
    assert check.stdout.startswith("GPT56 UNKNOWN - config file ") and len(check.stdout.splitlines()) == 1  # the status line
    for args in (["orgs"], ["auth", "list"], ["config", "show"]):
        other = runner.invoke(main, args)
        assert other.exit_code == 3, args  # the same mistake, the same code, whatever the command
        assert "line 1" in other.output and "Traceback" not in other.output


def test_writer_round_trips() -> None:
    data = {"defaults": {"timeout": 1.5, "concurrency": 3, "x": True},
            "orgs": {"org-a": {"label": 'we "quote"\\ and\nnewline \x7f é', "expect": ["sol"]}, "org b.c": {"label": ""}},
            "models": {"fallbacks": ["gpt-5.5"], "sol": {"id": "s"}}}
    assert tomllib.loads(dumps_toml(data)) == data


def test_upsert_keeps_other_sections() -> None:
    _write(GOOD)
    cfg = upsert_org(load_config(), "org-new", label="new", project=None, email=None)
    assert set(cfg.orgs) == {"org-abc", "org-def", "org-new"}
    assert cfg.defaults["timeout"] == 7.5 and cfg.models
    assert oct(os.stat(cfg.path).st_mode & 0o777) == "0o600"


def test_precedence_flag_env_file_default(monkeypatch: pytest.MonkeyPatch) -> None:
    _write('[defaults]\ntimeout = 7.5\nbase_url = "http://127.0.0.1:1/v1"\n')
    runner = CliRunner()

    def show(*args: str) -> dict[str, tuple[str, str]]:
        result = runner.invoke(main, ["config", "show", "--format", "json", *args])
        assert result.exit_code == 0, result.output
        import json

        return {r["setting"]: (str(r["value"]), r["source"]) for r in json.loads(result.stdout)}

    rows = show()
    assert rows["timeout"] == ("7.5", f"file {config_path()}")
    assert rows["deadline"] == ("60.0", "default")
    assert rows["base_url"][1].startswith("file")
    assert show("--timeout", "3")["timeout"] == ("3.0", "flag")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:2/v1")
    assert show()["base_url"] == ("http://127.0.0.1:2/v1", "env OPENAI_BASE_URL")
    assert show("--base-url", "http://127.0.0.1:3/v1")["base_url"] == ("http://127.0.0.1:3/v1", "flag")


def test_config_show_keys_as_fingerprints(monkeypatch: pytest.MonkeyPatch) -> None:
    key = "sk-test-config-show-secret-9876"
    monkeypatch.setenv("OPENAI_API_KEY", key)
    result = CliRunner().invoke(main, ["config", "show", "--org", "org-a"])
    assert result.exit_code == 0, result.output
    assert key not in result.output
    assert "sk-\u20269876" in result.output and "rung 4" in result.output


def test_parse_config_direct_has_no_line_for_syntax_free_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="orgs must be a table"):
        parse_config('orgs = 3\n', tmp_path / "c.toml")


# ------------------------------------------------------------ settings that take time: seconds or a duration


@pytest.mark.parametrize("line,param,seconds", [('timeout = "3s"', "timeout", 3.0), ('deadline = "2m"', "deadline", 120.0),
                                               ('timeout = "500ms"', "timeout", 0.5), ("deadline = 90", "deadline", 90.0),
                                               ('deadline = "45"', "deadline", 45.0), ("timeout = 7.5", "timeout", 7.5)])
def test_a_setting_that_takes_time_reads_seconds_or_a_duration_as_the_flag_does(line: str, param: str, seconds: float) -> None:
    _write(f"[defaults]\n{line}\n")
    cfg = load_config()
    check = main.get_command(click.Context(main), "check")
    ctx = check.make_context("check", ["--org", "org-a"], default_map=cfg.default_map(["check"])["check"])
    assert ctx.params[param] == seconds
    for args in (["config", "show"], ["history"], ["orgs"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, (args, result.output)


@pytest.mark.parametrize("line,says", [
    ('timeout = "fast"', "defaults.timeout: 'fast' is not a duration: give seconds (20, 1.5) or a number and a unit: 500ms, 3s"),
    ('deadline = "2 fortnights"', "defaults.deadline: '2 fortnights' is not a duration: give seconds"),
    ("timeout = true", "defaults.timeout must be a number of seconds or a duration string, got bool: give seconds"),
    ('deadline = ["2m"]', "defaults.deadline must be a number of seconds or a duration string, got list"),
    ('timeout = "0s"', "defaults.timeout must be a finite number of seconds above 0 and at most 1000000000, got '0s'"),
    ("deadline = nan", "defaults.deadline must be a finite number of seconds above 0"),
])
def test_a_bad_duration_in_the_config_names_the_accepted_forms_in_every_command(line: str, says: str) -> None:
    path = _write(f"[defaults]\n{line}\n")
    for args in (["check", "--org", "org-a"], ["config", "show"], ["history"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 3, (args, result.output)
        error = result.stderr.strip()
        assert len(error.splitlines()) == 1 and f"{path}, line 2" in error and says in " ".join(error.split()), error
        assert "7d" not in error  # examples every command's --timeout and --deadline accept


@pytest.mark.parametrize("line,option,span", [('timeout = "2h"', "timeout", "from 0.1s to 600s"),
                                              ('deadline = "400ms"', "deadline", "from 0.5s to 3600s"),
                                              ("deadline = 7200", "deadline", "from 0.5s to 3600s")])
def test_a_duration_in_the_config_is_held_to_the_options_range(line: str, option: str, span: str) -> None:
    path = _write(f"[defaults]\n{line}\n")
    result = CliRunner().invoke(main, ["config", "show"])
    error = " ".join(result.stderr.split())
    assert result.exit_code == 3 and f"{path}, line 2 ([defaults] {option})" in error and f"out of range: give {span}" in error


def test_the_sinks_of_a_check_that_did_not_parse_read_the_deadline_as_a_duration_too() -> None:
    from gpt56probe.cli.sinks import sinks_from_args

    assert sinks_from_args(["--deadline", "3s", "--bogus"]).deadline_s == 3.0
    assert sinks_from_args(["--bogus"], {"deadline": "2m"}).deadline_s == 120.0
    assert sinks_from_args(["--deadline", "soon"]).deadline_s == sinks_from_args([]).deadline_s


@pytest.mark.parametrize("key", ["timeout", "deadline", "concurrency", "fail_after", "base_url", "stream", "expect"])
def test_a_wrong_type_in_defaults_says_what_the_setting_takes_in_plain_words(key: str) -> None:
    _write(f"[defaults]\n{key} = {{ x = 1 }}\n")
    with pytest.raises(ConfigError) as info:
        load_config()
    message = str(info.value)
    assert f"defaults.{key} must be " in message and "got dict" in message
    assert "whole number or" not in message and " a true or false" not in message, message
