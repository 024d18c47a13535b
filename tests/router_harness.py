"""Shared by the router tests: the router `plan --emit` writes, made by the real CLI against the
simulator, and a corpus of error answers to hold its classifier against gpt56probe's own."""

from __future__ import annotations

import importlib.util
import json
import random
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from click.testing import CliRunner

from gpt56probe.cli import main
from gpt56probe.core.gateways import BILLING_2026
from gpt56probe.core.observation import Exchange, Observation, Target
from gpt56probe.core.reading import facts_of
from gpt56probe.core.rules import CODE_VERDICTS, TYPE_VERDICTS

FAKE_KEY = "sk-test-fake-key-not-real-0000"
JS_DIR = Path(__file__).resolve().parent / "js" / "router"
NODE_MODULES = JS_DIR / "node_modules"


def emit(sim: Any, emit_as: str, out: Path, home: Path, org: str = "org-sim-approved") -> str:
    """`gpt56probe plan --emit EMIT -o OUT` against the simulator, as a user runs it."""
    env = {"OPENAI_API_KEY": FAKE_KEY, "GPT56PROBE_NO_KEYRING": "1", "GPT56PROBE_HOME": str(home)}
    result = CliRunner().invoke(main, ["plan", "--org", org, "--base-url", sim.base_url, "--emit", emit_as, "-o", str(out)], env=env)
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8")


def load_python(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def read_log(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="ascii").splitlines()]


MESSAGES = (
    "The model `gpt-5.6-sol` does not exist or you do not have access to it.",
    "Your organization must be verified to stream this model.",
    "Project `proj_abc` does not have access to model `gpt-5.6-sol`",
    "You are not allowed to sample from this model",
    "Country, region, or territory not supported",
    "You exceeded your current quota, please check your plan and billing details.",
    "Rate limit reached for requests",
    "Access to this model is pending provisioning; provisioning is pending",
    "Incorrect API key provided: sk-test-***",
    "OpenAI-Organization header should match organization for API key",
    "This request requires additional safety checks, which can take extra time",
    "Unsupported parameter: 'max_tokens' is not supported with this model.",
    "The server had an error while processing your request.",
    "<html><title>Attention Required! | Cloudflare</title>Sorry, you have been blocked</html>",
    "A timeout occurred",
    "Your account has been deactivated",
    "insufficient permissions for this operation. Missing scopes: api.responses.write",
    "something nobody has seen before",
    "Budget has been exceeded! Current cost: 12.3, Max budget: 10.0",
    "Insufficient credits. This account never purchased credits.",
    "Missing bearer or basic authentication in header",
    "Authentication Error, Invalid proxy server token passed.",
    "Invalid model name passed in model=gpt-5.6-sol",
    "The API deployment for this resource does not exist.",
    "Your IP address 203.0.113.7 is not authorized to access this organization",
    "",
)
STATUSES = (None, 200, 400, 401, 402, 403, 404, 408, 409, 422, 429, 500, 502, 503, 524)


def corpus(count: int = 1500, seed: int = 56) -> list[dict[str, Any]]:
    """Error answers drawn from the vocabulary of the rules: codes, types, wording, statuses, params."""
    rng = random.Random(seed)
    codes = [None, "", "model_not_found", "unsupported_value", "404", "429", "401", "402", "DeploymentNotFound", "cyber_policy",
             "invalid_access_program", "ip_not_authorized", *sorted(BILLING_2026), *sorted(CODE_VERDICTS)]
    types = [None, "invalid_request_error", "request_forbidden", "tokens", "budget_exceeded", "auth_error", "key_model_access_denied",
             *sorted(TYPE_VERDICTS)]
    cases = []
    for _ in range(count):
        cases.append({
            "status": rng.choice(STATUSES),
            "code": rng.choice(codes),
            "type": rng.choice(types),
            "param": rng.choice([None, None, "max_tokens", "stream"]),
            "message": rng.choice(MESSAGES),
        })
    return cases


def gpt56probe_class(case: dict[str, Any]) -> str:
    """What gpt56probe's classifier says of the same answer (a JSON error body; the org's list unknown)."""
    body = json.dumps({"error": {k: case[k] for k in ("message", "type", "code", "param")}})
    exchange = Exchange(status=case["status"], headers={"content-type": "application/json"}, body=body)
    return facts_of(Observation(Target("org-x", "gpt-5.6-sol", "sol"), sample=exchange)).verdict.value


def node() -> str:
    found = shutil.which("node")
    assert found, "node is missing: install Node 20 (.ci/run needs it for the TypeScript router tests)"
    return found


def ensure_router_packages() -> Path:
    """The pinned openai, typescript and @types/node, installed from the lock file on first use."""
    from tests.npm_trees import ensure

    ensure("router", "openai/package.json")
    return ensure("router", "typescript/bin/tsc")


def compile_typescript(workdir: Path, sources: dict[str, str]) -> Path:
    """Compile SOURCES with the pinned tsc (strict) against the pinned openai package; returns the output dir."""
    ensure_router_packages()
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "node_modules").symlink_to(NODE_MODULES, target_is_directory=True)
    (workdir / "package.json").write_text('{"type": "module"}\n')
    for name, text in sources.items():
        (workdir / name).write_text(text, encoding="utf-8")
    config = {"compilerOptions": {"target": "es2022", "module": "nodenext", "moduleResolution": "nodenext", "strict": True,
                                  "noEmitOnError": True, "skipLibCheck": True, "types": ["node"], "outDir": "out"},
              "files": sorted(sources)}
    (workdir / "tsconfig.json").write_text(json.dumps(config))
    done = subprocess.run([node(), str(NODE_MODULES / "typescript" / "bin" / "tsc"), "-p", str(workdir)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return workdir / "out"
