"""The config file: location, parsing, errors with file and line, the TOML writer, default_map precedence."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

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
