"""The ids an org really lists, and what to do with them. Pure: no I/O.

The preview's ids were placeholders (``gpt-5.6-terra``); when the real strings land, the
likeliest failure is a wrong id, whose ``model_not_found`` reads exactly like "not
provisioned". The org's one ``GET /v1/models`` per run already holds the answer, so:

* a configured id the org does not list, while the list holds another id of the same tier
  (by name, ``models.tier_by_name``), keeps its verdict, but its next step names the listed
  id and the one setting that switches to it (``next_step``);
* ``check --discover`` probes the listed GPT-5.6 ids the table does not hold, each as its own
  ``discovered`` row (``discover``); Ultra only when named, a bounded number per org;
* ``plan`` routes a role to a listed same-tier id when its configured one is not listed
  (``substitutes``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from gpt56probe.core.family import DEFAULT_FAMILY, Family
from gpt56probe.core.models import (
    DISCOVERED,
    SOURCE_ENV,
    TIERS,
    UNKNOWN_TIER,
    ModelIdSource,
    ModelTable,
    preference,
    tier_by_name,
)
from gpt56probe.core.observation import ModelListing, Observation, Verdict

DISCOVER_ALL = "all"
"""``check --discover``: every listed GPT-5.6 id the table does not hold (Ultra only when named)."""
DISCOVER_SUBSTITUTES = "substitutes"
"""``plan``: only the listed ids of a tier whose configured id the org does not list."""
DISCOVER_MODES = (DISCOVER_ALL, DISCOVER_SUBSTITUTES)

MAX_DISCOVERED_PER_ORG = 8
"""Each discovered id costs a sample: a list that holds hundreds of 5.6 ids must not become hundreds of probes."""

_PROBEABLE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}", re.ASCII)
DISPLAY_CAP = 80


def probeable(model_id: str) -> bool:
    """An id fit to send and to suggest: ASCII letters, digits and ``.``, ``_``, ``:``, ``-``, at most 128."""
    return isinstance(model_id, str) and _PROBEABLE.fullmatch(model_id) is not None


def shown(model_id: str) -> str:
    """An id as a table shows it: every character that is not printable (line breaks, escapes, bidi
    controls) as its escape, so a listed id cannot add a row or reorder a line, and cut at DISPLAY_CAP."""
    text = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in str(model_id))
    return text if len(text) <= DISPLAY_CAP else text[: DISPLAY_CAP - 1] + "\u2026"


def _tier_rank(tier: str, family: Family = DEFAULT_FAMILY) -> int:
    order = (*family.named_tiers, UNKNOWN_TIER)
    return order.index(tier) if tier in order else len(order)


def family_ids(listed: Iterable[str], family: Family = DEFAULT_FAMILY) -> tuple[str, ...]:
    """The family's ids of a list (GPT-5.6 built in), once each: by tier (sol, terra, luna, sol-ultra,
    unknown), then newest snapshot first, then aliases."""
    unique = {i for i in listed if isinstance(i, str) and family.in_family(i)}
    return tuple(sorted(unique, key=lambda i: (_tier_rank(family.tier_by_name(i), family), preference(i, family))))


def same_tier(listed: Iterable[str], tier: str, exclude: Iterable[str] = (), family: Family = DEFAULT_FAMILY) -> tuple[str, ...]:
    """The listed ids whose name maps to ``tier``, preferred first (see ``models.preference``)."""
    skip = set(exclude)
    return tuple(i for i in family_ids(listed, family) if i not in skip and family.tier_by_name(i) == tier and probeable(i))


def substitutes(listed: Iterable[str] | None, table: ModelTable) -> dict[str, tuple[str, ...]]:
    """Per tier whose configured id the org does not list: the listed ids of that tier, preferred first."""
    if listed is None:
        return {}
    ids = tuple(listed)
    found: dict[str, tuple[str, ...]] = {}
    for spec in table.tiers:
        if spec.id in ids:
            continue
        same = same_tier(ids, spec.tier, exclude=(spec.id,), family=table.family)
        if same:
            found[spec.tier] = same
    return found


@dataclass(frozen=True)
class Discovery:
    """What ``discover`` chose for one org's list: the ids to probe and what it left out, and why."""

    probe: tuple[str, ...] = ()
    ultra: tuple[str, ...] = ()  # the compute-heavy mode: probed only when named (--model ID)
    over_limit: tuple[str, ...] = ()  # past MAX_DISCOVERED_PER_ORG
    unprobeable: int = 0  # ids that cannot be a model id (odd characters, too long)

    def notes(self, org: str | None) -> list[str]:
        who = org or "the default org"
        notes = []
        if self.ultra:
            notes.append(f"{who} lists {', '.join(shown(i) for i in self.ultra)} (Ultra, the compute-heavy mode): "
                         "not probed; name it with --model ID to probe it")
        if self.over_limit:
            notes.append(f"{who} lists {len(self.over_limit)} more GPT-5.6 id(s) than --discover probes "
                         f"({MAX_DISCOVERED_PER_ORG} per org): {', '.join(shown(i) for i in self.over_limit[:5])}"
                         + (", ..." if len(self.over_limit) > 5 else "") + "; name them with --model ID")
        if self.unprobeable:
            notes.append(f"{who} lists {self.unprobeable} GPT-5.6 id(s) that cannot be model ids (odd characters or length): not probed")
        return notes


