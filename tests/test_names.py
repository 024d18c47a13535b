"""Names as typed (issue 14, item 4): a typo gets "did you mean" and exit 3; any other id is probed and expected."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner

from gpt56probe.cli import main
from gpt56probe.core.models import DEFAULT_TABLE
from gpt56probe.core.names import UnknownName, check_model_ids, check_tier, edits, expect_models, explicit_extras, typo_of
from gpt56probe.core.observation import Diagnosis, Severity, Target, Verdict
from gpt56probe.core.expectations import expected_reach
from gpt56probe.views.render import status_line
from tests.conftest import FAKE_KEY


# --------------------------------------------------------------------------- pure


@pytest.mark.parametrize("typed,meant", [
    ("gpt-5.6-sool", "gpt-5.6-sol"), ("gpt-5.6-so", "gpt-5.6-sol"), ("gpt-5.6-tera", "gpt-5.6-terra"),
    ("gpt5.6-luna", "gpt-5.6-luna"), ("gpt-5.4-mni", "gpt-5.4-mini"), ("GPT-5.6-SOL", "gpt-5.6-sol"), ("gtp-5.6-sol", "gpt-5.6-sol"),
])
def test_one_or_two_edits_from_a_known_id_is_a_typo(typed: str, meant: str) -> None:
    assert typo_of(typed, DEFAULT_TABLE.ids) == meant
    with pytest.raises(UnknownName, match=f"did you mean {meant}\\?"):
        check_model_ids([typed], DEFAULT_TABLE)


@pytest.mark.parametrize("new_id", ["gpt-5.6-sol-2026-01-15", "gpt-5.7", "gpt-5.6", "gpt-5.6-sol2", "o4-mini", "gpt-5.6-luna-mini"])
def test_a_snapshot_or_a_new_version_is_taken_as_given(new_id: str) -> None:
    assert typo_of(new_id, DEFAULT_TABLE.ids) is None
    assert check_model_ids([new_id], DEFAULT_TABLE) == (new_id,)


def test_edits_count_insertions_deletions_and_replacements() -> None:
    assert edits("gpt-5.6-sool", "gpt-5.6-sol") == 1
    assert edits("gtp", "gpt") == 2
    assert edits("abc", "abc") == 0


def test_a_tier_name_as_a_model_id_points_to_tier() -> None:
    with pytest.raises(UnknownName, match="use --tier terra"):
        check_model_ids(["terra"], DEFAULT_TABLE)


def test_a_model_named_twice_is_probed_once() -> None:
    assert check_model_ids(["gpt-5.6-sol", "gpt-5.6-sol", "x-new"], DEFAULT_TABLE) == ("gpt-5.6-sol", "x-new")


@pytest.mark.parametrize("typed,meant", [("sool", "sol"), ("lunar", "luna"), ("tera", "terra"), ("sol-ultra", "sol")])
def test_an_unknown_tier_suggests_the_likely_one(typed: str, meant: str) -> None:
    with pytest.raises(UnknownName, match=f"did you mean {meant}\\?"):
        check_tier(typed)


def test_tiers_are_case_insensitive_and_a_far_miss_lists_them() -> None:
    assert check_tier("Terra") == "terra"
    with pytest.raises(UnknownName, match=r"unknown tier 'mars': \(tiers: sol, terra, luna\)"):
        check_tier("mars")


def test_explicit_ids_beyond_the_tiers_become_expected_targets() -> None:
    extras = explicit_extras(["gpt-5.6-sol", "gpt-5.6-sol-2026-01-15", "gpt-5.5"], DEFAULT_TABLE)
    assert extras == ("gpt-5.6-sol-2026-01-15", "gpt-5.5")
    assert expect_models(("sol",), extras) == ("sol", "gpt-5.6-sol-2026-01-15", "gpt-5.5")
    assert expect_models({"org-a": ("terra",)}, ("x",)) == {"org-a": ("terra", "x")}


def d(model: str, verdict: Verdict, surface: str = "chat", stream: bool = False, org: str = "org-a") -> Diagnosis:
    return Diagnosis(Target(org, model, DEFAULT_TABLE.tier_of(model), surface, stream), verdict, "r", "s")


def test_an_expected_snapshot_is_counted_so_the_line_never_reads_zero_of_zero() -> None:
    diagnoses = [d("gpt-5.6-sol-2026-01-15", Verdict.OK), d("gpt-x", Verdict.NOT_PROVISIONED)]
    expected = expect_models(("sol", "terra", "luna"), ("gpt-5.6-sol-2026-01-15", "gpt-x"))
    assert expected_reach(diagnoses, expected) == (1, 2)
    assert status_line(diagnoses, Severity.CRITICAL, expected=expected) == \
        "GPT56 CRITICAL - 1/2 expected tiers reachable; org-a gpt-x: not_provisioned"


def test_the_status_line_says_each_target_once_and_a_surface_only_where_it_differs() -> None:
    both_fail = [d("gpt-5.6-sol", Verdict.PROVISIONING_PENDING), d("gpt-5.6-sol", Verdict.PROVISIONING_PENDING, "responses")]
    assert status_line(both_fail, Severity.CRITICAL).endswith("; org-a gpt-5.6-sol: provisioning_pending")
    one_fails = [d("gpt-5.6-sol", Verdict.OK), d("gpt-5.6-sol", Verdict.KEY_PERMISSIONS, "responses")]
    assert status_line(one_fails, Severity.CRITICAL).endswith("; org-a gpt-5.6-sol responses: key_permissions")
    streamed = [d("gpt-5.6-terra", Verdict.OK), d("gpt-5.6-terra", Verdict.ORG_NOT_ELIGIBLE, stream=True)]
    assert status_line(streamed, Severity.CRITICAL).endswith("; org-a gpt-5.6-terra chat stream: org_not_eligible")
    mixed = [d("gpt-5.6-luna", Verdict.PROVISIONING_PENDING), d("gpt-5.6-luna", Verdict.NOT_PROVISIONED, "responses")]
    assert status_line(mixed, Severity.CRITICAL).endswith(
        "; org-a gpt-5.6-luna chat: provisioning_pending, org-a gpt-5.6-luna responses: not_provisioned")


# --------------------------------------------------------------------------- the CLI


def run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args), env={"OPENAI_API_KEY": FAKE_KEY}, catch_exceptions=False)


@pytest.mark.parametrize("args,message", [
    (["--tier", "sool"], "did you mean sol?"),
    (["--tier", "mars"], "tiers: sol, terra, luna"),
    (["--model", "gpt-5.6-sool"], "did you mean gpt-5.6-sol?"),
    (["--model", "luna"], "use --tier luna"),
])
def test_a_misspelt_name_is_one_line_and_exit_3(args: list[str], message: str) -> None:
    result = run("check", "--base-url", "http://127.0.0.1:9/v1", *args)
    assert result.exit_code == 3
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_an_unknown_model_id_is_probed_and_counts_as_expected(sim: Any, tmp_path: Any) -> None:
    result = run("check", "--base-url", sim.base_url, "--org", "org-sim-approved", "--model", "gpt-5.6-sol-2026-01-15",
                 "--format", "json", "--state-dir", str(tmp_path))
    doc = json.loads(result.stdout)
    assert [r["model"] for r in doc["results"]] == ["gpt-5.6-sol-2026-01-15"]
    assert doc["summary"]["expected_total"] == 1
    nagios = run("check", "--base-url", sim.base_url, "--org", "org-sim-approved", "--model", "gpt-5.6-sol-2026-01-15",
                 "--format", "nagios", "--state-dir", str(tmp_path))
    assert "0/1 expected" in nagios.stdout and "0/0" not in nagios.stdout


def test_a_tier_and_its_own_model_id_probe_it_once(sim: Any, tmp_path: Any) -> None:
    before = len(sim.requests)
    result = run("check", "--base-url", sim.base_url, "--org", "org-sim-approved", "--tier", "sol", "--model", "gpt-5.6-sol",
                 "--format", "json", "--state-dir", str(tmp_path))
    doc = json.loads(result.stdout)
    assert [r["model"] for r in doc["results"]] == ["gpt-5.6-sol"] and result.exit_code == 0
    sampled = [r for r in sim.requests[before:] if r.path.endswith("/chat/completions")]
    assert len(sampled) == 1
