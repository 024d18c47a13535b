"""``gpt56probe plan`` end to end on the simulator: python (compiled and run), typescript (tsc), json."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any, Iterator

import pytest
from click.testing import CliRunner

from gpt56probe.cli import main

SOL, TERRA, LUNA, G55, MINI = "gpt-5.6-sol", "gpt-5.6-terra", "gpt-5.6-luna", "gpt-5.5", "gpt-5.4-mini"

EXPECTED = {
    "org-sim-approved": {
        "hard": [SOL, G55, MINI], "balanced": [TERRA, G55, MINI], "cheap": [LUNA, G55, MINI],
        "served_by_fallback": (), "degraded": (),
    },
    "org-sim-unprovisioned": {
        "hard": [G55, MINI], "balanced": [G55, MINI], "cheap": [G55, MINI],
        "served_by_fallback": ("hard", "balanced", "cheap"), "degraded": (),
    },
    "org-sim-safety": {
        "hard": [SOL, LUNA, G55, MINI], "balanced": [TERRA, LUNA, G55, MINI], "cheap": [LUNA, G55, MINI],
        "served_by_fallback": (), "degraded": ("hard", "balanced"),
    },
}


@pytest.fixture(scope="module")
def simulator() -> Iterator[Any]:
    from gpt56probe.simulator import start_simulator

    with start_simulator(port=0, safety_delay=0.2) as handle:
        yield handle


@pytest.fixture
def key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-plan-0000")


def run_plan(simulator: Any, org: str, emit: str, out: Path | None = None) -> Any:
    args = ["plan", "--org", org, "--base-url", simulator.base_url, "--emit", emit]
    if out is not None:
        args += ["-o", str(out)]
    return CliRunner().invoke(main, args)


def exec_python(text: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    exec(compile(text, "routing_config.py", "exec"), namespace)
    return namespace


@pytest.fixture(scope="session")
def tsc() -> list[str]:
    """The pinned tsc of tests/js/router (npm ci there; .ci/run does): the emitted module imports the
    official `openai` package, so it is checked against the pinned one, never a floating typescript@5."""
    from tests.router_harness import NODE_MODULES, ensure_router_packages, node

    ensure_router_packages()
    return [node(), str(NODE_MODULES / "typescript" / "bin" / "tsc")]


def tsc_check(tsc: list[str], path: Path) -> None:
    from tests.router_harness import NODE_MODULES

    modules = path.parent / "node_modules"
    if not modules.exists():
        modules.symlink_to(NODE_MODULES, target_is_directory=True)
    proc = subprocess.run([*tsc, "--noEmit", "--strict", "--target", "es2022", "--module", "esnext", "--moduleResolution", "bundler",
                           "--types", "node", "--skipLibCheck", str(path)], capture_output=True, text=True, timeout=300, cwd=path.parent)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("org", sorted(EXPECTED))
def test_plan_python_per_org(simulator: Any, key: None, org: str, tmp_path: Path) -> None:
    out = tmp_path / "routing_config.py"
    result = run_plan(simulator, org, "python", out)
    assert result.exit_code == 0, result.output
    text = out.read_text()
    ns = exec_python(text)
    want = EXPECTED[org]
    for role in ("hard", "balanced", "cheap"):
        assert ns["model_chain"](role) == want[role], role
        assert ns["MODELS"][role] == want[role][0]
    assert ns["SERVED_BY_FALLBACK"] == want["served_by_fallback"]
    assert ns["DEGRADED"] == want["degraded"]
    assert ns["ORG"] == org and ns["BASE_URL"] == simulator.base_url and ns["REACHABLE"] is True
    header = [line for line in text.splitlines() if line.startswith("#")]
    assert any(f"against {simulator.base_url} for org {org}" in line and ns["PROBED_AT"] in line for line in header)
    served = next(line for line in header if line.startswith("# Roles served by a fallback:"))
    assert ("none" in served) == (not want["served_by_fallback"])


def test_three_orgs_three_different_configs(simulator: Any, key: None) -> None:
    docs = {}
    for org in EXPECTED:
        result = run_plan(simulator, org, "json")
        assert result.exit_code == 0, result.output
        doc = json.loads(result.stdout)
        docs[org] = {role: [v["model"], *v["fallbacks"]] for role, v in doc["roles"].items()}
        assert docs[org] == {role: EXPECTED[org][role] for role in ("hard", "balanced", "cheap")}
    assert len({json.dumps(d, sort_keys=True) for d in docs.values()}) == 3
    safety = json.loads(run_plan(simulator, "org-sim-safety", "json").stdout)
    assert safety["models"][SOL]["state"] == "degraded" and safety["models"][LUNA]["state"] == "ok"


@pytest.mark.parametrize("org", sorted(EXPECTED) + ["org-sim-foreign"])
def test_plan_typescript_compiles(simulator: Any, key: None, org: str, tmp_path: Path, tsc: list[str]) -> None:
    out = tmp_path / "routing.ts"
    result = run_plan(simulator, org, "typescript", out)
    assert result.exit_code == (2 if org == "org-sim-foreign" else 0), result.output
    # A consumer of the config must type-check too: the exported names and types are the contract.
    (tmp_path / "use.ts").write_text(
        'import { ROUTES, MODELS, modelChain, Role, PROBED_AT } from "./routing";\n'
        'const roles: Role[] = ["hard", "balanced", "cheap"];\n'
        'const chains: string[][] = roles.map((r) => modelChain(r));\n'
        'const m: string | null = MODELS.hard;\n'
        'const fb: boolean = ROUTES.cheap.servedByFallback;\n'
        'export const summary = [chains, m, fb, PROBED_AT];\n'
    )
    tsc_check(tsc, tmp_path / "use.ts")
    text = out.read_text()
    if org == "org-sim-unprovisioned":
        assert 'hard: { model: "gpt-5.5", fallbacks: ["gpt-5.4-mini"]' in text


def test_nothing_reachable_exits_2_with_null_roles(simulator: Any, key: None, tmp_path: Path) -> None:
    result = run_plan(simulator, "org-sim-foreign", "json")
    assert result.exit_code == 2
    doc = json.loads(result.stdout)
    assert doc["reachable"] is False
    assert all(v["model"] is None for v in doc["roles"].values())
    assert "nothing is reachable" in result.stderr
    out = tmp_path / "cfg.py"
    result = run_plan(simulator, "org-sim-foreign", "python", out)
    assert result.exit_code == 2
    ns = exec_python(out.read_text())
    assert ns["MODELS"] == {"hard": None, "balanced": None, "cheap": None} and ns["REACHABLE"] is False


def test_plan_without_key_fails_cleanly(simulator: Any) -> None:
    result = run_plan(simulator, "org-sim-approved", "python")
    assert result.exit_code == 3
    assert "OPENAI_API_KEY" in result.stderr and "Traceback" not in result.output


def test_plan_bad_emit_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["plan", "--emit", "yaml"])
    assert result.exit_code == 3
