"""``eval --emit promptfoo``: the exported config, run by promptfoo itself against the simulator, passes
exactly the tasks gpt56probe's own eval passes, model by model.

promptfoo is pinned in tests/js/promptfoo (package.json + package-lock.json); .ci/run installs it with
``npm ci``. Without it this test fails: the export is only worth what promptfoo makes of it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from gpt56probe.cli import main
from tests.npm_trees import ensure

HERE = Path(__file__).parent / "js" / "promptfoo"
PROMPTFOO = HERE / "node_modules" / ".bin" / "promptfoo"
KEY = "sk-test-fake-promptfoo-0000"
ORG = "org-sim-approved"


def test_promptfoo_is_pinned_to_the_version_the_export_targets() -> None:
    from gpt56probe.migrate.promptfoo import PROMPTFOO_VERSION

    package = json.loads((HERE / "package.json").read_text())
    assert package["dependencies"]["promptfoo"] == PROMPTFOO_VERSION
    lock = json.loads((HERE / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/promptfoo"]["version"] == PROMPTFOO_VERSION


def test_the_exported_config_gets_the_same_pass_counts_under_promptfoo(sim: Any, tmp_path: Path) -> None:
    ensure("promptfoo", ".bin/promptfoo")
    assert shutil.which("node"), "node is not on PATH"
    from gpt56probe.migrate.tasks import EXAMPLE_TASKS

    tasks = str(EXAMPLE_TASKS)
    results = tmp_path / "results.json"
    env = {"OPENAI_API_KEY": KEY}
    ours = CliRunner().invoke(main, ["eval", tasks, "--org", ORG, "--base-url", sim.base_url, "-o", str(results)], env=env,
                              catch_exceptions=False)
    assert ours.exit_code == 0, ours.output
    doc = json.loads(results.read_text())
    expected: Counter[str] = Counter()
    for outcome in doc["outcomes"]:
        expected[outcome["model"]] += outcome["outcome"] == "pass"
    assert expected["gpt-5.6-luna"] < expected["gpt-5.6-terra"]  # the set tells the tiers apart

    config = tmp_path / "promptfooconfig.json"
    emitted = CliRunner().invoke(main, ["eval", tasks, "--emit", "promptfoo", "--org", ORG, "--base-url", sim.base_url,
                                        "-o", str(config)], catch_exceptions=False)
    assert emitted.exit_code == 0, emitted.output
    report = run_promptfoo(config, tmp_path)
    got: Counter[str] = Counter()
    passed_there = set()
    for row in report["results"]["results"]:
        assert not row.get("error") or row.get("success") is False
        got[row["provider"]["label"]] += bool(row.get("success"))
        if row.get("success"):
            passed_there.add((row["testCase"]["description"], row["provider"]["label"]))
    assert len(report["results"]["results"]) == len(doc["outcomes"])
    assert dict(got) == dict(expected)  # the same pass count per model
    passed_here = {(o["task"], o["model"]) for o in doc["outcomes"] if o["outcome"] == "pass"}
    assert passed_there == passed_here  # and the very same tasks


def test_the_export_refuses_a_regex_javascript_reads_differently_naming_the_task(tmp_path: Path) -> None:
    tasks = tmp_path / "tasks.toml"
    tasks.write_text('[[task]]\nid = "r1"\nclass = "cheap"\nprompt = "x"\ncheck = { kind = "regex", pattern = "(?i)^yes\\\\Z" }\n')
    result = CliRunner().invoke(main, ["eval", str(tasks), "--emit", "promptfoo"])
    assert result.exit_code == 3
    assert "task 'r1': the regex uses" in result.output and "JavaScript reads differently" in result.output


def test_template_marks_never_reach_promptfoo_as_templates(tmp_path: Path) -> None:
    from gpt56probe.migrate.promptfoo import config_doc
    from gpt56probe.migrate.tasks import parse_task_text
    from gpt56probe.core.models import DEFAULT_TABLE

    tasks = parse_task_text('[[task]]\nid = "t"\nclass = "cheap"\nprompt = "Render {{ name }} as is"\n'
                            'check = { kind = "contains", value = "{{ name }}" }\n', "toml")
    doc = config_doc(tasks, DEFAULT_TABLE.models[:1], "http://127.0.0.1:1/v1", None)
    assert doc["env"] == {"PROMPTFOO_DISABLE_TEMPLATING": "true"}
    assert json.loads(doc["prompts"][0]["raw"]) == [{"role": "user", "content": "Render {{ name }} as is"}]
    assert doc["tests"][0]["assert"][0]["type"] == "javascript"
    assert "{{" not in doc["tests"][0]["assert"][0]["value"]


EDGE_TASKS = r'''
[[task]]
id = "trim"
class = "cheap"
prompt = "EDGE-TRIM"
check = { kind = "equals", value = "42" }

[[task]]
id = "case"
class = "cheap"
prompt = "EDGE-CASE"
check = { kind = "equals", value = "yes" }

[[task]]
id = "lead-space"
class = "cheap"
prompt = "EDGE-LEAD"
check = { kind = "contains", value = " x" }

[[task]]
id = "arabic-digits"
class = "cheap"
prompt = "EDGE-DIGITS"
check = { kind = "regex", pattern = '^\d+$' }

[[task]]
id = "commas"
class = "hard"
prompt = "EDGE-COMMAS"
check = { kind = "number", value = 1240.5, tolerance = 0.001 }

[[task]]
id = "no-number"
class = "cheap"
prompt = "EDGE-NONUMBER"
check = { kind = "number", value = 1 }

[[task]]
id = "keys-and-schema"
class = "hard"
prompt = "EDGE-KEYS"
check = { kind = "json", keys = ["a"], schema = { properties = { b = { type = "string", maxLength = 2 } } } }

[[task]]
id = "nan"
class = "cheap"
prompt = "EDGE-NAN"
check = { kind = "json" }

[[task]]
id = "integer-1.0"
class = "cheap"
prompt = "EDGE-INT"
check = { kind = "json", schema = { type = "object", properties = { n = { type = "integer" } } } }

[[task]]
id = "one-of-case"
class = "cheap"
prompt = "EDGE-ONEOF"
check = { kind = "one_of", values = ["billing", "refunds"], ignore_case = true }

[[task]]
id = "template-marks"
class = "cheap"
prompt = "EDGE-TEMPLATE {{ x }}"
check = { kind = "contains", value = "{{ x }}" }

[[task]]
id = "regex-case"
class = "hard"
prompt = "EDGE-REGEXCASE"
check = { kind = "regex", pattern = "^hello", ignore_case = true }
'''

EDGE_BOOK = r'''
[[answer]]
match = "EDGE-TRIM"
answer = "  42\n"
[[answer]]
match = "EDGE-CASE"
answer = "YES"
[[answer]]
match = "EDGE-LEAD"
answer = "a x b"
[[answer]]
match = "EDGE-DIGITS"
answer = "١٢"
[[answer]]
match = "EDGE-COMMAS"
answer = "Total: 1,240.50 EUR"
difficulty = "hard"
wrong = "Total: 1,250 EUR"
[[answer]]
match = "EDGE-NONUMBER"
answer = "no number here"
[[answer]]
match = "EDGE-KEYS"
answer = '{"a": 1, "b": "é😀"}'
difficulty = "hard"
wrong = '{"a": 1, "b": "abc"}'
[[answer]]
match = "EDGE-NAN"
answer = "NaN"
[[answer]]
match = "EDGE-INT"
answer = "\n {\"n\": 1.0} \n"
[[answer]]
match = "EDGE-ONEOF"
answer = "Refunds"
[[answer]]
match = "EDGE-TEMPLATE"
answer = "value {{ x }} here"
[[answer]]
match = "EDGE-REGEXCASE"
answer = "HELLO world"
difficulty = "hard"
wrong = "Goodbye"
'''


def run_promptfoo(config: Path, tmp_path: Path) -> dict[str, Any]:
    """promptfoo eval, offline (no telemetry, update check, sharing or remote generation; its state in tmp_path).
    Not --no-write: promptfoo 0.120 then writes an -o file without results."""
    out = tmp_path / "promptfoo-out.json"
    proc_env = {**os.environ, "OPENAI_API_KEY": KEY, "PROMPTFOO_DISABLE_TELEMETRY": "1", "PROMPTFOO_DISABLE_UPDATE": "1",
                "PROMPTFOO_DISABLE_SHARING": "1", "PROMPTFOO_DISABLE_REMOTE_GENERATION": "1",
                "PROMPTFOO_CONFIG_DIR": str(tmp_path / "promptfoo-home"), "NO_COLOR": "1"}
    proc = subprocess.run([str(PROMPTFOO), "eval", "-c", str(config), "--no-cache", "--no-share", "--no-table",
                           "--no-progress-bar", "-o", str(out)], capture_output=True, text=True, timeout=300, env=proc_env,
                          cwd=tmp_path)
    assert out.exists(), proc.stdout[-2000:] + proc.stderr[-2000:]
    return json.loads(out.read_text())


def test_edge_cases_judge_alike_in_gpt56probe_and_in_promptfoo(tmp_path: Path) -> None:
    """Trimming, case, ASCII digits, commas in numbers, NaN, 1.0 as an integer, code points in a
    string's length, a keys + schema check, template marks: the same verdict on both sides, task by task."""
    ensure("promptfoo", ".bin/promptfoo")
    from gpt56probe.simulator import start_simulator

    tasks, book = tmp_path / "edge.toml", tmp_path / "book.toml"
    tasks.write_text(EDGE_TASKS)
    book.write_text(EDGE_BOOK)
    with start_simulator(port=0, scenarios_file=book) as sim:
        results = tmp_path / "results.json"
        ours = CliRunner().invoke(main, ["eval", str(tasks), "--org", ORG, "--base-url", sim.base_url, "-o", str(results)],
                                  env={"OPENAI_API_KEY": KEY}, catch_exceptions=False)
        assert ours.exit_code == 0, ours.output
        config = tmp_path / "edge.json"
        emitted = CliRunner().invoke(main, ["eval", str(tasks), "--emit", "promptfoo", "--org", ORG, "--base-url", sim.base_url,
                                            "-o", str(config)], catch_exceptions=False)
        assert emitted.exit_code == 0, emitted.output
        report = run_promptfoo(config, tmp_path)
    doc = json.loads(results.read_text())
    here = {(o["task"], o["model"]): o["outcome"] == "pass" for o in doc["outcomes"]}
    there = {(r["testCase"]["description"], r["provider"]["label"]): bool(r.get("success")) for r in report["results"]["results"]}
    assert there == here
    luna = {task for (task, model), ok in here.items() if model == "gpt-5.6-luna" and ok}
    assert luna == {"trim", "lead-space", "integer-1.0", "one-of-case", "template-marks"}
