"""The Python router `plan --emit python` writes, run through the real `openai` package against the
simulator's scenario orgs: who serves each role, why it fell back, and the line it logs."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from types import ModuleType
from typing import Any

import jsonschema
import openai
import pytest

from tests.router_harness import FAKE_KEY, corpus, emit, gpt56probe_class, load_python, read_log

SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "gpt56probe" / "schema" / "served-log.schema.json").read_text())


@pytest.fixture(scope="module")
def router(sim: Any, tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    work = tmp_path_factory.mktemp("router")
    emit(sim, "python", work / "gpt56_routing.py", work / "home")
    return load_python(work / "gpt56_routing.py", "gpt56_routing_under_test")


def client(sim: Any, org: str, key: str = FAKE_KEY) -> openai.OpenAI:
    return openai.OpenAI(api_key=key, base_url=sim.base_url, organization=org)


def test_an_approved_org_is_served_by_each_roles_own_tier(router: ModuleType, sim: Any, tmp_path: Path) -> None:
    log = tmp_path / "served.log"
    for role, model in (("hard", "gpt-5.6-sol"), ("balanced", "gpt-5.6-terra"), ("cheap", "gpt-5.6-luna")):
        routed = router.route("Return ok.", role, client=client(sim, "org-sim-approved"), log_path=str(log))
        assert (routed.model, routed.text, routed.downgraded) == (model, "ok", False)
        assert routed.request_id.startswith("req_")
    assert [line["served"] for line in read_log(log)] == ["gpt-5.6-sol", "gpt-5.6-terra", "gpt-5.6-luna"]


def test_a_pending_org_is_served_by_gpt_5_5_and_the_log_says_provisioning_pending(router: ModuleType, sim: Any, tmp_path: Path) -> None:
    log = tmp_path / "served.log"
    routed = router.route("Return ok.", "hard", client=client(sim, "org-sim-pending"), log_path=str(log))
    assert (routed.model, routed.asked, routed.downgraded) == ("gpt-5.5", "gpt-5.6-sol", True)
    assert [(a.model, a.error_class) for a in routed.attempts] == [("gpt-5.6-sol", "provisioning_pending"), ("gpt-5.5", None)]
    [line] = read_log(log)
    assert (line["served"], line["fallback"], line["org"]) == ("gpt-5.5", True, "org-sim-pending")
    assert line["attempts"][0]["error_class"] == "provisioning_pending" and line["attempts"][0]["request_id"].startswith("req_")


def test_an_unprovisioned_org_falls_back_on_model_not_found(router: ModuleType, sim: Any, tmp_path: Path) -> None:
    routed = router.route("Return ok.", "balanced", client=client(sim, "org-sim-unprovisioned"), log_path=str(tmp_path / "s.log"))
    assert routed.model == "gpt-5.5"
    assert routed.attempts[0].error_class == "not_provisioned"


def test_a_safety_check_on_terra_retries_on_luna_and_says_the_answer_was_downgraded(router: ModuleType, sim: Any, tmp_path: Path) -> None:
    log = tmp_path / "served.log"
    routed = router.route("Return ok.", "balanced", client=client(sim, "org-sim-safety"), log_path=str(log))
    assert (routed.model, routed.downgraded) == ("gpt-5.6-luna", True)
    assert [(a.model, a.error_class) for a in routed.attempts] == [("gpt-5.6-terra", "safety_check"), ("gpt-5.6-luna", None)]
    assert read_log(log)[0]["fallback"] is True


def test_a_slow_sol_answer_under_a_safety_notice_is_served_and_the_notice_is_logged(router: ModuleType, sim: Any, tmp_path: Path) -> None:
    log = tmp_path / "served.log"
    routed = router.route("Return ok.", "hard", client=client(sim, "org-sim-safety"), log_path=str(log))
    assert routed.model == "gpt-5.6-sol"
    assert read_log(log)[0]["attempts"][0]["safety_notice"] is True


def test_a_role_that_may_not_go_to_luna_falls_back_to_gpt_5_5_on_a_safety_check(router: ModuleType, sim: Any, tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(router, "LUNA_RETRY_ROLES", ("hard",))
    routed = router.route("Return ok.", "balanced", client=client(sim, "org-sim-safety"), log_path=str(tmp_path / "s.log"))
    assert [a.model for a in routed.attempts] == ["gpt-5.6-terra", "gpt-5.5"]


def test_a_slow_sol_times_out_within_its_budget_and_the_fallback_serves(router: ModuleType, sim: Any, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(router.TIMEOUT_S, "gpt-5.6-sol", 0.2)  # the simulator's safety delay is 0.6 s
    monkeypatch.setitem(router.MAX_RETRIES, "gpt-5.6-sol", 0)
    routed = router.route("Return ok.", "hard", client=client(sim, "org-sim-safety"), log_path=str(tmp_path / "s.log"))
    assert [(a.model, a.error_class) for a in routed.attempts] == [("gpt-5.6-sol", "timeout"), ("gpt-5.5", None)]
    assert routed.attempts[0].latency_ms < 600


def test_rate_limits_spend_the_tiers_retry_budget_before_falling_back(router: ModuleType, sim: Any, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(router.MAX_RETRIES, "gpt-5.6-luna", 1)  # one retry after the simulator's retry-after: 1
    monkeypatch.setitem(router.MAX_RETRIES, "gpt-5.5", 0)
    monkeypatch.setitem(router.MAX_RETRIES, "gpt-5.4-mini", 0)
    log = tmp_path / "served.log"
    with pytest.raises(router.RouteError) as caught:
        router.route("Return ok.", "cheap", client=client(sim, "org-sim-ratelimited"), log_path=str(log))
    attempts = caught.value.attempts
    assert [(a.model, a.error_class) for a in attempts] == [
        ("gpt-5.6-luna", "rate_limited"), ("gpt-5.5", "rate_limited"), ("gpt-5.4-mini", "rate_limited")]
    assert attempts[0].latency_ms >= 900 > attempts[1].latency_ms  # Luna waited out its retry, the fallbacks had none
    [line] = read_log(log)
    assert (line["served"], line["fallback"]) == (None, False)


def test_a_region_block_on_every_model_raises_route_error_and_logs_the_failed_call(router: ModuleType, sim: Any, tmp_path: Path) -> None:
    log = tmp_path / "served.log"
    with pytest.raises(router.RouteError, match="region_vpn"):
        router.route("Return ok.", "hard", client=client(sim, "org-sim-region"), log_path=str(log))
    [line] = read_log(log)
    assert line["served"] is None and [a["error_class"] for a in line["attempts"]] == ["region_vpn"] * 3


def test_an_invalid_key_raises_the_sdk_error_without_trying_a_fallback(router: ModuleType, sim: Any, tmp_path: Path) -> None:
    log = tmp_path / "served.log"
    with pytest.raises(openai.AuthenticationError):
        router.route("Return ok.", "hard", client=client(sim, "org-sim-approved", key="sk-sim-invalid-test-fake"), log_path=str(log))
    [line] = read_log(log)
    assert [(a["model"], a["error_class"]) for a in line["attempts"]] == [("gpt-5.6-sol", "invalid_key")]


def test_an_invalid_request_raises_because_a_fallback_would_hide_the_bug(router: ModuleType, sim: Any, tmp_path: Path) -> None:
    # every 5.6 model rejects max_tokens (it wants max_completion_tokens): the caller's bug, not an outage
    with pytest.raises(openai.BadRequestError):
        router.route("Return ok.", "hard", client=client(sim, "org-sim-approved"), log_path=str(tmp_path / "s.log"), max_tokens=8)
    assert read_log(tmp_path / "s.log")[0]["attempts"][0]["error_class"] == "unsupported_parameter"


def test_log_lines_follow_the_schema_and_hold_no_prompt_answer_or_key(router: ModuleType, sim: Any, tmp_path: Path) -> None:
    log = tmp_path / "served.log"
    prompt = "Return ok. PROMPT-MARKER-4711"
    for org in ("org-sim-approved", "org-sim-pending", "org-sim-safety", "org-sim-region"):
        for role in ("hard", "balanced", "cheap"):
            try:
                router.route(prompt, role, client=client(sim, org), log_path=str(log))
            except router.RouteError:
                pass
    text = log.read_text(encoding="ascii")
    assert "PROMPT-MARKER" not in text and FAKE_KEY not in text and '"ok"' not in text
    lines = read_log(log)
    assert len(lines) == 12
    for line in lines:
        jsonschema.validate(line, SCHEMA)
        assert len(json.dumps(line)) < 2048


def test_parallel_callers_append_whole_lines_to_one_log(router: ModuleType, sim: Any, tmp_path: Path) -> None:
    log = tmp_path / "served.log"
    errors: list[BaseException] = []

    def calls() -> None:
        try:
            c = client(sim, "org-sim-pending")
            for _ in range(5):
                router.route("Return ok.", "cheap", client=c, log_path=str(log))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=calls) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    lines = read_log(log)  # every line parses: no interleaving
    assert len(lines) == 40 and {line["served"] for line in lines} == {"gpt-5.5"}


def test_the_emitted_classifier_agrees_with_gpt56probe_on_every_error_of_the_corpus(router: ModuleType) -> None:
    disagree = []
    for case in corpus():
        ours = router.error_class(case["status"], case["code"], case["type"], case["param"], case["message"])
        if ours != gpt56probe_class(case):
            disagree.append((case, ours, gpt56probe_class(case)))
    assert not disagree, disagree[:3]


def test_every_failure_class_has_an_action_and_invalid_key_or_request_raise(router: ModuleType) -> None:
    from gpt56probe.core.observation import Verdict

    assert set(router.ACTIONS) == {v.value for v in Verdict} - {"ok"}
    assert {c for c, a in router.ACTIONS.items() if a == "raise"} == {
        "invalid_key", "unsupported_parameter", "quota_exhausted", "account_blocked", "unknown"}
    assert router.ACTIONS["provisioning_pending"] == "fallback" and router.ACTIONS["safety_check"] == "safety"


def test_an_error_that_is_not_the_sdks_is_raised_as_is_and_logged_as_unknown(router: ModuleType, sim: Any, tmp_path: Path) -> None:
    log = tmp_path / "served.log"
    with pytest.raises(TypeError):
        router.route("Return ok.", "hard", client=client(sim, "org-sim-approved"), log_path=str(log), no_such_argument=1)
    [line] = read_log(log)
    jsonschema.validate(line, SCHEMA)
    assert [(a["model"], a["error_class"]) for a in line["attempts"]] == [("gpt-5.6-sol", "unknown")]


def test_the_emitted_python_router_type_checks_under_mypy_strict(router: ModuleType, tmp_path: Path) -> None:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "cache"), str(router.__file__)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def test_an_org_that_lists_only_dated_ids_gets_a_router_that_calls_them_with_their_tiers_budget(sim: Any, tmp_path: Path) -> None:
    emit(sim, "python", tmp_path / "dated_routing.py", tmp_path / "home", org="org-sim-dated")
    dated = load_python(tmp_path / "dated_routing.py", "dated_routing_under_test")
    assert dated.CHAINS["hard"][0] == "gpt-5.6-sol-2026-06-26" and dated.LUNA == "gpt-5.6-luna-2026-06-26"
    assert "gpt-5.6-terra-2026-06-26" in dated.SAFETY_MODELS
    assert dated.TIMEOUT_S["gpt-5.6-sol-2026-06-26"] == 60.0 != dated.DEFAULT_TIMEOUT_S  # Sol's budget, not a stranger's
    routed = dated.route("Return ok.", "hard", client=client(sim, "org-sim-dated"), log_path=str(tmp_path / "s.log"))
    assert (routed.model, routed.downgraded) == ("gpt-5.6-sol-2026-06-26", False)
