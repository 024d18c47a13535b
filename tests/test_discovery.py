"""What the org's list tells the check (gpt56probe/core/discovery.py and its use by classify): pure, by hand-built observations."""

from __future__ import annotations

import json
import tomllib

import pytest

from gpt56probe.core.classify import classify, classify_all
from gpt56probe.core.discovery import (
    DISCOVER_ALL,
    DISCOVER_SUBSTITUTES,
    MAX_DISCOVERED_PER_ORG,
    config_line,
    config_snippet,
    discover,
    family_ids,
    next_step,
    same_tier,
    substitutes,
    switch_instruction,
)
from gpt56probe.core.models import DEFAULT_TABLE, DISCOVERED, SOURCE_BUILTIN, SOURCE_ENV, SOURCE_FILE, ModelIdSource
from gpt56probe.core.observation import (
    PRECHECK_LISTED,
    PRECHECK_NOT_LISTED,
    Exchange,
    ModelListing,
    Observation,
    Target,
    Verdict,
)

ORG = "org-dated"
TERRA = "gpt-5.6-terra"
DATED = "gpt-5.6-terra-2026-06-26"
LISTED = ("gpt-5.5", "gpt-5.4-mini", "gpt-5.6-sol-2026-06-26", DATED, "gpt-5.6-luna-2026-06-26", "gpt-5.6-sol-ultra-2026-06-26")
NOT_FOUND = json.dumps({"error": {"message": f"The model `{TERRA}` does not exist or you do not have access to it.",
                                  "type": "invalid_request_error", "param": None, "code": "model_not_found"}})
OK = json.dumps({"object": "chat.completion", "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"},
                                                           "finish_reason": "stop"}]})
FILE_SOURCE = {"terra": ModelIdSource("terra", TERRA, SOURCE_BUILTIN, "/home/u/.config/gpt56probe/config.toml")}


def listing(ids: tuple[str, ...] | None = LISTED, org: str | None = ORG) -> ModelListing:
    return ModelListing(org, None, "k1", ids, Exchange(200 if ids is not None else 401, {}, ""))


def observed(model: str = TERRA, tier: str = "terra", status: int = 404, body: str = NOT_FOUND,
             lst: ModelListing | None = None, org: str | None = ORG) -> Observation:
    lst = lst if lst is not None else listing(org=org)
    precheck = lst.state_for(model)
    return Observation(Target(org, model, tier, key_id="k1"), precheck, lst.exchange, Exchange(status, {}, body), 1, listing=lst)


# --------------------------------------------------------------------------- choosing ids


def test_family_ids_are_deduplicated_and_ordered_by_tier_then_newest_snapshot() -> None:
    ids = ("gpt-5.5", "gpt-5.6-luna", "gpt-5.6-terra-2026-06-26", "gpt-5.6-solar", "gpt-5.6-terra-2026-08-01", "gpt-5.6-terra-2026-06-26",
           "gpt-5.6-sol-ultra", "gpt-5.6-sol", "gpt-5.60")
    assert family_ids(ids) == ("gpt-5.6-sol", "gpt-5.6-terra-2026-08-01", "gpt-5.6-terra-2026-06-26", "gpt-5.6-luna",
                               "gpt-5.6-sol-ultra", "gpt-5.6-solar")


def test_same_tier_never_offers_ultra_for_sol_nor_the_configured_id_itself() -> None:
    assert same_tier(LISTED, "sol") == ("gpt-5.6-sol-2026-06-26",)
    assert same_tier(("gpt-5.6-sol-ultra-2026-06-26",), "sol") == ()
    assert same_tier((TERRA, DATED), "terra", exclude=(TERRA,)) == (DATED,)


def test_substitutes_only_for_tiers_whose_configured_id_is_not_listed() -> None:
    assert substitutes(LISTED, DEFAULT_TABLE) == {"sol": ("gpt-5.6-sol-2026-06-26",), "terra": (DATED,), "luna": ("gpt-5.6-luna-2026-06-26",)}
    assert substitutes((TERRA, DATED, "gpt-5.6-sol-2026-06-26"), DEFAULT_TABLE) == {"sol": ("gpt-5.6-sol-2026-06-26",)}
    assert substitutes(None, DEFAULT_TABLE) == {} and substitutes((), DEFAULT_TABLE) == {}


def test_discover_all_probes_every_unconfigured_5_6_id_but_ultra() -> None:
    found = discover(LISTED + ("gpt-5.6-solar", "gpt-5.6-terra-ultra"), DEFAULT_TABLE, DISCOVER_ALL)
    assert found.probe == ("gpt-5.6-sol-2026-06-26", DATED, "gpt-5.6-luna-2026-06-26", "gpt-5.6-solar")
    assert found.ultra == ("gpt-5.6-sol-ultra-2026-06-26", "gpt-5.6-terra-ultra")
    assert any("--model" in n and "Ultra" in n for n in found.notes(ORG))


