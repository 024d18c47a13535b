"""The one models table and the probe plan built from it (pure)."""

from __future__ import annotations

import pytest

from gpt56probe.core.models import DEFAULT_TABLE, ModelTableError
from gpt56probe.core.targets import OrgPlan, build_targets


def test_the_default_targets_are_the_three_tiers_then_the_two_fallbacks():
    assert DEFAULT_TABLE.ids == ("gpt-5.6-sol", "gpt-5.6-terra", "gpt-5.6-luna", "gpt-5.5", "gpt-5.4-mini")
    assert [m.tier for m in DEFAULT_TABLE] == ["sol", "terra", "luna", "fallback", "fallback"]


def test_the_articles_cost_figures_come_from_the_table():
    costs = [DEFAULT_TABLE.for_tier(t).cost_usd(10e6, 2e6) for t in ("sol", "terra", "luna")]
    assert costs == [110.0, 55.0, 22.0]


def test_a_config_can_rename_a_tier_and_replace_the_fallbacks():
    table = DEFAULT_TABLE.with_overrides({"sol": {"id": "gpt-5.6-sol-2026-12-01"}, "fallbacks": ["gpt-5.5"]})
    assert table.ids == ("gpt-5.6-sol-2026-12-01", "gpt-5.6-terra", "gpt-5.6-luna", "gpt-5.5")


@pytest.mark.parametrize("override", [{"sol": {"colour": "red"}}, {"sol": {"input_price": "cheap"}}, {"fallbacks": "gpt-5.5"}, {"mars": {}}])
def test_a_bad_override_names_what_is_wrong(override):
    with pytest.raises(ModelTableError, match="models"):
        DEFAULT_TABLE.with_overrides(override)


def test_selecting_tiers_and_models_keeps_order_and_drops_duplicates():
    chosen = DEFAULT_TABLE.select(["luna", "sol"], ["gpt-5.6-sol", "gpt-4o-mini"])
    assert [m.id for m in chosen] == ["gpt-5.6-luna", "gpt-5.6-sol", "gpt-4o-mini"]


def test_the_plan_is_org_by_org_with_each_surface_and_its_streamed_twin():
    targets = build_targets([OrgPlan("org-a", "k1"), OrgPlan("org-b", "k2")], DEFAULT_TABLE.select(["sol"]), "both", stream=True)
    assert [(t.org, t.surface, t.stream) for t in targets] == [
        ("org-a", "chat", False), ("org-a", "chat", True), ("org-a", "responses", False), ("org-a", "responses", True),
        ("org-b", "chat", False), ("org-b", "chat", True), ("org-b", "responses", False), ("org-b", "responses", True),
    ]
