"""`gpt56probe merge`: checks from several vantages as one matrix, and what the differences mean."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from gpt56probe.views import merge as core
from gpt56probe.cli import main
from gpt56probe.core.observation import Verdict
from gpt56probe.simulator import start_simulator
from gpt56probe.core.vantage import Vantage
from tests.conftest import FAKE_KEY, sim_state
from tests.replay_harness import hermetic

REGION_BLOCK = """
[[scenario]]
name = "acme-from-eu"
org = "org-acme"
description = "org-acme, seen from a network the region check blocks"
[[scenario.rules]]
error = { status = 403, message = "Country, region, or territory not supported", type = "request_forbidden", code = "unsupported_country_region_territory", order = ["code", "message", "param", "type"] }
"""
ORGS = ("org-acme", "org-sim-pending", "org-sim-approved")


def run(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> Any:
    return CliRunner().invoke(main, list(args), env={"OPENAI_API_KEY": FAKE_KEY, **(env or {})}, input=input,
                              catch_exceptions=False)


@pytest.fixture(scope="module")
def two_vantages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The same orgs checked from us-ci (reaches everything the org may) and eu-office (org-acme region-blocked),
    each from its own simulator, through the real CLI; results and history kept."""
    folder = tmp_path_factory.mktemp("vantages")
    (folder / "eu.toml").write_text(REGION_BLOCK)
    files: dict[str, Path] = {}
    with hermetic(folder):
        for vantage, scenarios in (("us-ci", None), ("eu-office", folder / "eu.toml")):
            with start_simulator(port=0, scenarios_file=scenarios) as sim:
                args = ["check", "--base-url", sim.base_url, "--vantage", vantage, "--format", "json", "--tier", "sol",
                        "--tier", "terra", "--state-dir", str(folder / vantage)]
                for org in ORGS:
                    args += ["--org", org]
                result = run(*args)
                assert result.exit_code in (1, 2), result.output
                files[vantage] = folder / f"{vantage}.json"
                files[vantage].write_text(result.stdout)
                files[f"{vantage}-history"] = sim_state(folder / vantage) / "history.jsonl"
    return files


def test_merge_of_two_vantages_with_a_region_difference_says_it_depends_on_where_you_call_from(two_vantages: dict[str, Path]) -> None:
    result = run("merge", "--endpoint", "127.0.0.1", str(two_vantages["us-ci"]), str(two_vantages["eu-office"]))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert ("org-acme gpt-5.6-sol, gpt-5.6-terra: depends on where you call from "
            "(fails at eu-office: region/vpn; works at us-ci)") in out
    assert "org-sim-pending gpt-5.6-sol, gpt-5.6-terra: pending from every vantage (eu-office, us-ci): about the org" in out
    lines = out.splitlines()
    assert lines[0].split() == ["org", "sol", "terra"]  # the check summary's matrix, a row per org and vantage
    acme = lines.index(next(line for line in lines if line.startswith("org-acme")))
    assert lines[acme].split() == ["org-acme", "@", "eu-office", "region/vpn", "region/vpn"]
    assert lines[acme + 1].split() == ["org-acme", "@", "us-ci", "ok", "ok"]
    assert "eu-office: 127.0.0.1 direct" in out


def test_merge_reads_history_files_too_and_agrees_with_the_results(two_vantages: dict[str, Path]) -> None:
    from_history = run("merge", "--endpoint", "127.0.0.1", str(two_vantages["us-ci-history"]), str(two_vantages["eu-office-history"]), "--format", "json")
    from_results = run("merge", "--endpoint", "127.0.0.1", str(two_vantages["us-ci"]), str(two_vantages["eu-office"]), "--format", "json")
    verdicts = [{(r["vantage"], r["org"], r["model"]): r["verdict"] for r in json.loads(x.stdout)["results"]}
                for x in (from_history, from_results)]
    assert verdicts[0] == verdicts[1] and len(verdicts[0]) == 2 * 3 * 2


