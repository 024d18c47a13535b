"""Rendering of diagnoses: tables (tabulate), JSON (the documented schema), the status line.

Pure: strings in, strings out. Never classifies; it only shows what classify decided.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from gpt56probe.core.expectations import ExpectedTiers, expected_reach, is_expected
from gpt56probe.core.models import TIERS
from gpt56probe.core.retirement import days_left, retirement_notes
from gpt56probe.core.observation import Diagnosis, Severity, Verdict

SCHEMA_VERSION = "1.0"
TABLE_FORMAT_ALIAS = {"table": "simple"}


def table_formats() -> list[str]:
    """Every --format value: table, json, and each tabulate format."""
    from tabulate import tabulate_formats

    return ["table", "json", *sorted(tabulate_formats)]


def _latency(d: Diagnosis) -> str:
    return "-" if d.latency_ms is None else f"{d.latency_ms / 1000:.2f}s"


def _surface(d: Diagnosis) -> str:
    return d.target.surface + (" stream" if d.target.stream else "")


def verdict_counts(diagnoses: Iterable[Diagnosis]) -> dict[str, int]:
    counts = Counter(d.verdict.value for d in diagnoses)
    return {v.value: counts[v.value] for v in Verdict if counts[v.value]}


def _variant(d: Diagnosis) -> str:
    return d.target.surface + (" stream" if d.target.stream else "")


def status_problems(diagnoses: Sequence[Diagnosis], expected: ExpectedTiers = TIERS) -> list[str]:
    """``org model: verdict`` once per expected target and verdict; the surface is named only when
    the target's probes on its other surfaces (or unstreamed) did not all fail the same way."""
    probed: dict[tuple[str | None, str], list[Diagnosis]] = {}
    for d in diagnoses:
        if is_expected(d.target, expected):
            probed.setdefault((d.target.org, d.target.model), []).append(d)
    out: list[str] = []
    for (org, model), probes in probed.items():
        failed = [d for d in probes if not d.ok]
        by_verdict: dict[str, list[Diagnosis]] = {}
        for d in failed:
            by_verdict.setdefault(d.verdict.value, []).append(d)
        variants = {_variant(d) for d in probes}
        for verdict, cells in by_verdict.items():
            where = ""
            if len(cells) < len(probes) and len(variants) > 1:
                where = " " + "/".join(dict.fromkeys(_variant(d) for d in cells))
            out.append(f"{org or 'default'} {model}{where}: {verdict}")
    return out