def test_discover_ultra_is_probed_only_when_named_so_never_discovered() -> None:
    named = discover(LISTED, DEFAULT_TABLE, DISCOVER_ALL, probed=("gpt-5.6-sol-ultra-2026-06-26",))
    assert "gpt-5.6-sol-ultra-2026-06-26" not in named.probe and named.ultra == ()


def test_discover_skips_configured_and_already_probed_ids_and_keeps_to_the_tiers_asked() -> None:
    found = discover(LISTED + (TERRA,), DEFAULT_TABLE, DISCOVER_ALL, probed=("gpt-5.6-luna-2026-06-26",), tiers=("terra", "luna"))
    assert found.probe == (DATED,)


def test_discover_substitutes_only_stands_in_for_unlisted_configured_ids() -> None:
    found = discover((TERRA, DATED, "gpt-5.6-sol-2026-06-26", "gpt-5.6-luna-2026-01-01", "gpt-5.6-solar"), DEFAULT_TABLE,
                     DISCOVER_SUBSTITUTES)
    assert found.probe == ("gpt-5.6-sol-2026-06-26", "gpt-5.6-luna-2026-01-01")


def test_a_list_of_hundreds_of_5_6_ids_is_at_most_a_bounded_number_of_probes() -> None:
    many = tuple(f"gpt-5.6-terra-2026-{m:02d}-{d:02d}" for m in range(1, 13) for d in range(1, 29))
    found = discover(many, DEFAULT_TABLE)
    assert len(found.probe) == MAX_DISCOVERED_PER_ORG and len(found.over_limit) == len(many) - MAX_DISCOVERED_PER_ORG
    assert found.probe[0] == "gpt-5.6-terra-2026-12-28"  # newest first
    assert any(f"{len(found.over_limit)} more" in n for n in found.notes(ORG))


def test_ids_unfit_to_send_are_never_probed_only_counted() -> None:
    hostile = ("gpt-5.6-\x1b[2J", "gpt-5.6-" + "x" * 500, "gpt-5.6-terr\u0430", "gpt-5.6-a b", "gpt-5.6-\"quote")
    found = discover(hostile, DEFAULT_TABLE)
    assert found.probe == () and found.unprobeable == len(hostile)
    assert all("\x1b" not in n for n in found.notes(ORG))


def test_no_list_means_nothing_to_discover() -> None:
    assert discover(None, DEFAULT_TABLE) == discover((), DEFAULT_TABLE)


# --------------------------------------------------------------------------- the setting that switches


@pytest.mark.parametrize("model_id", [DATED, 'gpt-5.6-terra-"]\n[x]', "gpt-5.6-\x7f\u2028\\"])
def test_the_config_snippet_is_valid_toml_that_sets_exactly_that_id(model_id: str) -> None:
    assert tomllib.loads(config_snippet("terra", model_id)) == {"models": {"terra": {"id": model_id}}}
    assert "\n" not in config_line("terra", model_id)


def test_the_config_line_is_the_one_the_issue_quotes() -> None:
    assert config_line("terra", DATED) == '[models.terra] id = "gpt-5.6-terra-2026-06-26"'


def test_the_instruction_names_the_file_or_the_env_variable_that_wins() -> None:
    in_file = switch_instruction("terra", DATED, ModelIdSource("terra", TERRA, SOURCE_FILE, "/etc/gp/config.toml"))
    assert in_file == '[models.terra] id = "gpt-5.6-terra-2026-06-26" in /etc/gp/config.toml'
    env = switch_instruction("terra", DATED, ModelIdSource("terra", "x", SOURCE_ENV, "GPT56PROBE_MODEL_TERRA"))
    assert env.startswith(f"set GPT56PROBE_MODEL_TERRA={DATED}")
    assert "config.toml" in switch_instruction("terra", DATED)  # the demo: no file known


# --------------------------------------------------------------------------- the next step (through classify)


def test_a_wrong_id_keeps_not_provisioned_but_its_next_step_names_the_listed_id_and_the_config_line() -> None:
    d = classify_all([observed()], FILE_SOURCE)[0]
    assert d.verdict is Verdict.NOT_PROVISIONED and d.precheck == PRECHECK_NOT_LISTED
    assert DATED in d.remediation
    assert '[models.terra] id = "gpt-5.6-terra-2026-06-26" in /home/u/.config/gpt56probe/config.toml' in d.remediation
    plain = classify(observed(lst=listing(("gpt-5.5",))))
    assert plain.verdict is Verdict.NOT_PROVISIONED and DATED not in plain.remediation  # nothing of the tier listed: the old step
    assert d.reason == plain.reason  # only the next step changed


def test_more_listed_ids_of_the_tier_name_the_newest_and_mention_the_others() -> None:
    lst = listing(("gpt-5.6-terra-2026-01-01", DATED, "gpt-5.6-terra-preview"))
    d = classify(observed(lst=lst))
    assert f"lists {DATED} (terra, also gpt-5.6-terra-2026-01-01, gpt-5.6-terra-preview)" in d.remediation


