"""The words every view uses for a verdict: one short cell word and one colour class per verdict.

The terminal summary's matrix, the HTML status page and the Markdown report all
label a verdict the same way, so a user who learned one view can read the others.
Pure data; the colour class follows the monitoring severity (observation.severity_of).
"""

from __future__ import annotations

from typing import Mapping

from gpt56probe.core.observation import Severity, Verdict, severity_of

CELL_WORDS: Mapping[Verdict, str] = {
    Verdict.OK: "ok",
    Verdict.WRONG_ORG: "wrong org",
    Verdict.NOT_PROVISIONED: "no access",
    Verdict.PROVISIONING_PENDING: "pending",
    Verdict.PROJECT_NO_ACCESS: "project",
    Verdict.REGION_VPN: "region/vpn",
    Verdict.SAFETY_CHECK: "safety",
    Verdict.INVALID_KEY: "bad key",
    Verdict.KEY_PERMISSIONS: "key scope",
    Verdict.ACCOUNT_BLOCKED: "blocked",
    Verdict.QUOTA_EXHAUSTED: "quota",
    Verdict.RATE_LIMITED: "rate limit",
    Verdict.ORG_NOT_ELIGIBLE: "unverified",
    Verdict.UNSUPPORTED_PARAMETER: "bad param",
    Verdict.SERVER_ERROR: "5xx",
    Verdict.TIMEOUT: "timeout",
    Verdict.NETWORK_ERROR: "network",
    Verdict.UNKNOWN: "unknown",
}
"""At most 10 characters each, so five model columns fit an 80-column terminal."""

NOT_PROBED = "-"
"""The cell of an org x model pair that was not probed."""

COLOUR_CLASSES: Mapping[Severity, str] = {
    Severity.OK: "ok",
    Severity.WARNING: "warn",
    Severity.CRITICAL: "crit",
    Severity.UNKNOWN: "unknown",
}


def cell_word(verdict: Verdict) -> str:
    """The short word a matrix cell shows for ``verdict``."""
    return CELL_WORDS[verdict]


def colour_class(verdict: Verdict) -> str:
    """ok, warn, crit or unknown: the colour a view gives ``verdict`` (never colour alone: the word is shown too)."""
    return COLOUR_CLASSES[severity_of(verdict)]