def discover(listed: Iterable[str] | None, table: ModelTable, mode: str = DISCOVER_ALL, *,
             probed: Iterable[str] = (), tiers: Sequence[str] = ()) -> Discovery:
    """The listed GPT-5.6 ids to probe for one org.

    ``all`` (check --discover): every listed 5.6 id that the table does not hold and the run
    did not probe already, limited to ``tiers`` (by name) when given; ``substitutes`` (plan):
    only the same-tier ids of the tiers whose configured id is not listed. Never Ultra (it is
    probed only when named), never an id unfit to send, at most MAX_DISCOVERED_PER_ORG.
    """
    if listed is None:
        return Discovery()
    ids = tuple(listed)
    known = set(table.ids) | set(probed)
    if mode == DISCOVER_SUBSTITUTES:
        wanted = [i for same in substitutes(ids, table).values() for i in same]
    else:
        wanted = [i for i in family_ids(ids, table.family) if not tiers or table.family.tier_by_name(i) in tiers]
    wanted = [i for i in wanted if i not in known]
    is_ultra_id = table.family.is_ultra
    ultra = tuple(i for i in wanted if is_ultra_id(i))
    fit = [i for i in wanted if not is_ultra_id(i) and probeable(i)]
    odd = sum(1 for i in wanted if not is_ultra_id(i) and not probeable(i))
    return Discovery(tuple(fit[:MAX_DISCOVERED_PER_ORG]), ultra, tuple(fit[MAX_DISCOVERED_PER_ORG:]), odd)


# --------------------------------------------------------------------------- the one setting that switches


def toml_string(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's; DEL escaped too)."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def config_line(tier: str, model_id: str) -> str:
    """The setting in one line, as the next steps quote it: ``[models.terra] id = "gpt-5.6-terra-2026-06-26"``."""
    return f"[models.{tier}] id = {toml_string(model_id)}"


def config_snippet(tier: str, model_id: str) -> str:
    """The two lines of config.toml that make ``model_id`` the tier's id."""
    return f"[models.{tier}]\nid = {toml_string(model_id)}"


def switch_instruction(tier: str, model_id: str, source: ModelIdSource | None = None) -> str:
    """How to make ``model_id`` the tier's id, in one line: the env variable when the id comes from the
    environment (the file would not win), else the config line and the file it goes in."""
    if source is not None and source.kind == SOURCE_ENV and source.where:
        return f"set {source.where}={model_id} (the {tier} id comes from the environment)"
    where = source.where if source is not None and source.where else "gpt56probe's config.toml (`gpt56probe config show` says where)"
    return f"{config_line(tier, model_id)} in {where}"


def _listing_ids(observation: Observation) -> tuple[str, ...] | None:
    listing = getattr(observation, "listing", None)
    if not isinstance(listing, ModelListing) or listing.ids is None:
        return None
    return tuple(i for i in listing.ids if isinstance(i, str))


def discover_command(org: str | None) -> str:
    """The check that probes what an org lists, as a command that runs when pasted."""
    import shlex

    return "gpt56probe check " + (f"--org {shlex.quote(org)} " if org else "") + "--discover"


def next_step(observation: Observation, verdict: Verdict, model_access: bool, remedy: str,
              sources: Mapping[str, ModelIdSource], discovered: Mapping[str, Verdict] | None = None) -> str:
    """The next step, when the org's list says the id is the problem (or names what a discovered id is).

    A configured tier id refused as not provisioned (a model-access refusal) that the org does
    not list, while it lists another id of that tier: the verdict stays, the step names the
    listed id and the setting that switches to it. A discovered id that answered: what it is and
    how to use it. Anything else: ``remedy`` unchanged. ``discovered`` (the ids this run's
    ``--discover`` probed in this org, with their verdicts) replaces "--discover tries it" with
    what it found.
    """
    target = observation.target
    org = target.org or "the default org"
    listed = _listing_ids(observation)
    if listed is None:
        return remedy
    if target.tier == DISCOVERED:
        if verdict is not Verdict.OK:
            return remedy
        named = tier_by_name(target.model)
        if named in TIERS:
            return (f"{org} lists {target.model} ({named} by its name) and it answers; to make it the {named} id: "
                    f"{switch_instruction(named, target.model, sources.get(named))}.")
        return f"{org} lists {target.model} and it answers; its name is no tier's: name it with --model to probe it in every check."
    if verdict is not Verdict.NOT_PROVISIONED or not model_access or target.tier not in TIERS or target.model in listed:
        return remedy
    same = same_tier(listed, target.tier, exclude=(target.model,))
    if not same:
        return remedy
    also = f", also {', '.join(same[1:4])}" if len(same) > 1 else ""
    found = (discovered or {}).get(same[0])
    if found is Verdict.OK:
        tried = ". --discover probed it: it answers."  # a sentence of its own after the switch
    elif found is not None:
        tried = f". --discover probed it: {found.value}."
    else:
        tried = f" (`{discover_command(target.org)}` tries it)."
    return (f"{org} does not list {target.model} but lists {same[0]} ({target.tier}{also}): the id is the likely problem, "
            f"not access. Switch: {switch_instruction(target.tier, same[0], sources.get(target.tier))}{tried}")


__all__ = [
    "DISCOVER_ALL", "DISCOVER_MODES", "DISCOVER_SUBSTITUTES", "Discovery", "MAX_DISCOVERED_PER_ORG", "config_line", "config_snippet",
    "discover", "discover_command", "family_ids", "next_step", "probeable", "same_tier", "shown", "substitutes", "switch_instruction",
    "toml_string",
]
