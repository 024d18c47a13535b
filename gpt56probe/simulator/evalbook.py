"""How the simulator answers eval tasks: an answer book, and a quality that differs by tier and effort.

The real models' answers cannot be shipped, so the simulator keeps a book: a request whose text holds an
entry's ``match`` is an eval task, answered with the entry's ``answer`` when the model is able enough for
the entry's ``difficulty`` and with its ``wrong`` answer otherwise. Ability is the tier's rank (Sol 4,
Terra and the live fallback gpt-5.5 3, Luna 2, anything else 1) moved by the reasoning effort (none or
minimal -2, low -1, xhigh +1): so Luna fails the hard class, Terra matches gpt-5.5, and a lower effort
can cost a tier its hardest tasks. Usage is counted as the API counts it (reasoning tokens inside the
completion tokens), and an output cap too small for the reasoning plus the answer ends the answer with
``finish_reason: length`` and no text, as a real reasoning model does. Deterministic: the same request
gets the same answer, tokens and delay. A request the book does not hold is answered "ok" as before.

Entries come from the scenario file (``[[answer]]`` tables: match, answer, difficulty, wrong) before the
built-in book below, which holds the answers to the example task set shipped with gpt56probe.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from gpt56probe.core.models import DEFAULT_TABLE, NAMED_TIERS, SOL_ULTRA, TIERS, tier_by_name

DIFFICULTY: dict[str, int] = {"cheap": 1, "balanced": 2, "hard": 3}
TIER_ABILITY: dict[str, int] = {"sol": 4, SOL_ULTRA: 4, "terra": 3, "luna": 2}
LIVE_FALLBACK_ABILITY = 3
"""The first fallback of the table (gpt-5.5, the live safety net) answers as well as Terra."""
OTHER_ABILITY = 1
EFFORT_SHIFT: dict[str, int] = {"none": -2, "minimal": -2, "low": -1, "medium": 0, "high": 0, "xhigh": 1}
REASONING_PER_LEVEL: dict[str, int] = {"none": 0, "minimal": 8, "low": 48, "medium": 160, "high": 480, "xhigh": 960}
"""Reasoning tokens per difficulty level at each effort."""
OLDER_MODEL_TOKEN_FACTOR = 1.15
"""Models before 5.6 spend ~15 % more tokens reasoning (the 10-15 % efficiency gain OpenAI reports)."""
DEFAULT_WRONG = "I am not sure."
_ENTRY_KEYS = {"match", "answer", "difficulty", "wrong", "description"}


class BookError(ValueError):
    """An ``[[answer]]`` entry that cannot be used; the message names its place and field."""


@dataclass(frozen=True)
class BookEntry:
    match: str
    answer: str
    difficulty: int = 1
    wrong: str = DEFAULT_WRONG


@dataclass(frozen=True)
class Graded:
    """The simulator's answer to one eval task."""

    text: str
    finish: str
    prompt_tokens: int
    completion_tokens: int
    reasoning_tokens: int
    delay_s: float


def entries_from_data(raw: Any, where: str = "answer") -> tuple[BookEntry, ...]:
    if not isinstance(raw, list):
        raise BookError(f"{where}: must be a list ([[answer]] in TOML)")
    entries = []
    for index, item in enumerate(raw):
        place = f"{where}[{index}]"
        if not isinstance(item, Mapping):
            raise BookError(f"{place}: must be a table")
        unknown = sorted(set(item) - _ENTRY_KEYS)
        if unknown:
            raise BookError(f"{place}.{unknown[0]}: not a field (fields: {', '.join(sorted(_ENTRY_KEYS))})")
        for name in ("match", "answer"):
            if not isinstance(item.get(name), str) or not item[name]:
                raise BookError(f"{place}.{name}: must be a non-empty string")
        difficulty = item.get("difficulty", 1)
        if isinstance(difficulty, str):
            difficulty = DIFFICULTY.get(difficulty, -1)
        if isinstance(difficulty, bool) or not isinstance(difficulty, int) or not 1 <= difficulty <= 5:
            raise BookError(f"{place}.difficulty: must be 1-5 or one of {', '.join(DIFFICULTY)}")
        wrong = item.get("wrong", DEFAULT_WRONG)
        if not isinstance(wrong, str):
            raise BookError(f"{place}.wrong: must be a string")
        entries.append(BookEntry(item["match"], item["answer"], difficulty, wrong))
    return tuple(entries)


