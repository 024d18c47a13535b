"""The eval task file: what a team keeps in version control, read and refused before anything is sent.

TOML is the documented format (multi-line prompts without escaping, a comment per task, one hunk per
changed task; tomllib is in the standard library); JSON Lines with the same fields is read too, because
tasks pulled out of logged traffic usually come as JSON Lines. Every problem is reported with the task
and the field that holds it, and no task is half-read: the file is accepted whole or refused.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from gpt56probe.core.models import REASONING_EFFORTS
from gpt56probe.migrate.checks import Check, CheckError, parse_check

TASK_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
CLASS_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")
ROLES_ORDER: tuple[str, ...] = ("hard", "balanced", "cheap")
ROLES_ORDERED = ROLES_ORDER
MESSAGE_ROLES: tuple[str, ...] = ("system", "developer", "user", "assistant")
MAX_TASKS = 1000
MAX_TASK_FILE_BYTES = 4 << 20
MAX_OUTPUT_TOKENS = 128_000
DEFAULT_MAX_OUTPUT_TOKENS = 1024
DEFAULT_EFFORT = "medium"
_TASK_KEYS = {"id", "class", "prompt", "messages", "max_output_tokens", "effort", "check", "note"}
_DEFAULT_KEYS = {"max_output_tokens", "effort"}
_TOP_KEYS = {"task", "defaults"}


class TaskFileError(ValueError):
    """A task file that cannot be used: the file, the task (id and position) and the field at fault."""

    def __init__(self, source: str, problem: str, task: str | None = None, field: str | None = None) -> None:
        where = source
        if task is not None:
            where += f": task {task}"
        if field is not None:
            where += f": {field}"
        super().__init__(f"{where}: {problem}")
        self.source = source
        self.task = task
        self.field = field
        self.problem = problem


@dataclass(frozen=True)
class Task:
    id: str
    cls: str
    messages: tuple[tuple[str, str], ...]  # (role, content), in order
    check: Check
    max_output_tokens: int
    effort: str
    prompt_given: bool = True  # written as ``prompt`` (one user message) rather than ``messages``

    def input_doc(self) -> Any:
        """The input as written: the prompt text, or the messages."""
        if self.prompt_given and len(self.messages) == 1:
            return self.messages[0][1]
        return [{"role": r, "content": c} for r, c in self.messages]

    def chat_messages(self) -> list[dict[str, str]]:
        return [{"role": r, "content": c} for r, c in self.messages]

    @property
    def input_chars(self) -> int:
        return sum(len(c) for _, c in self.messages)


@dataclass(frozen=True)
class TaskSet:
    source: str
    sha256: str
    tasks: tuple[Task, ...]

    @property
    def classes(self) -> tuple[str, ...]:
        """Class names in a stable order: hard, balanced, cheap first, then the team's own, as first seen."""
        seen = list(dict.fromkeys(t.cls for t in self.tasks))
        return tuple(sorted(seen, key=lambda c: (ROLES_ORDER.index(c) if c in ROLES_ORDER else len(ROLES_ORDER), seen.index(c))))

    def of_class(self, cls: str) -> tuple[Task, ...]:
        return tuple(t for t in self.tasks if t.cls == cls)


def _label(index: int, data: Any) -> str:
    raw = data.get("id") if isinstance(data, Mapping) else None
    return f"{raw!r} (task {index + 1})" if isinstance(raw, str) and raw else f"#{index + 1}"