def test_merge_json_follows_the_check_schema_with_vantages_and_report_takes_it(two_vantages: dict[str, Path], tmp_path: Path) -> None:
    import jsonschema  # a test extra: a missing one fails the test, never skips it
    result = run("merge", "--endpoint", "127.0.0.1", str(two_vantages["us-ci"]), str(two_vantages["eu-office"]), "--format", "json")
    doc = json.loads(result.stdout)
    schema = json.loads((Path(__file__).parents[1] / "gpt56probe" / "schema" / "check-result.schema.json").read_text())
    jsonschema.validate(doc, schema)
    assert {r["vantage"] for r in doc["results"]} == {"us-ci", "eu-office"}
    assert [v["name"] for v in doc["vantages"]] == ["eu-office", "us-ci"]
    assert doc["vantages"][0]["facts"]["base_url_host"] == "127.0.0.1"
    assert doc["summary"]["status"] == "CRITICAL" and doc["summary"]["exit_code"] == 2
    assert doc["findings"][0]["kind"] == "depends_on_vantage"
    assert doc["findings"][0]["verdicts"] == {"eu-office": "region_vpn", "us-ci": "ok"}
    merged = tmp_path / "merged.json"
    merged.write_text(result.stdout)
    report = run("report", "--format", "markdown", "--endpoint", "127.0.0.1", "--state-dir", str(tmp_path / "none"), str(merged))
    assert report.exit_code == 0, report.output
    assert "| org-acme | gpt-5.6-sol | chat | eu-office | `region_vpn` |" in report.stdout
    assert "| org-acme | gpt-5.6-sol | chat | us-ci | `ok` |" in report.stdout
    page = run("report", "--html", str(tmp_path / "s.html"), "--endpoint", "127.0.0.1", "--state-dir", str(tmp_path / "none"), str(merged))
    assert page.exit_code == 0 and 'data-vantage="eu-office"' in (tmp_path / "s.html").read_text()
    again = run("merge", "--endpoint", "127.0.0.1", str(merged), "--format", "json")  # a merge is an input to merge
    assert json.loads(again.stdout)["results"] == doc["results"]


def test_an_input_that_is_neither_results_nor_history_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "notes.txt"
    bad.write_text("hello\nworld\n")
    result = run("merge", str(bad))
    assert result.exit_code == 3
    assert result.stderr.strip().splitlines() == [f"Error: {bad}: neither a check result (gpt56probe check --format json) "
                                                  "nor a history file (history.jsonl) with usable rows"]
    missing = run("merge", str(tmp_path / "nope.json"))
    assert missing.exit_code == 3 and "cannot read" in missing.stderr


def test_unreadable_history_lines_are_skipped_with_a_warning(tmp_path: Path) -> None:
    history = tmp_path / "eu" / "history.jsonl"
    history.parent.mkdir()
    row = {"org": "org-a", "model": "gpt-5.6-sol", "tier": "sol", "verdict": "ok", "checked_at": "2026-11-24T10:00:00+00:00"}
    history.write_bytes(json.dumps(row).encode() + b"\n\xff\xfe not json\n[1, 2]\n")
    result = run("merge", str(history), "-", input=json.dumps({"results": [{**row, "verdict": "region_vpn", "vantage": "us"}]}))
    assert result.exit_code == 0, result.output
    assert "skipped 2 unreadable lines" in result.stderr
    assert "depends on where you call from (fails at us: region/vpn; works at eu)" in result.stdout  # named after its folder


