"""What the router ``plan --emit`` writes does with each failure class, and each tier's budget.

Pure data and two functions, next to the routing rules (core/routing) and the verdict rules
(core/rules) the emitted code is generated from. The articles' advice, as rules:

* an access failure means this model is not available to this org (not provisioned, pending,
  wrong org, project, region/VPN, key permissions, org not verified): try the next model now;
* a timeout, server error, rate limit or network failure is transient: the SDK retries it within
  the tier's budget (``MAX_RETRIES``, each request bounded by ``TIMEOUT_S``), then the next model,
  so a slow Sol does not block the fallback;
* a safety check on Sol or Terra: Luna, which does not use the additional-check experience, is the
  faster retry path for the roles that allow the quality change (``luna_retry_roles``);
* an invalid key, an invalid request (the team's own parameters), exhausted quota, a blocked account
  or an unknown answer are raised: a fallback would hide a bug, or cannot help (quota and blocks are
  per org, every model of the chain would fail the same way).
"""

from __future__ import annotations

from typing import Mapping

from gpt56probe.core.models import FALLBACK, ModelTable, tier_by_name
from gpt56probe.core.observation import Verdict
from gpt56probe.core.routing import RETRY_TIER, SAFETY_TIERS, RoleRoute, RoutingPlan

FALLBACK_ACTION = "fallback"
SAFETY_ACTION = "safety"
RAISE_ACTION = "raise"

ACTIONS: Mapping[Verdict, str] = {
    Verdict.NOT_PROVISIONED: FALLBACK_ACTION,
    Verdict.PROVISIONING_PENDING: FALLBACK_ACTION,
    Verdict.WRONG_ORG: FALLBACK_ACTION,
    Verdict.PROJECT_NO_ACCESS: FALLBACK_ACTION,
    Verdict.REGION_VPN: FALLBACK_ACTION,
    Verdict.KEY_PERMISSIONS: FALLBACK_ACTION,
    Verdict.ORG_NOT_ELIGIBLE: FALLBACK_ACTION,
    Verdict.TIMEOUT: FALLBACK_ACTION,
    Verdict.SERVER_ERROR: FALLBACK_ACTION,
    Verdict.RATE_LIMITED: FALLBACK_ACTION,
    Verdict.NETWORK_ERROR: FALLBACK_ACTION,
    Verdict.SAFETY_CHECK: SAFETY_ACTION,
    Verdict.INVALID_KEY: RAISE_ACTION,
    Verdict.UNSUPPORTED_PARAMETER: RAISE_ACTION,
    Verdict.QUOTA_EXHAUSTED: RAISE_ACTION,
    Verdict.ACCOUNT_BLOCKED: RAISE_ACTION,
    Verdict.UNKNOWN: RAISE_ACTION,
}
"""Every verdict but ``ok``: the failure classes of the served log are exactly these."""

TIMEOUT_S: Mapping[str, float] = {"sol": 60.0, "terra": 30.0, "luna": 15.0, FALLBACK: 30.0}
"""Seconds per request, by tier: Sol thinks longest; a stalled Luna should give way soon."""
MAX_RETRIES: Mapping[str, int] = {"sol": 1, "terra": 1, "luna": 2, FALLBACK: 2}
"""The SDK's own retries per tier (openai-python and openai-node default to 2): small on the 5.6
tiers, so a failing preview tier hands over to its fallback quickly."""


def chain(route: RoleRoute, table: ModelTable) -> tuple[str, ...]:
    """The models the router tries for a role: the role's own model first (the listed id standing in
    for it when the plan found one), then what the plan put after it, then the table's fallbacks.
    Luna joins a Sol or Terra chain only through a safety check (``luna_retry_roles``), never as a
    silent fallback. The own model comes first even when the plan found it unreachable: the log then
    shows when provisioning lands."""
    first = route.model if route.served_by_listed_id and route.model is not None else route.preferred
    luna = table.for_tier(RETRY_TIER).id
    rest = [m for m in route.chain if route.tier == RETRY_TIER or (m != luna and tier_by_name(m) != RETRY_TIER)]
    return tuple(dict.fromkeys([first, *rest, *(m.id for m in table.fallbacks)]))


def luna_retry_roles(plan: RoutingPlan) -> tuple[str, ...]:
    """Roles whose tier runs additional safety checks (Sol, Terra): Luna may answer them when a check stops them."""
    return tuple(r.role for r in plan.routes if r.tier in SAFETY_TIERS)


def budget(model: str, table: ModelTable) -> tuple[float, int]:
    """(timeout in seconds, SDK retries) for a model, by its tier (an unknown id: the fallback budget)."""
    spec = table.get(model)
    tier = spec.tier if spec is not None else tier_by_name(model)  # a dated snapshot keeps its tier's budget
    tier = tier if tier in TIMEOUT_S else FALLBACK
    return TIMEOUT_S[tier], MAX_RETRIES[tier]


def safety_models(plan: RoutingPlan, table: ModelTable) -> tuple[str, ...]:
    """The Sol and Terra ids the router may call (the configured ones and any listed id standing in for them)."""
    ids = [table.for_tier(t).id for t in SAFETY_TIERS]
    ids += [chain(r, table)[0] for r in plan.routes if r.tier in SAFETY_TIERS]
    return tuple(dict.fromkeys(ids))


def luna(plan: RoutingPlan, table: ModelTable) -> str:
    """Luna's id for the safety retry: the cheap role's own model when it is a Luna id (a listed snapshot), else the table's."""
    own = [chain(r, table)[0] for r in plan.routes if r.tier == RETRY_TIER]
    return own[0] if own else table.for_tier(RETRY_TIER).id