def test_the_hint_names_the_env_variable_when_the_id_comes_from_the_environment() -> None:
    source = {"terra": ModelIdSource("terra", TERRA, SOURCE_ENV, "GPT56PROBE_MODEL_TERRA")}
    d = classify_all([observed()], source)[0]
    assert f"set GPT56PROBE_MODEL_TERRA={DATED}" in d.remediation


@pytest.mark.parametrize("case", ["listed", "answered", "no_list", "fallback", "project", "wrong_org", "ultra_only", "server_error"])
def test_no_hint_where_the_list_does_not_say_the_id_is_the_problem(case: str) -> None:
    if case == "listed":  # the org lists the configured id: access, not the id (provisioning_pending)
        obs = observed(lst=listing((TERRA, DATED)))
    elif case == "answered":
        obs = observed(status=200, body=OK)
    elif case == "no_list":
        obs = observed(lst=listing(None))
    elif case == "fallback":
        obs = observed(model="gpt-5.5", tier="fallback", lst=listing(("gpt-5.5-2026-01-01",)))
    elif case == "project":
        body = json.dumps({"error": {"message": f"Project `proj_abc` does not have access to model `{TERRA}`", "type": "invalid_request_error",
                                     "param": None, "code": "model_not_found"}})
        obs = observed(status=403, body=body)
    elif case == "wrong_org":
        obs = observed(body=json.dumps({"error": {"message": "OpenAI-Organization header should match organization for API key",
                                                  "type": "invalid_request_error", "param": None, "code": "mismatched_organization"}}), status=401)
    elif case == "ultra_only":
        obs = observed(model="gpt-5.6-sol", tier="sol", lst=listing(("gpt-5.6-sol-ultra-2026-06-26",)))
    else:
        obs = observed(status=500, body=json.dumps({"error": {"message": "The server had an error", "type": "server_error"}}))
    d = classify_all([obs], FILE_SOURCE)[0]
    assert "[models." not in d.remediation and "does not list" not in d.remediation


def test_the_listed_id_hint_outranks_the_same_key_reaching_the_id_elsewhere() -> None:
    other = ModelListing("org-other", None, "k1", (TERRA,), Exchange(200, {}, ""))
    reached = Observation(Target("org-other", TERRA, "terra", key_id="k1"), PRECHECK_LISTED, other.exchange, Exchange(200, {}, OK), 1, listing=other)
    here = classify_all([observed(), reached], FILE_SOURCE)[0]
    alone = classify_all([observed()], FILE_SOURCE)[0]
    assert here.verdict is alone.verdict is Verdict.NOT_PROVISIONED
    assert here.remediation == alone.remediation and "[models.terra]" in here.remediation


def test_a_discovered_id_that_answers_says_what_it_is_and_how_to_use_it() -> None:
    lst = listing()
    ok = Observation(Target(ORG, DATED, DISCOVERED, key_id="k1"), PRECHECK_LISTED, lst.exchange, Exchange(200, {}, OK), 1, listing=lst)
    d = classify_all([ok], FILE_SOURCE)[0]
    assert d.verdict is Verdict.OK and "terra by its name" in d.remediation and '[models.terra] id = "gpt-5.6-terra-2026-06-26"' in d.remediation
    odd = Observation(Target(ORG, "gpt-5.6-solar", DISCOVERED, key_id="k1"), PRECHECK_LISTED, lst.exchange, Exchange(200, {}, OK), 1, listing=lst)
    assert "--model" in classify(odd).remediation
    refused = Observation(Target(ORG, DATED, DISCOVERED, key_id="k1"), PRECHECK_LISTED, lst.exchange, Exchange(404, {}, NOT_FOUND), 1, listing=lst)
    assert classify(refused).verdict is Verdict.PROVISIONING_PENDING  # listed, refused: the usual verdict and step


def test_next_step_is_total_on_odd_observations() -> None:
    odd = Observation(Target(None, TERRA, "terra"), PRECHECK_NOT_LISTED, None, None, listing=ModelListing(None, None, "", ("x", 5), Exchange()))  # type: ignore[arg-type]
    assert next_step(odd, Verdict.NOT_PROVISIONED, True, "as before", {}) == "as before"


@pytest.mark.parametrize("found,ending", [(Verdict.OK, "config.toml. --discover probed it: it answers."),
                                          (Verdict.PROVISIONING_PENDING, "config.toml. --discover probed it: provisioning_pending."),
                                          (None, "config.toml (`gpt56probe check --org org-dated --discover` tries it).")])
def test_what_discover_found_is_a_sentence_of_its_own_after_the_switch(found: Verdict | None, ending: str) -> None:
    discovered = {DATED: found} if found is not None else {}
    step = next_step(observed(), Verdict.NOT_PROVISIONED, True, "as before", FILE_SOURCE, discovered)
    assert step.endswith(ending), step
    assert "config.toml --discover" not in step
