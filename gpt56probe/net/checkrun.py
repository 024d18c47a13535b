"""One check, end to end: plan -> probe -> classify. No rendering, no click.

Shared by ``check``, ``demo``, ``support-packet`` and ``plan``, so all four see the
same facts the same way.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Callable, Mapping, Sequence

from gpt56probe.core.expectations import ExpectedTiers, overall_severity
from gpt56probe.core.classify import classify_all
from gpt56probe.core.gate import GATE
from gpt56probe.core.models import TIERS, ModelIdSource, ModelSpec, ModelTable
from gpt56probe.core.observation import Diagnosis, Exchange, ModelListing, Observation, Severity, Target, listings_of
from gpt56probe.net.probe import DEFAULT_BASE_URL, Deadline, HttpSettings, Prober, key_id, make_session, now_iso
from gpt56probe.net.runner import auto_concurrency, run_plan
from gpt56probe.core.targets import OrgPlan, build_targets
from gpt56probe.core.vantage import Vantage

MIN_DISCOVERY_S = 0.5
"""Discovered ids are probed only when at least this much of the deadline is left."""


@dataclass(frozen=True)
class OrgCredential:
    """An org to check and the key to check it with. ``key`` never leaves the process."""

    org: str | None
    key: str
    project: str | None = None
    key_source: str = ""


@dataclass(frozen=True)
class CheckRequest:
    orgs: Sequence[OrgCredential]
    models: Sequence[ModelSpec]
    table: ModelTable
    surface: str = "chat"
    stream: bool = False
    base_url: str = DEFAULT_BASE_URL
    proxy: str | None = None
    timeout_s: float = 20.0
    deadline_s: float = 60.0
    concurrency: int | None = None  # across all orgs; None: what the machine holds (runner.auto_concurrency); probe.PER_ORG_IN_FLIGHT bounds each org
    tracer: Callable[[str], None] | None = None
    expected_tiers: ExpectedTiers = TIERS  # one list, or per org (config `expect`)
    trust_env: bool = True
    progress: Callable[[int, int], None] | None = None  # (probes done, total), from probe threads
    discover: str = ""  # discovery.DISCOVER_ALL (check --discover) or DISCOVER_SUBSTITUTES (plan); "" = none
    discover_tiers: Sequence[str] = ()  # --discover limited to these tiers (by name) when --tier was given
    id_sources: Mapping[str, ModelIdSource] = field(default_factory=dict)  # where each tier's id is set (next steps)
    vantage: Vantage | None = None  # where the check runs from (--vantage), with its network facts


@dataclass(frozen=True)
class CheckOutcome:
    checked_at: str
    observations: tuple[Observation, ...]
    diagnoses: tuple[Diagnosis, ...]
    severity: Severity
    wall_s: float
    key_sources: dict[str, str] = field(default_factory=dict)
    table: ModelTable = field(default_factory=ModelTable)  # the table the check used (config overrides and discovered ids included)
    expected_tiers: ExpectedTiers = TIERS
    base_url: str = DEFAULT_BASE_URL  # where it was checked, and through which proxy (the summary names them)
    proxy: str | None = None
    trust_env: bool = True
    notes: tuple[str, ...] = ()  # what the run left out and why (Ultra ids not probed, the discovery bound)
    vantage: Vantage | None = None

    def judged(self) -> "CheckOutcome":
        """The outcome without the raw answers (bodies, headers, attempt logs, model lists), once every verdict is
        made and nothing later (a recording) reads them: what recording and reporting a fleet's run allocate
        then reuses their memory. Each observation keeps its target and how its final exchange ended."""
        return replace(self, observations=tuple(_judged(o) for o in self.observations))


def _judged(observation: Observation) -> Observation:
    final = observation.final
    if final is None:
        return Observation(observation.target, observation.precheck, started_at=observation.started_at)
    ended = Exchange(final.status, {}, "", final.latency_s, final.failure, final.failure_detail)
    return Observation(observation.target, observation.precheck, sample=ended, attempts=observation.attempts,
                       started_at=observation.started_at)


def perform_check(request: CheckRequest) -> CheckOutcome:
    """Probe every org x model (x surface), then classify all results together."""
    checked_at = now_iso()
    keys: dict[str, str] = {}
    plans: list[OrgPlan] = []
    sources: dict[str, str] = {}
    for cred in request.orgs:
        GATE.add_secret(cred.key)
        kid = key_id(cred.key)
        keys[kid] = cred.key
        plans.append(OrgPlan(cred.org, kid, cred.project))
        sources[cred.org or "(default)"] = cred.key_source
    targets = build_targets(plans, request.models, request.surface, request.stream)
    settings = HttpSettings(base_url=request.base_url, timeout_s=request.timeout_s, tracer=request.tracer)
    result = run_plan(
        targets,
        keys,
        settings,
        request.table,
        concurrency=request.concurrency,
        deadline_s=request.deadline_s,
        proxy=request.proxy,
        trust_env=request.trust_env,
        progress=request.progress,
    )
    observations, table, wall_s = result.observations, request.table, result.wall_s
    notes: tuple[str, ...] = ()
    if request.discover:
        observations, table, wall_s, notes = _discovered(request, observations, keys, settings, wall_s)
    diagnoses = with_shutdown_dates(classify_all(observations, request.id_sources), observations)
    severity = overall_severity(diagnoses, request.expected_tiers)
    return CheckOutcome(checked_at, observations, diagnoses, severity, wall_s, sources, table, request.expected_tiers,
                        request.base_url, request.proxy, request.trust_env, notes, request.vantage)


def _discovered(request: CheckRequest, observations: tuple[Observation, ...], keys: Mapping[str, str], settings: HttpSettings,
                wall_s: float) -> tuple[tuple[Observation, ...], ModelTable, float, tuple[str, ...]]:
    """A second round for the listed ids the first did not probe (discovery.discover chooses them).

    It sends no second listing: each new observation shares its org's listing from the first round."""
    from gpt56probe.core.discovery import discover

    probed = {o.target.model for o in observations}
    targets: list[Target] = []
    found: list[str] = []
    notes: list[str] = []
    by_org: dict[tuple[str | None, str | None, str], ModelListing] = {}
    for listing in listings_of(observations):
        chosen = discover(listing.ids, request.table, request.discover, probed=probed, tiers=request.discover_tiers)
        notes += chosen.notes(listing.org)
        if not chosen.probe:
            continue
        by_org[(listing.org, listing.project, listing.key_id)] = listing
        found += chosen.probe
        table = request.table.with_discovered(chosen.probe)
        plan = OrgPlan(listing.org, listing.key_id, listing.project)
        targets += build_targets([plan], [table.spec_for(i) for i in chosen.probe], request.surface, request.stream)
    left = request.deadline_s - wall_s
    if not targets:
        return observations, request.table, wall_s, tuple(notes)
    if left < MIN_DISCOVERY_S:
        notes.append(f"{len(targets)} probe(s) of listed ids not sent: the deadline was spent (raise --deadline)")
        return observations, request.table, wall_s, tuple(notes)
    table = request.table.with_discovered(found)
    started = time.monotonic()
    second = run_plan(targets, keys, settings, table, concurrency=request.concurrency, deadline_s=left, proxy=request.proxy,
                      precheck=False, trust_env=request.trust_env)
    joined = []
    for obs in second.observations:
        listing = by_org[(obs.target.org, obs.target.project, obs.target.key_id)]
        joined.append(replace(obs, precheck=listing.state_for(obs.target.model), precheck_exchange=listing.exchange, listing=listing))
    return observations + tuple(joined), table, wall_s + (time.monotonic() - started), tuple(notes)


