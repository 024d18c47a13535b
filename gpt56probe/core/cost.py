"""Cost arithmetic over the models table. Pure: no I/O, no click.

cost = input Mtok x input price + output Mtok x output price (``ModelSpec.cost_usd``).
A row without a published price costs ``None`` ("price not published"), never 0.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Mapping, Sequence

from gpt56probe.core.models import ModelSpec, ModelTable
from gpt56probe.core.observation import Diagnosis

if TYPE_CHECKING:
    from gpt56probe.core.family import Family

PROBE_INPUT_TOKENS_MAX = 20
"""Upper bound on the input tokens of one probe: "Return ok." is about 10 tokens with the chat
message overhead (the simulator reports 10); 20 leaves room for a tokenizer that counts more."""

PROBE_OUTPUT_TOKENS_MAX = 16
"""The probe's output cap (``probe.OUTPUT_TOKEN_CAP``, 16 tokens) bounds what one answer can bill.
(Not imported from probe.py, which would pull in requests for ``gpt56probe cost``; a test keeps them equal.)"""

PRICE_NOT_PUBLISHED = "price not published"

_SUFFIX = {"": 1, "k": 1_000, "m": 1_000_000, "b": 1_000_000_000}
_AMOUNT = re.compile(r"^(?P<num>\d[\d_,]*(?:\.\d+)?|\.\d+)\s*(?P<suffix>[kmb]?)$", re.IGNORECASE)


class TokenAmountError(ValueError):
    """A token amount that cannot be read; the message says what is accepted."""


def parse_tokens(text: str) -> int:
    """``10M`` -> 10_000_000, ``1.5k`` -> 1500, ``2000`` -> 2000, ``1,000`` -> 1000.

    Accepts a plain number or one with a K, M or B suffix (any case). The result
    must be a whole, non-negative number of tokens.
    """
    raw = str(text).strip()
    match = _AMOUNT.match(raw)
    if not match:
        raise TokenAmountError(f"{text!r} is not a token amount (examples: 2000, 500K, 10M, 1.5M)")
    number = match.group("num").replace("_", "").replace(",", "")
    scale = _SUFFIX[match.group("suffix").lower()]
    # Exact decimal arithmetic: 1.5M must be 1_500_000, not 1_499_999.9999.
    whole, _, frac = number.partition(".")
    frac = frac.rstrip("0")
    numerator = int((whole or "0") + frac) * scale
    denominator = 10 ** len(frac)
    if numerator % denominator:
        raise TokenAmountError(f"{text!r} is not a whole number of tokens")
    return numerator // denominator


@dataclass(frozen=True)
class CostRow:
    """What ``input_tokens`` in + ``output_tokens`` out cost on one model."""

    tier: str
    model: str
    input_tokens: int
    output_tokens: int
    input_price: float | None
    output_price: float | None
    cost_usd: float | None

    @property
    def published(self) -> bool:
        return self.cost_usd is not None


def cost_rows(models: Iterable[ModelSpec], input_tokens: int, output_tokens: int) -> list[CostRow]:
    """One row per model, in the order given."""
    return [
        CostRow(m.tier, m.id, input_tokens, output_tokens, m.input_price, m.output_price, m.cost_usd(input_tokens, output_tokens))
        for m in models
    ]


def format_usd(value: float | None) -> str:
    """The one way dollars are printed: cents from $1 up (``$110.00``, ``$1,234.50``), three significant digits
    below (``$0.870``, ``$0.0152``, ``$0.00761``, ``$0.000110``), ``$0.00`` for nothing; ``None`` -> price not published.

    So a column of small figures ($/task, a probe's cost) lines up to the same precision: none is rounded to
    cents while its neighbour keeps six decimals."""
    if value is None:
        return PRICE_NOT_PUBLISHED
    if value == 0 or abs(value) >= 1:
        return f"${value:,.2f}"
    def digits(x: float) -> int:
        return max(2, 2 - math.floor(math.log10(x)))

    text = f"{abs(value):.{digits(abs(value))}f}"
    if float(text) >= 1:  # 0.9996 rounds up to a dollar: say it in cents
        return f"${value:,.2f}"
    if digits(float(text)) < digits(abs(value)):  # 0.00099999996 rounds up to 0.001000: one digit too many
        text = f"{abs(value):.{digits(float(text))}f}"
    return ("-$" if value < 0 else "$") + text


def cost_doc(rows: Sequence[CostRow]) -> dict:
    """The JSON shape of ``gpt56probe cost --format json``."""
    return {
        "input_tokens": rows[0].input_tokens if rows else 0,
        "output_tokens": rows[0].output_tokens if rows else 0,
        "rows": [
            {
                "tier": r.tier,
                "model": r.model,
                "input_price_per_mtok": r.input_price,
                "output_price_per_mtok": r.output_price,
                "cost_usd": None if r.cost_usd is None else round(r.cost_usd, 6),
                "note": None if r.published else PRICE_NOT_PUBLISHED,
            }
            for r in rows
        ],
    }


def probe_max_cost(spec: ModelSpec) -> float | None:
    """The most one probe of ``spec`` can bill: one answered request of at most
    PROBE_INPUT_TOKENS_MAX in and PROBE_OUTPUT_TOKENS_MAX out. Requests the API rejects
    (a renamed parameter, a 429 or 503 retried) are not billed, so they add nothing."""
    return spec.cost_usd(PROBE_INPUT_TOKENS_MAX, PROBE_OUTPUT_TOKENS_MAX)


def diagnosis_cost(d: Diagnosis, table: ModelTable) -> float | None:
    """What one probe cost: its reported usage x the model's price. ``None`` when the model has no
    published price and it used tokens; 0.0 when it used none (a refused probe bills nothing)."""
    if not d.usage_input_tokens and not d.usage_output_tokens:
        return 0.0
    return table.spec_for(d.target.model).cost_usd(d.usage_input_tokens, d.usage_output_tokens)


@dataclass(frozen=True)
class ProbeCost:
    """The total a check's probes cost, and which models used tokens without a published price."""

    total_usd: float
    unpriced_models: tuple[str, ...]

    def note(self) -> str:
        text = f"the probes cost {format_usd(self.total_usd)} (usage tokens x published prices)"
        if self.unpriced_models:
            text += f", plus usage on {', '.join(self.unpriced_models)} ({PRICE_NOT_PUBLISHED})"
        return text


def probe_cost(diagnoses: Iterable[Diagnosis], table: ModelTable) -> ProbeCost:
    total = 0.0
    unpriced: list[str] = []
    for d in diagnoses:
        cost = diagnosis_cost(d, table)
        if cost is None:
            if d.target.model not in unpriced:
                unpriced.append(d.target.model)
        else:
            total += cost
    return ProbeCost(total, tuple(unpriced))


@dataclass(frozen=True)
class DryRunProbe:
    """One probe ``check`` would make, the requests it starts with, and the most it can bill."""

    org: str | None
    model: str
    tier: str
    surface: str
    stream: bool
    endpoints: tuple[str, ...]
    max_cost_usd: float | None

    @property
    def surface_label(self) -> str:
        return self.surface + (" stream" if self.stream else "")

    def doc(self) -> dict:
        return {
            "org": self.org, "model": self.model, "tier": self.tier, "surface": self.surface, "stream": self.stream,
            "requests": list(self.endpoints),
            "max_cost_usd": None if self.max_cost_usd is None else round(self.max_cost_usd, 8),
        }


def _path_of(base_url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(base_url).path.rstrip("/")


def listing_requests(orgs: Sequence[str | None], base_url: str) -> list[tuple[str | None, str]]:
    """The free model listings ``check`` sends: one ``GET /v1/models`` per org (and key), at the same time as its samples."""
    return [(org, f"GET {_path_of(base_url)}/models") for org in dict.fromkeys(orgs)]


def dry_run_probes(orgs: Sequence[str | None], models: Sequence[ModelSpec], surface: str, stream: bool, base_url: str) -> list[DryRunProbe]:
    """Every probe, in ``check``'s order (org, model, surface, streamed twin), nothing sent."""
    surfaces = ("chat", "responses") if surface == "both" else (surface,)
    prefix = _path_of(base_url)
    probes = []
    for org in orgs:
        for spec in models:
            for name in surfaces:
                for streamed in ((False, True) if stream else (False,)):
                    post = "/responses" if name == "responses" else "/chat/completions"
                    # the org's model list is one GET /v1/models per org and key, beside the samples (listing_requests)
                    endpoints = (f"POST {prefix}{post}",)
                    probes.append(DryRunProbe(org, spec.id, spec.tier, name, streamed, endpoints, probe_max_cost(spec)))
    return probes


def price_note(family: "Family", overridden: Mapping[str, Sequence[str]]) -> str:
    """The line under ``cost``'s table: when the prices were read and which ones this run overrides.
    Published preview prices moved twice within weeks of launch: a price without its date misleads."""
    when = f"as read on {family.prices_read}" if family.prices_read else "date not given ([family] prices_read)"
    text = f"prices in $ per 1M tokens, {family.name} {when} ({family.source})"
    parts = [f"{', '.join(names)} from {where}" for where, names in overridden.items() if names]
    if parts:
        text += "; overridden: " + "; ".join(parts)
    return text + "; check the published prices and override with --price TIER=IN/OUT or [models.TIER] input_price/output_price"
