"""The same eval set as a promptfoo config, so a team can go on in the tool its peers use. Pure.

One provider per model (``openai:chat:<id>`` with ``apiBaseUrl``, the key's environment variable and
the org), one prompt per task (its messages as a JSON chat prompt, its output cap and effort in the
prompt's ``config``, which promptfoo's OpenAI provider merges into the request), one test per task
restricted to its own prompt. Templating is switched off in the config's ``env``
(``PROMPTFOO_DISABLE_TEMPLATING``) so a task's ``{{`` stays text, as gpt56probe sends it.

Checks keep their meaning: ``contains`` and ``json`` use promptfoo's own ``contains``/``icontains`` and
``is-json`` (JSON.parse skips the same whitespace the trim does, and the schema subset means the same
to ajv); ``equals``, ``one_of``, ``number`` and ``regex`` are ``javascript`` assertions that trim the
answer as gpt56probe does (promptfoo's ``equals`` and ``regex`` see it untrimmed). A regular expression
that JavaScript would read differently is refused with the task named.

Written and tested against promptfoo 0.120.27 (tests/js/promptfoo).
"""

from __future__ import annotations

import json
import re
from typing import Any, Sequence

from gpt56probe.core.models import ModelSpec
from gpt56probe.migrate.checks import NUMBER_JS, Check
from gpt56probe.migrate.tasks import Task, TaskSet

PROMPTFOO_VERSION = "0.120.27"
KEY_ENV = "OPENAI_API_KEY"
_TRIM_JS = 'output.replace(/^[ \\t\\r\\n]+|[ \\t\\r\\n]+$/g, "")'
_PY_ONLY = re.compile(r"\\[AZz]|\(\?[aiLmsux-]+[:)]|\(\?P=|\\[Gh]|\(\?#|\*\+|\+\+|\?\+|\}\+")
_TEMPLATE_MARKS = ("{{", "{%", "{#")


class EmitError(ValueError):
    """A task that cannot be exported as written; names the task and why."""


def _js(value: Any) -> str:
    """A JSON literal (also a JavaScript literal) in ASCII, with braces escaped inside strings so no
    ``{{`` can ever reach a template engine."""
    text = json.dumps(value, ensure_ascii=True)  # only strings, lists of strings and numbers come here: braces are in strings
    return text.replace("{", "\\u007b").replace("}", "\\u007d")


def js_regex(pattern: str, task_id: str) -> str:
    """A Python pattern as JavaScript reads it: ``(?P<name>`` becomes ``(?<name>``; constructs JavaScript
    does not have (``\\A``, ``\\Z``, inline flags, possessive quantifiers) are refused."""
    found = _PY_ONLY.search(pattern)
    if found:
        raise EmitError(f"task {task_id!r}: the regex uses {found.group(0)!r}, which JavaScript reads differently; "
                        "rewrite it (use ignore_case = true instead of (?i), ^ and $ instead of \\A and \\Z)")
    return pattern.replace("(?P<", "(?<")


def assertion(check: Check, task_id: str) -> dict[str, Any]:
    """The promptfoo assertion that judges as ``checks.judge`` does."""
    fold = ".toLowerCase()" if check.ignore_case else ""
    if check.kind == "contains":
        value = str(check.value)
        if value == value.strip(" \t\r\n") and not any(m in value for m in _TEMPLATE_MARKS):
            return {"type": "icontains" if check.ignore_case else "contains", "value": value}
        return {"type": "javascript", "value": f"{_TRIM_JS}{fold}.includes({_js(value)}{fold})"}
    if check.kind == "equals":
        return {"type": "javascript", "value": f"{_TRIM_JS}{fold} === {_js(str(check.value))}{fold}"}
    if check.kind == "one_of":
        values = [v.lower() for v in check.values] if check.ignore_case else list(check.values)
        return {"type": "javascript", "value": f"{_js(values)}.includes({_TRIM_JS}{fold})"}
    if check.kind == "regex":
        flags = "i" if check.ignore_case else ""
        return {"type": "javascript", "value": f"new RegExp({_js(js_regex(check.pattern, task_id))}, {_js(flags)}).test({_TRIM_JS})"}
    if check.kind == "number":
        return {"type": "javascript", "value": (
            f"(() => {{ const m = {_TRIM_JS}.match({NUMBER_JS}); "
            f"return m !== null && Math.abs(parseFloat(m[0].replace(/,/g, \"\")) - {_js(float(check.value))}) <= {_js(check.tolerance)}; }})()")}
    schema: dict[str, Any] = dict(check.schema) if check.schema is not None else {}
    if check.keys:
        schema = {"allOf": [schema, {"type": "object", "required": list(check.keys)}]} if schema else \
            {"type": "object", "required": list(check.keys)}
    return {"type": "is-json", "value": schema} if schema else {"type": "is-json"}


def _prompt(task: Task) -> dict[str, Any]:
    config: dict[str, Any] = {"max_completion_tokens": task.max_output_tokens, "reasoning_effort": task.effort}
    return {"label": task.id, "raw": json.dumps(task.chat_messages(), ensure_ascii=False), "config": config}


def config_doc(tasks: TaskSet, models: Sequence[ModelSpec], base_url: str, org: str | None, key_env: str = KEY_ENV) -> dict[str, Any]:
    """The promptfoo config as data (written as JSON, which promptfoo reads as it reads YAML)."""
    providers = []
    for spec in models:
        config: dict[str, Any] = {"apiBaseUrl": base_url, "apiKeyEnvar": key_env}
        if org:
            config["organization"] = org
        providers.append({"id": f"openai:chat:{spec.id}", "label": spec.id, "config": config})
    tests = []
    for task in tasks.tasks:
        tests.append({
            "description": task.id,
            "prompts": [task.id],
            "metadata": {"class": task.cls, "check": task.check.describe()},
            "assert": [assertion(task.check, task.id)],
        })
    return {
        "description": f"gpt56probe eval set {tasks.source} ({len(tasks.tasks)} tasks), exported by `gpt56probe eval --emit promptfoo`",
        "env": {"PROMPTFOO_DISABLE_TEMPLATING": "true"},
        "providers": providers,
        "prompts": [_prompt(t) for t in tasks.tasks],
        "tests": tests,
    }


def render_config(tasks: TaskSet, models: Sequence[ModelSpec], base_url: str, org: str | None, key_env: str = KEY_ENV) -> str:
    return json.dumps(config_doc(tasks, models, base_url, org, key_env), indent=2, ensure_ascii=False) + "\n"


def check_exportable(tasks: TaskSet) -> None:
    """Raise EmitError for the first task whose check cannot be exported as written."""
    for task in tasks.tasks:
        assertion(task.check, task.id)
