"""The deterministic checks an eval task can carry, and how an answer is judged by one. Pure.

Each kind is written so that the same check exported to promptfoo (migrate/promptfoo.py) judges an
answer the same way: every check sees the answer with leading and trailing `` \\t\\r\\n`` removed (the
JSON whitespace set, so JSON.parse and json.loads agree too), the number is the first one the answer
holds by one regular expression both languages read alike, and a JSON Schema may use only the small
set of keywords whose meaning Python here and promptfoo's ajv share.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

KINDS: tuple[str, ...] = ("equals", "contains", "regex", "json", "number", "one_of")
"""Every check kind, in the order the README documents them."""

TRIM = " \t\r\n"
"""What is trimmed from both ends of an answer before any check sees it."""

NUMBER = re.compile(r"[-+]?(?:\d[\d,]*(?:\.\d+)?|\.\d+)", re.ASCII)
"""The first number in an answer; commas are dropped before it is read (``1,234.5`` is 1234.5)."""
NUMBER_JS = r"/[-+]?(?:\d[\d,]*(?:\.\d+)?|\.\d+)/"

SCHEMA_KEYWORDS: frozenset[str] = frozenset({
    "type", "properties", "required", "additionalProperties", "items", "enum", "const", "minimum", "maximum",
    "minLength", "maxLength", "minItems", "maxItems", "description", "title",
})
"""The JSON Schema keywords a task's schema may use (anything else is refused, so no validator guesses)."""
SCHEMA_TYPES: frozenset[str] = frozenset({"object", "array", "string", "number", "integer", "boolean", "null"})

_FIELDS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    # kind: (required fields, optional fields)
    "equals": (frozenset({"value"}), frozenset({"ignore_case"})),
    "contains": (frozenset({"value"}), frozenset({"ignore_case"})),
    "regex": (frozenset({"pattern"}), frozenset({"ignore_case"})),
    "json": (frozenset(), frozenset({"keys", "schema"})),
    "number": (frozenset({"value"}), frozenset({"tolerance"})),
    "one_of": (frozenset({"values"}), frozenset({"ignore_case"})),
}


class CheckError(ValueError):
    """A check that cannot be used; ``field`` names the offending field (``check.pattern``)."""

    def __init__(self, field_name: str, problem: str) -> None:
        super().__init__(f"{field_name}: {problem}")
        self.field = field_name
        self.problem = problem


