"""``gpt56probe report``: history from real check runs in, a file out; one-line errors for bad input."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from gpt56probe.store import state
from gpt56probe.cli import main
from tests.test_report import T0, hourly

KEY = "sk-test-report-cli-not-real-0000"


@pytest.fixture(autouse=True)
def api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)


def run(*args: str, input: str | bytes | None = None) -> Any:
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


@pytest.fixture
def checked(sim: Any, tmp_path: Path) -> tuple[Path, Path]:
    """One real check of two orgs into a state dir; returns (state dir, its JSON result)."""
    state_dir = tmp_path / "state"
    result = run("check", "--org", "org-sim-approved", "--org", "org-sim-project", "--tier", "sol", "--tier", "luna",
                 "--base-url", sim.base_url, "--state-dir", str(state_dir), "--format", "json")
    assert result.exit_code == 2, result.output
    doc = tmp_path / "now.json"
    doc.write_text(result.stdout)
    return state_dir, doc


def write_history(state_dir: Path, rows: list[Any]) -> None:
    state_dir.mkdir(parents=True, exist_ok=True)
    (state_dir / state.HISTORY_FILE).write_text("".join(json.dumps(r) + "\n" for r in rows))


def test_report_writes_the_page_from_check_history_atomically_and_says_where(checked: tuple[Path, Path], tmp_path: Path) -> None:
    state_dir, doc = checked
    page = tmp_path / "out" / "status.html"
    result = run("report", "--state-dir", str(state_dir), "--endpoint", "127.0.0.1", "--html", str(page), str(doc))
    assert result.exit_code == 0, result.output
    assert result.stdout == "" and result.stderr.startswith(f"wrote {page} (")
    text = page.read_text()
    assert text.startswith("<!DOCTYPE html>") and "org-sim-project" in text and "org-sim-approved" in text
    assert 'data-verdict="project_no_access"' in text and str(doc) in text
    assert stat.S_IMODE(page.stat().st_mode) == 0o644
    assert [p.name for p in page.parent.iterdir()] == ["status.html"]  # no temporary file left


def test_report_markdown_goes_to_stdout_with_the_same_content(checked: tuple[Path, Path]) -> None:
    state_dir, _ = checked
    result = run("report", "--state-dir", str(state_dir), "--endpoint", "127.0.0.1", "--format", "markdown")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("# GPT-5.6 preview access report")
    for heading in ("## Now", "## Timelines", "## Changes"):
        assert heading in out
    assert "| org-sim-project | project | ok |" in out


def test_report_reads_a_result_document_from_stdin(checked: tuple[Path, Path]) -> None:
    state_dir, doc = checked
    result = run("report", "--state-dir", str(state_dir), "--endpoint", "127.0.0.1", "--format", "markdown", "-", input=doc.read_bytes())
    assert result.exit_code == 0, result.output
    assert "results: \\<stdin\\>" in result.stdout and "from the result files" in result.stdout


def test_report_default_state_dir_is_the_one_check_uses(sim: Any, tmp_path: Path) -> None:
    assert run("check", "--org", "org-sim-approved", "--tier", "luna", "--base-url", sim.base_url).exit_code == 0
    result = run("report", "--format", "markdown", "--endpoint", sim.base_url)
    assert result.exit_code == 0, result.output
    assert "| org-sim-approved | ok |" in result.stdout


def test_report_with_nothing_to_report_is_one_line_exit_3(tmp_path: Path) -> None:
    result = run("report", "--state-dir", str(tmp_path / "empty"), "--html", str(tmp_path / "x.html"))
    assert result.exit_code == 3
    assert result.stderr.startswith("Error: nothing to report: no history in ") and result.stderr.count("\n") == 1
    assert not (tmp_path / "x.html").exists()


def test_report_with_history_only_under_another_endpoint_names_it_and_how_to_choose_it(checked: tuple[Path, Path],
                                                                                         tmp_path: Path) -> None:
    state_dir, _ = checked  # the simulator's run: its history is kept under endpoints/127.0.0.1
    result = run("report", "--state-dir", str(state_dir), "--html", str(tmp_path / "x.html"))
    error = " ".join(result.stderr.split())
    assert result.exit_code == 3 and result.stderr.count("\n") == 1
    assert error.startswith("Error: nothing to report for endpoint api.openai.com: no history in "), error
    assert "history is recorded for 127.0.0.1" in error and "--endpoint 127.0.0.1 reports it" in error, error
    assert "run `gpt56probe check` first" not in error and not (tmp_path / "x.html").exists()
    write_history(state.endpoint_dir(state_dir, "localhost"), [])
    (state.endpoint_dir(state_dir, "localhost") / state.HISTORY_FILE).write_text("\n")
    several = " ".join(run("report", "--state-dir", str(state_dir), "--endpoint", "example.test").stderr.split())
    assert "history is recorded for 127.0.0.1, localhost" in several and "choose one with --endpoint HOST" in several, several


@pytest.mark.parametrize("content,message", [
    (b"{not json", "not JSON"),
    (b"\xff\xfe\x00garbage", "not JSON"),
    (b'{"results": "x"}', '"results" is missing or not a list'),
    (b"[]", "not a check result"),
])
def test_report_refuses_a_file_that_is_not_a_check_result_in_one_line(tmp_path: Path, content: bytes, message: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    result = run("report", "--state-dir", str(tmp_path), "--format", "markdown", str(bad))
    assert result.exit_code == 3 and result.stdout == ""
    assert result.stderr.startswith(f"Error: {bad}: ") and message in result.stderr and result.stderr.count("\n") == 1


def test_report_names_a_results_file_it_cannot_read(tmp_path: Path) -> None:
    result = run("report", "--state-dir", str(tmp_path), str(tmp_path / "missing.json"))
    assert result.exit_code == 3 and result.stderr.startswith(f"Error: cannot read {tmp_path / 'missing.json'}: ")


@pytest.mark.parametrize("args,message", [
    (["--since", "last tuesday"], "neither an ISO date/time"),
    (["--since", "99999999d"], "before the year 1"),
    (["--html", "a.html", "-o", "b.html"], "not both"),
    (["--html", "a.html", "--format", "markdown"], "--html writes HTML"),
    (["--format", "pdf"], "'pdf' is not one of"),
])
def test_report_usage_errors_are_one_line_exit_3(tmp_path: Path, args: list[str], message: str) -> None:
    write_history(tmp_path / "state", hourly("org-a", "gpt-5.6-sol", ["ok"]))
    result = run("report", "--state-dir", str(tmp_path / "state"), *args)
    assert result.exit_code == 3, result.output
    assert message in result.stderr and result.stderr.count("\n") == 1 and "Traceback" not in result.output


def test_report_since_sets_the_window(tmp_path: Path) -> None:
    write_history(tmp_path / "state", hourly("org-a", "gpt-5.6-sol", ["not_provisioned", "ok", "ok"]))
    result = run("report", "--state-dir", str(tmp_path / "state"), "--format", "markdown", "--since", "2026-11-20T09:30:00+00:00")
    assert result.exit_code == 0, result.output
    assert "- window: 2026-11-20 09:30:00 to " in result.stdout and "(all recorded runs)" not in result.stdout
    assert "| org-a | gpt-5.6-sol | chat | - | 1 | 100% | ok | access since 2026-11-20 09:00:00 | ok ×1 |" in result.stdout


def test_a_history_with_bad_bytes_or_garbage_lines_never_gives_a_traceback(tmp_path: Path) -> None:
    state_dir = tmp_path / "state"
    write_history(state_dir, hourly("org-a", "gpt-5.6-sol", ["ok", "ok"]))
    with open(state_dir / state.HISTORY_FILE, "ab") as fh:
        fh.write(b'{"org": "org-a", "model": "gpt-5.6-sol", "verdict": "ok", "checked_at": "\xff\xfe"}\n[1, 2]\n{"half": \n\x00\x01\n')
    result = CliRunner().invoke(main, ["report", "--state-dir", str(state_dir), "--format", "markdown"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code in (0, 3) and "Traceback" not in result.output
    if result.exit_code == 3:
        assert result.stderr.startswith("Error: cannot read ") and result.stderr.count("\n") == 1


def test_report_renders_an_org_called_like_markup_without_breaking_the_table(tmp_path: Path) -> None:
    write_history(tmp_path / "state", [hourly("org-a", "gpt-5.6-sol", ["ok"])[0] | {"org": "org|<b>", "checked_at": T0.isoformat()}])
    result = run("report", "--state-dir", str(tmp_path / "state"), "--format", "markdown")
    assert "| org\\|\\<b\\> | ok |" in result.stdout


def test_report_that_cannot_write_its_file_says_so_in_one_line(tmp_path: Path) -> None:
    write_history(tmp_path / "state", hourly("org-a", "gpt-5.6-sol", ["ok"]))
    (tmp_path / "file").write_text("")
    result = run("report", "--state-dir", str(tmp_path / "state"), "--html", str(tmp_path / "file" / "page.html"))
    assert result.exit_code == 74 and result.stderr.startswith(f"Error: cannot write {tmp_path / 'file' / 'page.html'}: ")
    assert result.stderr.count("\n") == 1


def test_report_counts_one_line_and_one_run_in_the_singular(tmp_path: Path) -> None:
    """A history of one run reads "1 line, 1 run" (never "1 runs"), in the Markdown report and on the page; two read plural."""
    write_history(tmp_path / "state", hourly("org-a", "gpt-5.6-sol", ["ok"]))
    markdown = run("report", "--state-dir", str(tmp_path / "state"), "--format", "markdown")
    assert markdown.exit_code == 0, markdown.output
    assert "(1 line, 1 run)" in markdown.stdout and "1 runs" not in markdown.stdout and "1 lines" not in markdown.stdout
    page = tmp_path / "status.html"
    assert run("report", "--state-dir", str(tmp_path / "state"), "--html", str(page)).exit_code == 0
    html = page.read_text()
    assert "(1 line, 1 run)" in html and "over 1 org \u00d7 1 model:" in html and "of 1 run ok" in html
    assert not any(f"1 {noun}s" in html for noun in ("run", "line", "org", "model"))
    write_history(tmp_path / "two", hourly("org-a", "gpt-5.6-sol", ["ok", "ok"]))
    assert "(2 lines, 2 runs)" in run("report", "--state-dir", str(tmp_path / "two"), "--format", "markdown").stdout
