"""gpt56probe rollout: the guide's checklist for one org, each step with its evidence, through the real CLI.

Evidence comes from the places the other commands write: check's history (a real check against the
simulator), plan --emit json, eval results (gpt56probe/schema/eval-result.schema.json) and the router's
tier-served log (gpt56probe/schema/served-log.schema.json), written here in their documented formats.
"""

from __future__ import annotations

import gzip
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from gpt56probe.cli import main
from gpt56probe.views.textwidth import display_width
from tests.conftest import FAKE_KEY

ORG = "org-sim-approved"


def run(*args: str, columns: int = 80, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(main, list(args), env={"OPENAI_API_KEY": FAKE_KEY, "COLUMNS": str(columns), **(env or {})},
                              catch_exceptions=False)


def states(result: Any) -> dict[str, str]:
    return {s["key"]: s["state"] for s in json.loads(result.stdout)["steps"]}


def write_eval(path: Path, org: str = ORG, age: timedelta = timedelta(hours=2), status: str = "recommended") -> Path:
    finished = (datetime.now(timezone.utc) - age).isoformat(timespec="seconds")
    doc = {"schema": "gpt56probe.eval/1", "started_at": finished, "finished_at": finished, "org": org, "base_url": "x",
           "recommendations": [{"class": "hard", "status": status, "model": "gpt-5.6-sol"},
                               {"class": "balanced", "status": "recommended", "model": "gpt-5.6-terra"},
                               {"class": "cheap", "status": "recommended", "model": "gpt-5.6-luna"}]}
    path.write_text(json.dumps(doc))
    return path


def write_served(path: Path, days: int = 8, fallback_every: int = 0, org: str = ORG) -> Path:
    now = datetime.now(timezone.utc)
    lines = []
    n = 0
    for day in range(days):
        for role, model in (("hard", "gpt-5.6-sol"), ("balanced", "gpt-5.6-terra"), ("cheap", "gpt-5.6-luna")):
            for i in range(10):
                n += 1
                fallback = bool(fallback_every) and n % fallback_every == 0
                served = "gpt-5.5" if fallback else model
                at = (now - timedelta(days=day, minutes=5 + i)).isoformat(timespec="milliseconds")
                attempts = [{"model": model, "error_class": "provisioning_pending" if fallback else None, "request_id": None, "latency_ms": 3.0}]
                if fallback:
                    attempts.append({"model": "gpt-5.5", "error_class": None, "request_id": "req_1", "latency_ms": 5.0})
                lines.append(json.dumps({"schema": "gpt56probe.served/1", "ts": at, "role": role, "asked": model, "served": served,
                                         "org": org, "request_id": "req_1", "attempts": attempts, "fallback": fallback, "latency_ms": 8.0}))
    data = ("\n".join(lines) + "\n").encode()
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)
    return path


def evidence(sim: Any, tmp_path: Path, **served: Any) -> list[str]:
    """Every piece of evidence a team has once it is through: a check, a plan, an eval, a week of router logs."""
    assert run("check", "--org", ORG, "--base-url", sim.base_url, "--no-keyring", "--quiet").exit_code == 0
    plan = tmp_path / "plan.json"
    assert run("plan", "--org", ORG, "--base-url", sim.base_url, "--no-keyring", "--emit", "json", "-o", str(plan)).exit_code == 0
    return ["--plan", str(plan), "--eval", str(write_eval(tmp_path / "eval.json")),
            "--served", str(write_served(tmp_path / "router.log.1.gz", **served)), "--served", str(tmp_path / "router.log*")]


def test_with_no_evidence_every_step_says_what_is_missing_and_the_command_that_moves_it(sim: Any) -> None:
    result = run("rollout", "--org", ORG, "--base-url", sim.base_url, "--no-keyring")
    assert result.exit_code == 1, result.output
    text = " ".join(result.output.split())
    assert "rollout of org-sim-approved to GPT-5.6: 1/8 steps hold" in text
    assert "1 unknown Confirm access" in text and f"next: gpt56probe check --org {ORG}" in text
    assert "2 done Every model id in one config" in text  # the org lists every configured id (read now, free)
    assert f"next: step 1 (access): gpt56probe check --org {ORG}" in text