@dataclass(frozen=True)
class Check:
    """One deterministic check. ``spec`` is the check as written (kind included), kept for results."""

    kind: str
    value: Any = None
    values: tuple[str, ...] = ()
    pattern: str = ""
    ignore_case: bool = False
    keys: tuple[str, ...] = ()
    schema: Mapping[str, Any] | None = None
    tolerance: float = 0.0
    spec: Mapping[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        """A short phrase: ``equals "391"``, ``one of 3 values``, ``number 42 +/- 0.5``."""
        case = " (any case)" if self.ignore_case else ""
        if self.kind in ("equals", "contains"):
            return f"{self.kind} {json.dumps(self.value, ensure_ascii=False)[:40]}{case}"
        if self.kind == "regex":
            return f"regex /{self.pattern[:40]}/{'i' if self.ignore_case else ''}"
        if self.kind == "number":
            return f"number {self.value:g} +/- {self.tolerance:g}"
        if self.kind == "one_of":
            return f"one of {len(self.values)} values{case}"
        parts = []
        if self.keys:
            parts.append(f"keys {', '.join(self.keys)[:40]}")
        if self.schema is not None:
            parts.append("schema")
        return "JSON" + (f" ({'; '.join(parts)})" if parts else "")


def _flag(spec: Mapping[str, Any], name: str) -> bool:
    value = spec.get(name, False)
    if not isinstance(value, bool):
        raise CheckError(f"check.{name}", f"must be true or false, got {type(value).__name__}")
    return value


def _text(spec: Mapping[str, Any], name: str) -> str:
    value = spec.get(name)
    if not isinstance(value, str) or value == "":
        raise CheckError(f"check.{name}", f"must be a non-empty string, got {type(value).__name__ if not isinstance(value, str) else 'an empty string'}")
    return value


def _finite(spec: Mapping[str, Any], name: str) -> float:
    value = spec.get(name)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise CheckError(f"check.{name}", "must be a finite number")
    return float(value)


def check_schema(schema: Any, where: str = "check.schema") -> None:
    """Refuse a schema outside the small subset (unknown keyword, bad type name, wrong shapes)."""
    if not isinstance(schema, Mapping):
        raise CheckError(where, "must be a table (a JSON Schema object)")
    unknown = sorted(set(schema) - SCHEMA_KEYWORDS)
    if unknown:
        raise CheckError(where, f"keyword(s) {', '.join(unknown)} not supported; use {', '.join(sorted(SCHEMA_KEYWORDS))}")
    kind = schema.get("type")
    if kind is not None:
        kinds = kind if isinstance(kind, list) else [kind]
        if not kinds or not all(isinstance(k, str) and k in SCHEMA_TYPES for k in kinds):
            raise CheckError(f"{where}.type", f"must be one of {', '.join(sorted(SCHEMA_TYPES))} (or a list of them)")
    props = schema.get("properties")
    if props is not None:
        if not isinstance(props, Mapping):
            raise CheckError(f"{where}.properties", "must be a table")
        for name, sub in props.items():
            check_schema(sub, f"{where}.properties.{name}")
    if "items" in schema:
        check_schema(schema["items"], f"{where}.items")
    required = schema.get("required")
    if required is not None and (not isinstance(required, list) or not all(isinstance(r, str) for r in required)):
        raise CheckError(f"{where}.required", "must be a list of key names")
    if "additionalProperties" in schema and not isinstance(schema["additionalProperties"], bool):
        raise CheckError(f"{where}.additionalProperties", "must be true or false")
    if "enum" in schema and not isinstance(schema["enum"], list):
        raise CheckError(f"{where}.enum", "must be a list")
    for name in ("minimum", "maximum"):
        if name in schema and (isinstance(schema[name], bool) or not isinstance(schema[name], (int, float))):
            raise CheckError(f"{where}.{name}", "must be a number")
    for name in ("minLength", "maxLength", "minItems", "maxItems"):
        if name in schema and (isinstance(schema[name], bool) or not isinstance(schema[name], int) or schema[name] < 0):
            raise CheckError(f"{where}.{name}", "must be a whole number >= 0")


def parse_check(spec: Any) -> Check:
    """A ``Check`` from the task file's ``check`` table; ``CheckError`` names the field at fault."""
    if not isinstance(spec, Mapping):
        raise CheckError("check", "must be a table with a kind")
    kind = spec.get("kind")
    if kind not in KINDS:
        raise CheckError("check.kind", f"must be one of {', '.join(KINDS)}, got {kind!r}")
    required, optional = _FIELDS[kind]
    missing = sorted(required - set(spec))
    if missing:
        raise CheckError(f"check.{missing[0]}", f"is required for a {kind} check")
    unknown = sorted(set(spec) - required - optional - {"kind"})
    if unknown:
        raise CheckError(f"check.{unknown[0]}", f"is not a field of a {kind} check (fields: {', '.join(sorted(required | optional))})")
    plain = json.loads(json.dumps(spec))  # a plain, JSON-able copy of what was written
    if kind in ("equals", "contains"):
        return Check(kind, value=_text(spec, "value"), ignore_case=_flag(spec, "ignore_case"), spec=plain)
    if kind == "regex":
        pattern = _text(spec, "pattern")
        try:
            re.compile(pattern, re.ASCII)
        except re.error as exc:
            raise CheckError("check.pattern", f"is not a regular expression: {exc}") from None
        return Check(kind, pattern=pattern, ignore_case=_flag(spec, "ignore_case"), spec=plain)
    if kind == "number":
        tolerance = _finite(spec, "tolerance") if "tolerance" in spec else 0.0
        if tolerance < 0:
            raise CheckError("check.tolerance", "must be >= 0")
        return Check(kind, value=_finite(spec, "value"), tolerance=tolerance, spec=plain)
    if kind == "one_of":
        values = spec.get("values")
        if not isinstance(values, list) or not values or not all(isinstance(v, str) and v for v in values):
            raise CheckError("check.values", "must be a non-empty list of non-empty strings")
        return Check(kind, values=tuple(values), ignore_case=_flag(spec, "ignore_case"), spec=plain)
    keys = spec.get("keys", [])
    if not isinstance(keys, list) or not all(isinstance(k, str) and k for k in keys):
        raise CheckError("check.keys", "must be a list of key names")
    schema = spec.get("schema")
    if schema is not None:
        check_schema(schema)
    return Check(kind, keys=tuple(keys), schema=plain.get("schema"), spec=plain)


# --------------------------------------------------------------------------- judging


@dataclass(frozen=True)
class Verdict:
    passed: bool
    reason: str


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # JSON.parse refuses NaN and Infinity; so do we


def load_json(text: str) -> Any:
    """``json.loads`` as JSON.parse reads: NaN, Infinity and -Infinity are not JSON."""
    return json.loads(text, parse_constant=_reject_constant)


def _type_ok(value: Any, kind: str) -> bool:
    if kind == "null":
        return value is None
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "string":
        return isinstance(value, str)
    if kind == "object":
        return isinstance(value, dict)
    if kind == "array":
        return isinstance(value, list)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return kind == "number" or float(value).is_integer()  # 1.0 is an integer to JSON Schema (and ajv)


def _length(text: str) -> int:
    """String length as JSON Schema counts it (code points)... and as ajv does (it counts code points too)."""
    return len(text)


def schema_errors(value: Any, schema: Mapping[str, Any], where: str = "$") -> list[str]:
    """What makes ``value`` fail the schema (empty when it passes); the small subset only."""
    errors: list[str] = []
    kind = schema.get("type")
    if kind is not None:
        kinds = kind if isinstance(kind, list) else [kind]
        if not any(_type_ok(value, k) for k in kinds):
            return [f"{where} is not {' or '.join(kinds)}"]
    if "const" in schema and not _json_equal(value, schema["const"]):
        errors.append(f"{where} is not {json.dumps(schema['const'])}")
    if "enum" in schema and not any(_json_equal(value, v) for v in schema["enum"]):
        errors.append(f"{where} is not one of the enum values")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            errors.append(f"{where} is below {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            errors.append(f"{where} is above {schema['maximum']}")
    if isinstance(value, str):
        if "minLength" in schema and _length(value) < schema["minLength"]:
            errors.append(f"{where} is shorter than {schema['minLength']}")
        if "maxLength" in schema and _length(value) > schema["maxLength"]:
            errors.append(f"{where} is longer than {schema['maxLength']}")
    if isinstance(value, list):
        if "minItems" in schema and len(value) < schema["minItems"]:
            errors.append(f"{where} has fewer than {schema['minItems']} items")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            errors.append(f"{where} has more than {schema['maxItems']} items")
        if "items" in schema:
            for index, item in enumerate(value):
                errors += schema_errors(item, schema["items"], f"{where}[{index}]")
    if isinstance(value, dict):
        props = schema.get("properties") or {}
        for name in schema.get("required") or []:
            if name not in value:
                errors.append(f"{where} lacks the key {name!r}")
        for name, sub in props.items():
            if name in value:
                errors += schema_errors(value[name], sub, f"{where}.{name}")
        if schema.get("additionalProperties") is False:
            extra = sorted(set(value) - set(props))
            if extra:
                errors.append(f"{where} has keys the schema does not allow: {', '.join(extra)}")
    return errors


def _json_equal(a: Any, b: Any) -> bool:
    """Equality as JSON values (1 == 1.0, true != 1)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b))
    return bool(a == b)


def trimmed(answer: str) -> str:
    return answer.strip(TRIM)


def first_number(text: str) -> float | None:
    match = NUMBER.search(text)
    if match is None:
        return None
    try:
        return float(match.group(0).replace(",", ""))
    except ValueError:
        return None


def judge(check: Check, answer: str) -> Verdict:
    """Whether ``answer`` passes ``check``, and why not."""
    text = trimmed(answer)
    fold = (lambda s: s.lower()) if check.ignore_case else (lambda s: s)
    if check.kind == "equals":
        ok = fold(text) == fold(str(check.value))
        return Verdict(ok, "equal" if ok else "the answer is not the expected text")
    if check.kind == "contains":
        ok = fold(str(check.value)) in fold(text)
        return Verdict(ok, "contains it" if ok else "the expected text is not in the answer")
    if check.kind == "one_of":
        ok = fold(text) in {fold(v) for v in check.values}
        return Verdict(ok, "one of the values" if ok else "the answer is none of the values")
    if check.kind == "regex":
        # re.ASCII: \d, \w and \b mean what they mean to JavaScript (an exported check judges alike)
        ok = re.search(check.pattern, text, re.ASCII | (re.IGNORECASE if check.ignore_case else 0)) is not None
        return Verdict(ok, "matches" if ok else "the pattern does not match")
    if check.kind == "number":
        number = first_number(text)
        if number is None:
            return Verdict(False, "no number in the answer")
        ok = abs(number - float(check.value)) <= check.tolerance
        return Verdict(ok, f"{number:g} is within {check.tolerance:g} of {float(check.value):g}" if ok
                       else f"{number:g} is not within {check.tolerance:g} of {float(check.value):g}")
    try:
        data = load_json(text)
    except (ValueError, RecursionError):
        return Verdict(False, "the answer is not JSON")
    missing = [k for k in check.keys if not isinstance(data, dict) or k not in data]
    if missing:
        return Verdict(False, f"JSON without the key(s) {', '.join(missing)}")
    if check.schema is not None:
        errors = schema_errors(data, check.schema)
        if errors:
            return Verdict(False, f"JSON not matching the schema: {errors[0]}")
    return Verdict(True, "valid JSON")
