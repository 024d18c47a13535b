"""The Admin API part of the simulator: an org's projects, their model permissions, rate limits and spend limit.

Shapes follow OpenAI's published Admin API (openai-node ``src/resources/admin/organization/projects``:
``projects.ts``, ``model-permissions.ts``, ``rate-limits.ts``, ``spend-limit.ts``). Two things are the
simulator's own (docs/simulator.md says so): a project without a model policy or a spend limit answers
404, and a key that is not an admin key (``sk-admin-…``) gets 403 on every admin path. Only GET is
served: gpt56probe never changes an org's settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

ADMIN_KEY_PREFIX = "sk-admin-"
DEFAULT_PROJECT = "default"
"""A scenario project whose id is this stands for the org's default project (the one its keys use)."""
PAGE_LIMIT_MAX = 100
NOT_ADMIN = ("You have insufficient permissions for this operation. Missing scopes: api.management.read. "
             "Check that you are using an admin key (sk-admin-...).")


@dataclass(frozen=True)
class SimProject:
    """One project of a scenario org, as the Admin API describes it."""

    id: str
    name: str = "Default project"
    status: str = "active"
    mode: str | None = None  # allow_list | deny_list | None (no policy: every model the org has)
    model_ids: tuple[str, ...] = ()
    rate_limits: tuple[tuple[str, int, int], ...] = ()  # (model, requests/min, tokens/min)
    spend_limit_cents: int | None = None
    spend_enforcing: bool = False


def project_from(data: Any) -> SimProject:
    """A scenario's ``[[scenario.projects]]`` table; ValueError names what is wrong."""
    if not isinstance(data, Mapping):
        raise ValueError("a project must be a table")
    allowed = {"id", "name", "status", "model_permissions", "rate_limits", "spend_limit"}
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ValueError(f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}")
    pid = data.get("id", DEFAULT_PROJECT)
    if not isinstance(pid, str) or not pid:
        raise ValueError("id must be a project id (or \"default\" for the org's default project)")
    perms = data.get("model_permissions")
    mode: str | None = None
    ids: tuple[str, ...] = ()
    if perms is not None:
        if not isinstance(perms, Mapping) or perms.get("mode") not in ("allow_list", "deny_list") \
                or not isinstance(perms.get("model_ids", []), list):
            raise ValueError('model_permissions must be {mode = "allow_list" | "deny_list", model_ids = [...]}')
        mode, ids = str(perms["mode"]), tuple(str(i) for i in perms.get("model_ids", []))
    limits = []
    for row in data.get("rate_limits", []):
        if not isinstance(row, Mapping) or not isinstance(row.get("model"), str):
            raise ValueError("rate_limits must be a list of {model, max_requests_per_1_minute, max_tokens_per_1_minute}")
        limits.append((row["model"], int(row.get("max_requests_per_1_minute", 0)), int(row.get("max_tokens_per_1_minute", 0))))
    spend = data.get("spend_limit")
    cents, enforcing = None, False
    if spend is not None:
        if not isinstance(spend, Mapping) or not isinstance(spend.get("threshold_amount"), int):
            raise ValueError("spend_limit must be {threshold_amount = CENTS, enforcing = true|false}")
        cents, enforcing = int(spend["threshold_amount"]), bool(spend.get("enforcing", False))
    return SimProject(pid, str(data.get("name", "Default project")), str(data.get("status", "active")), mode, ids,
                      tuple(limits), cents, enforcing)


def _page(items: Sequence[dict[str, Any]], query: Mapping[str, str]) -> dict[str, Any]:
    """A cursor page (``limit``, ``after``), as the Admin API lists pages."""
    try:
        limit = max(1, min(PAGE_LIMIT_MAX, int(query.get("limit", "20"))))
    except ValueError:
        limit = 20
    after = query.get("after")
    start = next((i + 1 for i, item in enumerate(items) if item["id"] == after), 0) if after else 0
    chunk = list(items[start:start + limit])
    return {"object": "list", "data": chunk, "first_id": chunk[0]["id"] if chunk else None,
            "last_id": chunk[-1]["id"] if chunk else None, "has_more": start + limit < len(items)}


def _not_found(what: str) -> tuple[int, dict[str, Any]]:
    return 404, {"error": {"message": what, "type": "invalid_request_error", "param": None, "code": "not_found"}}


def admin_answer(key: str, projects: Sequence[SimProject], default_project: str, catalogue: Sequence[str],
                 method: str, path: str, query: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
    """The status and body for one Admin API request (``path`` after ``/v1/organization/projects``)."""
    if not key.startswith(ADMIN_KEY_PREFIX):
        return 403, {"error": {"message": NOT_ADMIN, "type": "invalid_request_error", "param": None, "code": "insufficient_permissions"}}
    if method != "GET":
        return 405, {"error": {"message": f"{method} is not served by the simulator's Admin API (gpt56probe only reads)",
                               "type": "invalid_request_error", "param": None, "code": None}}
    real = [p if p.id != DEFAULT_PROJECT else SimProject(default_project, p.name, p.status, p.mode, p.model_ids, p.rate_limits,
                                                          p.spend_limit_cents, p.spend_enforcing) for p in projects]
    if not real:
        real = [SimProject(default_project)]
    parts = [p for p in path.strip("/").split("/") if p]
    if not parts:
        shown = [p for p in real if p.status == "active" or query.get("include_archived") == "true"]
        return 200, _page([{"id": p.id, "object": "organization.project", "name": p.name, "created_at": 1_750_000_000,
                            "archived_at": None if p.status == "active" else 1_760_000_000, "status": p.status} for p in shown], query)
    project = next((p for p in real if p.id == parts[0]), None)
    if project is None:
        return _not_found(f"Project with id '{parts[0]}' not found.")
    if len(parts) == 2 and parts[1] == "model_permissions":
        if project.mode is None:
            return _not_found(f"No model permissions are set for project '{project.id}'.")
        return 200, {"object": "project.model_permissions", "mode": project.mode, "model_ids": list(project.model_ids)}
    if len(parts) == 2 and parts[1] == "rate_limits":
        limits = project.rate_limits or tuple((m, 500, 500_000) for m in catalogue)
        return 200, _page([{"id": f"rl-{m}", "object": "project.rate_limit", "model": m, "max_requests_per_1_minute": rpm,
                            "max_tokens_per_1_minute": tpm} for m, rpm, tpm in limits], query)
    if len(parts) == 2 and parts[1] == "spend_limit":
        if project.spend_limit_cents is None:
            return _not_found(f"No spend limit is set for project '{project.id}'.")
        return 200, {"object": "project.spend_limit", "threshold_amount": project.spend_limit_cents, "currency": "USD",
                     "interval": "month", "enforcement": {"status": "enforcing" if project.spend_enforcing else "inactive"}}
    return _not_found(f"Invalid URL (GET /v1/organization/projects/{'/'.join(parts)})")
