"""Every check kind an eval task can carry, each passing and failing, and the task file refused before
anything is sent with the task and the field named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gpt56probe.migrate.checks import CheckError, judge, parse_check
from gpt56probe.migrate.tasks import TaskFileError, load_task_file, parse_task_text


def verdict(spec: dict, answer: str) -> bool:
    return judge(parse_check(spec), answer).passed


def test_equals_passes_the_exact_text_with_surrounding_whitespace_trimmed() -> None:
    assert verdict({"kind": "equals", "value": "391"}, " 391\n")
    assert not verdict({"kind": "equals", "value": "391"}, "391.")
    assert not verdict({"kind": "equals", "value": "Yes"}, "yes")
    assert verdict({"kind": "equals", "value": "Yes", "ignore_case": True}, "yes")


def test_contains_finds_the_text_anywhere_and_ignore_case_folds_both_sides() -> None:
    assert verdict({"kind": "contains", "value": "certificate"}, "An expired certificate broke TLS.")
    assert not verdict({"kind": "contains", "value": "certificate"}, "An expired Certificate broke TLS.")
    assert verdict({"kind": "contains", "value": "certificate", "ignore_case": True}, "CERTIFICATE")


def test_regex_searches_the_trimmed_answer() -> None:
    assert verdict({"kind": "regex", "pattern": r"^P1\b"}, "P1 - production down")
    assert not verdict({"kind": "regex", "pattern": r"^P1\b"}, "P12")
    assert verdict({"kind": "regex", "pattern": "^select .* having", "ignore_case": True}, "SELECT a FROM t HAVING x\n")
    assert verdict({"kind": "regex", "pattern": "^42$"}, "42\n")  # trimmed first: no $-before-newline surprise


def test_json_with_keys_needs_an_object_holding_each_key() -> None:
    spec = {"kind": "json", "keys": ["invoice", "total"]}
    assert verdict(spec, '{"invoice": "INV-1", "total": 12.5, "extra": 1}')
    assert not verdict(spec, '{"invoice": "INV-1"}')
    assert not verdict(spec, '["invoice", "total"]')
    assert not verdict(spec, "invoice: INV-1, total: 12.5")
    assert not verdict({"kind": "json"}, "NaN")  # JSON.parse refuses it; so does the check


def test_json_schema_subset_judges_types_required_enum_bounds_and_extra_keys() -> None:
    schema = {"type": "object", "required": ["age", "tags"], "additionalProperties": False,
              "properties": {"age": {"type": "integer", "minimum": 0}, "tags": {"type": "array", "items": {"type": "string"}, "minItems": 1},
                             "risk": {"enum": ["low", "high"]}}}
    spec = {"kind": "json", "schema": schema}
    assert verdict(spec, '{"age": 36, "tags": ["math"]}')
    assert verdict(spec, '{"age": 36.0, "tags": ["math"], "risk": "low"}')  # 36.0 is an integer to JSON Schema
    assert not verdict(spec, '{"age": "36", "tags": ["math"]}')
    assert not verdict(spec, '{"age": -1, "tags": ["math"]}')
    assert not verdict(spec, '{"age": 1, "tags": []}')
    assert not verdict(spec, '{"age": 1, "tags": [1]}')
    assert not verdict(spec, '{"age": 1, "tags": ["a"], "risk": "none"}')
    assert not verdict(spec, '{"age": 1, "tags": ["a"], "name": "x"}')
    assert not verdict(spec, '{"age": true, "tags": ["a"]}')  # a boolean is not an integer


def test_a_schema_keyword_outside_the_subset_is_refused_naming_it() -> None:
    with pytest.raises(CheckError, match="patternProperties"):
        parse_check({"kind": "json", "schema": {"type": "object", "patternProperties": {}}})
    with pytest.raises(CheckError, match=r"check.schema.properties.a.type"):
        parse_check({"kind": "json", "schema": {"properties": {"a": {"type": "decimal"}}}})


def test_number_reads_the_first_number_and_allows_the_tolerance() -> None:
    spec = {"kind": "number", "value": 18.67, "tolerance": 0.05}
    assert verdict(spec, "18.67")
    assert verdict(spec, "About 18.7 minutes")
    assert not verdict(spec, "18.8")
    assert not verdict(spec, "eighteen")
    assert verdict({"kind": "number", "value": 1240.5}, "1,240.50 EUR")
    assert verdict({"kind": "number", "value": -3}, "-3")


def test_one_of_accepts_any_listed_value_as_the_whole_answer() -> None:
    spec = {"kind": "one_of", "values": ["billing", "refunds"], "ignore_case": True}
    assert verdict(spec, "Refunds")
    assert not verdict(spec, "refunds team")
    assert not verdict({"kind": "one_of", "values": ["billing"]}, "Billing")


@pytest.mark.parametrize("spec, field", [
    ({"kind": "equal", "value": "x"}, "check.kind"),
    ({"kind": "equals"}, "check.value"),
    ({"kind": "equals", "value": "x", "tolerance": 1}, "check.tolerance"),
    ({"kind": "regex", "pattern": "("}, "check.pattern"),
    ({"kind": "number", "value": float("nan")}, "check.value"),
    ({"kind": "number", "value": 1, "tolerance": -1}, "check.tolerance"),
    ({"kind": "one_of", "values": []}, "check.values"),
    ({"kind": "contains", "value": "x", "ignore_case": "yes"}, "check.ignore_case"),
])
def test_a_bad_check_names_its_field(spec: dict, field: str) -> None:
    with pytest.raises(CheckError) as caught:
        parse_check(spec)
    assert caught.value.field == field


GOOD = '''
[[task]]
id = "a"
class = "cheap"
prompt = "Say yes."
check = { kind = "equals", value = "yes" }
'''


def test_a_bad_task_file_names_the_task_and_the_field() -> None:
    bad = GOOD + '''
[[task]]
id = "b"
class = "hard"
prompt = "x"
max_output_tokens = 0
check = { kind = "equals", value = "y" }
'''
    with pytest.raises(TaskFileError) as caught:
        parse_task_text(bad, "toml", "tasks.toml")
    assert str(caught.value) == "tasks.toml: task 'b' (task 2): max_output_tokens: must be a whole number from 1 to 128000"


@pytest.mark.parametrize("extra, field", [
    ('id = "a"\nclass = "cheap"\nprompt = "x"\ncheck = { kind = "equals", value = "y" }', "id"),
    ('id = "c"\nclass = "two words"\nprompt = "x"\ncheck = { kind = "equals", value = "y" }', "class"),
    ('id = "c"\nclass = "cheap"\ncheck = { kind = "equals", value = "y" }', "prompt"),
    ('id = "c"\nclass = "cheap"\nprompt = "x"', "check"),
    ('id = "c"\nclass = "cheap"\nprompt = "x"\neffort = "max"\ncheck = { kind = "equals", value = "y" }', "effort"),
    ('id = "c"\nclass = "cheap"\nprompt = "x"\ncheck = { kind = "regex", pattern = "[" }', "check.pattern"),
    ('id = "c"\nclass = "cheap"\nmessages = [{ role = "robot", content = "x" }]\ncheck = { kind = "equals", value = "y" }', "messages[0].role"),
    ('id = "c"\nclass = "cheap"\nprompt = "x\\u0000"\ncheck = { kind = "equals", value = "y" }', "task.prompt"),
    ('id = "c"\nclass = "cheap"\nprompt = "x"\ntemperature = 0\ncheck = { kind = "equals", value = "y" }', "temperature"),
])
def test_each_task_problem_is_refused_with_its_field(extra: str, field: str) -> None:
    with pytest.raises(TaskFileError) as caught:
        parse_task_text(GOOD + "\n[[task]]\n" + extra + "\n", "toml", "t.toml")
    assert caught.value.field == field, str(caught.value)
    assert "task 2" in str(caught.value)


def test_json_lines_carry_the_same_fields_and_errors_name_the_line(tmp_path: Path) -> None:
    good = tmp_path / "tasks.jsonl"
    good.write_text(json.dumps({"defaults": {"max_output_tokens": 64}}) + "\n"
                    + json.dumps({"id": "a", "class": "cheap", "prompt": "Say yes.", "check": {"kind": "equals", "value": "yes"}}) + "\n")
    tasks = load_task_file(str(good))
    assert [t.id for t in tasks.tasks] == ["a"] and tasks.tasks[0].max_output_tokens == 64
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"id": "a"}\n{not json\n')
    with pytest.raises(TaskFileError, match=r"broken.jsonl:2: is not a JSON object"):
        load_task_file(str(broken))


def test_a_task_file_that_is_not_utf8_or_not_toml_is_refused_in_one_line(tmp_path: Path) -> None:
    raw = tmp_path / "tasks.toml"
    raw.write_bytes(b"[[task]]\nid = \"\xff\"\n")
    with pytest.raises(TaskFileError, match="is not UTF-8"):
        load_task_file(str(raw))
    raw.write_text("[[task]\n")
    with pytest.raises(TaskFileError, match="is not valid TOML"):
        load_task_file(str(raw))
    with pytest.raises(TaskFileError, match="must end in .toml or .jsonl"):
        load_task_file(str(tmp_path / "tasks.yaml"))


def test_digits_and_word_classes_are_ascii_as_javascript_reads_them() -> None:
    assert not verdict({"kind": "number", "value": 3}, "\u0663")  # an Arabic-Indic three is not a number to JSON or JS
    assert not verdict({"kind": "regex", "pattern": r"^\d$"}, "\u0663")
    assert verdict({"kind": "regex", "pattern": r"^\w+$"}, "abc_1")
