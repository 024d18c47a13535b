"""`gpt56probe simulate` in the foreground, as a user runs it."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time

import requests


def test_simulate_prints_its_loopback_url_and_scenarios_serves_and_stops_on_ctrl_c():
    import os

    # A pipe: an inherited COLUMNS (the C environment can hold one os.environ lacks) would fit the banner to it.
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    proc = subprocess.Popen([sys.executable, "-m", "gpt56probe", "simulate", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        first = proc.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/v1", first)
        assert match, first
        lines: list[str] = []
        while not any("org-sim-pending" in line for line in lines) and len(lines) < 400:  # the banner lists the scenarios
            lines.append(proc.stdout.readline())
        assert any("org-sim-pending" in line for line in lines), "".join(lines[:40])
        answer = requests.get(f"{match.group(0)}/models/gpt-5.6-sol", headers={"Authorization": "Bearer sk-test-fake-key-not-real-0000"}, timeout=5)
        assert answer.status_code == 200 and answer.headers["x-request-id"].startswith("req_")
    finally:
        proc.send_signal(signal.SIGINT)
        deadline = time.monotonic() + 10
        while proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    assert "Traceback" not in proc.stderr.read()


def test_a_malformed_scenario_file_is_one_line_naming_the_file(tmp_path):
    bad = tmp_path / "team.toml"
    bad.write_text("[[scenario]\nname = 'x'\n")
    out = subprocess.run([sys.executable, "-m", "gpt56probe", "simulate", "--scenarios", str(bad)], capture_output=True, text=True, timeout=30)
    assert out.returncode == 3  # every mistake is 3, whatever the command
    assert "team.toml" in out.stderr and "line" in out.stderr and "Traceback" not in out.stderr


def test_simulate_a_recording_prints_how_to_replay_it():
    import io
    import threading
    from pathlib import Path

    from gpt56probe.simulator import run_forever

    incident = Path(__file__).resolve().parent / "incidents" / "retries.toml"
    out = io.StringIO()
    started = threading.Event()
    handles = []

    def on_start(handle):
        handles.append(handle)
        started.set()

    thread = threading.Thread(target=run_forever, kwargs={"scenarios_file": incident, "out": out, "on_start": on_start}, daemon=True)
    thread.start()
    assert started.wait(10)
    deadline = time.monotonic() + 5
    while "Ctrl-C to stop" not in out.getvalue() and time.monotonic() < deadline:
        time.sleep(0.05)
    handles[0].stop()
    thread.join(5)
    text = out.getvalue()
    base = handles[0].base_url
    assert f"replay it: OPENAI_API_KEY=sk-test-simulator-example gpt56probe check --base-url {base} --org org-sim-retry --org org-sim-flaky" in text
    assert "--stream --tier sol --tier luna --timeout 3.0" in text
    assert "used one key per group (key 1: org-sim-retry; key 2: org-sim-flaky;" in text
    assert "recorded org-sim-retry" in text and "any key (a recording answers its org whatever the key)" in text


def test_the_banner_shows_each_scenario_key_whole_and_still_masks_the_users_real_looking_key(tmp_path):
    """The gate masked the bundled fake keys the banner lists (``sk-…cted…``), so no reader could tell which
    key picks a scenario; they are public now. A real-looking key the environment holds stays a secret."""
    import os

    real = "sk-proj-" + "TESTFAKErealLooking0123456789abcdefXYZ"
    scenarios = tmp_path / "echo.toml"  # a user's scenario listing the real-looking key verbatim in its description
    scenarios.write_text(f'[[scenario]]\nname = "echo"\norg = "org-echo"\ndescription = "uses {real}"\n')
    env = {**{k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}, "OPENAI_API_KEY": real}
    proc = subprocess.Popen([sys.executable, "-m", "gpt56probe", "simulate", "--port", "0", "--scenarios", str(scenarios)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        text = ""
        deadline = time.monotonic() + 20
        while "Ctrl-C to stop" not in text and time.monotonic() < deadline:
            text += proc.stdout.readline()
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(10)
    for key in ("sk-sim-invalid", "sk-sim-restricted", "sk-sim-nosample", "sk-sim-deactivated", "sk-sim-litellm-bad",
                "sk-sim-azure-bad", "sk-sim-nobearer", "sk-sim-noscope"):
        assert f"{key}\u2026" in text, key
    assert "sk-\u2026" not in text
    assert "uses " in text and "TESTFAKErealLooking" not in text and "0123456789abcdefXYZ" not in text
