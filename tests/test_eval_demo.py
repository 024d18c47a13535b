"""The example task set shipped in the package and the simulator's answer book stay in step: every
example task is in the book, the book's answer passes the task's check and its wrong answer fails it,
and the tiers' ability makes the demo tell them apart."""

from __future__ import annotations

import pytest

from gpt56probe.migrate.checks import judge
from gpt56probe.migrate.tasks import example_tasks
from gpt56probe.simulator import evalbook

TASKS = example_tasks().tasks


def entry_for(text: str) -> evalbook.BookEntry:
    found = [e for e in evalbook.BUILTIN_BOOK if e.match in text]
    assert len(found) == 1, f"{len(found)} book entries match {text[:60]!r}"
    return found[0]


def test_the_example_set_covers_every_check_kind_and_the_three_roles() -> None:
    assert {t.check.kind for t in TASKS} == {"equals", "contains", "regex", "json", "number", "one_of"}
    assert {t.cls for t in TASKS} == {"hard", "balanced", "cheap"} and len(TASKS) == 20
    assert any(t.check.schema for t in TASKS) and any(t.check.keys for t in TASKS) and any(not t.prompt_given for t in TASKS)


@pytest.mark.parametrize("task", TASKS, ids=[t.id for t in TASKS])
def test_each_example_task_has_a_book_answer_that_passes_and_a_wrong_one_that_fails(task) -> None:  # type: ignore[no-untyped-def]
    entry = entry_for("\n".join(c for _, c in task.messages))
    assert judge(task.check, entry.answer).passed, entry.answer
    assert not judge(task.check, entry.wrong).passed, entry.wrong
    assert entry.difficulty == evalbook.DIFFICULTY[task.cls]


def test_ability_luna_fails_hard_terra_matches_gpt55_lower_effort_costs_terra_the_hard_class() -> None:
    hard = evalbook.DIFFICULTY["hard"]
    assert evalbook.ability("gpt-5.6-luna", "medium") < hard
    assert evalbook.ability("gpt-5.6-terra", "medium") == evalbook.ability("gpt-5.5", "medium") == hard
    assert evalbook.ability("gpt-5.6-terra", "low") < hard <= evalbook.ability("gpt-5.6-sol", "low")
    assert evalbook.ability("gpt-5.6-terra-2026-06-26", "medium") == hard  # a dated snapshot is its tier


def test_the_book_counts_reasoning_inside_the_completion_and_a_small_cap_ends_with_length() -> None:
    body = {"messages": [{"role": "user", "content": "Alice is twice as old as Bob was ..."}]}
    graded = evalbook.grade(evalbook.BUILTIN_BOOK, body, "gpt-5.6-sol", "medium", 4096)
    assert graded is not None and graded.text == "18" and graded.finish == "stop"
    assert graded.completion_tokens == graded.reasoning_tokens + 1 and graded.reasoning_tokens == 480
    older = evalbook.grade(evalbook.BUILTIN_BOOK, body, "gpt-5.5", "medium", 4096)
    assert older is not None and older.reasoning_tokens > graded.reasoning_tokens
    cut = evalbook.grade(evalbook.BUILTIN_BOOK, body, "gpt-5.6-sol", "medium", 100)
    assert cut is not None and (cut.text, cut.finish, cut.completion_tokens) == ("", "length", 100)
    assert evalbook.grade(evalbook.BUILTIN_BOOK, {"messages": [{"role": "user", "content": "Return ok."}]}, "gpt-5.6-sol", None, 16) is None
