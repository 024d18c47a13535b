"""A gated model family as data: its id prefix, tier names, roles and when its prices were read.

The GPT-5.6 preview is one family; the next preview (other ids), or a one-tier cyber preview, is
another. Nothing in gpt56probe may assume the built-in one: the models table carries its family, and
every command asks it which tiers exist, which ids belong, which tier an id names and which role a
tier serves. A config file's ``[family]`` section describes another (``family_from_config``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Mapping

BUILTIN_TIERS: tuple[str, ...] = ("sol", "terra", "luna")
BUILTIN_ROLES: tuple[tuple[str, str], ...] = (("hard", "sol"), ("balanced", "terra"), ("cheap", "luna"))
BUILTIN_PRICES_READ = "2026-06-27"
"""The day the built-in prices were read (the migration guide's sources, "as of June 27, 2026")."""
UNKNOWN_TIER = "unknown"
ULTRA_SUFFIX = "-ultra"
SOURCE_BUILTIN = "built-in table"
SOURCE_CONFIG = "config file [family]"
_TIER_WORD = re.compile(r"[a-z][a-z0-9]{0,31}", re.ASCII)
_PREFIX = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", re.ASCII)
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", re.ASCII)


class FamilyError(ValueError):
    """A ``[family]`` section that cannot describe a family; the message names the key."""


@dataclass(frozen=True)
class Family:
    """What makes a family: ids ``<prefix>-<tier>[-ultra][-preview][-YYYY-MM-DD]``, tiers top first, the
    role each tier serves first, the tier whose Ultra mode exists, the faster retry tier, the prices' date."""

    name: str = "GPT-5.6"
    prefix: str = "gpt-5.6"
    tiers: tuple[str, ...] = BUILTIN_TIERS
    roles: tuple[tuple[str, str], ...] = BUILTIN_ROLES
    ultra_tier: str | None = "sol"
    retry_tier: str | None = "luna"
    prices_read: str | None = BUILTIN_PRICES_READ
    source: str = SOURCE_BUILTIN
    _pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        words = "|".join(re.escape(t) for t in sorted(self.tiers, key=len, reverse=True))
        pattern = re.compile(re.escape(self.prefix) + rf"-({words})(-ultra)?(-preview)?(?:-([0-9]{{4}})-([0-9]{{2}})-([0-9]{{2}}))?",
                             re.ASCII)
        object.__setattr__(self, "_pattern", pattern)

    @property
    def role_map(self) -> dict[str, str]:
        return dict(self.roles)

    @property
    def ultra_name(self) -> str | None:
        return self.ultra_tier + ULTRA_SUFFIX if self.ultra_tier else None

    @property
    def named_tiers(self) -> tuple[str, ...]:
        """What an id of this family can be mapped to by its name, besides ``unknown``."""
        return (*self.tiers, *((self.ultra_name,) if self.ultra_name else ()))

    @property
    def safety_tiers(self) -> tuple[str, ...]:
        """The tiers whose safety checks the retry tier is the faster path around."""
        return tuple(t for t in self.tiers if t != self.retry_tier) if self.retry_tier in self.tiers else ()

    def in_family(self, model_id: str) -> bool:
        """``<prefix>`` itself or ``<prefix>-…``, exactly as written (ids are lower case)."""
        return isinstance(model_id, str) and (model_id == self.prefix or model_id.startswith(self.prefix + "-"))

    def _named(self, model_id: str) -> re.Match[str] | None:
        match = self._pattern.fullmatch(model_id) if isinstance(model_id, str) else None
        if match is None:
            return None
        if match.group(2) and match.group(1) != self.ultra_tier:
            return None  # only the ultra tier has an Ultra mode
        if match.group(4):
            try:
                date(int(match.group(4)), int(match.group(5)), int(match.group(6)))
            except ValueError:
                return None
        return match

    def tier_by_name(self, model_id: str) -> str:
        """The tier an id names (or ``<ultra tier>-ultra``), else ``unknown``: an id that only looks like
        a tier is never routed as one."""
        match = self._named(model_id)
        if match is None:
            return UNKNOWN_TIER
        return f"{match.group(1)}{ULTRA_SUFFIX}" if match.group(2) else match.group(1)

    def snapshot_of(self, model_id: str) -> str | None:
        match = self._named(model_id)
        if match is None or not match.group(4):
            return None
        return f"{match.group(4)}-{match.group(5)}-{match.group(6)}"

    def is_ultra(self, model_id: str) -> bool:
        """The compute-heavy Ultra mode (by tier, or an ``ultra`` word in an id of the family)."""
        if self.ultra_name and self.tier_by_name(model_id) == self.ultra_name:
            return True
        return self.in_family(model_id) and bool(re.search(r"(?:^|-)ultra(?:-|$)", model_id[len(self.prefix):]))

    def default_id(self, tier: str) -> str:
        return f"{self.prefix}-{tier}"


DEFAULT_FAMILY = Family()

FAMILY_KEYS = ("name", "prefix", "tiers", "roles", "ultra_tier", "retry_tier", "prices_read")


def read_date(value: Any, where: str) -> str:
    """A TOML date (``2026-07-15``) or a ``"YYYY-MM-DD"`` string, as ``YYYY-MM-DD``."""
    if isinstance(value, date):
        return value.isoformat()[:10]
    if isinstance(value, str) and _DATE.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            pass
    raise FamilyError(f"{where} must be a date (2026-07-15), got {value!r}")


def family_from_config(section: Mapping[str, Any]) -> Family:
    """A ``[family]`` section as a Family; keys left out keep the built-in family's values, except that
    roles and the retry tier follow the tiers when those change. Raises ``FamilyError``."""
    if not isinstance(section, Mapping):
        raise FamilyError("family must be a table ([family])")
    unknown = sorted(set(section) - set(FAMILY_KEYS))
    if unknown:
        raise FamilyError(f"family: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(FAMILY_KEYS)}")
    base = DEFAULT_FAMILY
    prefix = section.get("prefix", base.prefix)
    if not isinstance(prefix, str) or not _PREFIX.fullmatch(prefix):
        raise FamilyError(f"family.prefix must be an id prefix such as \"gpt-5.7\", got {prefix!r}")
    name = section.get("name", base.name if prefix == base.prefix else prefix)
    if not isinstance(name, str) or not name.strip() or not name.isprintable():
        raise FamilyError("family.name must be a non-empty string")
    tiers = section.get("tiers", list(base.tiers))
    if (not isinstance(tiers, list) or not tiers or len(tiers) > 8
            or not all(isinstance(t, str) and _TIER_WORD.fullmatch(t) for t in tiers) or len(set(tiers)) != len(tiers)):
        raise FamilyError("family.tiers must be a list of 1 to 8 distinct lower-case tier words, top first (\"sol\", \"cyber\")")
    if set(tiers) & {"fallback", "discovered", UNKNOWN_TIER}:
        raise FamilyError("family.tiers may not use the words fallback, discovered or unknown")
    tiers_t = tuple(tiers)
    same_tiers = tiers_t == base.tiers
    if "roles" in section:
        roles = section["roles"]
        if not isinstance(roles, Mapping) or not roles or not all(isinstance(k, str) and k and v in tiers_t for k, v in roles.items()):
            raise FamilyError(f"family.roles must map role names to tiers of the family ({', '.join(tiers_t)})")
        role_pairs = tuple((str(k), str(v)) for k, v in roles.items())
    elif same_tiers:
        role_pairs = base.roles
    else:
        role_pairs = (("hard", tiers_t[0]), ("balanced", tiers_t[len(tiers_t) // 2]), ("cheap", tiers_t[-1]))
    def optional_tier(key: str, default: str | None) -> str | None:
        value = section.get(key, default)
        if value in (None, ""):
            return None
        if value not in tiers_t:
            raise FamilyError(f"family.{key} must be one of the family's tiers ({', '.join(tiers_t)}) or \"\"")
        return str(value)
    ultra = optional_tier("ultra_tier", base.ultra_tier if base.ultra_tier in tiers_t and same_tiers else None)
    retry = optional_tier("retry_tier", base.retry_tier if base.retry_tier in tiers_t and same_tiers else None)
    prices_read = read_date(section["prices_read"], "family.prices_read") if "prices_read" in section else (
        base.prices_read if prefix == base.prefix else None)
    return Family(name.strip(), prefix, tiers_t, role_pairs, ultra, retry, prices_read, SOURCE_CONFIG)