def test_inputs_all_from_another_endpoint_are_a_mistake_that_names_the_endpoints_they_hold(tmp_path: Path) -> None:
    """Merging only the simulator's rows against the real API is no "nothing to compare" exit 0: it exits 3, says which
    endpoints the inputs hold and how to pick one; with that --endpoint the same inputs merge."""
    history = tmp_path / "eu" / "history.jsonl"
    history.parent.mkdir()
    rows = [row("eu", "org-a", "gpt-5.6-sol", "ok", endpoint="127.0.0.1"), row("us", "org-a", "gpt-5.6-sol", "ok", endpoint="gw.corp")]
    history.write_text("".join(json.dumps(r) + "\n" for r in rows))
    doc = tmp_path / "sim.json"
    doc.write_text(json.dumps({"endpoint": "127.0.0.1", "results": [row("ap", "org-a", "gpt-5.6-sol", "ok")]}))
    result = run("merge", str(history), str(doc), env={"OPENAI_BASE_URL": None})  # type: ignore[dict-item]
    assert result.exit_code == 3, result.output
    error = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert error == ["Error: nothing to merge for endpoint api.openai.com: every input was recorded against 127.0.0.1, "
                     "gw.corp; choose the endpoint to merge with --endpoint 127.0.0.1 or --endpoint gw.corp (without "
                     "--endpoint: the host of OPENAI_BASE_URL, else api.openai.com)"], result.stderr
    assert "nothing to compare" not in result.output and result.stdout == ""
    chosen = run("merge", str(history), str(doc), "--endpoint", "127.0.0.1", env={"OPENAI_BASE_URL": None})  # type: ignore[dict-item]
    assert chosen.exit_code == 0, chosen.output
    assert "org-a @ eu" in chosen.stdout and "org-a @ ap" in chosen.stdout


def test_inputs_that_hold_no_results_at_all_are_a_mistake_too(tmp_path: Path) -> None:
    empty = tmp_path / "unknown.json"
    empty.write_text(json.dumps({"results": [], "summary": {"status": "UNKNOWN", "exit_code": 3}}))
    result = run("merge", str(empty), "--endpoint", "api.openai.com")
    assert result.exit_code == 3, result.output
    assert result.stderr.splitlines()[-1] == ("Error: nothing to merge: the inputs hold no results (a check that could "
                                              "not judge records none)")


def row(vantage: str, org: str, model: str, verdict: str, at: str = "2026-11-24T10:00:00+00:00", **extra: Any) -> dict[str, Any]:
    return {"vantage": vantage, "org": org, "model": model, "tier": "sol" if model == "gpt-5.6-sol" else "fallback",
            "surface": "chat", "stream": False, "verdict": verdict, "checked_at": at, **extra}


def merged_of(*rows: dict[str, Any]) -> core.Merged:
    return core.merge_sources([core.Source("in.json", tuple(rows))])


@pytest.mark.parametrize("verdicts, kind, says", [
    ({"eu": "ok", "us": "ok"}, None, None),
    ({"eu": "timeout", "us": "ok"}, "depends_on_vantage", "depends on where you call from (fails at eu: timeout; works at us)"),
    ({"eu": "network_error", "us": "ok", "ap": "region_vpn"}, "depends_on_vantage", "fails at ap: region/vpn; eu: network; works at us"),
    ({"eu": "not_provisioned", "us": "not_provisioned"}, "about_the_org", "no access from every vantage (eu, us): about the org"),
    ({"eu": "ok", "us": "project_no_access"}, "checks_differ", "works at eu but us: project: the vantages do not check the same way"),
    ({"eu": "region_vpn", "us": "region_vpn"}, "same_everywhere", "region/vpn from every vantage (eu, us): no vantage gets through"),
    ({"eu": "rate_limited", "us": "rate_limited"}, "same_everywhere", "not about where you call from"),
    ({"eu": "region_vpn", "us": "not_provisioned"}, "differs", "differs by vantage (eu: region/vpn; us: no access)"),
])
def test_what_a_difference_between_vantages_means(verdicts: dict[str, str], kind: str | None, says: str | None) -> None:
    merged = merged_of(*(row(v, "org-a", "gpt-5.6-sol", x) for v, x in verdicts.items()))
    if kind is None:
        assert merged.findings == ()
        return
    (finding,) = merged.findings
    assert finding.kind == kind and says in finding.text, finding.text


