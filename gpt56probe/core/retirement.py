"""Retirement dates: the ``shutdown_date`` an org's model list announces, as days left and a next step. Pure.

OpenAI may retire preview models with as little as two weeks' notice, so a date in the model list
is worth a line in every view long before it is worth an alert: the shipped alert rule warns
WARN_DAYS ahead, and the views mark a model inside that window.
"""

from __future__ import annotations

from datetime import date
from typing import Iterable, Sequence

from gpt56probe.core.observation import Diagnosis

WARN_DAYS = 14
"""Two weeks: the least notice OpenAI gives before retiring a preview model."""


def as_date(text: str | None) -> date | None:
    """``2026-12-21`` or an ISO timestamp (``2026-12-07T05:00:00+00:00``) as a date; None when it is neither."""
    if not isinstance(text, str) or len(text) < 10:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def days_left(shutdown_date: str | None, on: str | date | None) -> int | None:
    """Whole days from ``on`` (a date, or the run's ISO timestamp) to the shutdown date; negative once past."""
    end = as_date(shutdown_date)
    start = on if isinstance(on, date) else as_date(on)
    if end is None or start is None:
        return None
    return (end - start).days


def describe(model: str, shutdown_date: str, left: int | None) -> str:
    """``gpt-5.5 shuts down on 2026-12-17 (10 days left)``."""
    if left is None:
        return f"{model} shuts down on {shutdown_date}"
    if left < 0:
        return f"{model} was shut down on {shutdown_date} ({-left} days ago)"
    return f"{model} shuts down on {shutdown_date} ({left} day{'s' if left != 1 else ''} left)"


def retirement_notes(diagnoses: Iterable[Diagnosis]) -> list[str]:
    """One line per model and date: the orgs whose list announces it, days left from the run, and what to do
    when it is inside WARN_DAYS (move its traffic before the date, or the role's fallback chain breaks)."""
    found: dict[tuple[str, str], list[str]] = {}
    on: dict[tuple[str, str], str] = {}
    for d in diagnoses:
        if not d.shutdown_date:
            continue
        key = (d.target.model, d.shutdown_date)
        org = d.target.org or "the default org"
        orgs = found.setdefault(key, [])
        if org not in orgs:
            orgs.append(org)
        on.setdefault(key, d.timestamp)
    notes = []
    for (model, when), orgs in found.items():
        left = days_left(when, on[(model, when)])
        text = f"retiring: {describe(model, when, left)} (listed so by {', '.join(orgs[:3])}{' and others' if len(orgs) > 3 else ''})"
        if left is not None and left <= WARN_DAYS:
            text += (f"; within {WARN_DAYS} days: move its traffic to another model now "
                     "(`gpt56probe plan` for the chain, config [models] for the ids)")
        notes.append(text)
    return notes


def nearest(diagnoses: Sequence[Diagnosis]) -> tuple[str, str] | None:
    """The (model, date) that retires first, if any."""
    dated = sorted({(d.shutdown_date, d.target.model) for d in diagnoses if d.shutdown_date})
    return (dated[0][1], dated[0][0]) if dated else None
