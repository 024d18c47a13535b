"""The one table of GPT-5.6 preview models: ids, tiers, roles, prices and fallbacks.

Preview ids were placeholders once and may change again, so nothing else in the
package spells a model id: everything asks this table, and a config file can
override any row (see ``ModelTable.with_overrides``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Iterable, Mapping

from gpt56probe.core.family import DEFAULT_FAMILY, Family

TIERS: tuple[str, ...] = ("sol", "terra", "luna")
"""The GPT-5.6 tiers, top first. These are the expected targets of a check."""

FALLBACK = "fallback"

DISCOVERED = "discovered"
"""The tier of a row ``check --discover`` adds: an id the org lists that the table does not hold.
Like a fallback it informs and never changes the status."""

SOL_ULTRA = "sol-ultra"
"""Sol Ultra, the compute-heavy mode at Sol prices: a tier by name, never probed unless named."""
UNKNOWN_TIER = "unknown"
NAMED_TIERS: tuple[str, ...] = (*TIERS, SOL_ULTRA)
"""What a GPT-5.6 id can be mapped to by its name (``tier_by_name``), besides ``unknown``."""

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
        """A tier of the family must be reachable; fallbacks and discovered ids only inform."""
        return self.tier not in (FALLBACK, DISCOVERED)

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
    family: Family = field(default=DEFAULT_FAMILY)

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
        return tuple(m for m in self.models if m.tier in self.family.tiers)

    @property
    def tier_names(self) -> tuple[str, ...]:
        """The family's tiers, top first: the expected targets of a check unless an org says otherwise."""
        return self.family.tiers

    def with_family(self, family: Family) -> "ModelTable":
        """This table described by another family: a tier the current rows hold keeps its row while the
        id prefix is the same; any other tier starts as ``<prefix>-<tier>`` with no published price (a
        config ``[models.<tier>]`` sets its id and prices). Fallbacks stay."""
        same_prefix = family.prefix == self.family.prefix
        rows = []
        for tier in family.tiers:
            known = next((m for m in self.tiers if m.tier == tier), None)
            rows.append(known if known is not None and same_prefix else ModelSpec(family.default_id(tier), tier, f"{family.name} {tier}"))
        return ModelTable(tuple(rows) + self.fallbacks, family)

    @property
    def fallbacks(self) -> tuple[ModelSpec, ...]:
        """Fallbacks in the order they are tried."""
        return tuple(m for m in self.models if m.tier == FALLBACK)

    def with_discovered(self, model_ids: Iterable[str]) -> "ModelTable":
        """This table plus a ``discovered`` row per id it does not hold: an id an org lists, priced and
        shaped as the tier its name maps to (a Sol Ultra id at Sol prices), so its probe starts with
        that tier's parameters and its cost is counted."""
        rows = list(self.models)
        for model_id in dict.fromkeys(model_ids):
            if self.get(model_id) is not None:
                continue
            named = self.family.tier_by_name(model_id)
            base_tier = self.family.ultra_tier if named == self.family.ultra_name else named
            base = self.for_tier(base_tier) if base_tier in self.family.tiers else None
            role = f"listed by the org; {named} by its name"
            if base is None:
                rows.append(ModelSpec(model_id, DISCOVERED, role))
            else:
                rows.append(replace(base, id=model_id, tier=DISCOVERED, role=role))
        return ModelTable(tuple(rows), self.family)

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
        for tier in self.family.tiers:
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
        unknown_sections = set(overrides) - set(self.family.tiers) - {"fallbacks"}
        if unknown_sections:
            raise ModelTableError(f"models: unknown key(s) {', '.join(sorted(unknown_sections))}; "
                                  f"use {', '.join(self.family.tiers)} or fallbacks")
        return ModelTable(tuple(models) + tuple(fallbacks), self.family)


DEFAULT_TABLE = ModelTable()


# --------------------------------------------------------------------------- ids by name

FAMILY = DEFAULT_FAMILY.prefix
"""Every GPT-5.6 id is this, or starts with this and a hyphen (``gpt-5.60`` is another model)."""


def in_family(model_id: str) -> bool:
    """Whether an id is a GPT-5.6 id: ``gpt-5.6`` itself or ``gpt-5.6-…``, exactly as written (ids are lower case)."""
    return DEFAULT_FAMILY.in_family(model_id)


def tier_by_name(model_id: str) -> str:
    """The tier an id names: sol, terra, luna or sol-ultra, else ``unknown``.

    The grammar is ``gpt-5.6-<tier>[-ultra][-preview][-YYYY-MM-DD]``: the tier word, Ultra on
    Sol only, an optional preview marker and an optional snapshot date (a real calendar date),
    nothing else. So ``gpt-5.6-terra-2026-06-26`` is terra and ``gpt-5.6-sol-ultra-2026-01-01``
    is sol-ultra, while ``gpt-5.6-solar``, ``gpt-5.6-terra-mini``, ``gpt-5.6-terra-audio-preview``,
    ``GPT-5.6-TERRA``, ``gpt-5.60`` and ids in other scripts are ``unknown``: an id that only
    looks like a tier is never routed as one. (Another family: ``Family.tier_by_name``.)
    """
    return DEFAULT_FAMILY.tier_by_name(model_id)


