"""`check --record FILE` and its playback: a recorded run replays to identical verdicts.

Every verdict's scenario is recorded from the simulator through the real CLI and replayed by
`gpt56probe simulate --scenarios FILE` (the same loader), then checked the same way.
"""

from __future__ import annotations

import json
import re
import time
import tomllib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from gpt56probe.cli import main
from gpt56probe.core.observation import Verdict
from gpt56probe.simulator import ScenarioFileError, load_scenario_file, scenarios_from_data, start_simulator
from tests.hostile_server import hostile_server
from tests.replay_harness import BADPARAM_SCENARIO, INCIDENT_ORGS, check, hermetic, replay, store_keys, verdicts

# More shapes for the same verdicts: retries and their waits, HTML edge pages, a body past the read cap, streams.
MORE_ORGS: dict[str, str] = {
    "org-sim-retry": "sk-test-rec-k19-not-a-real-key",
    "org-sim-flaky": "sk-test-rec-k20-not-a-real-key",
    "org-sim-fault-html524": "sk-test-rec-k21-not-a-real-key",
    "org-sim-fault-html403": "sk-test-rec-k22-not-a-real-key",
    "org-sim-fault-oversize": "sk-test-rec-k23-not-a-real-key",
    "org-sim-stream-ratelimit": "sk-test-rec-k24-not-a-real-key",
    "org-sim-stream-filtered": "sk-test-rec-k25-not-a-real-key",
    "org-sim-tight": "sk-test-rec-k26-not-a-real-key",
}


def test_the_incident_orgs_cover_every_verdict() -> None:
    assert sorted(v for _, v in INCIDENT_ORGS.values()) == sorted(v.value for v in Verdict)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One check of every verdict's org (and a few more), all models, both surfaces, streamed too, recorded."""
    folder = tmp_path_factory.mktemp("recorded")
    extra = folder / "badparam.toml"
    extra.write_text(BADPARAM_SCENARIO)
    record = folder / "incident.toml"
    with hermetic(folder):
        # The probe's first guesses made wrong on purpose, so that the recording holds adaptations too.
        (folder / "gpt56probe-home").mkdir()
        (folder / "gpt56probe-home" / "config.toml").write_text(
            '[models.sol]\nchat_token_param = "max_tokens"\n[models.terra]\nreasoning_effort = "minimal"\n')
        orgs = {org: key for org, (key, _) in INCIDENT_ORGS.items()} | MORE_ORGS
        store_keys(orgs)
        with start_simulator(port=0, scenarios_file=extra, safety_delay=0.3, fault_delay=5.0,
                             oversize_bytes=(1 << 20) + 4096) as sim:
            started = time.monotonic()
            result, doc = check(sim.base_url, list(orgs), "--surface", "both", "--stream", "--timeout", "1",
                                "--record", str(record))
            record_s = time.monotonic() - started
        started = time.monotonic()
        plan, replayed, replay_result = replay(record, "--timeout", "1")
        replay_s = time.monotonic() - started
    return {"doc": doc, "result": result, "file": record, "plan": plan, "replayed": replayed, "keys": orgs,
            "replay_result": replay_result, "record_s": record_s, "replay_s": replay_s}


def test_every_verdicts_scenario_replays_to_identical_verdicts_on_every_org_model_and_surface(recorded: dict[str, Any]) -> None:
    original = verdicts(recorded["doc"])
    assert len(original) == len(INCIDENT_ORGS | MORE_ORGS) * 5 * 4  # five models, chat and responses, plain and streamed
    assert recorded["replayed"] == original
    sol = {org: v for (org, model, surface, stream), v in original.items() if model == "gpt-5.6-sol" and surface == "chat" and not stream}
    assert {org: sol[org] for org in INCIDENT_ORGS} == {org: v for org, (_, v) in INCIDENT_ORGS.items()}
    assert {v for v in original.values()} == {v.value for v in Verdict}  # all 18
    assert recorded["replay_result"].exit_code == recorded["result"].exit_code
    print(f"\nrecord {recorded['record_s']:.1f}s, replay {recorded['replay_s']:.1f}s, "
          f"{len(original)} probes, file {recorded['file'].stat().st_size} bytes")