def test_every_step_holds_and_the_exit_status_is_0(sim: Any, tmp_path: Path) -> None:
    args = evidence(sim, tmp_path)
    result = run("rollout", "--org", ORG, "--base-url", sim.base_url, "--no-keyring", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    assert set(states(result).values()) == {"done"}
    doc = json.loads(result.stdout)
    assert doc["schema"] == "gpt56probe.rollout/1" and doc["summary"] == {"done": 8, "steps": 8, "all_done": True, "next": None}
    text = run("rollout", "--org", ORG, "--base-url", sim.base_url, "--no-keyring", *args)
    assert text.exit_code == 0 and "every step holds: the rollout is complete" in text.output


def test_a_fallback_that_still_serves_keeps_retirement_not_yet_with_its_share(sim: Any, tmp_path: Path) -> None:
    args = evidence(sim, tmp_path, fallback_every=10)
    result = run("rollout", "--org", ORG, "--base-url", sim.base_url, "--no-keyring", *args, "--format", "json")
    assert result.exit_code == 1
    steps = {s["key"]: s for s in json.loads(result.stdout)["steps"]}
    assert steps["retire"]["state"] == "not yet" and steps["watch"]["state"] == "done"
    assert any("fallback served 10.0 %" in e for e in steps["retire"]["evidence"])
    assert steps["retire"]["command"].startswith("gpt56probe served ") and "--retire-below 1 --retire-days 7" in steps["retire"]["command"]


def test_stale_eval_and_a_short_log_are_not_yet_with_their_reasons(sim: Any, tmp_path: Path) -> None:
    args = evidence(sim, tmp_path, days=3)
    write_eval(tmp_path / "eval.json", age=timedelta(days=30))
    steps = {s["key"]: s for s in json.loads(run("rollout", "--org", ORG, "--base-url", sim.base_url, "--no-keyring", *args,
                                                 "--format", "json").stdout)["steps"]}
    assert steps["eval"]["state"] == "not yet" and any("older than 14 days" in e for e in steps["eval"]["evidence"])
    assert steps["retire"]["state"] == "not yet" and any("fewer than 7 days of calls" in e for e in steps["retire"]["evidence"])
    assert any("step 4 (eval)" in e for e in steps["retire"]["evidence"])


def test_ids_the_org_does_not_list_keep_the_ids_step_not_yet_naming_what_it_lists(sim: Any) -> None:
    result = run("rollout", "--org", "org-sim-dated", "--base-url", sim.base_url, "--no-keyring", "--format", "json")
    steps = {s["key"]: s for s in json.loads(result.stdout)["steps"]}
    assert steps["ids"]["state"] == "not yet"
    assert "org-sim-dated does not list gpt-5.6-terra but lists gpt-5.6-terra-2026-06-26" in steps["ids"]["evidence"]
    assert steps["ids"]["command"] == "gpt56probe models --org org-sim-dated"


def test_a_project_whose_model_permissions_block_a_tier_keeps_access_not_yet(sim: Any) -> None:
    assert run("check", "--org", "org-sim-project", "--base-url", sim.base_url, "--no-keyring", "--quiet").exit_code == 2
    result = run("rollout", "--org", "org-sim-project", "--base-url", sim.base_url, "--no-keyring", "--admin-key-env", "ADMIN",
                 "--format", "json", env={"ADMIN": "sk-admin-sim-fake-0000"})
    access = json.loads(result.stdout)["steps"][0]
    assert access["state"] == "not yet"
    assert any(e.startswith("Admin API: project proj_") and e.endswith("may not use gpt-5.6-sol (its model permissions)")
               for e in access["evidence"])


def test_files_that_are_not_what_they_claim_are_unknown_with_the_reason_never_a_traceback(sim: Any, tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text("{not json")
    wrong = tmp_path / "eval.json"
    wrong.write_text(json.dumps({"schema": "something-else"}))
    log = tmp_path / "router.log.gz"
    log.write_bytes(b"\x1f\x8b\x08garbage")
    result = run("rollout", "--org", ORG, "--base-url", sim.base_url, "--no-keyring", "--plan", str(plan), "--eval", str(wrong),
                 "--served", str(log), "--served", str(tmp_path / "missing.log"), "--format", "json")
    assert result.exit_code == 1
    steps = {s["key"]: s for s in json.loads(result.stdout)["steps"]}
    assert steps["bucket"]["state"] == "unknown" and "not JSON" in steps["bucket"]["evidence"][0]
    assert steps["eval"]["state"] == "unknown" and "not eval results" in steps["eval"]["evidence"][0]
    assert steps["watch"]["state"] == "unknown" and "cannot read it" in steps["watch"]["evidence"][0]


def test_the_checklist_fits_the_terminal_even_with_a_long_org_id(sim: Any, tmp_path: Path) -> None:
    org = "org-" + "x" * 90
    for columns in (60, 80, 120):
        result = run("rollout", "--org", org, "--base-url", sim.base_url, "--no-keyring", columns=columns)
        assert result.exit_code == 1
        assert max(display_width(line) for line in result.stdout.splitlines()) <= columns, result.stdout


def test_offline_sends_nothing_and_says_the_ids_step_cannot_be_judged(sim: Any) -> None:
    sim.clear_requests()
    result = run("rollout", "--org", ORG, "--base-url", sim.base_url, "--no-keyring", "--offline", "--format", "json")
    assert states(result)["ids"] == "unknown" and not sim.requests


def test_access_is_judged_on_the_tiers_the_org_expects(sim: Any) -> None:
    import os

    home = Path(os.environ["GPT56PROBE_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text('[orgs."org-sim-project"]\nexpect = ["terra", "luna"]\n')
    assert run("check", "--org", "org-sim-project", "--base-url", sim.base_url, "--no-keyring", "--quiet").exit_code == 0
    result = run("rollout", "--org", "org-sim-project", "--base-url", sim.base_url, "--no-keyring", "--format", "json")
    access = json.loads(result.stdout)["steps"][0]
    assert access["state"] == "done" and "terra ok, luna ok (the tiers org-sim-project expects)" in access["evidence"][0]


def test_a_retiring_model_is_evidence_in_the_ids_and_retire_steps(sim: Any, tmp_path: Path) -> None:
    log = write_served(tmp_path / "router.log", org="org-sim-retiring")
    result = run("rollout", "--org", "org-sim-retiring", "--base-url", sim.base_url, "--no-keyring", "--served", str(log),
                 "--format", "json")
    steps = {s["key"]: s for s in json.loads(result.stdout)["steps"]}
    assert steps["ids"]["state"] == "done"  # Luna retires in 60 days: noted, not yet pressing
    assert any(e.startswith("gpt-5.6-luna shuts down on ") and "(60 days left)" in e for e in steps["ids"]["evidence"])
    assert any("gpt-5.5 itself shuts down on" in e for e in steps["retire"]["evidence"])


def test_rollout_reads_the_log_the_emitted_router_writes_through_the_real_sdk(sim: Any, tmp_path: Path) -> None:
    import openai

    from tests.router_harness import emit, load_python

    emit(sim, "python", tmp_path / "gpt56_routing.py", tmp_path / "home")
    router = load_python(tmp_path / "gpt56_routing.py", "gpt56_routing_rollout")
    log = tmp_path / "served.log"
    for org in (ORG, "org-sim-pending"):
        client = openai.OpenAI(api_key=FAKE_KEY, base_url=sim.base_url, organization=org, max_retries=0)
        for role in ("hard", "balanced", "cheap"):
            router.route("Return ok.", role, client=client, log_path=str(log))
    approved = json.loads(run("rollout", "--org", ORG, "--base-url", sim.base_url, "--no-keyring", "--served", str(log),
                              "--format", "json").stdout)
    steps = {s["key"]: s for s in approved["steps"]}
    assert steps["slice"]["state"] == "done" and steps["slice"]["evidence"] == ["3 of 3 logged call(s) served by GPT-5.6 tiers"]
    assert steps["watch"]["state"] == "done"
    pending = json.loads(run("rollout", "--org", "org-sim-pending", "--base-url", sim.base_url, "--no-keyring", "--served", str(log),
                             "--format", "json").stdout)
    steps = {s["key"]: s for s in pending["steps"]}
    assert steps["slice"]["state"] == "not yet" and steps["slice"]["evidence"] == ["0 of 3 logged call(s) served by GPT-5.6 tiers"]
    assert any("fallback served 100.0 %" in e for e in steps["retire"]["evidence"])


def test_a_plan_that_does_not_follow_the_eval_keeps_the_eval_step_not_yet(sim: Any, tmp_path: Path) -> None:
    args = evidence(sim, tmp_path)
    doc = json.loads((tmp_path / "eval.json").read_text())
    doc["recommendations"][0]["model"] = "gpt-5.6-terra"  # hard: the eval says Terra is enough; the plan still says Sol
    (tmp_path / "eval.json").write_text(json.dumps(doc))
    steps = {s["key"]: s for s in json.loads(run("rollout", "--org", ORG, "--base-url", sim.base_url, "--no-keyring", *args,
                                                 "--format", "json").stdout)["steps"]}
    assert steps["eval"]["state"] == "not yet"
    assert "the plan routes hard to gpt-5.6-sol; the eval recommends gpt-5.6-terra" in steps["eval"]["evidence"]
    assert steps["eval"]["command"].startswith("gpt56probe plan --from-eval ")
