"""Token-spend benchmark: what the probe asks the API to generate.

1. An org that sees no 5.6 model (org-sim-unprovisioned), 5.6 tiers only, chat + responses + stream:
   one GET /v1/models for the org, sent beside the samples, and every sample refused (404
   model_not_found: a refused request bills nothing), so no completion tokens.
2. Every sampled probe (org-sim-approved, every model, chat + responses + stream) asks for at most
   16 output tokens: max_completion_tokens / max_tokens / max_output_tokens <= 16, and always one of them.

Exit 0 inside target, 1 otherwise.
"""

from __future__ import annotations

import sys

import _common

from gpt56probe.net.checkrun import CheckRequest, OrgCredential, perform_check
from gpt56probe.core.models import DEFAULT_TABLE
from gpt56probe.simulator import start_simulator

CAP = 16
CAP_FIELDS = ("max_completion_tokens", "max_tokens", "max_output_tokens")


def check(sim, org: str, models):
    request = CheckRequest(orgs=[OrgCredential(org, _common.FAKE_KEY)], models=models, table=DEFAULT_TABLE,
                           surface="both", stream=True, base_url=sim.base_url, timeout_s=10.0, deadline_s=60.0,
                           trust_env=False)
    return perform_check(request)


def main() -> int:
    ok = True
    tiers56 = DEFAULT_TABLE.select(("sol", "terra", "luna"))
    with start_simulator(port=0, safety_delay=0.1) as sim:
        sim.clear_requests()
        outcome = check(sim, "org-sim-unprovisioned", tiers56)
        reqs = sim.requests
        posts = [r for r in reqs if r.method == "POST"]
        gets = [r for r in reqs if r.method == "GET"]
        refused = sum(1 for o in outcome.observations if o.sample is not None and o.sample.status == 404)
        print(f"org-sim-unprovisioned, 5.6 tiers, chat+responses+stream: {len(gets)} GET {sorted({r.path for r in gets})}, "
              f"{len(posts)} POST, {refused} refused with 404 (target: 1 GET /v1/models, every POST refused)")
        if [r.path for r in gets] != ["/v1/models"] or refused != len(posts) or not posts:
            ok = False

        sim.clear_requests()
        check(sim, "org-sim-approved", DEFAULT_TABLE.models)
        posts = [r for r in sim.requests if r.method == "POST"]
        worst = 0
        bad = []
        for r in posts:
            body = r.json or {}
            caps = [body[f] for f in CAP_FIELDS if f in body]
            if not caps or any(not isinstance(c, int) or c > CAP for c in caps):
                bad.append((r.path, body))
            else:
                worst = max(worst, *caps)
        streamed = sum(1 for r in posts if (r.json or {}).get("stream"))
        paths = sorted({r.path for r in posts})
        print(f"org-sim-approved, every model, chat+responses+stream: {len(posts)} POST ({streamed} streamed) on {paths}")
        print(f"largest output-token cap asked: {worst} (target <= {CAP})")
        if not posts or bad or not {"/v1/chat/completions", "/v1/responses"} <= set(paths) or not streamed:
            ok = False
            for path, body in bad:
                print(f"  over cap / no cap: {path} {body}")
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