def test_the_recording_holds_the_verdicts_and_how_to_ask_again(recorded: dict[str, Any]) -> None:
    plan = recorded["plan"]
    assert plan.verdicts == verdicts(recorded["doc"])
    assert (plan.surface, plan.stream) == ("both", True)
    assert plan.models == ("gpt-5.6-sol", "gpt-5.6-terra", "gpt-5.6-luna", "gpt-5.5", "gpt-5.4-mini")
    assert [org for org, _, _ in plan.orgs] == list(recorded["keys"])
    assert [number for _, number, _ in plan.orgs] == list(range(1, len(recorded["keys"]) + 1))  # one key per org, by number


def test_the_recording_is_written_through_the_gate_and_holds_no_key(recorded: dict[str, Any]) -> None:
    text = recorded["file"].read_text(encoding="utf-8")
    for key in recorded["keys"].values():
        assert key not in text and key[:20] not in text
    assert oct(recorded["file"].stat().st_mode & 0o777) == "0o600"
    assert "\x1b" not in text and "\r" not in text


def test_each_attempt_is_recorded_with_its_status_headers_body_and_time(recorded: dict[str, Any]) -> None:
    data = tomllib.loads(recorded["file"].read_text(encoding="utf-8"))
    replies = {s["org"]: s["replies"] for s in data["scenario"]}
    limited = [r for r in replies["org-sim-ratelimited"] if r["endpoint"] == "chat" and r["model"] == "gpt-5.6-sol" and not r["stream"]]
    assert [(r["status"], r["then"]) for r in limited] == [(429, "retry"), (429, "retry"), (429, "stop")]
    assert [r["headers"]["retry-after"] for r in limited] == ["1"] * 3
    assert limited[1]["at"] >= 0.9 and limited[2]["at"] >= 1.9  # the waits, as the retry-after asked
    assert all(r["headers"]["x-request-id"].startswith("req_") and r["headers"]["openai-organization"] for r in limited)
    assert "rate_limit_exceeded" in limited[0]["body"]
    safety = next(r for r in replies["org-sim-safety"] if r["endpoint"] == "chat" and r["model"] == "gpt-5.6-sol" and not r["stream"])
    assert safety["headers"]["openai-safety-notice"].startswith("This request requires additional safety checks")
    assert safety["latency"] >= 0.3
    listing = next(r for r in replies["org-sim-unprovisioned"] if r["endpoint"] == "models.list")
    assert "gpt-5.5" in listing["body"] and "gpt-5.6-sol" not in listing["body"]
    adapted = [r for r in replies["org-sim-approved"] if r.get("then") == "adapt"]
    assert {(r["model"], r["when"].get("token_param"), r["when"]["reasoning_effort"]) for r in adapted} >= {
        ("gpt-5.6-sol", "max_tokens", "none"), ("gpt-5.6-terra", "max_completion_tokens", "minimal"), ("gpt-5.6-terra", None, "minimal")}
    assert all(r["status"] == 400 for r in adapted)
    timeouts = [r for r in replies["org-sim-fault-delay"] if r["endpoint"] == "chat"]
    assert timeouts and all(r["failure"] == "timeout" for r in timeouts)
    resets = [r for r in replies["org-sim-fault-reset"] if r["endpoint"] == "chat" and r["model"] == "gpt-5.6-sol" and not r["stream"]]
    assert [r["failure"] for r in resets] == ["reset"] * 3
    oversize = [r for r in replies["org-sim-fault-oversize"] if r["endpoint"] == "chat"]
    assert oversize and all(r["failure"] == "too_large" and r["size"] == (1 << 20) + 1 for r in oversize)


