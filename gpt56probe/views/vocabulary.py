"""The words every view uses for a verdict: one short cell word and one colour class per verdict.

The terminal summary's matrix, the HTML status page and the Markdown report all
label a verdict the same way, so a user who learned one view can read the others.
Pure data; the colour class follows the monitoring severity (observation.severity_of). ``counted`` is how
every view and command puts a count before its noun ("1 run", "2 runs").
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

NEXT_STEPS: Mapping[Verdict, str] = {
    Verdict.OK: "nothing to do",
    Verdict.WRONG_ORG: "use the org this key belongs to",
    Verdict.NOT_PROVISIONED: "ask for access, or use an org or id that has it",
    Verdict.PROVISIONING_PENDING: "ask your account rep for status",
    Verdict.PROJECT_NO_ACCESS: "allow the model for the key's project",
    Verdict.REGION_VPN: "disconnect the VPN/proxy and retry",
    Verdict.SAFETY_CHECK: "keep the request id; retry on Luna",
    Verdict.INVALID_KEY: "fix or replace the API key",
    Verdict.KEY_PERMISSIONS: "give the key the missing scope",
    Verdict.ACCOUNT_BLOCKED: "contact OpenAI support",
    Verdict.QUOTA_EXHAUSTED: "add credits or raise the usage limit",
    Verdict.RATE_LIMITED: "wait, then retry with less concurrency",
    Verdict.ORG_NOT_ELIGIBLE: "verify the organization",
    Verdict.UNSUPPORTED_PARAMETER: "report it: the probe needs an update",
    Verdict.SERVER_ERROR: "retry later; see status.openai.com",
    Verdict.TIMEOUT: "raise --timeout, or check the network",
    Verdict.NETWORK_ERROR: "check DNS, proxy and the base URL",
    Verdict.UNKNOWN: "read the raw error (--details)",
}
"""The next step of each verdict in a few words, for the one line per problem the terminal summary shows
when a problem's own next step (Diagnosis.remediation) is too long for the line or differs between its cells."""

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


def next_step_words(verdict: Verdict) -> str:
    """The next step of ``verdict`` in a few words (NEXT_STEPS)."""
    return NEXT_STEPS[verdict]


def colour_class(verdict: Verdict) -> str:
    """ok, warn, crit or unknown: the colour a view gives ``verdict`` (never colour alone: the word is shown too)."""
    return COLOUR_CLASSES[severity_of(verdict)]


def counted(n: object, noun: str, plural: str | None = None) -> str:
    """``n`` and ``noun``, the noun plural unless n is exactly 1: ``1 run``, ``2 runs``, ``0 runs``.

    Every count a view or a command prints next to its noun goes through here, so none says "1 runs".
    ``plural`` is for a noun that does not take a plain "s" (``counted(n, "entry", "entries")``);
    a phrase is made plural by its last word (``counted(3, "older change")``: ``3 older changes``).
    A count that is not a number (a malformed document's field) is shown as given, with the plural.
    """
    one = isinstance(n, int) and not isinstance(n, bool) and n == 1
    return f"{n} {noun if one else (plural or noun + 's')}"
