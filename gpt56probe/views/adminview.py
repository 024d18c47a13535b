"""What ``models --projects`` shows: per org, project x model permissions from the Admin API. Pure.

No sample is sent: the cells come from each project's model permissions (an allow or deny list,
or none), the rate limit the project has for the model, and the project's spend limit.
"""

from __future__ import annotations

from typing import Any, Sequence

from gpt56probe.core.admin import AdminEvidence, Project, notes
from gpt56probe.core.discovery import shown

SCHEMA = "gpt56probe.projects/1"


def _limit_text(project: Project, model: str) -> str:
    limit = project.rate_limit(model)
    if limit is None:
        return ""
    rpm = "-" if limit.requests_per_minute is None else f"{limit.requests_per_minute:,}"
    tpm = "-" if limit.tokens_per_minute is None else f"{limit.tokens_per_minute:,}"
    return f" ({rpm} rpm, {tpm} tpm)"


def _spend_text(project: Project) -> str:
    spend = project.spend_limit
    if spend is None:
        return "none"
    return f"{spend.dollars}/{spend.interval}" + (" ENFORCING" if spend.enforcing else "")


def projects_doc(evidence: Sequence[AdminEvidence], models: Sequence[str], base_url: str) -> dict[str, Any]:
    """The JSON document of ``models --projects --format json``."""
    def project_doc(p: Project) -> dict[str, Any]:
        return {
            "id": p.id, "name": p.name, "status": p.status,
            "model_permissions": None if p.mode is None else {"mode": p.mode, "model_ids": list(p.model_ids)},
            "models": {m: {"allowed": p.allows(m), "permission": p.permission_word(m),
                           "rate_limit": None if p.rate_limit(m) is None else {
                               "max_requests_per_1_minute": p.rate_limit(m).requests_per_minute,  # type: ignore[union-attr]
                               "max_tokens_per_1_minute": p.rate_limit(m).tokens_per_minute}}  # type: ignore[union-attr]
                       for m in models},
            "spend_limit": None if p.spend_limit is None else {
                "threshold_amount": p.spend_limit.threshold_cents, "interval": p.spend_limit.interval,
                "enforcing": p.spend_limit.enforcing},
            "problems": list(p.problems),
        }
    return {
        "schema": SCHEMA, "base_url": base_url, "models": list(models),
        "orgs": [{"org": e.org, "read": e.error is None, "error": e.error, "read_at": e.read_at,
                  "projects": [project_doc(p) for p in e.projects]} for e in evidence],
    }


def projects_table(evidence: Sequence[AdminEvidence], models: Sequence[str], fmt: str = "table", width: int | None = None) -> str:
    """One row per org, project and model: the permission, the project's rate limit, its spend limit;
    fitted to ``width`` (views.tables)."""
    from gpt56probe.views.tables import render, with_notes

    rows: list[list[str]] = []
    for e in evidence:
        who = e.org or "(default)"
        if not e.projects:
            rows.append([who, "-", "-", "not read", e.error or "no projects"])
            continue
        for p in e.projects:
            label = shown(p.label) + ("" if p.status == "active" else f" [{p.status}]")
            for m in models:
                rows.append([who, label, shown(m), p.permission_word(m) + _limit_text(p, m), _spend_text(p)])
    text = render(rows, ["org", "project", "model", "permission (rate limit)", "spend limit"], fmt, width)
    lines = notes(evidence)
    blocked = [(e.org or "the default org", p, m) for e in evidence for p in e.projects if p.status == "active"
               for m in models if p.allows(m) is False]
    for org, p, m in blocked[:20]:
        lines.append(f"{org}: project {p.label} cannot use {m} by its model permissions: allow it in that project's settings "
                     "(Limits > Model usage) or use another project's key")
    enforcing = [(e.org or "the default org", p) for e in evidence for p in e.projects if p.spend_limit and p.spend_limit.enforcing]
    for org, p in enforcing:
        lines.append(f"{org}: project {p.label}'s hard spend limit is enforcing: its requests are refused until it is raised")
    return with_notes(text, lines, width)