def test_a_json_recording_replays_the_same_as_toml(sim: Any, tmp_path: Path) -> None:
    store_keys({"org-sim-retry": "sk-test-rec-k27-not-a-real-key", "org-sim-unverified": "sk-test-rec-k28-not-a-real-key"})
    record = tmp_path / "incident.json"
    _, doc = check(sim.base_url, ["org-sim-retry", "org-sim-unverified"], "--stream", "--record", str(record), "--timeout", "3")
    assert json.loads(record.read_text())["recording"]["stream"] is True
    _, replayed, _ = replay(record, "--timeout", "3")
    assert replayed == verdicts(doc)


def test_a_recording_of_the_default_org_replays_without_an_org_header(sim: Any, tmp_path: Path) -> None:
    record = tmp_path / "default.toml"
    result, doc = check(sim.base_url, [], "--tier", "sol", "--record", str(record), env={"OPENAI_API_KEY": "sk-test-rec-default-not-real"})
    assert "<default>" in record.read_text()
    _, replayed, _ = replay(record)
    assert replayed == verdicts(doc) and set(replayed.values()) == {"ok"}
    assert {r["org_name"] for r in doc["results"]} == {r["org_name"] for r in replay_doc_results(record)}


def replay_doc_results(record: Path) -> list[dict[str, Any]]:
    with start_simulator(port=0, scenarios_file=record) as sim:
        _, doc = check(sim.base_url, [], "--tier", "sol", env={"OPENAI_API_KEY": "sk-test-any-key-at-all-0000"})
    return doc["results"]


def test_a_server_that_echoes_the_key_is_recorded_masked_and_still_replays_to_the_same_verdicts(tmp_path: Path) -> None:
    key = "sk-test-hostile-echo-0123456789abcdefXYZ"
    store_keys({"org-echo": key})
    record = tmp_path / "echo.toml"
    with hostile_server() as (url, seen):
        _, doc = check(f"{url}/v1", ["org-echo"], "--surface", "both", "--record", str(record), "--timeout", "3")
    assert seen.echoed > 0
    text = record.read_text(encoding="utf-8")
    assert key not in text and key[3:15] not in text
    assert "\u2026" in text or "***" in text  # the echoes are there, as masks
    _, replayed, _ = replay(record, "--timeout", "3")
    assert replayed == verdicts(doc)
    assert len(set(replayed.values())) >= 3  # ok, invalid_key, server_error, unsupported_parameter, ...


