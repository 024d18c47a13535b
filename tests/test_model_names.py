"""A GPT-5.6 id's tier by its name (models.tier_by_name and friends): the pure core, exhaustively.

The grammar is gpt-5.6-<sol|terra|luna>[-ultra (Sol only)][-preview][-YYYY-MM-DD]; anything else
that starts with gpt-5.6- is in the family with tier "unknown", and nothing else is in it.
"""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gpt56probe.core.models import (
    DEFAULT_TABLE,
    DISCOVERED,
    FALLBACK,
    MODEL_ENV,
    NAMED_TIERS,
    SOL_ULTRA,
    SOURCE_BUILTIN,
    SOURCE_ENV,
    SOURCE_FILE,
    TIERS,
    UNKNOWN_TIER,
    ModelTableError,
    env_model_overrides,
    in_family,
    is_ultra,
    merge_overrides,
    model_id_sources,
    preference,
    snapshot_of,
    tier_by_name,
)

TIER_WORDS = ("sol", "terra", "luna")
ULTRA = ("", "-ultra")
PREVIEW = ("", "-preview")
DATES = ("", "-2026-06-26", "-2026-01-01", "-2024-02-29", "-2030-12-31")


@pytest.mark.parametrize("word,ultra,preview,day", list(itertools.product(TIER_WORDS, ULTRA, PREVIEW, DATES)))
def test_every_id_of_the_grammar_maps_to_its_tier_and_date(word: str, ultra: str, preview: str, day: str) -> None:
    model_id = f"gpt-5.6-{word}{ultra}{preview}{day}"
    if ultra and word != "sol":
        assert tier_by_name(model_id) == UNKNOWN_TIER  # only Sol has an Ultra mode
        assert snapshot_of(model_id) is None
        assert is_ultra(model_id)  # still the expensive mode: never probed unless named
    else:
        assert tier_by_name(model_id) == (SOL_ULTRA if ultra else word)
        assert snapshot_of(model_id) == (day[1:] or None)
        assert is_ultra(model_id) == bool(ultra)
    assert in_family(model_id)


@pytest.mark.parametrize("model_id,tier", [
    ("gpt-5.6-terra-2026-06-26", "terra"),
    ("gpt-5.6-sol-ultra-2026-01-01", SOL_ULTRA),
    ("gpt-5.6-sol-ultra", SOL_ULTRA),
    ("gpt-5.6-luna", "luna"),
    ("gpt-5.6-solar", UNKNOWN_TIER),
    ("gpt-5.6-sol-", UNKNOWN_TIER),
    ("gpt-5.6-sol--2026-06-26", UNKNOWN_TIER),
    ("gpt-5.6-terra-mini", UNKNOWN_TIER),
    ("gpt-5.6-terra-audio-preview", UNKNOWN_TIER),
    ("gpt-5.6-terra-high", UNKNOWN_TIER),
    ("gpt-5.6-terra-ultra", UNKNOWN_TIER),
    ("gpt-5.6-terra-2026-06-26-extra", UNKNOWN_TIER),
    ("gpt-5.6-terra-20260626", UNKNOWN_TIER),
    ("gpt-5.6-terra-2026-6-26", UNKNOWN_TIER),
    ("gpt-5.6-terra-2026-99-01", UNKNOWN_TIER),
    ("gpt-5.6-terra-2026-02-30", UNKNOWN_TIER),
    ("gpt-5.6-terra-2025-02-29", UNKNOWN_TIER),
    ("gpt-5.6-terra-2026-06-26-preview", UNKNOWN_TIER),
    ("gpt-5.6-preview-terra", UNKNOWN_TIER),
    ("gpt-5.6", UNKNOWN_TIER),
    ("gpt-5.6-", UNKNOWN_TIER),
    ("gpt-5.60", UNKNOWN_TIER),
    ("gpt-5.60-terra", UNKNOWN_TIER),
    ("gpt-5.6terra", UNKNOWN_TIER),
    ("gpt-5-6-terra", UNKNOWN_TIER),
    ("gpt-5.5", UNKNOWN_TIER),
    ("GPT-5.6-TERRA", UNKNOWN_TIER),
    ("gpt-5.6-Terra", UNKNOWN_TIER),
    ("Gpt-5.6-terra", UNKNOWN_TIER),
    (" gpt-5.6-terra", UNKNOWN_TIER),
    ("gpt-5.6-terra ", UNKNOWN_TIER),
    ("gpt-5.6-terra\n", UNKNOWN_TIER),
    ("gpt-5.6-terra\x00", UNKNOWN_TIER),
    ("gpt-5.6-terra\x1b[2J", UNKNOWN_TIER),
    ("gpt-5.6-terr\u0430", UNKNOWN_TIER),  # Cyrillic a
    ("gpt-5.6-\uff53\uff4f\uff4c", UNKNOWN_TIER),  # fullwidth "sol"
    ("gpt-5.6-terra-\u0662\u0660\u0662\u0666-06-26", UNKNOWN_TIER),  # Arabic-Indic digits are not a date
    ("gpt-5.6-terra-" + "9" * 10_000, UNKNOWN_TIER),
    ("gpt-5.6-" + "terra-" * 20_000, UNKNOWN_TIER),
    ("", UNKNOWN_TIER),
    ("openai/gpt-5.6-terra", UNKNOWN_TIER),
])
def test_hostile_and_near_miss_ids_are_unknown_unless_the_grammar_matches(model_id: str, tier: str) -> None:
    assert tier_by_name(model_id) == tier


