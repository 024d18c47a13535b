"""The router ``plan --emit python|typescript`` writes: the plan's config plus ``route(input, role)``.

Generated, never hand-copied: the failure classes and their conditions are core/gateways.GATEWAY_RULES
and core/rules.ERROR_RULES (the tables the classifier itself walks, in its order), what the router does with each class is
core/routerpolicy.ACTIONS, the chains and budgets come from the plan and the models table. The
code around them is a template shipped in ``gpt56probe.templates`` (router.py.tmpl,
router.ts.tmpl), so it reads as a file a team keeps: short, typed, on the official SDK only.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from importlib.resources import files
from typing import Any, Callable, Sequence

from gpt56probe.core import routerpolicy
from gpt56probe.core.models import ModelTable
from gpt56probe.core.routing import RoutingPlan, header_lines, python_config, typescript_config
from gpt56probe.core.gateways import GATEWAY_RULES
from gpt56probe.core.rules import ERROR_RULES, ErrorRule

ROUTER_RULES: tuple[ErrorRule, ...] = (*GATEWAY_RULES, *ERROR_RULES)
"""What the classifier reads in an error body, in its order: a gateway's and the 2026 codes first, then OpenAI's."""
TEMPLATE_PACKAGE = "gpt56probe.templates"
TEMPLATES = {"python": "router.py.tmpl", "typescript": "router.ts.tmpl"}
_NOT_PORTABLE = re.compile(r"\(\?P|\(\?<|\(\?#|\\A|\\Z|\(\?[aiLmsux]")
"""Python-only regex syntax: a rule using it could not be written for JavaScript the same way."""


class RuleNotPortable(ValueError):
    """A verdict rule's pattern uses syntax JavaScript reads differently."""


def template(name: str) -> str:
    """A router template from ``gpt56probe.templates``; from a source tree that is not installed (``python -m
    gpt56probe`` in a checkout shadows the installed package), from the repository's templates/ folder."""
    try:
        return files(TEMPLATE_PACKAGE).joinpath(name).read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return (Path(__file__).resolve().parents[2] / "templates" / name).read_text(encoding="utf-8")


def _pattern(rule: ErrorRule) -> list[tuple[str, str]]:
    out = []
    for field, compiled in (("message", rule.message), ("message_or_code", rule.message_or_code)):
        if compiled is not None:
            if _NOT_PORTABLE.search(compiled.pattern):
                raise RuleNotPortable(f"{rule.verdict.value}: {compiled.pattern[:60]!r} is not portable to JavaScript")
            out.append((field, compiled.pattern))
    return out


def _py_str(pattern: str) -> str:
    """A raw string literal when one can hold the pattern as is (easier to read), else repr()."""
    for quote in ('"', "'"):
        if quote not in pattern and not pattern.endswith("\\"):
            return f"r{quote}{pattern}{quote}"
    return repr(pattern)


def _py_rule(rule: ErrorRule) -> str:
    parts = [repr(rule.verdict.value)]
    if rule.codes:
        parts.append("codes=frozenset({" + ", ".join(repr(c) for c in sorted(rule.codes)) + "})")
    if rule.types:
        parts.append("types=frozenset({" + ", ".join(repr(t) for t in sorted(rule.types)) + "})")
    parts += [f"{field}={_py_str(pattern)}" for field, pattern in _pattern(rule)]
    if rule.statuses:
        parts.append(f"statuses={tuple(rule.statuses)!r}")
    if rule.min_status is not None:
        parts.append(f"min_status={rule.min_status}")
    if rule.with_param:
        parts.append("with_param=True")
    return f"    Rule({', '.join(parts)}),"


def _js_regex(pattern: str) -> str:
    return "/" + re.sub(r"(?<!\\)/", r"\/", pattern) + "/i"


def _ts_rule(rule: ErrorRule) -> str:
    parts = [f"errorClass: {json.dumps(rule.verdict.value)}"]
    if rule.codes:
        parts.append(f"codes: {json.dumps(sorted(rule.codes))}")
    if rule.types:
        parts.append(f"types: {json.dumps(sorted(rule.types))}")
    names = {"message": "message", "message_or_code": "messageOrCode"}
    parts += [f"{names[field]}: {_js_regex(pattern)}" for field, pattern in _pattern(rule)]
    if rule.statuses:
        parts.append(f"statuses: {json.dumps(list(rule.statuses))}")
    if rule.min_status is not None:
        parts.append(f"minStatus: {rule.min_status}")
    if rule.with_param:
        parts.append("withParam: true")
    return "  { " + ", ".join(parts) + " },"


