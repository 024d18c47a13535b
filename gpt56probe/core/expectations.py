"""Which targets must be reachable, and what the whole check's status is.

Fallbacks never move the status: only the expected tiers (``--expect``, the org's ``expect`` in
the config, else all three) are judged.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Optional, Sequence, Union

from gpt56probe.core.models import TIERS
from gpt56probe.core.observation import ACCESS_VERDICTS, DEGRADED_VERDICTS, Diagnosis, Severity, Target, Verdict

ExpectedTiers = Union[Sequence[str], Mapping[Optional[str], Sequence[str]]]


def expected_for(expected_tiers: ExpectedTiers, org: str | None) -> Sequence[str]:
    """The tiers ``org`` must reach: one list for every org, or a per-org mapping
    (an org the mapping does not name must reach every tier). An entry may also be
    a model id (``check --model ID`` for an id that is not a 5.6 tier)."""
    if isinstance(expected_tiers, Mapping):
        return expected_tiers.get(org, TIERS)
    return expected_tiers


def is_expected(target: Target, expected_tiers: ExpectedTiers) -> bool:
    """Whether ``target`` must be reachable: its tier, or its model id, is expected of its org."""
    wanted = expected_for(expected_tiers, target.org)
    return target.tier in wanted or target.model in wanted


def overall_severity(diagnoses: Iterable[Diagnosis], expected_tiers: ExpectedTiers = TIERS) -> Severity:
    """The monitoring state of a whole check (exit code = ``Severity.exit_code``).

    Judged on the expected targets (``Target.tier`` in the tiers its org is
    expected to reach, see ``expected_for``);
    fallbacks never affect the status (they inform the report only). When no
    expected target was probed at all (the user named only other models), the
    probed models are judged instead. Precedence:

    - no diagnoses, or every probe failed on the network -> UNKNOWN;
    - CRITICAL if any judged target has an access verdict (wrong_org,
      not_provisioned, provisioning_pending, project_no_access, region_vpn,
      invalid_key, key_permissions, account_blocked, quota_exhausted,
      org_not_eligible): a known access problem outranks not knowing about another target;
    - else UNKNOWN if any judged target is unjudged (unsupported_parameter, unknown);
    - else WARNING if any is degraded (safety_check, rate_limited, server_error,
      timeout) or hit a network_error while other probes got through;
    - else OK.
    """
    items = [d for d in diagnoses if isinstance(d, Diagnosis)]
    if not items:
        return Severity.UNKNOWN
    if all(d.verdict is Verdict.NETWORK_ERROR for d in items):
        return Severity.UNKNOWN
    judged = [d for d in items if is_expected(d.target, expected_tiers)] or items
    verdicts = {d.verdict for d in judged}
    if verdicts & ACCESS_VERDICTS:
        return Severity.CRITICAL
    if verdicts & {Verdict.UNSUPPORTED_PARAMETER, Verdict.UNKNOWN}:
        return Severity.UNKNOWN
    if verdicts & (DEGRADED_VERDICTS | {Verdict.NETWORK_ERROR}):
        return Severity.WARNING
    return Severity.OK


def summarize(diagnoses: Iterable[Diagnosis], expected_tiers: ExpectedTiers = TIERS) -> dict[str, Any]:
    """Counts per verdict (non-zero, in Verdict order) and the overall status.

    Shape: ``{"status": "CRITICAL", "exit_code": 2, "total": 6, "expected": 3,
    "expected_ok": 1, "counts": {"ok": 4, "not_provisioned": 2}}``.
    """
    items = [d for d in diagnoses if isinstance(d, Diagnosis)]
    severity = overall_severity(items, expected_tiers)
    counts = {v.value: n for v in Verdict if (n := sum(1 for d in items if d.verdict is v))}
    expected = [d for d in items if is_expected(d.target, expected_tiers)]
    return {
        "status": severity.value,
        "exit_code": severity.exit_code,
        "total": len(items),
        "expected": len(expected),
        "expected_ok": sum(1 for d in expected if d.ok),
        "counts": counts,
    }



def target_key(d: Diagnosis) -> str:
    """What an expected target is named by: its tier, or its model id when it is not a 5.6 tier."""
    return d.target.tier if d.target.tier in TIERS else d.target.model


def expected_reach(diagnoses: Sequence[Diagnosis], expected: ExpectedTiers = TIERS) -> tuple[int, int]:
    """(reachable, total) over expected (org, tier or model) targets; a target is reachable when every probe of it is ok."""
    pairs: dict[tuple[str | None, str], bool] = {}
    for d in diagnoses:
        if not is_expected(d.target, expected):
            continue
        key = (d.target.org, target_key(d))
        pairs[key] = pairs.get(key, True) and d.ok
    return sum(pairs.values()), len(pairs)
