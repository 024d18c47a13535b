"""From "who can reach what" to "what should we call": a routing plan per org. Pure, no I/O.

``build_plan`` turns one org's diagnoses into a ``RoutingPlan``: per role (models.ROLES:
hard -> Sol, balanced -> Terra, cheap -> Luna) the model to call and its ordered fallback
chain, restricted to what the org reached. ``render_python``, ``render_typescript`` and
``render_json`` turn a plan into a config file.

The rules (the articles' advice: start on Terra, promote to Sol only where it earns it,
demote to Luna where it passes, keep gpt-5.5 as the live fallback):

* A model is **reachable** when every probe of it for the org is ``ok``.
* A model is **degraded** when every probe is ``ok`` or ``safety_check`` and at least one
  is ``safety_check``: the org can call it, but requests may stall on an additional safety
  check or come back withheld. It still serves its role (a safety notice is not a block);
  for Sol and Terra, Luna (which does not use the additional-check experience) is put first
  in the fallback chain, as the faster retry path, when Luna itself is reachable.
* Any other verdict (access verdicts, rate limits, server errors, timeouts, unknown) makes a
  model **unreachable** for the plan: a routing config should not start on it.
* A role's candidate chain is: its tier's model, then the ids of that tier the org lists when it
  does not list the configured one (``substitutes``, from discovery.substitutes: a dated snapshot
  standing in for a placeholder), then Luna (only as above), then the table's fallbacks in order
  (gpt-5.5, gpt-5.4-mini: the published wrapper's chain). The first reachable-or-degraded
  candidate serves the role; the rest, filtered the same way, are its fallbacks. A role served by
  a listed id is "served by a listed id"; one served by anything else than its tier's ids is
  "served by a fallback".
* Nothing reachable: every role's model is ``None`` and ``reachable`` is false.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from gpt56probe.core.discovery import config_line
from gpt56probe.core.models import FALLBACK, ModelTable
from gpt56probe.core.observation import Diagnosis, Verdict
from gpt56probe.core.redact import public_url

STATE_OK = "ok"
STATE_DEGRADED = "degraded"
STATE_UNREACHABLE = "unreachable"

PLAN_SCHEMA = "gpt56probe.routing/1"
EMIT_FORMATS = ("python", "typescript", "json")
RETRY_TIER = "luna"
SAFETY_TIERS = ("sol", "terra")


@dataclass(frozen=True)
class ModelState:
    """How one model fared for the org: its state and the verdicts behind it."""

    model: str
    tier: str
    state: str
    verdicts: tuple[str, ...]

    @property
    def usable(self) -> bool:
        return self.state in (STATE_OK, STATE_DEGRADED)


@dataclass(frozen=True)
class RoleRoute:
    role: str
    tier: str
    preferred: str
    model: str | None
    fallbacks: tuple[str, ...]
    degraded: bool
    notes: tuple[str, ...] = ()
    listed: tuple[str, ...] = ()  # ids of this tier the org lists in place of ``preferred`` (it does not list that)

    @property
    def served_by_listed_id(self) -> bool:
        return self.model is not None and self.model in self.listed

    @property
    def served_by_fallback(self) -> bool:
        return self.model is not None and self.model != self.preferred and self.model not in self.listed

    @property
    def chain(self) -> tuple[str, ...]:
        return () if self.model is None else (self.model, *self.fallbacks)


@dataclass(frozen=True)
class RoutingPlan:
    org: str | None
    base_url: str
    probed_at: str
    surface: str
    routes: tuple[RoleRoute, ...]
    models: tuple[ModelState, ...]
    how: str | None = None  # where the plan comes from when it is not a fresh probe (plan --from-eval)

    @property
    def reachable(self) -> bool:
        return any(r.model is not None for r in self.routes)

    def route(self, role: str) -> RoleRoute:
        for r in self.routes:
            if r.role == role:
                return r
        raise KeyError(role)

    @property
    def fallback_roles(self) -> tuple[str, ...]:
        return tuple(r.role for r in self.routes if r.served_by_fallback)

    @property
    def listed_id_roles(self) -> tuple[str, ...]:
        return tuple(r.role for r in self.routes if r.served_by_listed_id)


def model_states(diagnoses: Iterable[Diagnosis], table: ModelTable, org: str | None) -> tuple[ModelState, ...]:
    """One state per model of the table (table order), then per other probed model, for ``org``."""
    verdicts: dict[str, list[Verdict]] = {}
    for d in diagnoses:
        if d.target.org != org:
            continue
        verdicts.setdefault(d.target.model, []).append(d.verdict)
    ids = list(table.ids) + [m for m in verdicts if m not in table.ids]
    states = []
    for model in ids:
        seen = verdicts.get(model, [])
        if not seen:
            state = STATE_UNREACHABLE
        elif all(v is Verdict.OK for v in seen):
            state = STATE_OK
        elif all(v in (Verdict.OK, Verdict.SAFETY_CHECK) for v in seen):
            state = STATE_DEGRADED
        else:
            state = STATE_UNREACHABLE
        unique = tuple(dict.fromkeys(v.value for v in seen)) or ("not probed",)
        known = table.get(model)
        family = table.family
        tier = known.tier if known is not None else (family.tier_by_name(model) if family.in_family(model) else FALLBACK)
        states.append(ModelState(model, tier, state, unique))
    return tuple(states)


def _route(role: str, tier: str, table: ModelTable, states: dict[str, ModelState],
           substitutes: Mapping[str, Sequence[str]]) -> RoleRoute:
    preferred = table.for_tier(tier).id
    listed = tuple(substitutes.get(tier, ()))
    pref_state = states.get(preferred)
    candidates = [preferred, *listed]
    notes: list[str] = []
    retry_tier = table.family.retry_tier
    retry = next((m for m in ((table.for_tier(retry_tier).id, *substitutes.get(retry_tier, ())) if retry_tier else ())
                  if states.get(m) is not None and states[m].state == STATE_OK), None)
    if tier in table.family.safety_tiers and pref_state is not None and pref_state.state == STATE_DEGRADED:
        notes.append(f"{preferred} answers under additional safety checks ({', '.join(pref_state.verdicts)}): slow or withheld answers are possible")
        if retry is not None:
            candidates.append(retry)
            notes.append(f"{retry} is the faster retry path (no additional-check experience)")
    candidates += [m.id for m in table.fallbacks]
    usable = [m for m in dict.fromkeys(candidates) if states.get(m) is not None and states[m].usable]
    model = usable[0] if usable else None
    why = ", ".join(pref_state.verdicts if pref_state else ("not probed",))
    if model is not None and model in listed:
        notes.append(f"{preferred} is not in this org's model list ({why}); the listed {tier} id {model} answers and serves "
                     f"this role (to make it the configured id: {config_line(tier, model)})")
    elif model is not None and model != preferred:
        notes.append(f"{preferred} is unreachable for this org ({why}): served by {model}")
    if model is None:
        notes.append("no model of this role's chain is reachable for this org")
    degraded = model is not None and states[model].state == STATE_DEGRADED
    return RoleRoute(role, tier, preferred, model, tuple(usable[1:]), degraded, tuple(notes), listed)


def build_plan(
    diagnoses: Sequence[Diagnosis],
    table: ModelTable,
    org: str | None,
    base_url: str,
    probed_at: str,
    surface: str = "chat",
    substitutes: Mapping[str, Sequence[str]] | None = None,
) -> RoutingPlan:
    """The routing plan for ``org`` from a check's diagnoses (see the module docstring for the rules).

    ``substitutes`` (tier -> listed ids, preferred first) are the ids the org lists for a tier whose
    configured id it does not list (discovery.substitutes)."""
    states = model_states(diagnoses, table, org)
    by_id = {s.model: s for s in states}
    routes = tuple(_route(role, tier, table, by_id, substitutes or {}) for role, tier in table.family.roles)
    return RoutingPlan(org, public_url(base_url), probed_at, surface, routes, states)


# --- rendering -----------------------------------------------------------------------------------


def _comment_safe(text: Any) -> str:
    """Text fit for a one-line comment: ASCII, no line terminators or control characters."""
    out = []
    for ch in str(text):
        if ord(ch) < 32 or ord(ch) == 127:
            out.append("?")
        elif ord(ch) > 126:
            out.append(ch.encode("unicode_escape").decode("ascii"))
        else:
            out.append(ch)
    return "".join(out)


def header_lines(plan: RoutingPlan) -> list[str]:
    """What the header comment of every emitted config says, one line each."""
    lines = [
        "Generated by `gpt56probe plan`; do not edit by hand, re-run it to refresh.",
        f"Probed at {plan.probed_at} against {plan.base_url} for org {plan.org or '(the key default org)'}",
        plan.how or (f"How: {plan.surface} surface, one GET /models for the org's list and one 16-token \"Return ok.\" per model "
                     "of the table (and per listed id standing in for a configured id the org does not list)."),
    ]
    if not plan.reachable:
        lines.append("NOTHING IS REACHABLE for this org: every role is null. See `gpt56probe check` for why.")
    served = [f"{r.role} ({r.model} instead of {r.preferred})" for r in plan.routes if r.served_by_fallback]
    lines.append("Roles served by a fallback: " + (", ".join(served) if served else "none"))
    listed = [f"{r.role} ({r.model}, listed in place of {r.preferred})" for r in plan.routes if r.served_by_listed_id]
    if listed:
        lines.append("Roles served by a listed id (the org does not list the configured one): " + ", ".join(listed))
    degraded = [f"{s.model} ({', '.join(s.verdicts)})" for s in plan.models if s.state == STATE_DEGRADED]
    if degraded:
        lines.append("Reachable but degraded (safety checks): " + ", ".join(degraded))
    unreachable = [f"{s.model} ({', '.join(s.verdicts)})" for s in plan.models if s.state == STATE_UNREACHABLE]
    if unreachable:
        lines.append("Unreachable: " + ", ".join(unreachable))
    for r in plan.routes:
        for note in r.notes:
            lines.append(f"{r.role}: {note}")
    return [_comment_safe(line) for line in lines]


def plan_doc(plan: RoutingPlan) -> dict[str, Any]:
    """The plan as JSON data (also the values the Python and TypeScript configs hold)."""
    return {
        "schema": PLAN_SCHEMA,
        "probed_at": plan.probed_at,
        "base_url": plan.base_url,
        "org": plan.org,
        "surface": plan.surface,
        "reachable": plan.reachable,
        "roles": {
            r.role: {
                "tier": r.tier,
                "preferred": r.preferred,
                "model": r.model,
                "fallbacks": list(r.fallbacks),
                "served_by_fallback": r.served_by_fallback,
                "listed": list(r.listed),
                "served_by_listed_id": r.served_by_listed_id,
                "degraded": r.degraded,
                "notes": list(r.notes),
            }
            for r in plan.routes
        },
        "models": {s.model: {"tier": s.tier, "state": s.state, "verdicts": list(s.verdicts)} for s in plan.models},
    }


def render_json(plan: RoutingPlan) -> str:
    return json.dumps(plan_doc(plan), indent=2)


def _js(value: Any) -> str:
    """A JSON literal, ASCII only: also a valid TypeScript literal (U+2028/2029 are escaped)."""
    return json.dumps(value, ensure_ascii=True)


def render_python(plan: RoutingPlan) -> str:
    out = [f"# {line}" for line in header_lines(plan)]
    out += [
        '"""Model routing for the GPT-5.6 preview: the model per role and its ordered fallbacks."""',
        "",
        "from __future__ import annotations",
        "",
        *python_config(plan),
        "",
    ]
    return "\n".join(out)


def python_config(plan: RoutingPlan) -> list[str]:
    """The plan as Python constants and ``model_chain`` (the body of the emitted module)."""
    out = [
        f"PROBED_AT = {plan.probed_at!r}",
        f"BASE_URL = {plan.base_url!r}",
        f"ORG = {plan.org!r}",
        f"REACHABLE = {plan.reachable!r}",
        "",
        "# The model to call per role; None when nothing of the role's chain is reachable.",
        "MODELS: dict[str, str | None] = {",
    ]
    out += [f"    {r.role!r}: {r.model!r}," for r in plan.routes]
    out += ["}", "", "# Ordered fallbacks per role, tried after MODELS[role].", "FALLBACKS: dict[str, tuple[str, ...]] = {"]
    out += [f"    {r.role!r}: {tuple(r.fallbacks)!r}," for r in plan.routes]
    out += ["}", "", "# Roles whose model is not their own tier's (served by a fallback).", f"SERVED_BY_FALLBACK: tuple[str, ...] = {plan.fallback_roles!r}"]
    out += ["# Roles served by an id the org lists in place of the configured one (not listed).",
            f"SERVED_BY_LISTED_ID: tuple[str, ...] = {plan.listed_id_roles!r}"]
    out += [f"DEGRADED: tuple[str, ...] = {tuple(r.role for r in plan.routes if r.degraded)!r}", ""]
    out += [
        "",
        "def model_chain(role: str) -> list[str]:",
        '    """The model for ``role`` then its fallbacks, in the order to try them ([] if none)."""',
        "    model = MODELS[role]",
        "    return [] if model is None else [model, *FALLBACKS[role]]",
    ]
    return out


def render_typescript(plan: RoutingPlan) -> str:
    return "\n".join([f"// {line}" for line in header_lines(plan)] + ["", *typescript_config(plan), ""])


def typescript_config(plan: RoutingPlan) -> list[str]:
    """The plan as TypeScript constants and ``modelChain`` (the body of the emitted module)."""
    roles = " | ".join(_js(r.role) for r in plan.routes)
    out = [
        f"export type Role = {roles};",
        "",
        "export interface Route {",
        "  /** The model to call; null when nothing of the role's chain is reachable. */",
        "  readonly model: string | null;",
        "  /** Ordered fallbacks, tried after model. */",
        "  readonly fallbacks: readonly string[];",
        "  /** The role's own tier model. */",
        "  readonly preferred: string;",
        "  readonly servedByFallback: boolean;",
        "  /** Served by an id the org lists in place of the configured (unlisted) one. */",
        "  readonly servedByListedId: boolean;",
        "  readonly degraded: boolean;",
        "}",
        "",
        f"export const PROBED_AT: string = {_js(plan.probed_at)};",
        f"export const BASE_URL: string = {_js(plan.base_url)};",
        f"export const ORG: string | null = {_js(plan.org)};",
        f"export const REACHABLE: boolean = {_js(plan.reachable)};",
        "",
        "export const ROUTES: Readonly<Record<Role, Route>> = {",
    ]
    for r in plan.routes:
        out.append(
            f"  {r.role}: {{ model: {_js(r.model)}, fallbacks: {_js(list(r.fallbacks))}, preferred: {_js(r.preferred)}, "
            f"servedByFallback: {_js(r.served_by_fallback)}, servedByListedId: {_js(r.served_by_listed_id)}, degraded: {_js(r.degraded)} }},"
        )
    out += ["};", "", "export const MODELS: Readonly<Record<Role, string | null>> = {"]
    out += [f"  {r.role}: ROUTES.{r.role}.model," for r in plan.routes]
    out += [
        "};",
        "",
        "/** The model for role then its fallbacks, in the order to try them ([] if none). */",
        "export function modelChain(role: Role): string[] {",
        "  const route = ROUTES[role];",
        "  return route.model === null ? [] : [route.model, ...route.fallbacks];",
        "}",
    ]
    return out


def render(plan: RoutingPlan, emit: str) -> str:
    if emit == "python":
        return render_python(plan)
    if emit == "typescript":
        return render_typescript(plan)
    if emit == "json":
        return render_json(plan) + "\n"
    raise ValueError(f"unknown emit format {emit!r}; one of {', '.join(EMIT_FORMATS)}")


__all__ = [
    "EMIT_FORMATS", "FALLBACK", "ModelState", "RoleRoute", "RoutingPlan", "build_plan", "header_lines",
    "model_states", "plan_doc", "python_config", "render", "render_json", "render_python", "render_typescript",
    "typescript_config",
]
