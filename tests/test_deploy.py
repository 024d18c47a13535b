"""deploy/: the Kubernetes CronJob's script runs a real check against the simulator and pushes what --prom-file wrote."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.conftest import FAKE_KEY

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
CRONJOB = DEPLOY / "kubernetes" / "gpt56probe-cronjob.yaml"


def run_script() -> str:
    """The ConfigMap's run.sh, as the block scalar gives it to the container (its indentation removed)."""
    lines = CRONJOB.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "run.sh: |") + 1
    block = []
    for line in lines[start:]:
        if line.strip() and not line.startswith("    "):
            break
        block.append(line[4:])
    return "\n".join(block).strip() + "\n"


class Pushgateway(BaseHTTPRequestHandler):
    pushes: list[tuple[str, str, bytes]] = []

    def do_PUT(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        type(self).pushes.append((self.path, self.headers.get("content-type", ""), body))
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def pushgateway() -> Iterator[str]:
    Pushgateway.pushes = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Pushgateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_each_vantage_has_its_own_cronjob_state_and_grouping_key() -> None:
    text = CRONJOB.read_text()
    vantages = re.findall(r"- \{name: VANTAGE, value: ([a-z0-9-]+)\}", text)
    assert vantages == ["eu-direct", "eu-corp-proxy"]
    for vantage in vantages:
        assert f"name: gpt56probe-{vantage}\n" in text and f"claimName: gpt56probe-state-{vantage}" in text
    assert "/metrics/job/gpt56probe/vantage/{os.environ['VANTAGE']}" in run_script()
    assert text.count("concurrencyPolicy: Forbid") == 2


def test_the_cronjob_script_checks_and_pushes_what_prom_file_wrote(sim: Any, tmp_path: Path, pushgateway: str) -> None:
    state = tmp_path / "state"
    state.mkdir()
    script = tmp_path / "run.sh"
    script.write_text(run_script().replace("/state", str(state)))
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "VANTAGE": "eu-direct", "ORG": "org-sim-region", "PUSHGATEWAY_URL": pushgateway, "OPENAI_API_KEY": FAKE_KEY,
           "OPENAI_BASE_URL": sim.base_url, "GPT56PROBE_HOME": str(state / "home")}
    done = subprocess.run(["sh", str(script)], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "check exit status: 2" in done.stdout and "pushed: 200" in done.stdout  # a finding, yet the Job succeeds
    ((path, content_type, body),) = Pushgateway.pushes
    assert path == "/metrics/job/gpt56probe/vantage/eu-direct" and content_type.startswith("text/plain")
    prom = (state / "gpt56probe.prom").read_bytes()
    assert body == prom
    text = body.decode()
    assert 'gpt56probe_up{org="org-sim-region",model="gpt-5.6-sol",tier="sol",surface="chat",stream="false",vantage="eu-direct",endpoint="127.0.0.1"} 0' in text
    assert 'gpt56probe_expected{org="org-sim-region",model="gpt-5.6-luna",tier="luna",surface="chat",stream="false",vantage="eu-direct",endpoint="127.0.0.1"} 0' in text
    assert FAKE_KEY not in text
    promtool = shutil.which("promtool")
    assert promtool, "promtool is missing: apt-get install prometheus (.ci/run installs it)"
    lint = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True, timeout=60)
    assert lint.returncode == 0, lint.stdout + lint.stderr
