"""``plan --from-eval``: a routing plan from eval results instead of a fresh probe. Pure.

Each routing role (hard, balanced, cheap: the task classes of the same names) takes the model the eval
recommended for its class, with the eval's fallbacks (the other models that passed the class as well as
the baseline, cheapest first, then the table's fallbacks). A role the eval has no recommendation for
keeps its tier's model, said in its notes; other classes of the task file are listed, not routed.
"""

from __future__ import annotations

from typing import Any, Mapping

from gpt56probe.core.models import ROLES, ModelTable
from gpt56probe.core.routing import STATE_OK, STATE_UNREACHABLE, ModelState, RoleRoute, RoutingPlan


def plan_from_eval(doc: Mapping[str, Any], table: ModelTable, source: str) -> tuple[RoutingPlan, tuple[str, ...]]:
    """The plan, and what could not be routed (classes that are not roles), one line each."""
    recs = {r["class"]: r for r in doc.get("recommendations", []) if isinstance(r, Mapping)}
    access = {m.get("model"): m for m in doc.get("models", []) if isinstance(m, Mapping)}
    states = []
    for model, m in access.items():
        if isinstance(model, str):
            state = STATE_OK if m.get("state") == "evaluated" else STATE_UNREACHABLE
            states.append(ModelState(model, str(m.get("tier") or ""), state, (str(m.get("verdict") or ""),)))
    routes = []
    when = str(doc.get("finished_at") or "?")
    for role, tier in ROLES.items():
        preferred = table.for_tier(tier).id
        rec = recs.get(role)
        if rec is None or rec.get("model") is None:
            why = "no task of this class in the eval" if rec is None else f"the eval recommends nothing ({rec.get('status')})"
            fallbacks = tuple(m.id for m in table.fallbacks)
            routes.append(RoleRoute(role, tier, preferred, preferred, fallbacks, False,
                                    (f"{why}: kept {preferred}, not measured by {source}",)))
            continue
        model = str(rec["model"])
        efforts = "/".join(rec.get("efforts") or [])
        note = f"from {source} ({when}): {rec.get('reason', '')}"
        if efforts:
            note += f"; call it at reasoning effort {efforts}"
        fallbacks = tuple(f for f in rec.get("fallbacks") or [] if isinstance(f, str) and f != model)
        routes.append(RoleRoute(role, tier, preferred, model, fallbacks, False, (note,)))
    others = tuple(f"class {r['class']}: {r.get('model') or 'nothing'} (not a routing role)" for c, r in recs.items() if c not in ROLES)
    how = (f"How: from the eval results {source} (finished {when}): each role on the model its class's tasks recommend, "
           "with the models that passed as well as fallbacks; nothing was probed for this plan.")
    plan = RoutingPlan(doc.get("org"), str(doc.get("base_url") or ""), when, "chat", tuple(routes), tuple(states), how)
    return plan, others
