"""The arithmetic an eval report rests on: Wilson intervals, median and p95. Pure.

A pass rate from 6 tasks is a guess with wide error bars; the Wilson score interval says how wide,
and stays inside [0, 1] and sensible at 0 and n passes, where the textbook (Wald) interval collapses
to a point. 95 % uses z = 1.959963984540054 (the 97.5 % quantile of the normal distribution).
"""

from __future__ import annotations

import math
from typing import Sequence

Z95 = 1.959963984540054

SMALL_SET = 10
"""Fewer tasks than this in a class is a small set: the report says so, and a recommendation from it
is marked too small to tell a few points of difference."""


def wilson(passed: int, total: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval for ``passed`` of ``total`` (None when total is 0).

    centre = (p + z^2/2n) / (1 + z^2/n); half-width = z * sqrt(p(1-p)/n + z^2/4n^2) / (1 + z^2/n).
    """
    if total <= 0:
        return None
    if not 0 <= passed <= total:
        raise ValueError(f"passed must be within 0..{total}, got {passed}")
    p = passed / total
    z2 = z * z
    denominator = 1 + z2 / total
    centre = (p + z2 / (2 * total)) / denominator
    half = z * math.sqrt(p * (1 - p) / total + z2 / (4 * total * total)) / denominator
    low = 0.0 if passed == 0 else max(0.0, centre - half)  # exact at the ends: no 0.9999999999999999
    high = 1.0 if passed == total else min(1.0, centre + half)
    return low, high


def median(values: Sequence[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0..100) by the nearest-rank method: always a value that was measured."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]