def read_listings(request: CheckRequest) -> tuple[ModelListing, ...]:
    """One ``GET /v1/models`` per org of the request (``gpt56probe models``), all at once, nothing sampled."""
    keys: dict[str, str] = {}
    plans: dict[tuple[str | None, str | None, str], OrgPlan] = {}
    for cred in request.orgs:
        GATE.add_secret(cred.key)
        kid = key_id(cred.key)
        keys[kid] = cred.key
        plans.setdefault((cred.org, cred.project, kid), OrgPlan(cred.org, kid, cred.project))
    if not plans:
        return ()
    settings = HttpSettings(base_url=request.base_url, timeout_s=request.timeout_s, tracer=request.tracer)
    deadline = Deadline(request.deadline_s)
    workers = max(1, min(request.concurrency or auto_concurrency(), len(plans)))
    with make_session(pool_size=workers, proxy=request.proxy, trust_env=request.trust_env) as session:
        prober = Prober(session, settings, request.table, deadline)

        def one(plan: OrgPlan) -> ModelListing:
            return prober.list_models(Target(plan.org, "", "", project=plan.project, key_id=plan.key_id), keys[plan.key_id])

        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="listing") as pool:
            return tuple(pool.map(one, plans.values()))


def with_shutdown_dates(diagnoses: Sequence[Diagnosis], observations: Sequence[Observation]) -> tuple[Diagnosis, ...]:
    """Each diagnosis with the retirement date its org's model list announces for its model (if any)."""
    dates: dict[tuple[str | None, str], str] = {}
    for listing in listings_of(observations):
        for model, when in listing.shutdown_dates.items():
            dates.setdefault((listing.org, model), when)
    return tuple(replace(d, shutdown_date=dates[(d.target.org, d.target.model)]) if (d.target.org, d.target.model) in dates else d
                 for d in diagnoses)