def test_a_failing_vantage_that_calls_through_a_proxy_says_so() -> None:
    eu = core.Source("eu.json", (row("eu", "org-a", "gpt-5.6-sol", "region_vpn"),),
                     vantage=Vantage("eu", "api.openai.com", "squid.corp:3128", "environment", vpn=("wg0",)))
    us = core.Source("us.json", (row("us", "org-a", "gpt-5.6-sol", "ok"),), vantage=Vantage("us", "api.openai.com"))
    (finding,) = core.merge_sources([eu, us]).findings
    assert finding.text.endswith("(eu calls through proxy squid.corp:3128 with VPN wg0)")


def test_the_latest_check_of_each_vantage_wins_whatever_the_input_order() -> None:
    merged = merged_of(row("eu", "org-a", "gpt-5.6-sol", "ok", "2026-11-24T11:00:00+01:00"),  # 10:00 UTC: earlier
                       row("eu", "org-a", "gpt-5.6-sol", "region_vpn", "2026-11-24T10:30:00+00:00"),
                       row("us", "org-a", "gpt-5.6-sol", "ok", "2026-11-24T10:00:00+00:00"))
    assert {(c.vantage, c.verdict) for c in merged.cells} == {("eu", Verdict.REGION_VPN), ("us", Verdict.OK)}


def test_one_vantage_says_there_is_nothing_to_compare() -> None:
    text = core.render_text(merged_of(row("eu", "org-a", "gpt-5.6-sol", "ok")))
    assert "only one vantage (eu): nothing to compare" in text


def test_a_narrow_terminal_gets_panels_and_hostile_names_stay_on_their_line() -> None:
    rows = [row(v, "org-\x1b[2Jevil\nx", m, "ok") for v in ("eu", "us\r\x07") for m in
            ("gpt-5.6-sol", "gpt-5.6-terra", "gpt-5.6-luna", "gpt-5.5", "gpt-5.4-mini", "gpt-x-extra-long-model-name")]
    text = core.render_text(merged_of(*rows), width=60)
    assert "\x1b" not in text and "\r" not in text and "\x07" not in text
    matrix = core.matrix_lines(merged_of(*rows), width=60)
    assert "\n".join(matrix) in text
    assert all(len(line) <= 60 for line in matrix), matrix
    assert sum(1 for line in matrix if line.startswith("org ")) >= 2  # at least two panels, each with its header
    assert len([line for line in matrix if "@" in line]) >= 4  # both vantages' rows in each panel
    assert "\u241b[2J" in text  # what the name held is shown, as a visible stand-in


@pytest.mark.parametrize("doc, problem", [
    ({"results": {"a": 1}}, '"results" is not a list of objects'),
    ({"results": [{"model": "m"}]}, 'results[0] lacks "model" or "verdict"'),
    ({"results": [{"model": "m", "verdict": "ok", "org": 7}]}, "results[0].org is not a string or null"),
])
def test_a_malformed_result_document_is_refused_naming_the_place(doc: dict[str, Any], problem: str) -> None:
    with pytest.raises(core.MergeInputError, match=re.escape(problem)):
        core.source_from_bytes("x.json", json.dumps(doc).encode())


def test_odd_but_readable_results_still_merge() -> None:
    source = core.source_from_bytes("eu.json", json.dumps({"results": [
        {"model": "gpt-5.6-sol", "verdict": "a_verdict_from_the_future", "vantage": "eu", "stream": "yes", "tier": 5},
        {"model": "gpt-9", "verdict": "ok", "org": None}]}).encode())
    merged = core.merge_sources([source])
    assert {(c.vantage, c.model, c.verdict) for c in merged.cells} == {("eu", "gpt-5.6-sol", Verdict.UNKNOWN), ("eu", "gpt-9", Verdict.OK)}
    doc = core.merged_doc(merged)
    assert {r["tier"] for r in doc["results"]} <= {"sol", "terra", "luna", "fallback"}