def _dict_lines(items: Sequence[tuple[str, Any]], render: Callable[[Any], str], indent: str, key: Callable[[str], str]) -> str:
    body = "".join(f"\n{indent}{key(k)}: {render(v)}," for k, v in items)
    return "{" + body + "\n}" if items else "{}"


def _fill(text: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        text = text.replace(f"@@{name}@@", value)
    left = re.search(r"@@[A-Z_]+@@", text)
    if left:
        raise ValueError(f"template placeholder {left.group(0)} was not filled")
    return text


def _models_of(plan: RoutingPlan, table: ModelTable) -> dict[str, tuple[str, ...]]:
    return {r.role: routerpolicy.chain(r, table) for r in plan.routes}


def render_python_router(plan: RoutingPlan, table: ModelTable) -> str:
    chains = _models_of(plan, table)
    models = list(dict.fromkeys(m for chain in chains.values() for m in chain))
    budgets = {m: routerpolicy.budget(m, table) for m in models}
    default_timeout, default_retries = routerpolicy.budget("", table)
    safety = routerpolicy.safety_models(plan, table)
    actions = [(v.value, a) for v, a in routerpolicy.ACTIONS.items()]
    values = {
        "CONFIG": "\n".join(python_config(plan)),
        "CHAINS": _dict_lines(list(chains.items()), repr, "    ", repr),
        "LUNA": repr(routerpolicy.luna(plan, table)),
        "SAFETY_MODELS": repr(safety),
        "LUNA_RETRY_ROLES": repr(routerpolicy.luna_retry_roles(plan)),
        "TIMEOUT_S": _dict_lines([(m, b[0]) for m, b in budgets.items()], repr, "    ", repr),
        "MAX_RETRIES": _dict_lines([(m, b[1]) for m, b in budgets.items()], repr, "    ", repr),
        "DEFAULT_TIMEOUT_S": repr(default_timeout),
        "DEFAULT_MAX_RETRIES": repr(default_retries),
        "ACTIONS": _dict_lines(actions, repr, "    ", repr),
        "RULES": "\n".join(_py_rule(rule) for rule in ROUTER_RULES),
    }
    head = [f"# {line}" for line in header_lines(plan)]
    return "\n".join(head) + "\n" + _fill(template(TEMPLATES["python"]), values)


def render_typescript_router(plan: RoutingPlan, table: ModelTable) -> str:
    chains = _models_of(plan, table)
    models = list(dict.fromkeys(m for chain in chains.values() for m in chain))
    budgets = {m: routerpolicy.budget(m, table) for m in models}
    default_timeout, default_retries = routerpolicy.budget("", table)
    safety = list(routerpolicy.safety_models(plan, table))
    actions = [(v.value, a) for v, a in routerpolicy.ACTIONS.items()]
    js = json.dumps
    values = {
        "CONFIG": "\n".join(typescript_config(plan)),
        "CHAINS": _dict_lines([(k, list(v)) for k, v in chains.items()], js, "  ", js),
        "LUNA": js(routerpolicy.luna(plan, table)),
        "SAFETY_MODELS": js(safety),
        "LUNA_RETRY_ROLES": js(list(routerpolicy.luna_retry_roles(plan))),
        "TIMEOUT_MS": _dict_lines([(m, round(b[0] * 1000)) for m, b in budgets.items()], js, "  ", js),
        "MAX_RETRIES": _dict_lines([(m, b[1]) for m, b in budgets.items()], js, "  ", js),
        "DEFAULT_TIMEOUT_MS": js(round(default_timeout * 1000)),
        "DEFAULT_MAX_RETRIES": js(default_retries),
        "ACTIONS": _dict_lines(actions, js, "  ", js),
        "RULES": "\n".join(_ts_rule(rule) for rule in ROUTER_RULES),
    }
    head = [f"// {line}" for line in header_lines(plan)]
    return "\n".join(head) + "\n" + _fill(template(TEMPLATES["typescript"]), values)


def render_router(plan: RoutingPlan, table: ModelTable, emit: str) -> str:
    """The emitted module for ``emit`` ("python" or "typescript")."""
    if emit == "python":
        return render_python_router(plan, table)
    if emit == "typescript":
        return render_typescript_router(plan, table)
    raise ValueError(f"no router for {emit!r}")
