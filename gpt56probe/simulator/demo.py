"""What ``gpt56probe demo`` shows: the simulator's scenario orgs, each with its own fake key.

One key per org, as a team with one key per org would have: that way an org the
preview skipped reads ``not_provisioned`` (naming the org that can), and the org a
key does not belong to reads ``wrong_org``.
"""

from __future__ import annotations

import hashlib

DEMO_ORGS: tuple[str, ...] = (
    "org-sim-approved",
    "org-sim-unprovisioned",
    "org-sim-dated",
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
    """An obviously fake key per org, sharing no run of characters with any org id: the output gate
    masks any 12-character piece of a key the run sent, so a key that spelt its org's name
    (``sk-test-demo-unprovisioned-…``) masked the org in every table (``org-sim***``)."""
    return f"sk-test-demo-{hashlib.sha256(org.encode()).hexdigest()[:8]}-not-a-real-key"