def request_text(body: Mapping[str, Any]) -> str:
    """Every text the request carries (chat messages, or a Responses input), joined by newlines."""
    parts: list[str] = []

    def collect(value: Any) -> None:
        if isinstance(value, str):
            parts.append(value)
        elif isinstance(value, list):
            for item in value[:200]:
                collect(item)
        elif isinstance(value, Mapping):
            for key in ("content", "text", "input"):
                if key in value:
                    collect(value[key])

    collect(body.get("messages"))
    collect(body.get("input"))
    return "\n".join(parts)


def ability(model: str, effort: str | None) -> int:
    spec = DEFAULT_TABLE.get(model)
    tier = spec.tier if spec is not None and spec.tier in TIERS else tier_by_name(model)
    if tier in NAMED_TIERS:
        base = TIER_ABILITY[tier]
    elif DEFAULT_TABLE.fallbacks and model == DEFAULT_TABLE.fallbacks[0].id:
        base = LIVE_FALLBACK_ABILITY
    else:
        base = OTHER_ABILITY
    return base + EFFORT_SHIFT.get(effort or "medium", 0)


BASE_DELAY_S: dict[str, float] = {"sol": 0.03, SOL_ULTRA: 0.05, "terra": 0.02, "luna": 0.005}
"""Time to the answer before its tokens: the tiers' speed as the articles rank them (Luna the fast one)."""


def _base_delay(model: str) -> float:
    spec = DEFAULT_TABLE.get(model)
    tier = spec.tier if spec is not None and spec.tier in TIERS else tier_by_name(model)
    if tier in BASE_DELAY_S:
        return BASE_DELAY_S[tier]
    return 0.025 if DEFAULT_TABLE.fallbacks and model == DEFAULT_TABLE.fallbacks[0].id else 0.01


def _tokens(text: str) -> int:
    return max(1, math.ceil(len(text) / 4))


def grade(book: Sequence[BookEntry], body: Mapping[str, Any], model: str, effort: str | None, cap: int | None) -> Graded | None:
    """The answer to an eval task, or None when no entry matches (the caller answers "ok")."""
    text = request_text(body)
    entry = next((e for e in book if e.match in text), None)
    if entry is None:
        return None
    able = ability(model, effort) >= entry.difficulty
    answer = entry.answer if able else entry.wrong
    messages = body.get("messages")
    count = len(messages) if isinstance(messages, list) else 1
    prompt_tokens = _tokens(text) + 3 * count
    reasoning = REASONING_PER_LEVEL.get(effort or "medium", REASONING_PER_LEVEL["medium"]) * entry.difficulty
    if tier_by_name(model) not in NAMED_TIERS and (DEFAULT_TABLE.get(model) is None or DEFAULT_TABLE.tier_of(model) not in TIERS):
        reasoning = math.ceil(reasoning * OLDER_MODEL_TOKEN_FACTOR)
    completion = reasoning + _tokens(answer)
    finish = "stop"
    if cap is not None and cap < completion:
        answer, finish = "", "length"
        reasoning = min(reasoning, cap)
        completion = cap
    delay = _base_delay(model) + completion / 50_000  # deterministic: Luna quick, Sol slow, more tokens slower
    return Graded(answer, finish, prompt_tokens, completion, reasoning, delay)