@pytest.mark.parametrize("model_id,family", [
    ("gpt-5.6", True), ("gpt-5.6-sol", True), ("gpt-5.6-solar", True), ("gpt-5.6-\x1b", True),
    ("gpt-5.60", False), ("gpt-5.6x", False), ("GPT-5.6-sol", False), ("gpt-5.5", False), ("", False),
    (" gpt-5.6-sol", False), ("xgpt-5.6-sol", False),
])
def test_the_family_is_gpt_5_6_or_gpt_5_6_hyphen_anything_as_written(model_id: str, family: bool) -> None:
    assert in_family(model_id) is family


def test_not_a_string_is_unknown_and_not_in_the_family() -> None:
    for value in (None, 5, b"gpt-5.6-sol", ["gpt-5.6-sol"]):
        assert tier_by_name(value) == UNKNOWN_TIER  # type: ignore[arg-type]
        assert not in_family(value)  # type: ignore[arg-type]
        assert snapshot_of(value) is None  # type: ignore[arg-type]


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=80))
def test_any_text_maps_to_a_named_tier_or_unknown_and_never_raises(text: str) -> None:
    tier = tier_by_name(text)
    assert tier in (*NAMED_TIERS, UNKNOWN_TIER)
    if tier != UNKNOWN_TIER:
        assert text.isascii() and text.startswith("gpt-5.6-") and in_family(text)
    is_ultra(text)
    preference(text)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(TIER_WORDS), st.dates(min_value=date(1000, 1, 1)))
def test_every_real_date_is_a_snapshot_of_its_tier(word: str, day: date) -> None:
    model_id = f"gpt-5.6-{word}-{day.isoformat()}"
    assert tier_by_name(model_id) == word and snapshot_of(model_id) == day.isoformat()


def test_preference_puts_the_newest_snapshot_first_then_aliases() -> None:
    ids = ["gpt-5.6-terra", "gpt-5.6-terra-2026-06-26", "gpt-5.6-terra-preview", "gpt-5.6-terra-2027-01-05", "gpt-5.6-terra-2026-08-01"]
    assert sorted(ids, key=preference) == [
        "gpt-5.6-terra-2027-01-05", "gpt-5.6-terra-2026-08-01", "gpt-5.6-terra-2026-06-26", "gpt-5.6-terra", "gpt-5.6-terra-preview",
    ]


def test_a_discovered_row_is_priced_and_shaped_as_its_tier_and_is_neither_tier_nor_fallback() -> None:
    table = DEFAULT_TABLE.with_discovered(["gpt-5.6-terra-2026-06-26", "gpt-5.6-sol-ultra-2026-06-26", "gpt-5.6-solar", "gpt-5.6-terra"])
    terra, ultra, odd = (table.get(i) for i in ("gpt-5.6-terra-2026-06-26", "gpt-5.6-sol-ultra-2026-06-26", "gpt-5.6-solar"))
    assert terra is not None and ultra is not None and odd is not None
    assert {terra.tier, ultra.tier, odd.tier} == {DISCOVERED}
    assert (terra.input_price, terra.output_price) == (2.50, 15.00)
    assert (ultra.input_price, ultra.output_price) == (5.00, 30.00)  # Sol Ultra: Sol prices
    assert odd.input_price is None and odd.reasoning_effort == "none"
    assert table.get("gpt-5.6-terra") == DEFAULT_TABLE.get("gpt-5.6-terra")  # a configured id stays as it is
    assert table.tiers == DEFAULT_TABLE.tiers and table.fallbacks == DEFAULT_TABLE.fallbacks
    assert table.tier_of("gpt-5.6-terra-2026-06-26") == DISCOVERED and DISCOVERED not in TIERS and DISCOVERED != FALLBACK


def test_env_ids_override_the_file_and_say_so() -> None:
    env = env_model_overrides({MODEL_ENV["luna"]: " gpt-5.6-luna-2026-06-26 ", MODEL_ENV["sol"]: "", "OTHER": "x"})
    assert env == {"luna": {"id": "gpt-5.6-luna-2026-06-26"}}
    file_models = {"terra": {"id": "gpt-5.6-terra-2026-06-26", "input_price": 2.0}, "luna": {"id": "from-file"}}
    merged = merge_overrides(file_models, env)
    assert merged["luna"] == {"id": "gpt-5.6-luna-2026-06-26"} and merged["terra"]["input_price"] == 2.0
    table = DEFAULT_TABLE.with_overrides(merged)
    assert [s.id for s in table.tiers] == ["gpt-5.6-sol", "gpt-5.6-terra-2026-06-26", "gpt-5.6-luna-2026-06-26"]
    sources = {s.tier: s for s in model_id_sources(file_models, env, "/etc/x/config.toml")}
    assert (sources["sol"].kind, sources["sol"].id) == (SOURCE_BUILTIN, "gpt-5.6-sol")
    assert (sources["terra"].kind, sources["terra"].where) == (SOURCE_FILE, "/etc/x/config.toml")
    assert (sources["luna"].kind, sources["luna"].where) == (SOURCE_ENV, "GPT56PROBE_MODEL_LUNA")
    assert sources["sol"].describe().startswith("built-in placeholder")
    assert sources["terra"].describe() == "file /etc/x/config.toml [models.terra]"
    assert sources["luna"].describe() == "env GPT56PROBE_MODEL_LUNA"


@pytest.mark.parametrize("value", ["gpt 5.6", "gpt-5.6-terra\n2", "x\x1b[2J", "a" * 201, "gpt-5.6-\u2028terra"])
def test_an_env_id_that_cannot_be_a_model_id_is_refused_naming_the_variable(value: str) -> None:
    with pytest.raises(ModelTableError, match="GPT56PROBE_MODEL_TERRA"):
        env_model_overrides({"GPT56PROBE_MODEL_TERRA": value})
