"""Reading an org's projects from OpenAI's Admin API with an admin key: GET only, never a change.

``read_admin`` lists the org's projects (cursor pages) and, per project, its model permissions,
rate limits and spend limit, through the same capped, deadline-bound exchange every probe uses.
The admin key is registered with the output gate by value before the first request, so no
trace, error line or echoed body can show it. ``core/admin.py`` reads the bodies.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any, Sequence
from urllib.parse import quote

from gpt56probe.core import admin as core
from gpt56probe.core.gate import GATE
from gpt56probe.core.observation import Exchange
from gpt56probe.core.wire import parse_json
from gpt56probe.net.probe import Deadline, HttpSettings, http_exchange, make_session, now_iso

PAGE_SIZE = 100
MAX_PAGES = 20
"""At most 2,000 projects (rate limits: 2,000 models) are read per org; an org with more is said to be cut."""
PROJECT_WORKERS = 8


def _get(session: Any, settings: HttpSettings, deadline: Deadline, key: str, org: str | None, path: str) -> Exchange:
    headers = {"Authorization": f"Bearer {key}", "Accept": "application/json"}
    if org:
        headers["OpenAI-Organization"] = org
    url = settings.base_url.rstrip("/") + path
    return http_exchange(session, "GET", url, headers, None, settings, deadline)


def _why(exchange: Exchange, what: str) -> str:
    """One line for an answer that could not be read."""
    if exchange.failure is not None:
        return f"{what}: {exchange.failure.value} ({exchange.failure_detail or 'no answer'})"
    body = parse_json(exchange.body)
    error = body.get("error") if isinstance(body, dict) else None
    message = error.get("message") if isinstance(error, dict) and isinstance(error.get("message"), str) else ""
    if exchange.status in (401, 403):
        message = message or "refused"
        return f"{what}: HTTP {exchange.status}: {message[:200]} (an admin key, sk-admin-..., with read access is needed)"
    return f"{what}: HTTP {exchange.status}" + (f": {message[:200]}" if message else "")


def _pages(session: Any, settings: HttpSettings, deadline: Deadline, key: str, org: str | None, path: str) -> tuple[list[Any], str | None]:
    """Every page of a cursor list (``limit``, ``after``), or the first problem."""
    pages: list[Any] = []
    after: str | None = None
    for _ in range(MAX_PAGES):
        query = f"?limit={PAGE_SIZE}" + (f"&after={quote(after, safe='')}" if after else "")
        exchange = _get(session, settings, deadline, key, org, path + query)
        if exchange.status != 200 or exchange.failure is not None:
            return pages, _why(exchange, f"GET {path}")
        page = parse_json(exchange.body)
        pages.append(page)
        _, more, after = core.projects_in(page)
        if not more:
            return pages, None
    return pages, f"GET {path}: more than {MAX_PAGES * PAGE_SIZE} entries; the rest were not read"


def _project(session: Any, settings: HttpSettings, deadline: Deadline, key: str, org: str | None,
             pid: str, name: str, status: str) -> core.Project:
    problems: list[str] = []
    base = f"/organization/projects/{pid}"
    mode: str | None = None
    ids: tuple[str, ...] = ()
    perms = _get(session, settings, deadline, key, org, base + "/model_permissions")
    if perms.status == 200 and perms.failure is None:
        read = core.permissions_in(parse_json(perms.body))
        if read is None:
            problems.append("model_permissions: not a project.model_permissions body")
        else:
            mode, ids = read
    elif perms.status != 404:  # 404: no policy set, every model the org has
        problems.append("model_permissions " + _why(perms, "could not be read"))
    pages, problem = _pages(session, settings, deadline, key, org, base + "/rate_limits")
    if problem:
        problems.append("rate_limits " + problem)
    limits = tuple(r for page in pages for r in core.rate_limits_in(page))
    spend = _get(session, settings, deadline, key, org, base + "/spend_limit")
    spend_limit = core.spend_limit_in(parse_json(spend.body)) if spend.status == 200 and spend.failure is None else None
    if spend.status not in (200, 404) or spend.failure is not None:
        problems.append("spend_limit " + _why(spend, "could not be read"))
    return core.Project(pid, name, status, mode, ids, limits, spend_limit, tuple(problems))


def read_admin(orgs: Sequence[str | None], admin_key: str, base_url: str, *, timeout_s: float = 20.0, deadline_s: float = 60.0,
               proxy: str | None = None, trust_env: bool = True, tracer: Any = None) -> tuple[core.AdminEvidence, ...]:
    """Each org's projects with their permissions, rate limits and spend limit (GET only)."""
    GATE.add_secret(admin_key)
    settings = HttpSettings(base_url=base_url, timeout_s=timeout_s, tracer=tracer)
    deadline = Deadline(deadline_s)
    session = make_session(PROJECT_WORKERS, proxy=proxy, trust_env=trust_env)
    out = []
    with session, ThreadPoolExecutor(PROJECT_WORKERS) as pool:
        for org in dict.fromkeys(orgs):
            pages, problem = _pages(session, settings, deadline, admin_key, org, "/organization/projects")
            listed = [p for page in pages for p in core.projects_in(page)[0]]
            if problem and not listed:
                out.append(core.AdminEvidence(org, (), problem, now_iso()))
                continue
            projects = list(pool.map(lambda p: _project(session, settings, deadline, admin_key, org, *p), listed))
            out.append(core.AdminEvidence(org, tuple(projects), problem, now_iso()))
    return tuple(out)
