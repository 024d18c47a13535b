"""Tier and model names as a user types them: a typo gets "did you mean", a new id is taken as given.

Pure. A model id one or two edits from a known one ("gpt-5.6-sool") is a typo;
an id further away (a dated snapshot, a model newer than the table) is probed as
given. Edits that only change digits are a different version, not a typo:
``gpt-5.7`` is a model of its own, not a misspelt ``gpt-5.5``.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Iterable, Mapping, Sequence

from gpt56probe.core.models import TIERS, ModelTable

if TYPE_CHECKING:
    from gpt56probe.core.expectations import ExpectedTiers

MAX_TYPO_EDITS = 2


class UnknownName(ValueError):
    """A tier that does not exist or a model id that looks like a typo; the message says what to use."""


def edits(a: str, b: str) -> int:
    """Characters inserted, deleted or replaced to turn ``a`` into ``b`` (difflib's alignment)."""
    count = 0
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag != "equal":
            count += max(i2 - i1, j2 - j1)
    return count


def _changed_characters(a: str, b: str) -> str:
    changed = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag != "equal":
            changed.append(a[i1:i2] + b[j1:j2])
    return "".join(changed)


def typo_of(name: str, known: Iterable[str]) -> str | None:
    """The known name ``name`` is most likely a typo of (at most two edits, not only digits changed), or None."""
    candidates = [k for k in known if k != name]
    folded = {k.casefold(): k for k in candidates}
    if name.casefold() in folded:
        return folded[name.casefold()]
    best: tuple[int, str] | None = None
    for candidate in difflib.get_close_matches(name, candidates, n=5, cutoff=0.6):
        distance = edits(name, candidate)
        if distance > MAX_TYPO_EDITS or _changed_characters(name, candidate).isdigit():
            continue
        if best is None or distance < best[0]:
            best = (distance, candidate)
    return best[1] if best else None


def check_tier(name: str, tiers: Sequence[str] = TIERS) -> str:
    """``name`` as a tier of the family (case folded); ``UnknownName`` naming the tiers, and the likely one, otherwise."""
    TIERS = tuple(tiers)
    tier = name.strip().lower()
    if tier in TIERS:
        return tier
    guess = typo_of(tier, TIERS) or next((t for t in TIERS if tier.startswith(t) or t.startswith(tier) and tier), None)
    hint = f"did you mean {guess}? " if guess else ""
    raise UnknownName(f"unknown tier {name!r}: {hint}(tiers: {', '.join(TIERS)})")


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be shown and recorded as given (not UTF-8: a lone surrogate from a
    non-UTF-8 command line; a control character), or None."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid UTF-8"
    bad = next((c for c in value if not c.isprintable()), None)
    if bad is not None:
        return f"holds a control or invisible character (U+{ord(bad):04X})"
    return None


def header_id_problem(value: str) -> str | None:
    """Why ``value`` cannot be an org or project id: one an HTTP header can carry as given
    (OpenAI-Organization, OpenAI-Project: Latin-1, no CR, LF or other control character) and
    every sink can show as given; None when it can."""
    if not value.strip():
        return "is empty"
    problem = text_problem(value)
    if problem:
        return problem
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        return "holds characters an HTTP header cannot carry (outside Latin-1)"
    if value != value.strip():
        return "starts or ends with a space (an HTTP header value loses it)"
    return None


def check_model_ids(model_ids: Sequence[str], table: ModelTable) -> tuple[str, ...]:
    """The ids as given, once each; ``UnknownName`` for a tier name, a near miss of a known id, or an id
    that cannot be shown as given (``text_problem``)."""
    checked: list[str] = []
    for raw in model_ids:
        model = raw.strip()
        if not model:
            raise UnknownName("--model must not be empty")
        problem = text_problem(model)
        if problem:
            raise UnknownName(f"{model!r} {problem}")
        if model in table.ids:
            pass
        elif model.lower() in table.tier_names:
            spec = table.for_tier(model.lower())
            raise UnknownName(f"{model!r} is a tier, not a model id: use --tier {model.lower()} (or --model {spec.id})")
        else:
            guess = typo_of(model, table.ids)
            if guess is not None:
                raise UnknownName(f"unknown model {model!r}: did you mean {guess}?")
        if model not in checked:
            checked.append(model)
    return tuple(checked)


def explicit_extras(model_ids: Sequence[str], table: ModelTable) -> tuple[str, ...]:
    """The named ids that are not one of the table's 5.6 tiers: each becomes an expected target of its own."""
    return tuple(m for m in model_ids if table.tier_of(m) not in table.tier_names)


def expect_models(expected: "ExpectedTiers", extras: Sequence[str]) -> "ExpectedTiers":
    """``expected`` (one list, or per org) with the ``extras`` model ids added to every org's targets."""
    if not extras:
        return expected
    if isinstance(expected, Mapping):
        return {org: (*tiers, *extras) for org, tiers in expected.items()}
    return (*expected, *extras)
