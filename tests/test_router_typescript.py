"""The TypeScript router `plan --emit typescript` writes, compiled with the pinned `tsc` (strict) and
run under Node with the pinned npm `openai` package (tests/js/router, installed by `npm ci` in
.ci/run; without it these tests fail, they never skip)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.router_harness import FAKE_KEY, compile_typescript, corpus, emit, gpt56probe_class, node, read_log

SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "gpt56probe" / "schema" / "served-log.schema.json").read_text())

DRIVER = """\
import { writeFileSync, readFileSync } from "node:fs";
import OpenAI from "openai";
import { route, RouteError, errorClass, MAX_RETRIES, TIMEOUT_MS, type Role } from "./routing.js";

const [mode, ...args] = process.argv.slice(2);
if (mode === "classify") {
  const cases = JSON.parse(readFileSync(args[0], "utf8")) as { status: number | null; code: unknown; type: unknown; param: unknown; message: unknown }[];
  writeFileSync(args[1], JSON.stringify(cases.map((c) => errorClass(c.status, c.code, c.type, c.param, c.message))));
} else {
  const [baseURL, logPath, budgets, ...calls] = args;
  Object.assign(MAX_RETRIES, JSON.parse(budgets).retries);
  Object.assign(TIMEOUT_MS, JSON.parse(budgets).timeouts);
  for (const call of calls) {
    const [organization, role, apiKey] = call.split(":");
    const client = new OpenAI({ apiKey, baseURL, organization });
    try {
      const r = await route("Return ok.", role as Role, { client, logPath });
      console.log(JSON.stringify({ role, model: r.model, text: r.text, downgraded: r.downgraded, attempts: r.attempts }));
    } catch (err) {
      const attempts = err instanceof RouteError ? err.attempts : [];
      console.log(JSON.stringify({ role, error: err instanceof RouteError ? "RouteError" : (err as Error).constructor.name, attempts }));
    }
  }
}
"""


@pytest.fixture(scope="module")
def built(sim: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("tsrouter")
    source = emit(sim, "typescript", work / "routing.ts", work / "home")
    return compile_typescript(work / "build", {"routing.ts": source, "driver.ts": DRIVER})


def run(built: Path, sim: Any, log: Path, calls: list[str], retries: dict[str, int] | None = None,
        timeouts: dict[str, int] | None = None) -> list[dict[str, Any]]:
    budgets = json.dumps({"retries": retries or {}, "timeouts": timeouts or {}})
    args = [f"{c}:{FAKE_KEY}" if c.count(":") == 1 else c for c in calls]
    done = subprocess.run([node(), str(built / "driver.js"), "route", sim.base_url, str(log), budgets, *args],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_the_typescript_router_compiles_strict_and_serves_each_role_from_its_tier(built: Path, sim: Any, tmp_path: Path) -> None:
    out = run(built, sim, tmp_path / "s.log", ["org-sim-approved:hard", "org-sim-approved:balanced", "org-sim-approved:cheap"])
    assert [(r["model"], r["text"], r["downgraded"]) for r in out] == [
        ("gpt-5.6-sol", "ok", False), ("gpt-5.6-terra", "ok", False), ("gpt-5.6-luna", "ok", False)]


def test_pending_and_unprovisioned_orgs_are_served_by_gpt_5_5_with_the_reason_logged(built: Path, sim: Any, tmp_path: Path) -> None:
    log = tmp_path / "s.log"
    out = run(built, sim, log, ["org-sim-pending:hard", "org-sim-unprovisioned:balanced"])
    assert [r["model"] for r in out] == ["gpt-5.5", "gpt-5.5"]
    assert [line["attempts"][0]["error_class"] for line in read_log(log)] == ["provisioning_pending", "not_provisioned"]
    assert all(line["fallback"] and line["org"].startswith("org-sim-") for line in read_log(log))


def test_a_safety_check_on_terra_retries_on_luna(built: Path, sim: Any, tmp_path: Path) -> None:
    [out] = run(built, sim, tmp_path / "s.log", ["org-sim-safety:balanced"])
    assert out["model"] == "gpt-5.6-luna" and out["downgraded"] is True
    assert [(a["model"], a["errorClass"]) for a in out["attempts"]] == [("gpt-5.6-terra", "safety_check"), ("gpt-5.6-luna", None)]


def test_a_slow_sol_times_out_within_its_budget_and_the_fallback_serves(built: Path, sim: Any, tmp_path: Path) -> None:
    [out] = run(built, sim, tmp_path / "s.log", ["org-sim-safety:hard"], retries={"gpt-5.6-sol": 0}, timeouts={"gpt-5.6-sol": 200})
    assert [(a["model"], a["errorClass"]) for a in out["attempts"]] == [("gpt-5.6-sol", "timeout"), ("gpt-5.5", None)]


def test_region_and_rate_limits_end_in_route_error_after_every_model(built: Path, sim: Any, tmp_path: Path) -> None:
    log = tmp_path / "s.log"
    out = run(built, sim, log, ["org-sim-region:cheap", "org-sim-ratelimited:cheap"],
              retries={"gpt-5.6-luna": 0, "gpt-5.5": 0, "gpt-5.4-mini": 0})
    assert [r["error"] for r in out] == ["RouteError", "RouteError"]
    assert [[a["error_class"] for a in line["attempts"]] for line in read_log(log)] == [["region_vpn"] * 3, ["rate_limited"] * 3]


def test_an_invalid_key_throws_the_sdk_error_without_a_fallback(built: Path, sim: Any, tmp_path: Path) -> None:
    [out] = run(built, sim, tmp_path / "s.log", ["org-sim-approved:hard:sk-sim-invalid-test-fake"])
    assert out["error"] == "AuthenticationError"
    assert [a["error_class"] for a in read_log(tmp_path / "s.log")[0]["attempts"]] == ["invalid_key"]


def test_typescript_log_lines_follow_the_schema_and_hold_no_key(built: Path, sim: Any, tmp_path: Path) -> None:
    log = tmp_path / "s.log"
    run(built, sim, log, [f"{org}:{role}" for org in ("org-sim-approved", "org-sim-pending", "org-sim-safety") for role in ("hard", "balanced")])
    assert FAKE_KEY not in log.read_text(encoding="ascii")
    for line in read_log(log):
        jsonschema.validate(line, SCHEMA)


def test_the_typescript_classifier_agrees_with_gpt56probe_on_every_error_of_the_corpus(built: Path, tmp_path: Path) -> None:
    cases = corpus()
    (tmp_path / "cases.json").write_text(json.dumps(cases))
    done = subprocess.run([node(), str(built / "driver.js"), "classify", str(tmp_path / "cases.json"), str(tmp_path / "out.json")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    theirs = json.loads((tmp_path / "out.json").read_text())
    disagree = [(c, t, gpt56probe_class(c)) for c, t in zip(cases, theirs) if t != gpt56probe_class(c)]
    assert not disagree, disagree[:3]


def test_served_over_the_typescript_routers_log_shows_the_shares_it_should(built: Path, sim: Any, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from gpt56probe.cli import main

    log = tmp_path / "served.log"
    run(built, sim, log, ["org-sim-pending:hard"] * 3 + ["org-sim-approved:hard", "org-sim-safety:balanced", "org-sim-approved:balanced"])
    result = CliRunner().invoke(main, ["served", str(log), "--format", "json"])
    assert result.exit_code == 0, result.output
    roles = json.loads(result.stdout)["roles"]
    assert {m["model"]: m["share"] for m in roles["hard"]["models"]} == {"gpt-5.5": 0.75, "gpt-5.6-sol": 0.25}
    assert roles["hard"]["headline"] == "hard: served by gpt-5.5 for 75 % of requests in the last 7 days, mostly provisioning_pending"
    assert roles["balanced"]["fallback_reasons"] == {"safety_check": 1}
    assert {m["model"]: m["calls"] for m in roles["balanced"]["models"]} == {"gpt-5.6-terra": 1, "gpt-5.6-luna": 1}
