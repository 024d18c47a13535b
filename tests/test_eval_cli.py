"""``gpt56probe eval`` end to end: the real CLI and real HTTP against the simulator on loopback."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterator

import pytest
from click.testing import CliRunner

from gpt56probe.cli import main

G55, SOL, TERRA, LUNA = "gpt-5.5", "gpt-5.6-sol", "gpt-5.6-terra", "gpt-5.6-luna"
KEY = "sk-test-fake-eval-0000000000"

TASKS = '''
[defaults]
max_output_tokens = 1024

[[task]]
id = "h1"
class = "hard"
prompt = "EVAL-H1 What is the answer?"
check = { kind = "number", value = 42 }

[[task]]
id = "h2"
class = "hard"
prompt = "EVAL-H2 Give the JSON."
check = { kind = "json", keys = ["a"] }

[[task]]
id = "b1"
class = "balanced"
prompt = "EVAL-B1 Summarize."
check = { kind = "contains", value = "alpha", ignore_case = true }

[[task]]
id = "c1"
class = "cheap"
max_output_tokens = 256
prompt = "EVAL-C1 Classify."
check = { kind = "one_of", values = ["spam", "ham"] }

[[task]]
id = "c2"
class = "cheap"
max_output_tokens = 256
prompt = "EVAL-C2 Code?"
check = { kind = "regex", pattern = "^P[0-9]$" }

[[task]]
id = "c3"
class = "cheap"
max_output_tokens = 256
prompt = "EVAL-C3 Yes or no?"
check = { kind = "equals", value = "yes", ignore_case = true }
'''

SCENARIOS = '''
[[answer]]
match = "EVAL-H1"
answer = "42"
difficulty = "hard"
wrong = "41"

[[answer]]
match = "EVAL-H2"
answer = '{"a": 1}'
difficulty = "hard"
wrong = "a = 1"

[[answer]]
match = "EVAL-B1"
answer = "Alpha went down, beta stayed up."
difficulty = "balanced"

[[answer]]
match = "EVAL-C1"
answer = "spam"
difficulty = "cheap"

[[answer]]
match = "EVAL-C2"
answer = "P1"
difficulty = "cheap"

[[answer]]
match = "EVAL-C3"
answer = "Yes"
difficulty = "cheap"

[[answer]]
match = "EVAL-ECHO"
answer = "Your key is sk-test-fake-eval-0000000000 and \\u001b[31mred\\u001b[0m"
difficulty = "cheap"

[[scenario]]
name = "eval-slow"
org = "org-eval-slow"
description = "luna takes 3 s on the first cheap task: past a 1 s --timeout"
[[scenario.rule]]
models = "gpt-5.6-luna"
endpoints = "sampling"
prompt = "EVAL-C1"
answer = "ok"
delay = 3

[[scenario]]
name = "eval-safety"
org = "org-eval-safety"
description = "terra withholds the hard JSON task (a safety check); everything else answers"
[[scenario.rule]]
models = "gpt-5.6-terra"
endpoints = "sampling"
prompt = "EVAL-H2"
answer = "withheld"
headers = { "openai-safety-notice" = "This content can't be shown." }

[[scenario]]
name = "eval-busy"
org = "org-eval-busy"
description = "luna is rate limited on the cheap yes/no task, after its access probe answered"
[[scenario.rule]]
models = "gpt-5.6-luna"
endpoints = "sampling"
prompt = "EVAL-C3"
error = { status = 429, message = "Rate limit reached for gpt-5.6-luna on requests per min (RPM).", type = "requests", code = "rate_limit_exceeded" }
headers = { "retry-after" = "0" }
'''


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("eval")
    (root / "tasks.toml").write_text(TASKS)
    (root / "scenarios.toml").write_text(SCENARIOS)
    return {"tasks": root / "tasks.toml", "scenarios": root / "scenarios.toml", "root": root}


@pytest.fixture(scope="module")
def esim(files: dict[str, Path]) -> Iterator[Any]:
    from gpt56probe.simulator import start_simulator

    with start_simulator(port=0, scenarios_file=files["scenarios"], safety_delay=0.1) as handle:
        yield handle


def run(args: list[str], env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(main, args, env={"OPENAI_API_KEY": KEY, "COLUMNS": "100", **(env or {})}, catch_exceptions=False)


def run_eval(esim: Any, files: dict[str, Path], org: str, *extra: str) -> tuple[Any, dict[str, Any]]:
    out = files["root"] / f"{org}-{len(extra)}.json"
    result = run(["eval", str(files["tasks"]), "--org", org, "--base-url", esim.base_url, "-o", str(out), *extra])
    assert result.exit_code == 0, result.output
    return result, json.loads(out.read_text())


def rec(doc: dict[str, Any], cls: str) -> dict[str, Any]:
    return next(r for r in doc["recommendations"] if r["class"] == cls)


def score(doc: dict[str, Any], cls: str, model: str, label: str = "current") -> dict[str, Any]:
    return next(s for s in doc["scores"] if s["class"] == cls and s["model"] == model and s["effort_label"] == label)


def test_eval_recommends_the_cheapest_tier_that_passes_each_class(esim: Any, files: dict[str, Path]) -> None:
    result, doc = run_eval(esim, files, "org-sim-approved")
    assert rec(doc, "hard")["model"] == TERRA  # Luna fails the hard class; Terra matches gpt-5.5 for less than Sol
    assert rec(doc, "balanced")["model"] == LUNA and rec(doc, "cheap")["model"] == LUNA
    assert score(doc, "hard", LUNA)["passed"] == 0 and score(doc, "hard", G55)["passed"] == 2
    assert "hard: gpt-5.6-terra" in result.output and "cheap: gpt-5.6-luna" in result.output
    assert all(len(line) <= 100 for line in result.output.splitlines())
    assert doc["text_kept"] is False
    assert all("answer" not in o for o in doc["outcomes"]) and all("input" not in t for t in doc["tasks"])
    hard_terra = score(doc, "hard", TERRA)
    assert hard_terra["tokens"]["reasoning"] > 0 and hard_terra["cost_usd"]["per_task"] > 0
    assert score(doc, "hard", G55)["cost_usd"]["per_task"] is None  # gpt-5.5's price is not published: unknown, not $0


def test_the_summary_fits_a_narrow_terminal(esim: Any, files: dict[str, Path]) -> None:
    result = run(["eval", str(files["tasks"]), "--org", "org-sim-approved", "--base-url", esim.base_url], env={"COLUMNS": "60"})
    assert result.exit_code == 0, result.output
    assert max(len(line) for line in result.output.splitlines()) <= 60


def test_a_safety_check_during_an_eval_is_counted_apart_not_as_a_wrong_answer(esim: Any, files: dict[str, Path]) -> None:
    _, doc = run_eval(esim, files, "org-eval-safety")
    terra = score(doc, "hard", TERRA)
    assert terra["errors"] == {"safety_check": 1} and terra["answered"] == 1 and terra["passed"] == 1
    outcome = next(o for o in doc["outcomes"] if o["task"] == "h2" and o["model"] == TERRA)
    assert (outcome["outcome"], outcome["verdict"]) == ("error", "safety_check") and outcome["request_id"].startswith("req_")
    assert rec(doc, "hard")["model"] == SOL  # Terra did not answer every hard task: the next cheapest that did


def test_a_rate_limit_during_an_eval_is_counted_apart_with_its_verdict(esim: Any, files: dict[str, Path]) -> None:
    _, doc = run_eval(esim, files, "org-eval-busy")
    luna = score(doc, "cheap", LUNA)
    assert luna["errors"] == {"rate_limited": 1} and luna["passed"] == 2
    assert rec(doc, "cheap")["model"] == TERRA
    assert "rate_limited x1" in json.dumps(doc["scores"]) or luna["errors"]


def test_an_unreachable_tier_is_reported_with_its_verdict_and_runs_no_task(esim: Any, files: dict[str, Path]) -> None:
    result, doc = run_eval(esim, files, "org-sim-project")
    sol = next(m for m in doc["models"] if m["model"] == SOL)
    assert (sol["state"], sol["verdict"]) == ("unreachable", "project_no_access")
    assert not any(o["model"] == SOL for o in doc["outcomes"])
    assert "unreachable: gpt-5.6-sol (project_no_access)" in result.output


def test_the_cost_guard_refuses_before_anything_is_sent(esim: Any, files: dict[str, Path]) -> None:
    esim.clear_requests()
    result = run(["eval", str(files["tasks"]), "--org", "org-sim-approved", "--base-url", esim.base_url, "--max-cost", "0.001"])
    assert result.exit_code == 3
    assert "is above --max-cost $0.00100: nothing was sent" in result.output
    assert "gpt-5.5" in result.output and "unknown (price not published)" in result.output
    assert esim.requests == []


def test_dry_run_prints_the_estimate_and_sends_nothing(esim: Any, files: dict[str, Path]) -> None:
    esim.clear_requests()
    result = run(["eval", str(files["tasks"]), "--base-url", esim.base_url, "--dry-run", "--efforts", "current,lower"])
    assert result.exit_code == 0, result.output
    assert "dry run: nothing was sent; 48 call(s)" in result.output
    assert esim.requests == []


def test_a_bad_task_file_is_refused_in_one_line_naming_task_and_field(esim: Any, files: dict[str, Path], tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(TASKS.replace('value = 42', 'value = "42"'))
    esim.clear_requests()
    result = run(["eval", str(bad), "--base-url", esim.base_url])
    assert result.exit_code == 3
    assert result.output.strip() == f"Error: {bad}: task 'h1' (task 1): check.value: must be a finite number"
    assert esim.requests == []


def test_keep_text_keeps_inputs_and_answers_and_the_gate_still_scrubs_the_key(esim: Any, files: dict[str, Path], tmp_path: Path) -> None:
    echo = tmp_path / "echo.toml"
    echo.write_text(TASKS + f'\n[[task]]\nid = "leak"\nclass = "cheap"\nprompt = "EVAL-C3 and also {KEY}"\ncheck = {{ kind = "equals", value = "yes", ignore_case = true }}\n')
    out = tmp_path / "kept.json"
    result = run(["eval", str(echo), "--org", "org-sim-approved", "--base-url", esim.base_url, "--keep-text", "-o", str(out), "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    assert doc["text_kept"] is True
    assert any(o.get("answer") == "Yes" for o in doc["outcomes"])
    assert KEY not in out.read_text() and KEY not in result.output
    assert "EVAL-C3 and also" in json.dumps(next(t for t in doc["tasks"] if t["id"] == "leak")["input"])


def test_efforts_lower_runs_each_tier_one_level_lower(esim: Any, files: dict[str, Path]) -> None:
    _, doc = run_eval(esim, files, "org-sim-approved", "--efforts", "current,lower")
    lower = score(doc, "hard", TERRA, "lower")
    assert lower["efforts"] == ["low"] and lower["passed"] == 0  # Terra at low effort loses the hard class
    assert score(doc, "hard", SOL, "lower")["passed"] == 2
    assert rec(doc, "hard")["model"] == SOL and rec(doc, "hard")["effort_label"] == "lower"


def test_plan_from_eval_routes_each_role_to_its_recommended_model(esim: Any, files: dict[str, Path], tmp_path: Path) -> None:
    _, doc = run_eval(esim, files, "org-sim-approved")
    results = tmp_path / "results.json"
    results.write_text(json.dumps(doc))
    out = tmp_path / "routing.json"
    result = run(["plan", "--from-eval", str(results), "--emit", "json", "-o", str(out)])
    assert result.exit_code == 0, result.output
    plan = json.loads(out.read_text())
    assert plan["roles"]["hard"]["model"] == TERRA and plan["roles"]["hard"]["fallbacks"][0] == SOL
    assert plan["roles"]["cheap"]["model"] == LUNA
    assert "gpt-5.5" in plan["roles"]["cheap"]["fallbacks"]
    python = run(["plan", "--from-eval", str(results), "--emit", "python"])
    assert f"# How: from the eval results {results}" in python.stdout and "nothing was probed" in python.stdout
    namespace: dict[str, Any] = {}
    exec(compile(python.stdout, "routing_config.py", "exec"), namespace)
    assert namespace["MODELS"]["balanced"] == LUNA


def test_plan_from_eval_refuses_a_file_that_is_not_eval_results(tmp_path: Path) -> None:
    other = tmp_path / "check.json"
    other.write_text(json.dumps({"schema_version": 1, "results": []}))
    result = run(["plan", "--from-eval", str(other)])
    assert result.exit_code == 3
    assert result.output.strip().startswith(f"Error: {other}: not an eval results document")


def test_compare_shows_what_got_better_and_worse(esim: Any, files: dict[str, Path], tmp_path: Path) -> None:
    _, before = run_eval(esim, files, "org-eval-safety")
    _, after = run_eval(esim, files, "org-sim-approved")
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(json.dumps(before))
    new.write_text(json.dumps(after))
    result = run(["eval", "--compare", str(old), str(new)])
    assert result.exit_code == 0, result.output
    assert "better: h2 on gpt-5.6-terra: error -> pass" in result.output
    assert "recommendation for hard: gpt-5.6-sol -> gpt-5.6-terra" in result.output
    as_json = run(["eval", "--compare", str(new), str(old), "--format", "json"])
    doc = json.loads(as_json.stdout)
    assert doc["worse"] == 1 and doc["flips"][0]["direction"] == "worse"


def test_compare_prints_every_dollar_figure_by_one_rule(esim: Any, files: dict[str, Path], tmp_path: Path) -> None:
    """$/task in `eval --compare` reads like the summary's: three significant digits below $1, cents from $1 up; no
    figure is cut to cents ($0.02) while its neighbour keeps six decimals ($0.007610)."""
    _, doc = run_eval(esim, files, "org-sim-approved")
    prices = iter([0.0234, 0.00761, 0.02, 0.000963, 0.87, 1.5, 0.0152, 0.00298] * 20)
    old, new = json.loads(json.dumps(doc)), json.loads(json.dumps(doc))
    for one in (old, new):
        for s in one["scores"]:
            s["cost_usd"]["per_task"] = next(prices)
    (tmp_path / "old.json").write_text(json.dumps(old))
    (tmp_path / "new.json").write_text(json.dumps(new))
    result = run(["eval", "--compare", str(tmp_path / "old.json"), str(tmp_path / "new.json")], env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    figures = re.findall(r"\$[0-9][0-9,]*\.[0-9]+", result.output)
    assert {"$0.0234", "$0.00761", "$0.0200", "$0.000963", "$0.870", "$1.50"} <= set(figures), result.output
    for figure in figures:
        digits = figure[1:].replace(",", "")
        if float(digits) >= 1:
            assert len(digits.split(".")[1]) == 2, figure  # cents from $1 up
        else:
            assert len(digits.split(".")[1].lstrip("0")) == 3, figure  # three significant digits below


def test_demo_eval_runs_offline_and_prints_a_recommendation() -> None:
    result = CliRunner().invoke(main, ["demo", "eval"], env={"COLUMNS": "80"}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "recommended, per class" in result.output
    assert "hard: gpt-5.6-sol at low effort" in result.output
    assert "cheap: gpt-5.6-luna" in result.output
    assert max(len(line) for line in result.output.splitlines()) <= 80


def test_a_timeout_during_an_eval_is_counted_apart_with_its_verdict(esim: Any, files: dict[str, Path]) -> None:
    _, doc = run_eval(esim, files, "org-eval-slow", "--timeout", "1")
    luna = score(doc, "cheap", LUNA)
    assert luna["errors"] == {"timeout": 1} and luna["answered"] == 2
    outcome = next(o for o in doc["outcomes"] if o["task"] == "c1" and o["model"] == LUNA)
    assert (outcome["outcome"], outcome["verdict"], outcome["latency_ms"]) == ("error", "timeout", None)


def test_an_answer_echoing_the_key_and_escapes_is_scrubbed_in_every_sink(esim: Any, files: dict[str, Path], tmp_path: Path) -> None:
    tasks = tmp_path / "echo.toml"
    tasks.write_text('[[task]]\nid = "echo"\nclass = "cheap"\nprompt = "EVAL-ECHO say it"\n'
                     'check = { kind = "contains", value = "key" }\n')
    out = tmp_path / "echo.json"
    result = run(["eval", str(tasks), "--org", "org-sim-approved", "--base-url", esim.base_url, "--keep-text", "-o", str(out)])
    assert result.exit_code == 0, result.output
    written = out.read_text()
    assert KEY not in written and KEY not in result.output
    answers = [o["answer"] for o in json.loads(written)["outcomes"]]
    assert all(a is not None and "Your key is" in a for a in answers)
    assert "\x1b" not in result.output


def test_report_adds_an_eval_section_escaped_and_redacted(esim: Any, files: dict[str, Path], tmp_path: Path) -> None:
    _, doc = run_eval(esim, files, "org-sim-approved")
    doc["recommendations"][0]["reason"] = f"<script>alert(1)</script> {KEY}"
    results = tmp_path / "results.json"
    results.write_text(json.dumps(doc))
    page = tmp_path / "status.html"
    result = run(["report", "--eval", str(results), "--html", str(page)])
    assert result.exit_code == 0, result.output
    text = page.read_text()
    assert "<h2>Eval before cutover</h2>" in text and "gpt-5.6-terra" in text
    assert "<script>alert" not in text and KEY not in text
    markdown = run(["report", "--eval", str(results), "--format", "markdown"])
    assert "## Eval before cutover" in markdown.stdout
    assert "| hard | gpt-5.6-terra |" in markdown.stdout


def test_results_follow_the_documented_schema_with_and_without_text(esim: Any, files: dict[str, Path]) -> None:
    import jsonschema

    schema = json.loads((Path(__file__).parents[1] / "gpt56probe" / "schema" / "eval-result.schema.json").read_text())
    for extra in ((), ("--keep-text", "--efforts", "current,lower")):
        _, doc = run_eval(esim, files, "org-eval-safety", *extra)
        jsonschema.validate(doc, schema)


def test_nothing_reachable_exits_2_saying_why_and_runs_no_task(esim: Any, files: dict[str, Path]) -> None:
    esim.clear_requests()
    result = run(["eval", str(files["tasks"]), "--org", "org-sim-region", "--base-url", esim.base_url])
    assert result.exit_code == 2
    assert "unreachable: gpt-5.6-sol (region_vpn)" in result.output
    assert "nothing is reachable for org-sim-region" in result.output
    assert not any("EVAL-" in json.dumps(r.json) for r in esim.requests if r.json)


def test_no_key_is_one_line_and_exit_3(files: dict[str, Path]) -> None:
    result = CliRunner().invoke(main, ["eval", str(files["tasks"]), "--no-keyring"], env={"OPENAI_API_KEY": ""})
    assert result.exit_code == 3
    assert result.output.startswith("Error: ") and len(result.output.strip().splitlines()) == 1


@pytest.mark.parametrize("content, problem", [
    ('{"schema": "gpt56probe.eval/1", "finished_at": "x", "baseline": "gpt-5.5", "models": [], "tasks": [], '
     '"outcomes": [{"task": 1}], "scores": [], "recommendations": []}', "outcomes[0].task must be a string"),
    ('{"schema": "gpt56probe.eval/1"', "not JSON"),
    ('{"schema": "gpt56probe.eval/1", "finished_at": NaN}', "not JSON"),
    ("\xff\xfe garbage", "not JSON"),
])
def test_compare_refuses_a_broken_results_file_in_one_line(tmp_path: Path, content: str, problem: str) -> None:
    good = tmp_path / "good.json"
    good.write_text('{"schema": "gpt56probe.eval/1", "finished_at": "x", "baseline": "gpt-5.5", "models": [], "tasks": [], '
                    '"outcomes": [], "scores": [], "recommendations": []}')
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="latin-1")
    result = run(["eval", "--compare", str(good), str(bad)])
    assert result.exit_code == 3
    assert problem in result.output and len(result.output.strip().splitlines()) == 1
