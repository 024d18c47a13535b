"""Errors inside a 200 stream: `check --stream` against the simulator's mid-stream rules says what went wrong.

Each org's streamed 5.6 answers send text first, then fail the way the real API does (docs/real-error-bodies.md
section 18); the unstreamed twin of each probe answers "ok", so only the stream can tell.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from gpt56probe.cli import main
from gpt56probe.simulator import start_simulator
from tests.conftest import FAKE_KEY

STREAM_VERDICTS = {
    # org: (verdict on chat stream, verdict on responses stream)
    "org-sim-stream-error": ("server_error", "server_error"),
    "org-sim-stream-ratelimit": ("rate_limited", "rate_limited"),
    "org-sim-stream-flagged": ("safety_check", "safety_check"),
    "org-sim-stream-filtered": ("safety_check", "safety_check"),
    "org-sim-stream-capped": ("ok", "ok"),
}


def check(sim: Any, *args: str) -> tuple[Any, dict[str, Any]]:
    result = CliRunner().invoke(main, ["check", "--base-url", sim.base_url, "--format", "json", "--timeout", "5",
                                       "--deadline", "20", *args], env={"OPENAI_API_KEY": FAKE_KEY}, catch_exceptions=False)
    return result, json.loads(result.stdout)


@pytest.mark.parametrize("org", sorted(STREAM_VERDICTS))
def test_check_stream_reports_the_error_the_stream_carried(sim, org):
    result, doc = check(sim, "--org", org, "--tier", "sol", "--surface", "both", "--stream")
    got = {(r["surface"], r["stream"]): r for r in doc["results"]}
    assert got[("chat", False)]["verdict"] == got[("responses", False)]["verdict"] == "ok"
    chat, responses = got[("chat", True)], got[("responses", True)]
    assert (chat["verdict"], responses["verdict"]) == STREAM_VERDICTS[org], (chat["reason"], responses["reason"])
    for r in (chat, responses):
        assert r["http_status"] == 200 and r["request_id"].startswith("req_")
        assert r["attempts"] == 1  # an error inside a 200 stream is not retried (nor does the SDK retry it)
        if r["verdict"] != "ok" and org != "org-sim-stream-filtered":
            assert "inside the 200 stream" in r["reason"] and r["error_message"]
    if org == "org-sim-stream-capped":
        assert chat["truncated"] and responses["truncated"]
    assert result.exit_code == (0 if STREAM_VERDICTS[org] == ("ok", "ok") else 1)


def test_the_stream_usage_is_counted(sim):
    _, doc = check(sim, "--org", "org-sim-approved", "--tier", "luna", "--surface", "both", "--stream")
    for r in doc["results"]:
        assert r["verdict"] == "ok" and r["answer"] == "ok", r
        assert r["usage"] == {"input_tokens": 10, "output_tokens": 2}, r


def test_a_stream_file_rule_plays_any_mid_stream_error(tmp_path: Path):
    path = tmp_path / "seen.toml"
    path.write_text('[[scenario]]\nname = "acme-overloaded"\norg = "org-acme"\n'
                    '[[scenario.rules]]\nendpoints = "chat"\n'
                    'stream_error = { after = "o", message = "That model is currently overloaded with other requests.", '
                    'type = "server_error" }\n')
    with start_simulator(port=0, scenarios_file=path) as sim:
        _, doc = check(sim, "--org", "org-acme", "--tier", "terra", "--stream")
    streamed = [r for r in doc["results"] if r["stream"]]
    assert [r["verdict"] for r in streamed] == ["server_error"]
    assert "overloaded" in streamed[0]["error_message"] and "after the text \"o\"" in streamed[0]["reason"]


def test_a_hostile_stream_that_never_ends_is_a_timeout(tmp_path: Path):
    """Text, then nothing: no terminator ever comes, and the read is bounded by --timeout."""
    path = tmp_path / "stuck.toml"
    path.write_text('[[scenario]]\nname = "stuck"\norg = "org-stuck"\n'
                    '[[scenario.rules]]\nendpoints = "chat"\nstream = true\nfault = "slowbody"\n')
    with start_simulator(port=0, scenarios_file=path, trickle_interval=0.5) as sim:
        _, doc = check(sim, "--org", "org-stuck", "--tier", "luna", "--stream", "--timeout", "1")
    streamed = [r for r in doc["results"] if r["stream"]]
    assert [r["verdict"] for r in streamed] == ["timeout"]


def test_a_long_stream_keeps_its_end_where_the_error_is():
    """The probe keeps a long stream's start and end within the stored cap; the in-band error is at the end."""
    from gpt56probe.core.classify import classify
    from gpt56probe.core.observation import Exchange, Observation, Target
    from gpt56probe.net.probe import STORED_BODY_CHARS, _stored_text

    chunk = 'data: {"choices":[{"index":0,"delta":{"content":"ok ok ok ok"},"finish_reason":null}]}\n\n'
    error = 'data: {"error":{"message":"The server had an error processing your request.","type":"server_error","param":null,"code":null}}\n\n'
    raw = (chunk * 5000 + error + "data: [DONE]\n\n").encode()
    kept = _stored_text(raw, "utf-8", True)
    assert len(kept) <= STORED_BODY_CHARS + 2 and kept.endswith("data: [DONE]\n\n")
    target = Target("org-a", "gpt-5.6-sol", "sol", stream=True)
    d = classify(Observation(target, sample=Exchange(200, {"content-type": "text/event-stream"}, kept)))
    assert d.verdict.value == "server_error", d.reason