def _int_field(value: Any, source: str, task: str | None, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_OUTPUT_TOKENS:
        raise TaskFileError(source, f"must be a whole number from 1 to {MAX_OUTPUT_TOKENS}", task, name)
    return value


def _effort(value: Any, source: str, task: str | None, name: str) -> str:
    if value not in REASONING_EFFORTS:
        raise TaskFileError(source, f"must be one of {', '.join(REASONING_EFFORTS)}, got {value!r}", task, name)
    return str(value)


def _messages(data: Mapping[str, Any], source: str, label: str) -> tuple[tuple[tuple[str, str], ...], bool]:
    has_prompt, has_messages = "prompt" in data, "messages" in data
    if has_prompt == has_messages:
        raise TaskFileError(source, "give exactly one of prompt (a text) or messages (a list)", label, "prompt")
    if has_prompt:
        prompt = data["prompt"]
        if not isinstance(prompt, str) or not prompt.strip():
            raise TaskFileError(source, "must be a non-empty text", label, "prompt")
        return ((("user", prompt),), True)
    messages = data["messages"]
    if not isinstance(messages, list) or not messages:
        raise TaskFileError(source, "must be a non-empty list of {role, content}", label, "messages")
    out: list[tuple[str, str]] = []
    for index, message in enumerate(messages):
        where = f"messages[{index}]"
        if not isinstance(message, Mapping) or set(message) != {"role", "content"}:
            raise TaskFileError(source, "must have exactly role and content", label, where)
        if message["role"] not in MESSAGE_ROLES:
            raise TaskFileError(source, f"must be one of {', '.join(MESSAGE_ROLES)}", label, f"{where}.role")
        if not isinstance(message["content"], str) or not message["content"].strip():
            raise TaskFileError(source, "must be a non-empty text", label, f"{where}.content")
        out.append((message["role"], message["content"]))
    if not any(role == "user" for role, _ in out):
        raise TaskFileError(source, "needs at least one user message", label, "messages")
    return tuple(out), False


def _no_bad_text(value: Any, source: str, label: str, where: str) -> None:
    """Refuse NUL and other C0 controls (besides tab, newline, carriage return) in any text of a task."""
    if isinstance(value, str):
        bad = next((c for c in value if (ord(c) < 32 and c not in "\t\n\r") or ord(c) == 127 or 0xD800 <= ord(c) <= 0xDFFF), None)
        if bad is not None:
            raise TaskFileError(source, f"holds the control character U+{ord(bad):04X}", label, where)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _no_bad_text(item, source, label, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _no_bad_text(item, source, label, f"{where}[{index}]")
    elif isinstance(value, float) and not math.isfinite(value):
        raise TaskFileError(source, "must be a finite number", label, where)


def tasks_from_data(entries: Sequence[Any], defaults: Mapping[str, Any], source: str, digest: str) -> TaskSet:
    """Validate every task; the first problem is raised with its task and field."""
    unknown = sorted(set(defaults) - _DEFAULT_KEYS)
    if unknown:
        raise TaskFileError(source, f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(_DEFAULT_KEYS))}", field="defaults")
    cap = _int_field(defaults.get("max_output_tokens", DEFAULT_MAX_OUTPUT_TOKENS), source, None, "defaults.max_output_tokens")
    effort = _effort(defaults.get("effort", DEFAULT_EFFORT), source, None, "defaults.effort")
    if not entries:
        raise TaskFileError(source, "holds no task ([[task]] tables, or one JSON object per line)")
    if len(entries) > MAX_TASKS:
        raise TaskFileError(source, f"holds {len(entries)} tasks; at most {MAX_TASKS}")
    tasks: list[Task] = []
    seen: dict[str, int] = {}
    for index, data in enumerate(entries):
        label = _label(index, data)
        if not isinstance(data, Mapping):
            raise TaskFileError(source, "must be a table (an object)", label)
        _no_bad_text(dict(data), source, label, "task")
        extra = sorted(set(data) - _TASK_KEYS)
        if extra:
            raise TaskFileError(source, f"is not a task field (fields: {', '.join(sorted(_TASK_KEYS))})", label, extra[0])
        task_id = data.get("id")
        if not isinstance(task_id, str) or not TASK_ID.fullmatch(task_id):
            raise TaskFileError(source, "must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit", label, "id")
        if task_id in seen:
            raise TaskFileError(source, f"repeats the id of task {seen[task_id] + 1}", label, "id")
        seen[task_id] = index
        cls = data.get("class")
        if not isinstance(cls, str) or not CLASS_NAME.fullmatch(cls):
            raise TaskFileError(source, "must be a word (hard, balanced, cheap, or your own: letters, digits, '.', '_', '-')", label, "class")
        messages, prompt_given = _messages(data, source, label)
        if "check" not in data:
            raise TaskFileError(source, "is required: one deterministic check", label, "check")
        try:
            check = parse_check(data["check"])
        except CheckError as exc:
            raise TaskFileError(source, exc.problem, label, exc.field) from None
        task_cap = _int_field(data["max_output_tokens"], source, label, "max_output_tokens") if "max_output_tokens" in data else cap
        task_effort = _effort(data["effort"], source, label, "effort") if "effort" in data else effort
        tasks.append(Task(task_id, cls, messages, check, task_cap, task_effort, prompt_given))
    return TaskSet(source, digest, tuple(tasks))


def parse_task_text(text: str, fmt: str, source: str = "<tasks>") -> TaskSet:
    """``fmt`` is ``toml`` or ``jsonl``."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if fmt == "toml":
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise TaskFileError(source, f"is not valid TOML: {exc}") from None
        unknown = sorted(set(data) - _TOP_KEYS)
        if unknown:
            raise TaskFileError(source, f"unknown top-level key(s) {', '.join(unknown)}; tasks are [[task]] tables, defaults a [defaults] table")
        entries = data.get("task", [])
        if not isinstance(entries, list):
            raise TaskFileError(source, "task must be an array of tables ([[task]])")
        table = data.get("defaults", {})
        if not isinstance(table, Mapping):
            raise TaskFileError(source, "must be a table", field="defaults")
        return tasks_from_data(entries, table, source, digest)
    entries = []
    defaults: dict[str, Any] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line, parse_constant=lambda c: float("nan"))
        except (ValueError, RecursionError) as exc:
            raise TaskFileError(f"{source}:{number}", f"is not a JSON object: {exc}") from None
        if isinstance(entry, Mapping) and set(entry) == {"defaults"}:
            defaults = dict(entry["defaults"]) if isinstance(entry["defaults"], Mapping) else {"?": 1}
            continue
        entries.append(entry)
    return tasks_from_data(entries, defaults, source, digest)


def format_of(path: str) -> str:
    lowered = path.lower()
    if lowered.endswith(".toml"):
        return "toml"
    if lowered.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    raise TaskFileError(path, "must end in .toml or .jsonl (the format is read from the name)")


EXAMPLE_TASKS = Path(__file__).parent / "examples" / "eval-tasks.toml"
"""The example set shipped in the package (``gpt56probe demo eval`` runs it on the simulator)."""


def example_tasks() -> TaskSet:
    """The example set, read as any task file is (a broken one fails loudly, here and in a test)."""
    return load_task_file(str(EXAMPLE_TASKS))


def load_task_file(path: str) -> TaskSet:
    """Read and validate a task file; ``TaskFileError`` for anything unusable, the file itself included."""
    fmt = format_of(path)
    file = Path(path)
    try:
        if not file.is_file():
            raise TaskFileError(path, "is not a readable file")
        size = file.stat().st_size
        if size > MAX_TASK_FILE_BYTES:
            raise TaskFileError(path, f"is {size} bytes; at most {MAX_TASK_FILE_BYTES}")
        raw = file.read_bytes()
    except OSError as exc:
        raise TaskFileError(path, f"cannot be read: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TaskFileError(path, f"is not UTF-8 (byte {exc.start})") from None
    return parse_task_text(text.lstrip("\ufeff"), fmt, path)