def test_a_recording_that_cannot_be_written_only_warns_and_the_check_still_reports(sim: Any, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = CliRunner().invoke(main, ["check", "--base-url", sim.base_url, "--org", "org-sim-approved", "--tier", "sol",
                                       "--record", str(blocker / "sub" / "rec.toml")],
                                env={"OPENAI_API_KEY": "sk-test-rec-unwritable-not-real"})
    assert result.exit_code == 0
    assert "warning: cannot write the recording" in result.stderr


def test_an_empty_record_path_is_refused_before_any_probe(sim: Any) -> None:
    result = CliRunner().invoke(main, ["check", "--base-url", sim.base_url, "--record", " "],
                                env={"OPENAI_API_KEY": "sk-test-rec-empty-not-real"})
    assert result.exit_code == 3 and "--record" in result.stderr
    assert sim.requests == [] or all("sk-test-rec-empty" not in r.headers.get("authorization", "") for r in sim.requests)


# --------------------------------------------------------------------------- the format, at load


def _recorded(*replies: dict[str, Any], org: str = "org-x") -> dict[str, Any]:
    return {"scenario": [{"name": "recorded", "org": org, "replies": list(replies)}]}


@pytest.mark.parametrize("reply, problem", [
    ({"endpoint": "chat", "model": "m", "status": 200, "headers": {"x-a": "1\r\nSet-Cookie: evil"}}, "CR, LF or NUL"),
    ({"endpoint": "chat", "model": "m", "status": 200, "headers": {"bad name": "1"}}, "not a valid header name"),
    ({"endpoint": "chat", "model": "m"}, "needs a status, a failure, or both"),
    ({"endpoint": "chat", "model": "m", "failure": "explode"}, "must be one of timeout, reset, too_large"),
    ({"endpoint": "chat", "model": "m", "failure": "too_large"}, "too_large needs the status"),
    ({"endpoint": "models.retrieve", "status": 200}, "must be one of chat, responses, models.list"),
    ({"endpoint": "chat", "status": 200}, "must be a model id"),
    ({"endpoint": "chat", "model": "m", "status": 200, "when": {"temperature": "1"}}, "token_param and/or reasoning_effort"),
    ({"endpoint": "chat", "model": "m", "status": 700}, "from 100 to 599"),
    ({"endpoint": "chat", "model": "m", "status": 200, "latency": -1}, "must be a number >= 0"),
    ({"endpoint": "chat", "model": "m", "status": 200, "oops": 1}, "unknown key(s) oops"),
    ({"endpoint": "chat", "model": "m", "status": 200, "headers": {"Content-Length": "5"}}, "frames the answer itself"),
    ({"endpoint": "chat", "model": "m", "status": 200, "headers": {"transfer-encoding": "chunked"}}, "frames the answer itself"),
])
def test_a_malformed_recorded_reply_is_refused_at_load_with_its_place(reply: dict[str, Any], problem: str) -> None:
    with pytest.raises(ScenarioFileError) as caught:
        scenarios_from_data(_recorded(reply), "seen.toml")
    assert problem in str(caught.value) and "scenario[0] (recorded).replies[0]" in str(caught.value)


def test_a_recording_is_selected_by_an_org_and_only_once() -> None:
    ok = {"endpoint": "chat", "model": "m", "status": 200}
    with pytest.raises(ScenarioFileError, match="selected by its org"):
        scenarios_from_data({"scenario": [{"name": "r", "key": "sk-x", "replies": [ok]}]})
    with pytest.raises(ScenarioFileError, match="more than one recording for org"):
        scenarios_from_data({"scenario": [{"name": "a", "org": "org-x", "replies": [ok]}, {"name": "b", "org": "org-x", "replies": [ok]}]})
    with pytest.raises(ScenarioFileError, match=r"recording\.results\[0\]\.stream"):
        scenarios_from_data({"recording": {"results": [{"org": "o", "stream": "yes"}]}, "scenario": []})


def test_a_recorded_org_answers_whatever_the_key_and_says_what_it_lacks(tmp_path: Path) -> None:
    import requests

    data = _recorded({"endpoint": "chat", "model": "gpt-5.6-sol", "status": 200,
                      "headers": {"content-type": "application/json", "x-request-id": "req_" + "a" * 32},
                      "body": '{"object": "chat.completion", "choices": [{"message": {"content": "ok"}, "finish_reason": "stop"}]}'})
    path = tmp_path / "r.json"
    path.write_text(json.dumps(data))
    with start_simulator(port=0, scenarios_file=path) as sim:
        for key in ("sk-sim-invalid-whatever", "not-even-sk", ""):
            headers = {"OpenAI-Organization": "org-x", **({"Authorization": f"Bearer {key}"} if key else {})}
            answer = requests.post(f"{sim.base_url}/chat/completions", json={"model": "gpt-5.6-sol"}, headers=headers, timeout=5)
            assert answer.status_code == 200 and answer.headers["x-request-id"] == "req_" + "a" * 32
        missing = requests.post(f"{sim.base_url}/responses", json={"model": "gpt-5.6-sol"}, headers={"OpenAI-Organization": "org-x"}, timeout=5)
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_recorded"
        other = requests.get(f"{sim.base_url}/models", headers={"OpenAI-Organization": "org-sim-region", "Authorization": "Bearer sk-test-x"}, timeout=5)
        assert other.status_code == 403  # orgs the recording does not name keep their built-in scenario


def test_an_adaptation_answer_is_given_to_its_request_shape_and_skipped_by_a_probe_that_already_adapted(tmp_path: Path) -> None:
    import requests

    rejected = {"endpoint": "chat", "model": "gpt-5.5", "status": 400, "then": "adapt",
                "when": {"token_param": "max_completion_tokens", "reasoning_effort": "none"},
                "body": '{"error": {"message": "bad effort", "param": "reasoning_effort", "code": "unsupported_value"}}'}
    answered = {"endpoint": "chat", "model": "gpt-5.5", "status": 200, "body": '{"choices": []}'}
    path = tmp_path / "r.json"
    path.write_text(json.dumps(_recorded(rejected, answered)))
    url_headers = {"OpenAI-Organization": "org-x", "Authorization": "Bearer sk-test-x"}
    with start_simulator(port=0, scenarios_file=path) as sim:
        def status(effort: str) -> int:
            body = {"model": "gpt-5.5", "messages": [], "max_completion_tokens": 16, "reasoning_effort": effort}
            return requests.post(f"{sim.base_url}/chat/completions", json=body, headers=url_headers, timeout=5).status_code

        assert status("minimal") == 200  # already adapted: straight to the answer
        assert status("none") == 400  # the old shape still gets its rejection, every time
        assert status("none") == 400
        assert status("minimal") == 200


def test_a_retry_after_date_is_recorded_relative_and_replayed_as_a_date_from_now() -> None:
    from email.utils import formatdate, parsedate_to_datetime

    from gpt56probe.core.observation import Attempt
    from gpt56probe.store.record import attempt_reply
    from gpt56probe.simulator.answers import _header_value

    now = time.time()
    attempt = Attempt("chat", "m", False, 0.0, 503, {"retry-after": formatdate(now + 3, usegmt=True)}, "", 0.01,
                      then="retry", received_wall=now)
    reply = attempt_reply(attempt)
    assert re.fullmatch(r"\{http_date\+[23]\.\d\}", reply["headers"]["retry-after"])  # an HTTP date has whole seconds
    later = parsedate_to_datetime(_header_value(reply["headers"]["retry-after"])).timestamp()
    assert 1.0 <= later - time.time() <= 4.0


def test_the_recording_loads_with_the_simulators_own_loader(recorded: dict[str, Any]) -> None:
    loaded = load_scenario_file(recorded["file"])
    recordings = [s for s in loaded.scenarios if s.recorded]
    assert len(recordings) == len(recorded["keys"])
    assert loaded.recording is not None and loaded.recording["surface"] == "both"


def test_cut_answers_replay_as_they_were_cut_and_a_missing_answer_is_unknown(tmp_path: Path) -> None:
    sse = {"content-type": "text/event-stream; charset=utf-8"}
    partial = 'data: {"object": "chat.completion.chunk", "choices": [{"delta": {"content": "o"}}]}\n\n'
    data = _recorded(
        {"endpoint": "models.list", "status": 200, "body": '{"object": "list", "data": [{"id": "gpt-5.6-sol"}]}'},
        {"endpoint": "chat", "model": "gpt-5.6-sol", "stream": True, "status": 200, "failure": "reset", "headers": sse, "body": partial},
        {"endpoint": "chat", "model": "gpt-5.6-sol", "status": 200, "failure": "timeout", "headers": {"content-type": "application/json"}},
        {"endpoint": "responses", "model": "gpt-5.6-sol", "failure": "timeout"},
        org="org-cut")
    path = tmp_path / "cut.json"
    path.write_text(json.dumps(data))
    store_keys({"org-cut": "sk-test-cut-k01-not-a-real-key"})
    with start_simulator(port=0, scenarios_file=path) as sim:
        started = time.monotonic()
        _, doc = check(sim.base_url, ["org-cut"], "--tier", "sol", "--tier", "luna", "--surface", "both", "--stream", "--timeout", "1")
        took = time.monotonic() - started
    found = verdicts(doc)
    # headers, the first event, then a reset: the 200 answer was cut mid-body (as a stream stopped before its end)
    assert found[("org-cut", "gpt-5.6-sol", "chat", True)] == "server_error"
    assert found[("org-cut", "gpt-5.6-sol", "chat", False)] == "timeout"  # headers, then nothing until the client gave up
    assert found[("org-cut", "gpt-5.6-sol", "responses", False)] == "timeout"  # nothing at all
    assert found[("org-cut", "gpt-5.6-luna", "chat", False)] == "unknown"  # never recorded: not_recorded
    assert any("not_recorded" in (r["error_code"] or "") for r in doc["results"])
    assert took < 8  # held answers end when the client gives up, not at the hold limit


def test_each_attempt_is_plain_data_on_the_observation_and_the_verdict_is_unchanged(sim: Any) -> None:
    from gpt56probe.net.checkrun import CheckRequest, OrgCredential, perform_check
    from gpt56probe.core.models import DEFAULT_TABLE

    request = CheckRequest(orgs=[OrgCredential("org-sim-ratelimited", "sk-test-attempts-k01-not-real")],
                           models=(DEFAULT_TABLE.spec_for("gpt-5.6-luna"),), table=DEFAULT_TABLE, base_url=sim.base_url,
                           timeout_s=3, deadline_s=20, trust_env=False)
    outcome = perform_check(request)
    (observation,) = outcome.observations
    log = observation.attempt_log
    assert [(a.status, a.then) for a in log] == [(429, "retry"), (429, "retry"), (429, "stop")]
    assert log[-1].body == observation.sample.body and observation.attempts == 3
    assert log[0].headers["retry-after"] == "1" and log[0].headers["x-request-id"].startswith("req_")
    assert log[0].headers["openai-organization"].startswith("sim-ratelimited-")  # the org's name, not its id
    assert "authorization" not in log[0].headers and "cf-ray" not in log[0].headers  # only the headers that matter
    assert log[1].sent_at_s >= 0.9 and log[0].token_param == "max_completion_tokens" and log[0].reasoning_effort == "none"
    assert outcome.diagnoses[0].verdict is Verdict.RATE_LIMITED


def test_a_header_date_no_calendar_holds_is_sent_as_it_was(tmp_path: Path) -> None:
    import requests

    data = _recorded({"endpoint": "chat", "model": "m", "status": 429, "headers": {"retry-after": "{http_date+99999999999999999}"},
                      "body": "{}"})
    path = tmp_path / "r.json"
    path.write_text(json.dumps(data))
    with start_simulator(port=0, scenarios_file=path) as sim:
        answer = requests.post(f"{sim.base_url}/chat/completions", json={"model": "m"}, headers={"OpenAI-Organization": "org-x"}, timeout=5)
    assert answer.status_code == 429 and answer.headers["retry-after"] == "{http_date+99999999999999999}"


def test_a_recording_made_with_discover_names_the_discovered_ids_and_replays_them(sim: Any, tmp_path: Path) -> None:
    store_keys({"org-sim-dated": "sk-test-rec-dated-k01-not-a-real-key"})
    record = tmp_path / "dated.toml"
    _, doc = check(sim.base_url, ["org-sim-dated"], "--discover", "--record", str(record), "--timeout", "3")
    probed = {r["model"] for r in doc["results"]}
    assert any(m not in ("gpt-5.6-sol", "gpt-5.6-terra", "gpt-5.6-luna", "gpt-5.5", "gpt-5.4-mini") for m in probed)
    plan, replayed, _ = replay(record)
    assert set(plan.models) == probed
    assert replayed == verdicts(doc)
