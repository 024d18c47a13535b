"""The one table of GPT-5.6 preview models: ids, tiers, roles, prices and fallbacks.

Preview ids were placeholders once and may change again, so nothing else in the
package spells a model id: everything asks this table, and a config file can
override any row (see ``ModelTable.with_overrides``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Mapping

TIERS: tuple[str, ...] = ("sol", "terra", "luna")
"""The GPT-5.6 tiers, top first. These are the expected targets of a check."""

FALLBACK = "fallback"

ROLES: dict[str, str] = {"hard": "sol", "balanced": "terra", "cheap": "luna"}
"""Routing roles (the articles' advice) and the tier that serves each first."""

REASONING_EFFORTS: tuple[str, ...] = ("none", "minimal", "low", "medium", "high", "xhigh")
"""Reasoning efforts, cheapest first; a probe uses the lowest one a model accepts."""

CHAT_TOKEN_PARAMS: tuple[str, ...] = ("max_completion_tokens", "max_tokens")
"""The two names chat completions has used for the output cap; newer models accept only the first."""


@dataclass(frozen=True)
class ModelSpec:
    """One row of the models table.

    Prices are US dollars per million tokens; ``None`` where no price is published.
    ``chat_token_param`` and ``reasoning_effort`` are the probe's first guess; the
    probe adapts when the API rejects them.
    """

    id: str
    tier: str
    role: str
    input_price: float | None = None
    output_price: float | None = None
    chat_token_param: str = "max_completion_tokens"
    reasoning_effort: str | None = "none"

    @property
    def is_expected(self) -> bool:
        """A 5.6 tier must be reachable; fallbacks only inform."""
        return self.tier in TIERS

    def cost_usd(self, input_tokens: float, output_tokens: float) -> float | None:
        """cost = input Mtok x input price + output Mtok x output price."""
        if self.input_price is None or self.output_price is None:
            return None
        return input_tokens / 1e6 * self.input_price + output_tokens / 1e6 * self.output_price


DEFAULT_MODELS: tuple[ModelSpec, ...] = (
    ModelSpec("gpt-5.6-sol", "sol", "hardest reasoning, agentic coding (Sol Ultra: compute-heavy mode at Sol prices)", 5.00, 30.00),
    ModelSpec("gpt-5.6-terra", "terra", "balanced default for production", 2.50, 15.00),
    ModelSpec("gpt-5.6-luna", "luna", "cheap, fast, high volume; faster retry path when a safety check stalls Sol/Terra", 1.00, 6.00),
    ModelSpec("gpt-5.5", FALLBACK, "live safety net during the preview", None, None, reasoning_effort="minimal"),
    ModelSpec("gpt-5.4-mini", FALLBACK, "last fallback in the published wrapper", None, None, reasoning_effort="minimal"),
)


class ModelTableError(ValueError):
    """A models override is unusable; the message names the entry and the problem."""


@dataclass(frozen=True)
class ModelTable:
    """The models, in probe order: tiers top first, then fallbacks in fallback order."""

    models: tuple[ModelSpec, ...] = field(default=DEFAULT_MODELS)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.models)

    def __len__(self) -> int:
        return len(self.models)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(m.id for m in self.models)

    def get(self, model_id: str) -> ModelSpec | None:
        for spec in self.models:
            if spec.id == model_id:
                return spec
        return None

    def spec_for(self, model_id: str) -> ModelSpec:
        """The row for an id; an id the table does not know is probed as a fallback-like extra."""
        return self.get(model_id) or ModelSpec(model_id, FALLBACK, "user-supplied model")

    def for_tier(self, tier: str) -> ModelSpec:
        for spec in self.models:
            if spec.tier == tier:
                return spec
        raise KeyError(tier)

    def tier_of(self, model_id: str) -> str:
        spec = self.get(model_id)
        return spec.tier if spec else FALLBACK

    @property
    def tiers(self) -> tuple[ModelSpec, ...]:
        return tuple(m for m in self.models if m.tier in TIERS)

    @property
    def fallbacks(self) -> tuple[ModelSpec, ...]:
        """Fallbacks in the order they are tried."""
        return tuple(m for m in self.models if m.tier == FALLBACK)

    def select(self, tiers: Iterable[str] = (), model_ids: Iterable[str] = ()) -> tuple[ModelSpec, ...]:
        """The probe targets: the named tiers and model ids, or every row when none is named."""
        tiers, model_ids = tuple(tiers), tuple(model_ids)
        if not tiers and not model_ids:
            return self.models
        chosen: list[ModelSpec] = [self.for_tier(t) for t in tiers]
        chosen += [self.spec_for(m) for m in model_ids]
        seen: set[str] = set()
        return tuple(s for s in chosen if not (s.id in seen or seen.add(s.id)))  # type: ignore[func-returns-value]

    def with_overrides(self, overrides: Mapping[str, Any]) -> "ModelTable":
        """Apply a config ``[models]`` section.

        Shape (TOML)::

            [models.sol]            # a tier name, or "fallback.N" is not needed:
            id = "gpt-5.6-sol-2026-12-01"
            input_price = 5.0
            output_price = 30.0
            [models]
            fallbacks = ["gpt-5.5", "gpt-5.4-mini"]

        Keys of a tier table: id, role, input_price, output_price,
        chat_token_param, reasoning_effort.
        """
        allowed = {"id", "role", "input_price", "output_price", "chat_token_param", "reasoning_effort"}
        models = list(self.tiers)
        for tier in TIERS:
            row = overrides.get(tier)
            if row is None:
                continue
            if not isinstance(row, Mapping):
                raise ModelTableError(f"models.{tier} must be a table, got {type(row).__name__}")
            unknown = set(row) - allowed
            if unknown:
                raise ModelTableError(f"models.{tier}: unknown key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(allowed))}")
            for price in ("input_price", "output_price"):
                value = row.get(price)
                if price in row and (isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < float("inf")):
                    raise ModelTableError(f"models.{tier}.{price} must be a number >= 0")
            for text in ("id", "role", "reasoning_effort"):
                if text in row and (not isinstance(row[text], str) or not row[text].strip()):
                    raise ModelTableError(f"models.{tier}.{text} must be a non-empty string, got {type(row[text]).__name__}")
            if "chat_token_param" in row and row["chat_token_param"] not in CHAT_TOKEN_PARAMS:
                raise ModelTableError(f"models.{tier}.chat_token_param must be one of {', '.join(CHAT_TOKEN_PARAMS)}")
            index = next(i for i, m in enumerate(models) if m.tier == tier)
            models[index] = replace(models[index], **dict(row))
        fallbacks = list(self.fallbacks)
        if "fallbacks" in overrides:
            ids = overrides["fallbacks"]
            if not isinstance(ids, list) or not all(isinstance(i, str) and i for i in ids):
                raise ModelTableError("models.fallbacks must be a list of model ids")
            known = {m.id: m for m in self.fallbacks}
            fallbacks = [known.get(i) or ModelSpec(i, FALLBACK, "fallback") for i in ids]
        unknown_sections = set(overrides) - set(TIERS) - {"fallbacks"}
        if unknown_sections:
            raise ModelTableError(f"models: unknown key(s) {', '.join(sorted(unknown_sections))}; use sol, terra, luna or fallbacks")
        return ModelTable(tuple(models) + tuple(fallbacks))


DEFAULT_TABLE = ModelTable()
