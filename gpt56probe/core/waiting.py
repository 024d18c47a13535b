"""``check --until-ok``: the pure parts of waiting for access to land.

Durations as people write them (``500ms``, ``30s``, ``10m``, ``1.5h``, ``7d``; every option that takes
seconds reads them with ``parse_duration``), the next
wait with jitter (so many waiting machines do not probe in step), and the lines
worth printing between two rounds: only the verdicts that changed.
"""

from __future__ import annotations

import random
import re
from typing import Mapping, Sequence

from gpt56probe.core.expectations import ExpectedTiers
from gpt56probe.core.observation import Diagnosis
from gpt56probe.core.expectations import expected_reach

JITTER = 0.1
"""Each wait is the interval give or take this fraction."""
MIN_EVERY_S = 1.0

_DURATION = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(ms|msecs?|milliseconds?|s|sec|secs|seconds?|m|min|mins|minutes?|h|hours?|d|days?|w|weeks?)?\s*$",
                       re.IGNORECASE)
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_BARE_EXAMPLES = (("20", 20.0), ("1.5", 1.5))
_UNIT_EXAMPLES = (("500ms", 0.5), ("3s", 3.0), ("1.5s", 1.5), ("2m", 120.0), ("1h", 3600.0), ("7d", 604800.0))


def duration_forms(minimum: float = 0.0, maximum: float | None = None) -> str:
    """The forms parse_duration reads, as an error or a help text names them, with examples that fit
    ``[minimum, maximum]`` seconds (an option bounded at 600 s is not told ``7d``)."""

    def fitting(examples: tuple[tuple[str, float], ...]) -> list[str]:
        return [text for text, seconds in examples if seconds >= minimum and (maximum is None or seconds <= maximum)]

    bare = fitting(_BARE_EXAMPLES) or [f"{minimum:g}"]
    units = fitting(_UNIT_EXAMPLES) or [f"{minimum:g}s"]
    return f"seconds ({', '.join(bare)}) or a number and a unit: {', '.join(units)}"


DURATION_FORMS = duration_forms()
"""The forms parse_duration reads, any duration (``duration_forms`` fits the examples to an option's range)."""

TargetKey = tuple[str | None, str, str, bool]


def parse_duration(text: str, forms: str = DURATION_FORMS) -> float:
    """Seconds in ``500ms``, ``30s``, ``10m``, ``1.5h``, ``7d``, ``2w`` or a bare number of seconds (``20``, ``1.5``);
    ValueError naming the accepted ``forms`` otherwise (NaN, infinity, a sign or an exponent are not durations)."""
    found = _DURATION.match(text or "")
    if not found:
        raise ValueError(f"{text!r} is not a duration: give {forms}")
    unit = (found.group(2) or "s").lower()
    scale = 0.001 if unit.startswith("ms") or unit.startswith("milli") else _SECONDS[unit[0]]
    return float(found.group(1)) * scale


def next_wait(every_s: float, left_s: float, rng: random.Random | None = None) -> float:
    """The interval give or take ``JITTER``, never past the time left before giving up."""
    draw = (rng or random).uniform(1 - JITTER, 1 + JITTER)
    return max(0.0, min(every_s * draw, left_s))


def target_key(d: Diagnosis) -> TargetKey:
    return (d.target.org, d.target.model, d.target.surface, d.target.stream)


def verdicts_of(diagnoses: Sequence[Diagnosis]) -> dict[TargetKey, str]:
    return {target_key(d): d.verdict.value for d in diagnoses}


def describe_target(key: TargetKey, several_variants: bool) -> str:
    org, model, surface, stream = key
    variant = f" {surface}{' stream' if stream else ''}" if several_variants else ""
    return f"{org or '(default org)'} {model}{variant}"


def changed_lines(previous: Mapping[TargetKey, str], diagnoses: Sequence[Diagnosis], stamp: str) -> list[str]:
    """``<stamp> org model: old -> new`` for each target whose verdict changed since ``previous``."""
    several = len({(k[2], k[3]) for k in map(target_key, diagnoses)}) > 1
    lines = []
    for d in diagnoses:
        key = target_key(d)
        before = previous.get(key)
        if before is not None and before != d.verdict.value:
            lines.append(f"{stamp} {describe_target(key, several)}: {before} -> {d.verdict.value}")
    return lines


def all_expected_ok(diagnoses: Sequence[Diagnosis], expected: ExpectedTiers) -> bool:
    """Every expected target answered ok (and there is at least one)."""
    reachable, total = expected_reach(diagnoses, expected)
    return total > 0 and reachable == total


def format_span(seconds: float) -> str:
    """``2d 3h``, ``9m 58s``, ``12s``: a wait as a person reads it."""
    seconds = max(0, int(round(seconds)))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m {secs}s"
    return f"{secs}s"
