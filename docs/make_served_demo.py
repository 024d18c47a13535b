"""The README's router and `served` captures: the demo's scenario orgs called through the router
`plan --emit python` writes, on the real `openai` package, then `gpt56probe served` over its log.

    python docs/make_served_demo.py [WORKDIR]

Starts the bundled simulator on loopback (no key, no network), writes WORKDIR/gpt56_routing.py and
WORKDIR/served.log (default: a temporary directory) and prints the summary at 80 columns.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import openai

from gpt56probe.simulator import start_simulator

KEY = "sk-test-fake-key-not-real-0000"
TRAFFIC = (  # org, calls per role: most traffic comes from an org whose access is still pending
    ("org-sim-approved", 5), ("org-sim-pending", 9), ("org-sim-unprovisioned", 2), ("org-sim-safety", 3), ("org-sim-region", 1),
)


def main() -> None:
    work = (Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="gpt56-served-"))).resolve()
    work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "OPENAI_API_KEY": KEY, "GPT56PROBE_NO_KEYRING": "1", "GPT56PROBE_HOME": str(work / "home"), "COLUMNS": "80"}
    cli = [sys.executable, "-m", "gpt56probe"]
    with start_simulator(port=0, safety_delay=0.6) as sim:
        subprocess.run([*cli, "plan", "--org", "org-sim-approved", "--base-url", sim.base_url, "--emit", "python",
                        "-o", str(work / "gpt56_routing.py")], env=env, check=True, capture_output=True)
        spec = importlib.util.spec_from_file_location("gpt56_routing", work / "gpt56_routing.py")
        assert spec is not None and spec.loader is not None
        router = importlib.util.module_from_spec(spec)
        sys.modules["gpt56_routing"] = router
        spec.loader.exec_module(router)
        log = work / "served.log"
        log.unlink(missing_ok=True)
        for org, calls in TRAFFIC:
            client = openai.OpenAI(api_key=KEY, base_url=sim.base_url, organization=org)
            for _ in range(calls):
                for role in ("hard", "balanced", "cheap"):
                    try:
                        router.route("Return ok.", role, client=client, log_path=str(log))
                    except router.RouteError:
                        pass
    print(f"$ gpt56probe served {log.name}")
    sys.stdout.flush()
    subprocess.run([*cli, "served", str(log)], env=env, check=True, cwd=work)


if __name__ == "__main__":
    main()
