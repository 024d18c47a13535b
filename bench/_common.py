"""Shared helpers for the bench scripts (not a test module)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FAKE_KEY = "sk-test-bench-fake-key-0000"


def verdict_line(name: str, value: float, target: str, ok: bool) -> str:
    return f"{name:<44} {value:>10.3f}   target {target:<12} {'PASS' if ok else 'FAIL'}"
