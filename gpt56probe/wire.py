"""Small pure helpers for the OpenAI wire format that the probe needs.

Error envelopes and answers are parsed in one place only, classify.error_in_body
and classify.answer_in_body. Total: any text in, a value out, never an exception.
"""

from __future__ import annotations

import json
import re
from typing import Any


def load_json(text: str) -> Any:
    """json.loads that answers None instead of raising."""
    try:
        return json.loads(text)
    except (ValueError, TypeError, RecursionError):
        return None


def as_dict(value: Any) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty one: lets parsers chain ``.get`` safely."""
    return value if isinstance(value, dict) else {}


_SUPPORTED_VALUES = re.compile(r"[Ss]upported values (?:are|is)[:\s]+(.*)")
_QUOTED = re.compile(r"'([^']+)'")


def supported_values(message: str | None) -> tuple[str, ...]:
    """The values an ``unsupported_value`` message lists ("Supported values are: 'low', 'medium'…")."""
    if not message:
        return ()
    match = _SUPPORTED_VALUES.search(message)
    if not match:
        return ()
    return tuple(_QUOTED.findall(match.group(1)))