def _plain(text: str) -> str:
    """One line of printable characters without '|', where Nagios cuts the text from its perfdata."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split()).replace("|", "/")


def one_line(text: str, limit: int = 300) -> str:
    """Text fit for a status line: ``_plain`` and at most ``limit`` characters."""
    flat = _plain(text)
    return flat if len(flat) <= limit else flat[: limit - 1] + "\u2026"


def perf_label(text: str) -> str:
    """A perfdata label as the monitoring-plugins guidelines want it: in single quotes, a quote
    doubled; '=' and '|' (which no quoting protects) and control characters become '_'."""
    cleaned = "".join("_" if c in "=|" or not c.isprintable() else c for c in text)
    return "'" + cleaned.replace("'", "''") + "'"


def unknown_line(cause: str) -> str:
    """The status line of a run that could not judge: ``GPT56 UNKNOWN - <one-line cause>``."""
    return f"GPT56 {Severity.UNKNOWN.value} - {one_line(cause)}"


def status_line(diagnoses: Sequence[Diagnosis], severity: Severity, perfdata: bool = False, expected: ExpectedTiers = TIERS,
                listed: int = 3) -> str:
    """The one monitoring line: ``GPT56 OK - 3/3 expected tiers reachable``, perfdata optional; it names at most
    ``listed`` problems and counts the rest (the terminal summary, which lists every problem above it, names one)."""
    reachable, total = expected_reach(diagnoses, expected)
    problems = status_problems(diagnoses, expected)
    text = f"GPT56 {severity.value} - {reachable}/{total} expected tiers reachable"
    if problems:
        shown = problems[:listed]
        more = f" (+{len(problems) - len(shown)} more)" if len(problems) > len(shown) else ""
        text += "; " + _plain(", ".join(shown)) + more
    if perfdata:
        perf = []
        seen: set[str] = set()
        for d in diagnoses:
            if d.latency_ms is None:
                continue
            label = f"{d.target.tier if d.target.tier in TIERS else d.target.model}_latency"
            if d.target.org:
                label = f"{d.target.org}_{label}"
            if d.target.surface != "chat" or d.target.stream:
                label += f"_{d.target.surface}{'_stream' if d.target.stream else ''}"
            perf_name, n = perf_label(label), 1
            while perf_name in seen:  # two targets, one label (a dated snapshot of a tier, ids that clean up alike): both kept
                n += 1
                perf_name = perf_label(f"{label}_{n}")
            seen.add(perf_name)
            perf.append(f"{perf_name}={d.latency_ms / 1000:.2f}s;;;0")
        if perf:
            text += " | " + " ".join(perf)
    return text


def render_table(diagnoses: Sequence[Diagnosis], fmt: str = "table", notes: Sequence[str] = (), width: int | None = None) -> str:
    """The tier x org table, then notes (the default org's name, truncation, adaptations) and nothing else;
    fitted to ``width`` columns (views.tables) when given."""
    from gpt56probe.views.tables import render, with_notes

    show_surface = any(d.target.surface != "chat" or d.target.stream for d in diagnoses)
    headers = ["org", "tier", "model"] + (["surface"] if show_surface else []) + ["verdict", "http", "latency", "request id", "next step"]
    rows = []
    for d in diagnoses:
        row: list[Any] = [d.target.org or "(default)", d.target.tier, d.target.model]
        if show_surface:
            row.append(_surface(d))
        row += [d.verdict.value, d.http_status if d.http_status is not None else "-", _latency(d), d.request_id or "-", d.remediation]
        rows.append(row)
    return with_notes(render(rows, headers, fmt, width), list(notes) + diagnosis_notes(diagnoses), width)


def diagnosis_notes(diagnoses: Sequence[Diagnosis]) -> list[str]:
    """Facts worth a line under the table, each said once."""
    notes: list[str] = []
    for d in diagnoses:
        who = f"{d.target.org or '(default org)'} {d.target.model} {_surface(d)}"
        if d.truncated and d.ok:
            notes.append(f"{who}: answered (access proven) but the answer was cut short by the {d.target.surface} token cap")
        for change in d.adaptations:
            notes.append(f"{d.target.model} {d.target.surface}: adapted the probe ({change})")
    defaults = sorted({d.org_name for d in diagnoses if d.target.org is None and d.org_name})
    for name in defaults:
        notes.append(f"the key's default org is named {name} (pass --org with an org id to choose one)")
    notes += retirement_notes(diagnoses)
    seen: set[str] = set()
    return [n for n in notes if not (n in seen or seen.add(n))]  # type: ignore[func-returns-value]


def result_doc(d: Diagnosis, cost_of: Callable[[Diagnosis], float | None] | None = None) -> dict[str, Any]:
    """One result in the JSON schema (schema/check-result.schema.json).

    ``cost_of`` (e.g. cost.diagnosis_cost bound to a table) adds ``cost_usd``: usage x price, null when unpriced."""
    doc: dict[str, Any] = {
        "org": d.target.org,
        "project": d.target.project,
        "model": d.target.model,
        "tier": d.target.tier,
        "surface": d.target.surface,
        "stream": d.target.stream,
        "verdict": d.verdict.value,
        "ok": d.ok,
        "reason": d.reason,
        "http_status": d.http_status,
        "error_code": d.error_code,
        "error_type": d.error_type,
        "error_message": d.error_message,
        "request_id": d.request_id,
        "org_name": d.org_name,
        "served_org": d.org_name,  # deprecated alias of org_name (schema 1.0 consumers)
        "precheck": d.precheck,
        "truncated": d.truncated,
        "answer": d.answer,
        "latency_ms": None if d.latency_ms is None else round(d.latency_ms, 1),
        "timestamp": d.timestamp,
        "remediation": d.remediation,
        "attempts": d.attempts,
        "adaptations": list(d.adaptations),
        "usage": {"input_tokens": d.usage_input_tokens, "output_tokens": d.usage_output_tokens},
        "gateway": d.gateway,
    }
    if d.shutdown_date:
        doc["shutdown_date"] = d.shutdown_date
        doc["days_left"] = days_left(d.shutdown_date, d.timestamp)
    if cost_of is not None:
        value = cost_of(d)
        doc["cost_usd"] = None if value is None else round(value, 8)
    return doc


def check_doc(diagnoses: Sequence[Diagnosis], severity: Severity, checked_at: str, *, expected: ExpectedTiers = TIERS, extra_summary: Mapping[str, Any] | None = None,
              cost_of: Callable[[Diagnosis], float | None] | None = None, lazy: bool = False) -> dict[str, Any]:
    """The check-result document; ``lazy``: its results made as ``render_json`` writes them (``LazyResults``)."""
    reachable, total = expected_reach(diagnoses, expected)
    summary: dict[str, Any] = {
        "status": severity.value,
        "exit_code": severity.exit_code,
        "counts": verdict_counts(diagnoses),
        "expected_reachable": reachable,
        "expected_total": total,
    }
    summary.update(extra_summary or {})
    results = LazyResults(diagnoses, lambda d: result_doc(d, cost_of)) if lazy else [result_doc(d, cost_of) for d in diagnoses]
    return {"schema_version": SCHEMA_VERSION, "checked_at": checked_at, "results": results, "summary": summary}


class LazyResults(list):  # type: ignore[type-arg]
    """A document's results made one at a time as the JSON encoder walks them (``render_json``), so a fleet's
    10,000 result objects never exist at once. Only for rendering: it has a length and an order, no items."""

    def __init__(self, items: Sequence[Any], make: Callable[[Any], Any]) -> None:
        super().__init__()
        self._items = items
        self._make = make

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Any]:
        return (self._make(item) for item in self._items)


def render_json(doc: Mapping[str, Any]) -> str:
    """``json.dumps(doc, indent=2)`` (``json_batches``, joined)."""
    return "".join(json_batches(doc))


def json_batches(doc: Mapping[str, Any]) -> Iterator[str]:
    """``json.dumps(doc, indent=2)``, a batch of 8192 encoder pieces at a time: the indenting encoder is pure Python
    and would hold every one of a fleet's million small pieces at once before joining them."""
    batch: list[str] = []
    for chunk in json.JSONEncoder(indent=2).iterencode(doc):
        batch.append(chunk)
        if len(batch) >= 8192:
            yield "".join(batch)
            batch.clear()
    yield "".join(batch)


class RenderedJson:
    """A JSON document encoded afresh, a batch at a time, each time it is read (``json_batches``): a fleet's 8 MB
    document is never held. A caller that must know it renders before printing anything reads it to the end
    once, then writes it as it is encoded again; ``doc`` (lazy results included) must give the same both times."""

    def __init__(self, doc: Mapping[str, Any]) -> None:
        self._doc = doc

    def __iter__(self) -> Iterator[str]:
        return json_batches(self._doc)