def chat_payload(model: str, graded: Graded, completion_id: str, created: int) -> dict[str, Any]:
    """A chat.completion carrying a graded answer, in the real shape (usage details included)."""
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": graded.text, "refusal": None, "annotations": []},
            "logprobs": None,
            "finish_reason": graded.finish,
        }],
        "usage": {
            "prompt_tokens": graded.prompt_tokens,
            "completion_tokens": graded.completion_tokens,
            "total_tokens": graded.prompt_tokens + graded.completion_tokens,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": graded.reasoning_tokens, "audio_tokens": 0,
                                          "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0},
        },
        "service_tier": "default",
        "system_fingerprint": None,
    }


BUILTIN_BOOK: tuple[BookEntry, ...] = ()
"""Filled in below from the example task set's answers (kept beside it, see EXAMPLE_ANSWERS)."""


def _e(match: str, answer: str, difficulty: str, wrong: str) -> BookEntry:
    return BookEntry(match, answer, DIFFICULTY[difficulty], wrong)


BUILTIN_BOOK = (
    # gpt56probe/migrate/examples/eval-tasks.toml (tests/test_eval_demo.py keeps the two in step)
    _e("Alice is twice as old as Bob was", "18", "hard", "16"),
    _e("should return the n-th Fibonacci number", "return fib(n - 1) + fib(n - 2)", "hard", "return fib(n) + fib(n - 2)"),
    _e("Table orders(id, customer_id, order_date)",
       "SELECT customer_id, COUNT(*) FROM orders WHERE order_date >= '2025-01-01' AND order_date < '2026-01-01' "
       "GROUP BY customer_id HAVING COUNT(*) > 5;", "hard", "SELECT customer_id FROM orders WHERE COUNT(*) > 5;"),
    _e("rename the config key `retry_max`",
       '{"steps": ["find every use of retry_max in code, YAML and docs", "rename it and read the old key as a '
       'deprecated alias", "run the tests and update the docs"], "risk": "medium"}', "hard",
       '{"steps": ["rename retry_max everywhere"], "risk": "none"}'),
    _e("A project starts on 2026-02-27 and runs 45 days", "2026-04-12", "hard", "2026-04-13"),
    _e("Invoice INV-2291", '{"invoice": "INV-2291", "total": 1240.5, "currency": "EUR"}', "balanced",
       '{"invoice": "INV-2291", "amount": "1,240.50 EUR"}'),
    _e("the API gateway began rejecting TLS", "An expired load balancer certificate made the API gateway reject "
       "TLS handshakes from 09:12 to 09:45 UTC; a renewed certificate fixed it.", "balanced",
       "The API gateway had an outage this morning and has recovered."),
    _e("when does the contract renew?", "2026-09-30", "balanced", "2026-10-01"),
    _e("A 3.5 km run at a pace of 5:20 per km", "18.67", "balanced", "17.5"),
    _e("Translate the English word 'library'", "Bibliothèque", "balanced", "Librairie"),
    _e("Ada, 36, likes math and engines.", '{"name": "Ada", "age": 36, "tags": ["math", "engines"]}', "balanced",
       '{"name": "Ada", "age": "36", "likes": "math and engines"}'),
    _e("Which SKU is the 2 m USB-C cable?", "SKU-200", "balanced", "SKU-300"),
    _e("'Arrived late and broken.'", "negative", "cheap", "neutral"),
    _e("'Love it, works perfectly.'", "Positive", "cheap", "neutral"),
    _e("'I was charged twice, please give my money back.'", "refunds", "cheap", "shipping"),
    _e("'Wo ist der Bahnhof?'", "German", "cheap", "Dutch"),
    _e("'You won a free cruise", "Yes.", "cheap", "no"),
    _e("'Checkout is down for all customers.'", "P1", "cheap", "P2"),
    _e("'How do I change my password?'", "account", "cheap", "returns"),
    _e("221B Baker Street, London NW1 6XE", "NW1 6XE", "cheap", "221B"),
)
"""The answers to the example task set (gpt56probe/migrate/examples/eval-tasks.toml)."""
