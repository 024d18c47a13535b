"""Every command speaks the same language: one exit code per mistake, errors that name where a bad
value came from, choices in any case with a "did you mean", and a config saved with a BOM."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from gpt56probe.cli import main
from gpt56probe.cli.common import EXIT_CODES
from gpt56probe.store.config import config_path
from tests.conftest import FAKE_KEY

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(main, list(args), env={"OPENAI_API_KEY": FAKE_KEY, "GPT56PROBE_NO_KEYRING": "1", **(env or {})})


def one_error_line(result: Any) -> str:
    lines = [line for line in result.stderr.splitlines() if line]
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "Traceback" not in result.output, result.output
    return lines[0]


# --------------------------------------------------------------------------- one code per mistake


BAD_BASE_URL = "http://127.0.0.1:9"


@pytest.mark.parametrize("command", [["check", "--org", "org-a"], ["models"], ["plan", "--org", "org-a"],
                                     ["support-packet", "--org", "org-a", "--no-input"], ["config", "show"]])
def test_a_base_url_without_v1_is_exit_3_in_every_command_and_suggests_the_v1_url(command: list[str]) -> None:
    result = run(*command, "--base-url", BAD_BASE_URL)
    assert result.exit_code == 3
    line = one_error_line(result)
    assert line.startswith("Error: --base-url: ") and f"did you mean {BAD_BASE_URL}/v1" in line


@pytest.mark.parametrize("command", [["history", "--since", "7days"], ["report", "--since", "yesterday"]])
def test_a_since_that_is_no_time_is_exit_3_in_history_and_report(command: list[str], tmp_path: Path) -> None:
    result = run(*command, "--state-dir", str(tmp_path))
    assert result.exit_code == 3
    assert "--since: " in one_error_line(result)


@pytest.mark.parametrize("args", [["chek"], ["check", "--no-such-flag"], ["models", "--timeout", "x"], ["cost", "--input", "lots"],
                                  ["auth", "delet"], ["plan", "--emit", "yaml"], ["history", "--format", "xml"]])
def test_every_usage_mistake_is_one_line_and_exit_3_whatever_the_command(args: list[str]) -> None:
    result = run(*args)
    assert result.exit_code == 3, result.output
    assert "Usage:" not in result.output
    assert result.stderr.count("Error: ") == 1


def test_the_exit_code_table_is_in_the_top_level_help_and_in_the_readme() -> None:
    help_text = " ".join(run("--help").stdout.split())
    readme = (ROOT / "README.md").read_text()
    for code, meaning in EXIT_CODES:
        assert f"{code} {' '.join(meaning.split()[:4])}" in help_text, code
        assert f"| {code} | {meaning} |" in readme, code


# --------------------------------------------------------------------------- where a bad value came from


def test_a_bad_base_url_from_the_environment_names_the_variable() -> None:
    result = run("models", env={"OPENAI_BASE_URL": BAD_BASE_URL})
    assert result.exit_code == 3
    assert one_error_line(result).startswith(f"Error: OPENAI_BASE_URL: '{BAD_BASE_URL}' does not end in /v1; did you mean")


def test_a_bad_value_from_the_config_file_names_the_file_and_the_line() -> None:
    config_path().parent.mkdir(parents=True, exist_ok=True)
    config_path().write_text('[orgs."org-a"]\nlabel = "x"\n\n[defaults]\ntimeout = 15\nbase_url = "http://127.0.0.1:9"\n')
    result = run("plan", "--org", "org-a")
    assert result.exit_code == 3
    assert one_error_line(result).startswith(f"Error: config file {config_path()}, line 6 ([defaults] base_url): ")


# --------------------------------------------------------------------------- choices


def test_an_unknown_format_lists_gpt56probes_own_formats_first_then_counts_tabulates() -> None:
    result = run("check", "--format", "xml")
    line = one_error_line(result)
    assert result.exit_code == 3
    assert "Use summary, table, json, nagios, or one of " in line and " tabulate formats " in line
    assert "asciidoc" not in line  # counted, not listed


def test_formats_and_choices_are_case_insensitive(tmp_path: Path) -> None:
    assert run("check", "--format", "JSON", "--dry-run").exit_code == 0
    assert run("check", "--format", "GitHub", "--dry-run").stdout.startswith("| org")
    assert run("cost", "--input", "1M", "--output", "1M", "--tier", "SOL", "--format", "Table").exit_code == 0
    assert run("check", "--surface", "Both", "--dry-run").exit_code == 0


@pytest.mark.parametrize("args,meant", [(["chek"], "check"), (["auth", "delet"], "delete"), (["check", "--format", "jsno"], "json"),
                                        (["check", "--surface", "chatt"], "chat"), (["check", "--expect", "soll"], "sol"),
                                        (["check", "--tier", "lunaa"], "luna"), (["plan", "--emit", "pyton"], "python"),
                                        (["report", "--format", "markdwn"], "markdown")])
def test_a_near_miss_of_a_command_or_choice_says_what_was_probably_meant(args: list[str], meant: str) -> None:
    result = run(*args)
    assert result.exit_code == 3
    assert f"did you mean {meant}?" in one_error_line(result)


def test_format_help_names_every_format() -> None:
    result = run("check", "--format", "help")
    assert result.exit_code == 0 and "summary, table, json, nagios" in result.stdout and "github" in result.stdout


# --------------------------------------------------------------------------- files and keys


def test_a_config_saved_with_a_utf8_bom_is_read() -> None:
    config_path().parent.mkdir(parents=True, exist_ok=True)
    config_path().write_bytes('\ufeff[orgs."org-bom"]\nlabel = "prod"\n'.encode("utf-8"))
    result = run("orgs")
    assert result.exit_code == 0 and "org-bom" in result.stdout and "prod" in result.stdout


def test_check_format_json_never_imports_tabulate() -> None:
    code = ("import sys\nfrom gpt56probe.cli import main\n"
            "try:\n    main(['check', '--format', 'json', '--dry-run', '--org', 'org-a'])\nexcept SystemExit:\n    pass\n"
            "print('tabulate' in sys.modules, file=sys.stderr)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                            env={"PATH": "/usr/bin:/bin", "GPT56PROBE_HOME": "/nonexistent-gpt56probe-home", "GPT56PROBE_NO_KEYRING": "1"})
    assert result.stderr.strip().splitlines()[-1] == "False", result.stderr


@pytest.mark.parametrize("args", [[], ["auth"], ["config"]])
def test_a_bare_command_group_prints_its_help_and_exits_0(args: list[str]) -> None:
    result = run(*args)
    assert result.exit_code == 0 and result.stdout.startswith("Usage: ") and "Error" not in result.output


def test_check_help_groups_its_options_and_reads_in_two_screens() -> None:
    text = CliRunner().invoke(main, ["check", "--help"], env={"COLUMNS": "80"}).stdout
    lines = text.splitlines()
    assert len(lines) <= 54 and max(len(line) for line in lines) <= 80  # two screens of 27 rows (119 lines before)
    heads = [line for line in lines if line.endswith(":") and not line.startswith(" ")]
    assert heads == ["What to probe:", "Credentials:", "Connection:", "Output:", "Monitoring:"]


@pytest.mark.parametrize("args,says", [
    (["check", "--format", "jsno"], "'jsno' is not a format; did you mean json? Use summary, table, json, nagios, or one of"),
    (["check", "--format", "qqqqq"], "'qqqqq' is not a format. Use summary, table, json, nagios, or one of"),
    (["cost", "--tier", "sool"], "unknown tier 'sool'; did you mean sol? Use sol, terra, luna, fallback"),
    (["cost", "--tier", "xyzzy"], "unknown tier 'xyzzy'. Use sol, terra, luna, fallback"),
])
def test_a_refused_value_and_its_suggestion_read_as_sentences_never_question_mark_period(args: list[str], says: str) -> None:
    result = run(*args)
    said = " ".join(result.stderr.split())
    assert result.exit_code == 3 and says in said and "?." not in said, said
