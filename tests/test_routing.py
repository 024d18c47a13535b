"""routing.py: diagnoses -> RoutingPlan -> python / typescript / json. Pure, hand-built diagnoses."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gpt56probe.core import routing
from gpt56probe.core.discovery import substitutes
from gpt56probe.core.models import DEFAULT_TABLE, DISCOVERED
from gpt56probe.core.observation import Diagnosis, Target, Verdict

SOL, TERRA, LUNA, G55, MINI = DEFAULT_TABLE.ids
ORG = "org-x"
URL = "https://api.example.test/v1"
WHEN = "2026-11-23T10:00:00.000+00:00"


def diags(verdicts: dict[str, Verdict], org: str | None = ORG) -> list[Diagnosis]:
    return [Diagnosis(Target(org, m, DEFAULT_TABLE.tier_of(m)), v, "r", "n") for m, v in verdicts.items()]


def all_(verdict: Verdict, **overrides: Verdict) -> dict[str, Verdict]:
    base = {m: verdict for m in DEFAULT_TABLE.ids}
    base.update({DEFAULT_TABLE.ids[["sol", "terra", "luna", "g55", "mini"].index(k)]: v for k, v in overrides.items()})
    return base


def plan_for(verdicts: dict[str, Verdict], org: str | None = ORG) -> routing.RoutingPlan:
    return routing.build_plan(diags(verdicts, org), DEFAULT_TABLE, org, URL, WHEN)


def exec_python(text: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    exec(compile(text, "routing_config.py", "exec"), namespace)
    return namespace


def test_all_reachable_each_role_on_its_tier() -> None:
    plan = plan_for(all_(Verdict.OK))
    assert plan.reachable
    assert [(r.role, r.model, r.fallbacks) for r in plan.routes] == [
        ("hard", SOL, (G55, MINI)),
        ("balanced", TERRA, (G55, MINI)),
        ("cheap", LUNA, (G55, MINI)),
    ]
    assert plan.fallback_roles == ()
    assert not any(r.degraded for r in plan.routes)


def test_unprovisioned_every_role_on_gpt55() -> None:
    plan = plan_for(all_(Verdict.OK, sol=Verdict.NOT_PROVISIONED, terra=Verdict.NOT_PROVISIONED, luna=Verdict.NOT_PROVISIONED))
    assert {r.role: r.chain for r in plan.routes} == {"hard": (G55, MINI), "balanced": (G55, MINI), "cheap": (G55, MINI)}
    assert plan.fallback_roles == ("hard", "balanced", "cheap")
    assert "Roles served by a fallback: hard (gpt-5.5 instead of gpt-5.6-sol)" in "\n".join(routing.header_lines(plan))


def test_safety_check_is_reachable_but_degraded_and_luna_is_the_retry_path() -> None:
    plan = plan_for(all_(Verdict.OK, sol=Verdict.SAFETY_CHECK, terra=Verdict.SAFETY_CHECK))
    hard, balanced, cheap = plan.routes
    assert hard.chain == (SOL, LUNA, G55, MINI) and hard.degraded and not hard.served_by_fallback
    assert balanced.chain == (TERRA, LUNA, G55, MINI) and balanced.degraded
    assert cheap.chain == (LUNA, G55, MINI) and not cheap.degraded
    assert any("faster retry path" in n for n in hard.notes)
    assert plan.fallback_roles == ()


def test_safety_without_a_healthy_luna_does_not_add_luna() -> None:
    plan = plan_for(all_(Verdict.OK, sol=Verdict.SAFETY_CHECK, luna=Verdict.RATE_LIMITED))
    assert plan.route("hard").chain == (SOL, G55, MINI)
    assert plan.route("cheap").chain == (G55, MINI)


def test_one_tier_missing_falls_back_for_that_role_only() -> None:
    plan = plan_for(all_(Verdict.OK, sol=Verdict.PROJECT_NO_ACCESS))
    assert plan.route("hard").chain == (G55, MINI)
    assert plan.route("balanced").chain == (TERRA, G55, MINI)
    assert plan.fallback_roles == ("hard",)


def test_mixed_probes_of_one_model_any_failure_makes_it_unreachable() -> None:
    d = diags({SOL: Verdict.OK}) + diags({SOL: Verdict.UNSUPPORTED_PARAMETER}) + diags(all_(Verdict.OK, sol=Verdict.OK))
    states = {s.model: s for s in routing.model_states(d, DEFAULT_TABLE, ORG)}
    assert states[SOL].state == routing.STATE_UNREACHABLE


def test_other_orgs_diagnoses_are_ignored_and_unprobed_models_unreachable() -> None:
    d = diags(all_(Verdict.OK), org="org-other") + diags({LUNA: Verdict.OK})
    plan = routing.build_plan(d, DEFAULT_TABLE, ORG, URL, WHEN)
    assert plan.route("hard").model is None
    assert plan.route("cheap").chain == (LUNA,)
    assert plan.reachable


def test_nothing_reachable_roles_null() -> None:
    plan = plan_for(all_(Verdict.WRONG_ORG))
    assert not plan.reachable
    assert all(r.model is None and r.fallbacks == () for r in plan.routes)
    doc = json.loads(routing.render_json(plan))
    assert doc["reachable"] is False
    assert {k: v["model"] for k, v in doc["roles"].items()} == {"hard": None, "balanced": None, "cheap": None}
    ns = exec_python(routing.render_python(plan))
    assert ns["MODELS"] == {"hard": None, "balanced": None, "cheap": None}
    assert ns["REACHABLE"] is False and ns["model_chain"]("hard") == []
    assert "NOTHING IS REACHABLE" in routing.render_typescript(plan)


@pytest.mark.parametrize("verdicts", [
    all_(Verdict.OK),
    all_(Verdict.OK, sol=Verdict.NOT_PROVISIONED, terra=Verdict.NOT_PROVISIONED, luna=Verdict.NOT_PROVISIONED),
    all_(Verdict.OK, sol=Verdict.SAFETY_CHECK, terra=Verdict.SAFETY_CHECK),
])
def test_python_config_compiles_and_holds_the_plan(verdicts: dict[str, Verdict]) -> None:
    plan = plan_for(verdicts)
    ns = exec_python(routing.render_python(plan))
    assert ns["ORG"] == ORG and ns["BASE_URL"] == URL and ns["PROBED_AT"] == WHEN and ns["REACHABLE"] is True
    for r in plan.routes:
        assert ns["MODELS"][r.role] == r.model
        assert ns["FALLBACKS"][r.role] == r.fallbacks
        assert ns["model_chain"](r.role) == list(r.chain)
    assert ns["SERVED_BY_FALLBACK"] == plan.fallback_roles


def test_json_doc_matches_plan() -> None:
    plan = plan_for(all_(Verdict.OK, sol=Verdict.SAFETY_CHECK))
    doc = json.loads(routing.render(plan, "json"))
    assert doc["schema"] == routing.PLAN_SCHEMA
    assert doc["org"] == ORG and doc["base_url"] == URL and doc["probed_at"] == WHEN
    assert doc["roles"]["hard"] == {
        "tier": "sol", "preferred": SOL, "model": SOL, "fallbacks": [LUNA, G55, MINI],
        "served_by_fallback": False, "listed": [], "served_by_listed_id": False, "degraded": True,
        "notes": list(plan.route("hard").notes),
    }
    assert doc["models"][SOL]["state"] == "degraded"


def test_hostile_org_and_url_cannot_break_out_of_comments_or_strings() -> None:
    org = "org-a\nimport os; os.system('x')  # \u2028 \"'*/"
    url = "http://h/v1\r\nX = 1"
    plan = routing.build_plan(diags(all_(Verdict.OK), org=org), DEFAULT_TABLE, org, url, WHEN)
    ns = exec_python(routing.render_python(plan))
    assert ns["ORG"] == org and ns["BASE_URL"] == plan.base_url
    assert "os" not in ns and "X" not in ns
    for line in routing.header_lines(plan):
        assert line.isascii() and "\n" not in line and "\r" not in line
    ts = routing.render_typescript(plan)
    assert "\u2028" not in ts and "\r" not in ts
    assert json.loads(routing.render_json(plan))["org"] == org


@pytest.mark.parametrize("emit", ["python", "typescript", "json"])
def test_a_plan_never_writes_url_credentials(emit: str) -> None:
    url = "https://planuser:PlanPassw0rd@relay.example/v1?api_key=abc123"
    plan = routing.build_plan(diags(all_(Verdict.OK)), DEFAULT_TABLE, ORG, url, WHEN)
    text = routing.render(plan, emit)
    assert "PlanPassw0rd" not in text and "planuser" not in text and "abc123" not in text
    assert "https://relay.example/v1?api_key=***" in text


def test_unknown_emit_format() -> None:
    with pytest.raises(ValueError):
        routing.render(plan_for(all_(Verdict.OK)), "yaml")


# --------------------------------------------------------------------------- listed ids (issue 17)

DATED = "gpt-5.6-terra-2026-06-26"


def test_plan_routes_a_role_to_the_listed_id_when_the_configured_one_is_not_listed() -> None:
    verdicts = all_(Verdict.OK, terra=Verdict.NOT_PROVISIONED)
    listed = [Diagnosis(Target(ORG, DATED, DISCOVERED), Verdict.OK, "r", "n")]
    plan = routing.build_plan(diags(verdicts) + listed, DEFAULT_TABLE, ORG, URL, WHEN,
                              substitutes=substitutes((SOL, DATED, LUNA, G55, MINI), DEFAULT_TABLE))
    balanced = plan.route("balanced")
    assert balanced.model == DATED and balanced.served_by_listed_id and not balanced.served_by_fallback
    assert balanced.fallbacks == (G55, MINI)
    assert plan.listed_id_roles == ("balanced",) and plan.fallback_roles == ()
    header = routing.header_lines(plan)
    assert any("Roles served by a listed id" in line and DATED in line for line in header)
    assert any('[models.terra] id = "gpt-5.6-terra-2026-06-26"' in line for line in header)
    doc = routing.plan_doc(plan)
    assert doc["roles"]["balanced"]["served_by_listed_id"] is True and doc["roles"]["balanced"]["listed"] == [DATED]
    assert doc["models"][DATED]["tier"] == "terra"
    assert exec_python(routing.render_python(plan))["SERVED_BY_LISTED_ID"] == ("balanced",)


def test_a_listed_id_that_does_not_answer_falls_through_to_the_fallbacks() -> None:
    verdicts = all_(Verdict.OK, terra=Verdict.NOT_PROVISIONED)
    refused = [Diagnosis(Target(ORG, DATED, DISCOVERED), Verdict.PROVISIONING_PENDING, "r", "n")]
    plan = routing.build_plan(diags(verdicts) + refused, DEFAULT_TABLE, ORG, URL, WHEN, substitutes={"terra": (DATED,)})
    balanced = plan.route("balanced")
    assert balanced.model == G55 and balanced.served_by_fallback and not balanced.served_by_listed_id


def test_a_listed_luna_is_the_faster_retry_path_when_the_configured_luna_is_not_listed() -> None:
    luna_dated = "gpt-5.6-luna-2026-06-26"
    verdicts = all_(Verdict.OK, sol=Verdict.SAFETY_CHECK, luna=Verdict.NOT_PROVISIONED)
    listed = [Diagnosis(Target(ORG, luna_dated, DISCOVERED), Verdict.OK, "r", "n")]
    plan = routing.build_plan(diags(verdicts) + listed, DEFAULT_TABLE, ORG, URL, WHEN, substitutes={"luna": (luna_dated,)})
    assert plan.route("hard").fallbacks[0] == luna_dated and plan.route("cheap").model == luna_dated
