"""Free evidence from OpenAI's Admin API: each project's model permissions, rate limits and spend limit. Pure.

With an admin key a team can read, without sending one sample, why a project cannot use a model:
``GET /v1/organization/projects/{id}/model_permissions`` is an allow or deny list of model ids
(openai-node ``projects/model-permissions.ts``), ``/rate_limits`` the per-model limits
(``rate-limits.ts``), ``/spend_limit`` a hard monthly limit and whether it is enforcing
(``spend-limit.ts``). This module reads those bodies and explains ``project_no_access`` and
spend-limit refusals from them; ``net/admin.py`` fetches them (GET only).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Mapping, Sequence

from gpt56probe.core.observation import Diagnosis, Verdict

ALLOW = "allow_list"
DENY = "deny_list"
_PROJECT_IN_MESSAGE = re.compile(r"Project `?(proj_[A-Za-z0-9]+)`?")


@dataclass(frozen=True)
class RateLimit:
    model: str
    requests_per_minute: int | None
    tokens_per_minute: int | None


@dataclass(frozen=True)
class SpendLimit:
    threshold_cents: int
    enforcing: bool
    interval: str = "month"

    @property
    def dollars(self) -> str:
        return f"${self.threshold_cents / 100:,.2f}"


@dataclass(frozen=True)
class Project:
    """One project as the Admin API describes it, with what could not be read said in ``problems``."""

    id: str
    name: str = ""
    status: str = "active"
    mode: str | None = None  # allow_list, deny_list, or None: no policy (every model the org has)
    model_ids: tuple[str, ...] = ()
    rate_limits: tuple[RateLimit, ...] = ()
    spend_limit: SpendLimit | None = None
    problems: tuple[str, ...] = ()

    def allows(self, model: str) -> bool | None:
        """Whether the project's policy lets it use ``model``: True/False by its list, None when unknown
        (the permissions could not be read)."""
        if any(p.startswith("model_permissions") for p in self.problems):
            return None
        if self.mode == ALLOW:
            return model in self.model_ids
        if self.mode == DENY:
            return model not in self.model_ids
        return True

    def permission_word(self, model: str) -> str:
        """What the matrix cell says: allowed / denied (and by which kind of list) / unknown."""
        allowed = self.allows(model)
        if allowed is None:
            return "unknown"
        if self.mode is None:
            return "allowed (no list)"
        if allowed:
            return "allowed"
        return "not on allow list" if self.mode == ALLOW else "on deny list"

    def rate_limit(self, model: str) -> RateLimit | None:
        return next((r for r in self.rate_limits if r.model == model), None)

    @property
    def label(self) -> str:
        return f"{self.id} ({self.name})" if self.name and self.name != self.id else self.id


@dataclass(frozen=True)
class AdminEvidence:
    """What the Admin API said about one org: its projects, or why it could not be read."""

    org: str | None
    projects: tuple[Project, ...] = ()
    error: str | None = None
    read_at: str = ""

    def project(self, project_id: str | None) -> Project | None:
        return next((p for p in self.projects if p.id == project_id), None) if project_id else None


# --------------------------------------------------------------------------- reading the bodies


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def projects_in(page: Any) -> tuple[list[tuple[str, str, str]], bool, str | None]:
    """(id, name, status) per project of one page, whether more pages follow, and the cursor for the next."""
    data = page.get("data") if isinstance(page, Mapping) else None
    found = []
    for item in data if isinstance(data, list) else ():
        if isinstance(item, Mapping) and isinstance(item.get("id"), str) and item["id"]:
            name = item.get("name")
            status = item.get("status")
            found.append((str(item["id"]), name if isinstance(name, str) else "", status if isinstance(status, str) else "active"))
    more = bool(page.get("has_more")) if isinstance(page, Mapping) else False
    last = page.get("last_id") if isinstance(page, Mapping) and isinstance(page.get("last_id"), str) else (found[-1][0] if found else None)
    return found, more and last is not None, last


def permissions_in(body: Any) -> tuple[str | None, tuple[str, ...]] | None:
    """``(mode, model_ids)`` of a ``project.model_permissions`` body; None when it is not one."""
    if not isinstance(body, Mapping) or body.get("mode") not in (ALLOW, DENY) or not isinstance(body.get("model_ids"), list):
        return None
    return str(body["mode"]), tuple(i for i in body["model_ids"] if isinstance(i, str))


def rate_limits_in(page: Any) -> list[RateLimit]:
    data = page.get("data") if isinstance(page, Mapping) else None
    return [RateLimit(item["model"], _int(item.get("max_requests_per_1_minute")), _int(item.get("max_tokens_per_1_minute")))
            for item in (data if isinstance(data, list) else ()) if isinstance(item, Mapping) and isinstance(item.get("model"), str)]


def spend_limit_in(body: Any) -> SpendLimit | None:
    if not isinstance(body, Mapping) or _int(body.get("threshold_amount")) is None:
        return None
    enforcement = body.get("enforcement")
    status = enforcement.get("status") if isinstance(enforcement, Mapping) else None
    interval = body.get("interval")
    return SpendLimit(int(body["threshold_amount"]), status == "enforcing", interval if isinstance(interval, str) else "month")


# --------------------------------------------------------------------------- explaining refusals


def project_of(d: Diagnosis, default: str | None = None) -> str | None:
    """The project a refusal names ("Project `proj_…` does not have access to model"), else the one the probe sent."""
    match = _PROJECT_IN_MESSAGE.search(d.error_message or "")
    return match.group(1) if match else (d.target.project or default)


def explain(diagnoses: Sequence[Diagnosis], evidence: Mapping[str | None, AdminEvidence]) -> tuple[Diagnosis, ...]:
    """Each project_no_access, quota and rate-limit refusal, with the Admin API's reason in its next step when it has one.

    project_no_access: the project's allow list leaves the model out (or its deny list names it): the fix is in
    that project's settings (Limits, model usage), not the org's approval. A quota refusal while the project's
    hard spend limit is enforcing: the limit, not the org's credits, stops it. A rate limit: the project's own
    per-model limit. Anything else is left as it is."""
    out = []
    for d in diagnoses:
        org = evidence.get(d.target.org)
        if org is None or not org.projects:
            out.append(d)
            continue
        out.append(_explained(d, org))
    return tuple(out)


def _explained(d: Diagnosis, org: AdminEvidence) -> Diagnosis:
    who = d.target.org or "the default org"
    if d.verdict is Verdict.PROJECT_NO_ACCESS:
        named = project_of(d)
        project = org.project(named)
        if project is None:
            return d
        allowed = project.allows(d.target.model)
        if allowed is False:
            kind = f"allow list that leaves out {d.target.model}" if project.mode == ALLOW else f"deny list that names {d.target.model}"
            others = [p.label for p in org.projects if p.id != project.id and p.status == "active" and p.allows(d.target.model)]
            tail = f"; or use a key of a project that allows it: {', '.join(others[:3])}" if others else ""
            return replace(d, remediation=(f"Admin API: project {project.label} of {who} has a model {kind}: allow the model "
                                           f"in that project's settings (Limits > Model usage){tail}. The org's access is not "
                                           "the problem."))
        if allowed is True:
            return replace(d, remediation=d.remediation + f" (Admin API: project {project.label}'s model permissions allow "
                                                          f"{d.target.model}; the refusal has another cause: check the key's project.)")
        return d
    if d.verdict is Verdict.RATE_LIMITED:
        project = org.project(project_of(d)) or (org.projects[0] if len(org.projects) == 1 else None)
        rate = project.rate_limit(d.target.model) if project is not None else None
        if project is not None and rate is not None:
            rpm = "-" if rate.requests_per_minute is None else f"{rate.requests_per_minute:,}"
            tpm = "-" if rate.tokens_per_minute is None else f"{rate.tokens_per_minute:,}"
            return replace(d, remediation=d.remediation + f" (Admin API: project {project.label} allows {d.target.model} "
                                                          f"{rpm} requests and {tpm} tokens a minute; raise it in that "
                                                          "project's settings, Limits > Rate limits, if that is the bound.)")
        return d
    if d.verdict is Verdict.QUOTA_EXHAUSTED:
        project = org.project(project_of(d)) or (org.projects[0] if len(org.projects) == 1 else None)
        if project is not None and project.spend_limit is not None and project.spend_limit.enforcing:
            limit = project.spend_limit
            return replace(d, remediation=(f"Admin API: project {project.label} of {who} has reached its hard spend limit "
                                           f"({limit.dollars} a {limit.interval}, enforcing): raise or remove it in that "
                                           "project's settings (Limits > Budget); adding org credits will not help."))
    return d


def notes(evidence: Iterable[AdminEvidence]) -> list[str]:
    """What could not be read from the Admin API, one line per org (the check still judges without it)."""
    lines = []
    for e in evidence:
        who = e.org or "the default org"
        if e.error:
            lines.append(f"admin API for {who}: {e.error}")
        for p in e.projects:
            for problem in p.problems:
                lines.append(f"admin API for {who}, project {p.id}: {problem}")
    return lines


@dataclass(frozen=True)
class ProjectMatrix:
    """``models --projects``: per org, project x model permissions and rate limits."""

    evidence: tuple[AdminEvidence, ...]
    models: tuple[str, ...] = field(default=())
