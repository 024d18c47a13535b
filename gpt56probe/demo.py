"""What ``gpt56probe demo`` shows: the simulator's scenario orgs, each with its own fake key.

One key per org, as a team with one key per org would have: that way an org the
preview skipped reads ``not_provisioned`` (naming the org that can), and the org a
key does not belong to reads ``wrong_org``.
"""

from __future__ import annotations

DEMO_ORGS: tuple[str, ...] = (
    "org-sim-approved",
    "org-sim-unprovisioned",
    "org-sim-pending",
    "org-sim-foreign",
    "org-sim-project",
    "org-sim-region",
    "org-sim-safety",
    "org-sim-quota",
    "org-sim-ratelimited",
    "org-sim-unverified",
)

DEMO_SAFETY_DELAY_S = 1.5


def demo_key(org: str) -> str:
    """An obviously fake key per org. It must not spell the org's name: the output gate masks any
    12 characters of a key the run sent, and would mask the org id in every line that names it."""
    number = DEMO_ORGS.index(org) if org in DEMO_ORGS else sum(org.encode()) % 100
    return f"sk-test-demo-{number:02d}-not-a-real-key"
