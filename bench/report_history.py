"""A synthetic, realistic history for the report benchmark and its sanity test (not a test module).

10 orgs x the 5 models of the default table, a run every 15 minutes: an org that
gets provisioned mid-way, one that flaps on safety checks, one behind a VPN for a
while, one that runs out of quota, the rest approved. Deterministic (seeded).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from typing import Any

from gpt56probe.core.history import history_rows
from gpt56probe.core.models import DEFAULT_TABLE

START = datetime(2026, 11, 20, 0, 0, tzinfo=timezone.utc)
ORGS = tuple(f"org-bench-{name}" for name in ("rollout", "safety", "vpn", "quota", "a", "b", "c", "d", "e", "f"))
MESSAGES = {
    "provisioning_pending": "Access to model `{model}` is pending for organization {org}: your enrollment is approved but provisioning has not completed yet.",
    "region_vpn": "Country, region, or territory not supported",
    "quota_exhausted": "You exceeded your current quota, please check your plan and billing details.",
    "safety_check": "This request requires additional safety checks, which can take extra time",
    "server_error": "The server had an error while processing your request. Sorry about that!",
}


def _verdict(org: str, tier: str, run: int, runs: int, rng: random.Random) -> str:
    if tier != "fallback":
        if org.endswith("rollout") and run < runs // 2:
            return "provisioning_pending"
        if org.endswith("safety") and tier in ("sol", "terra") and rng.random() < 0.3:
            return "safety_check"
        if org.endswith("vpn") and runs // 3 <= run < runs // 3 + 8:
            return "region_vpn"
        if org.endswith("quota") and run >= runs - 10:
            return "quota_exhausted"
    return "server_error" if rng.random() < 0.01 else "ok"


def synthetic_history(lines: int = 5000, seed: int = 56) -> list[dict[str, Any]]:
    """``lines`` history rows (as history_rows writes them), oldest first."""
    rng = random.Random(seed)
    per_run = len(ORGS) * len(DEFAULT_TABLE.models)
    runs = -(-lines // per_run)
    rows: list[dict[str, Any]] = []
    for run in range(runs):
        at = START + timedelta(minutes=15 * run)
        run_id = f"{rng.getrandbits(64):016x}"
        for org in ORGS:
            for spec in DEFAULT_TABLE.models:
                verdict = _verdict(org, spec.tier, run, runs, rng)
                rows.append({
                    "run_id": run_id, "checked_at": at.isoformat(), "org": org, "model": spec.id, "tier": spec.tier,
                    "surface": "chat", "stream": False, "verdict": verdict, "http_status": 200 if verdict in ("ok", "safety_check") else 403,
                    "request_id": f"req_{rng.getrandbits(128):032x}",
                    "error_message": MESSAGES.get(verdict, "").format(model=spec.id, org=org) or None,
                    "latency_ms": round(rng.uniform(200, 2500), 1), "remediation": "" if verdict == "ok" else "see the verdict table",
                    "timestamp": (at + timedelta(milliseconds=rng.randint(0, 900))).isoformat(),
                })
    return rows[-lines:]