def snapshot_of(model_id: str) -> str | None:
    """The snapshot date an id carries (``2026-06-26``), or None for an alias or an unknown id."""
    return DEFAULT_FAMILY.snapshot_of(model_id)


def is_ultra(model_id: str) -> bool:
    """Whether an id is the compute-heavy Ultra mode (by tier, or an ``ultra`` word in a 5.6 id):
    never probed unless asked for by name."""
    return DEFAULT_FAMILY.is_ultra(model_id)


def preference(model_id: str, family: Family = DEFAULT_FAMILY) -> tuple[int, str, str]:
    """Sort key among ids of one tier: dated snapshots newest first (pinned, what production should
    call), then aliases; ties by id."""
    snapshot = family.snapshot_of(model_id)
    inverted = "".join(chr(ord("9") - ord(c) + ord("0")) if c.isdigit() else c for c in snapshot) if snapshot else ""
    return (0 if snapshot else 1, inverted, model_id)


# --------------------------------------------------------------------------- where each id comes from

MODEL_ENV: dict[str, str] = {tier: f"GPT56PROBE_MODEL_{tier.upper()}" for tier in TIERS}
"""Environment variables that override a tier's id (over the config file, as env beats file everywhere)."""

SOURCE_BUILTIN = "builtin"
SOURCE_FILE = "file"
SOURCE_ENV = "env"
SOURCE_FAMILY = "family"


@dataclass(frozen=True)
class ModelIdSource:
    """Where a tier's id comes from: the built-in placeholder, the config file, or an env variable.

    ``where`` is the config file's path (for builtin too: the file that would override it, when
    known) or the variable's name."""

    tier: str
    id: str
    kind: str
    where: str | None = None

    def describe(self) -> str:
        if self.kind == SOURCE_ENV:
            return f"env {self.where}"
        if self.kind == SOURCE_FILE:
            return f"file {self.where} [models.{self.tier}]" if self.where else f"config file [models.{self.tier}]"
        if self.kind == SOURCE_FAMILY:
            return f"<prefix>-<tier> of file {self.where} [family]" if self.where else "<prefix>-<tier> of the config's [family]"
        return "built-in placeholder (gpt56probe/core/models.py)"


def model_env(tier: str) -> str:
    """The environment variable that overrides a tier's id: GPT56PROBE_MODEL_<TIER>, for any family's tier."""
    return f"GPT56PROBE_MODEL_{tier.upper()}"


def env_model_overrides(environ: Mapping[str, str], tiers: Iterable[str] = TIERS) -> dict[str, dict[str, str]]:
    """``[models]``-shaped overrides from GPT56PROBE_MODEL_SOL/TERRA/LUNA; an empty variable is unset.

    Raises ``ModelTableError`` for a value that cannot be a model id (whitespace or control
    characters inside, or longer than 200 characters)."""
    overrides: dict[str, dict[str, str]] = {}
    for tier in tiers:
        name = model_env(tier)
        value = (environ.get(name) or "").strip()
        if not value:
            continue
        if len(value) > 200 or any(c.isspace() or not c.isprintable() for c in value):
            raise ModelTableError(f"env {name} must be one model id (no spaces, at most 200 characters)")
        overrides[tier] = {"id": value}
    return overrides


def merge_overrides(file_models: Mapping[str, Any], env_models: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The config file's ``[models]`` with the env ids on top (env beats file)."""
    merged: dict[str, Any] = {k: (dict(v) if isinstance(v, Mapping) else v) for k, v in file_models.items()}
    for tier, row in env_models.items():
        base = merged.get(tier)
        merged[tier] = {**(dict(base) if isinstance(base, Mapping) else {}), **row}
    return merged


def model_id_sources(file_models: Mapping[str, Any], env_models: Mapping[str, Mapping[str, Any]],
                     config_file: str | None = None, base: "ModelTable | None" = None) -> tuple[ModelIdSource, ...]:
    """Each tier's effective id and where it comes from: env, else the config file, else built in
    (``base``: the family's table before the overrides, the built-in table by default)."""
    sources = []
    for spec in (base or DEFAULT_TABLE).tiers:
        env_row, file_row = env_models.get(spec.tier), file_models.get(spec.tier)
        if isinstance(env_row, Mapping) and env_row.get("id"):
            sources.append(ModelIdSource(spec.tier, str(env_row["id"]), SOURCE_ENV, model_env(spec.tier)))
        elif isinstance(file_row, Mapping) and file_row.get("id"):
            sources.append(ModelIdSource(spec.tier, str(file_row["id"]), SOURCE_FILE, config_file))
        else:
            kind = SOURCE_BUILTIN if base is None or base.family is DEFAULT_FAMILY else SOURCE_FAMILY
            sources.append(ModelIdSource(spec.tier, spec.id, kind, config_file))
    return tuple(sources)