FIVE = ("gpt-5.6-sol", "gpt-5.6-terra", "gpt-5.6-luna", "gpt-5.5", "gpt-5.4-mini")


def tiered(vantage: str, org: str, model: str, verdict: str) -> dict[str, Any]:
    """A row as `check` writes it for the README's five models (the 5.6 tiers by name, the fallbacks by id)."""
    return {**row(vantage, org, model, verdict), "tier": model[8:] if model.startswith("gpt-5.6-") else "fallback"}


def test_the_matrix_in_colour_at_80_columns_lines_up_like_the_plain_one() -> None:
    """On a colour terminal at 80 columns the matrix came out as single-spaced words with rows wrapped:
    the colour marks were counted as columns and the lines re-wrapped as prose."""
    from gpt56probe.core import style

    merged = merged_of(*(tiered(v, org, m, "ok" if org.endswith("approved") else "region_vpn")
                         for org in ("org-sim-approved", "org-sim-region") for v in ("office", "us-ci") for m in FIVE))
    plain, painted = core.render_text(merged, 80), core.render_text(merged, 80, colour=True)
    assert style.MARKS.search(painted) and style.plain(painted) == plain
    matrix = plain.split("\n\n")[0].splitlines()
    assert matrix == core.matrix_lines(merged, 80) and len(matrix) == 7, matrix  # not re-wrapped
    assert [len(line.split()) for line in matrix] == [6, 1, 7, 7, 1, 7, 7], matrix  # "@ office" + 5 cells a row


def test_rows_too_wide_for_80_columns_go_under_their_org_each_keeping_its_whole_vantage() -> None:
    """At 80 columns "org-sim-approved @ office" was cut to "org-sim-approv…office": the "@" and most of the
    vantage lost. Now each org is a line of its own and its vantages are rows under it; wide enough, one line."""
    merged = merged_of(*(tiered(v, org, m, "ok" if org.endswith("approved") else "region_vpn")
                         for org in ("org-sim-approved", "org-sim-region") for v in ("office", "us-ci") for m in FIVE))
    matrix = core.matrix_lines(merged, 80)
    assert [line.split()[:2] for line in matrix[1:]] == [
        ["org-sim-approved"], ["@", "office"], ["@", "us-ci"], ["org-sim-region"], ["@", "office"], ["@", "us-ci"]]
    assert matrix[2].split()[2:] == ["ok"] * 5 and matrix[5].split()[2:] == ["region/vpn"] * 5
    assert all(len(line) <= 80 and "\u2026" not in line for line in matrix), matrix
    assert core.matrix_lines(merged, 100)[1].startswith("org-sim-approved @ office  ok")  # room for all of it: one line


def test_the_readme_merge_example_is_what_merge_draws_at_80_columns() -> None:
    """The README's capture was 86 columns wide; it is the renderer's output for its two inputs at 80."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    start = readme.index("gpt56probe merge eu.json us.json\n```\n```\n") + len("gpt56probe merge eu.json us.json\n```\n```\n")
    block = readme[start:readme.index("```\n", start)]
    at = "2026-11-24T10:00:00+00:00"

    def rows(vantage: str) -> tuple[dict[str, Any], ...]:
        return tuple(dict(tiered(vantage, org, m, verdict), checked_at=at) for m in FIVE for org, verdict in (
            ("org-acme", "region_vpn" if vantage == "eu-office" else "ok"),
            ("org-beta", "provisioning_pending" if m.startswith("gpt-5.6-") else "ok")))

    eu = core.Source("eu.json", rows("eu-office"), at, Vantage("eu-office", "api.openai.com", "squid.corp:3128", "environment",
                                                                no_proxy=".corp"), "CRITICAL")
    us = core.Source("us.json", rows("us-ci"), at, Vantage("us-ci", "api.openai.com"), "CRITICAL")
    assert block == core.render_text(core.merge_sources([eu, us]), 80)
    assert max(len(line) for line in block.splitlines()) <= 80
