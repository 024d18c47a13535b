"""One check, end to end: plan -> probe -> classify. No rendering, no click.

Shared by ``check``, ``demo``, ``support-packet`` and ``plan``, so all four see the
same facts the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

from gpt56probe.classify import ExpectedTiers, classify_all, overall_severity
from gpt56probe.gate import GATE
from gpt56probe.models import TIERS, ModelSpec, ModelTable
from gpt56probe.observation import Diagnosis, Observation, Severity
from gpt56probe.probe import DEFAULT_BASE_URL, HttpSettings, key_id, now_iso
from gpt56probe.runner import run_plan
from gpt56probe.targets import OrgPlan, build_targets
from gpt56probe.vantage import Vantage


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
    concurrency: int = 64  # the CLI's --concurrency default; probe.PER_ORG_IN_FLIGHT bounds each org
    tracer: Callable[[str], None] | None = None
    expected_tiers: ExpectedTiers = TIERS  # one list, or per org (config `expect`)
    trust_env: bool = True
    vantage: Vantage | None = None  # where the check runs from (--vantage), with its network facts


@dataclass(frozen=True)
class CheckOutcome:
    checked_at: str
    observations: tuple[Observation, ...]
    diagnoses: tuple[Diagnosis, ...]
    severity: Severity
    wall_s: float
    key_sources: dict[str, str] = field(default_factory=dict)
    table: ModelTable = field(default_factory=ModelTable)  # the table the check used (config overrides included)
    expected_tiers: ExpectedTiers = TIERS
    vantage: Vantage | None = None


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
    )
    diagnoses = tuple(classify_all(result.observations))
    severity = overall_severity(diagnoses, request.expected_tiers)
    return CheckOutcome(checked_at, result.observations, diagnoses, severity, result.wall_s, sources, request.table, request.expected_tiers,
                        request.vantage)
