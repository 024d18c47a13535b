"""Checks from many places merged into one picture: a vantage x org x tier matrix and what the differences mean.

Preview access differs by org, project and key, and by where you call from (region, VPN, proxy).
``gpt56probe merge A.json B.json ...`` takes check results (``check --format json``, or an earlier
merge) and history files (``history.jsonl``) from several vantages, keeps each vantage's latest
verdict per target, and says, per target seen from more than one vantage:

- ``ok`` at one vantage and ``region_vpn`` / ``network_error`` / ``timeout`` at another: it depends on
  where you call from (fails at X, works at Y);
- the same access verdict everywhere: it is about the org (or its key), not the network;
- ``ok`` at one vantage and an access verdict at another: the vantages do not check the same thing
  (another key, project or org id);
- any other difference, named.

Pure: bytes and documents in, a Merged picture, text and a document out. The matrix is drawn by
the check summary's renderer (gpt56probe.views.summary), with the cell words every view uses
(gpt56probe.views.vocabulary), one row per org and vantage.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import PurePath
from typing import Any, Iterable, Mapping, Sequence

from gpt56probe.core.models import DEFAULT_TABLE, TIERS
from gpt56probe.core.observation import ACCESS_VERDICTS, Severity, Verdict, severity_of
from gpt56probe.core.vantage import Vantage, from_dict
from gpt56probe.views.vocabulary import cell_word

SCHEMA_VERSION = "1.0"
NETWORK_VERDICTS = frozenset({Verdict.REGION_VPN, Verdict.NETWORK_ERROR, Verdict.TIMEOUT})
"""Verdicts that can depend on where the call comes from."""
DEFAULT_ORG = "(default org)"
SEVERITY_ORDER = {Severity.OK: 0, Severity.WARNING: 1, Severity.CRITICAL: 2, Severity.UNKNOWN: 3}


class MergeInputError(ValueError):
    """An input that is neither a check result nor a history file; says which and why."""


@dataclass(frozen=True)
class Source:
    """One input: a check-result document or a history file, with the vantage it falls back to."""

    name: str
    results: tuple[Mapping[str, Any], ...]  # result-shaped rows (a history row is one too)
    checked_at: str = ""
    vantage: Vantage | None = None  # the document's own vantage object
    status: str | None = None  # the document's summary status
    skipped: int = 0  # history lines that could not be read
    kind: str = "results"  # "results" or "history"
    endpoint: str = ""  # a results document's: the base URL host it was checked against (core.history.doc_endpoint)


def _fallback_name(name: str) -> str:
    """A vantage name for an input that names none: the file's stem (its folder's name for a history.jsonl)."""
    path = PurePath(name)
    if path.stem in ("history", "") and path.parent.name:
        return path.parent.name
    return path.stem or name


def source_from_bytes(name: str, data: bytes) -> Source:
    """Read one input: a JSON check-result document (``{"results": [...]}``), else JSON lines of history rows.
    MergeInputError when it is neither."""
    from gpt56probe.core.wire import DocumentError, parse_document

    text = data.decode("utf-8", errors="replace")
    doc: Any = None
    try:
        doc = parse_document(text)
    except DocumentError as exc:
        if not exc.syntax:  # one document, too deep or with a number no result holds
            raise MergeInputError(f"{name}: {exc}") from None
    if isinstance(doc, Mapping) and "results" in doc:
        results = doc.get("results")
        if not isinstance(results, list) or not all(isinstance(r, Mapping) for r in results):
            raise MergeInputError(f"{name}: \"results\" is not a list of objects")
        for i, result in enumerate(results):
            if not isinstance(result.get("model"), str) or not isinstance(result.get("verdict"), str):
                raise MergeInputError(f"{name}: results[{i}] lacks \"model\" or \"verdict\"")
            if result.get("org") is not None and not isinstance(result.get("org"), str):
                raise MergeInputError(f"{name}: results[{i}].org is not a string or null")
        summary = doc.get("summary")
        raw_status = summary.get("status") if isinstance(summary, Mapping) else None
        raw_time = doc.get("checked_at")
        checked_at = raw_time if isinstance(raw_time, str) else ""
        status = raw_status if isinstance(raw_status, str) else None
        from gpt56probe.core.history import doc_endpoint

        return Source(name, tuple(results), checked_at, from_dict(doc.get("vantage")), status, endpoint=doc_endpoint(doc))
    rows: list[Mapping[str, Any]] = []
    skipped = 0
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except (ValueError, RecursionError):
            skipped += 1
            continue
        if isinstance(row, Mapping) and isinstance(row.get("model"), str) and isinstance(row.get("verdict"), str):
            rows.append(row)
        else:
            skipped += 1
    if not rows:
        raise MergeInputError(f"{name}: neither a check result (gpt56probe check --format json) nor a history file "
                              "(history.jsonl) with usable rows")
    return Source(name, tuple(rows), skipped=skipped, kind="history")


# --------------------------------------------------------------------------- the picture


@dataclass(frozen=True)
class Cell:
    """One target's latest verdict from one vantage."""

    vantage: str
    org: str | None
    model: str
    tier: str
    surface: str
    stream: bool
    verdict: Verdict
    result: Mapping[str, Any]  # the result as given (history rows as they were)
    checked_at: str

    @property
    def target(self) -> tuple[str | None, str, str, bool]:
        return (self.org, self.model, self.surface, self.stream)


@dataclass(frozen=True)
class VantageSeen:
    """A vantage of the merge: its network facts (when a document had them), latest check and inputs."""

    name: str
    facts: Vantage | None
    checked_at: str
    sources: tuple[str, ...]
    status: str | None


@dataclass(frozen=True)
class Finding:
    """What a difference (or an agreement) between vantages means, for one org and a group of models."""

    kind: str  # "depends_on_vantage", "about_the_org", "checks_differ", "differs", "same_everywhere"
    org: str | None
    models: tuple[str, ...]
    text: str
    verdicts: Mapping[str, str] = field(default_factory=dict)  # vantage -> verdict


@dataclass(frozen=True)
class Merged:
    vantages: tuple[VantageSeen, ...]
    cells: tuple[Cell, ...]
    findings: tuple[Finding, ...]
    sources: tuple[str, ...]


def _when(text: str) -> float:
    """An ISO time as a number to compare (offsets honoured); unreadable times sort first."""
    from gpt56probe.core.history import parse_time

    moment = parse_time(text)
    try:
        return moment.timestamp() if moment is not None else float("-inf")
    except (OverflowError, OSError, ValueError):
        return float("-inf")


def _verdict(value: Any) -> Verdict:
    try:
        return Verdict(value)
    except ValueError:
        return Verdict.UNKNOWN


def _org(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


@dataclass(frozen=True)
class EndpointFilter:
    """What keeping one endpoint did to the inputs: the sources left, and a line per input (or its rows) left out."""

    sources: tuple[Source, ...]
    left_out: tuple[str, ...]
    elsewhere: tuple[str, ...] = ()  # the other endpoints the inputs were recorded against, sorted

    @property
    def empty(self) -> bool:
        """Nothing is left to merge: no input holds a result for the endpoint."""
        return not any(s.results for s in self.sources)


def for_endpoint(sources: Sequence[Source], endpoint: str) -> EndpointFilter:
    """Keep one endpoint: a check-result document checked against another is left out whole; a history file keeps the rows recorded for ``endpoint`` (rows written
    before endpoints were kept count as the real API's)."""
    from gpt56probe.core.history import row_endpoint

    kept: list[Source] = []
    notes: list[str] = []
    elsewhere: set[str] = set()
    for source in sources:
        if source.kind == "results":
            other = source.endpoint or endpoint
            if other != endpoint:
                notes.append(f"{source.name}: checked against {other}, not {endpoint}: left out (--endpoint {other} merges it)")
                elsewhere.add(other)
                continue
            kept.append(source)
            continue
        rows = tuple(r for r in source.results if row_endpoint(r) == endpoint)
        if len(rows) != len(source.results):
            others = sorted({row_endpoint(r) for r in source.results} - {endpoint})
            elsewhere.update(others)
            notes.append(f"{source.name}: {len(source.results) - len(rows)} row(s) recorded against {', '.join(others)} left out "
                         f"(--endpoint HOST merges them)")
        kept.append(replace(source, results=rows))
    return EndpointFilter(tuple(kept), tuple(notes), tuple(sorted(elsewhere)))


def nothing_to_merge(kept: EndpointFilter, endpoint: str) -> str:
    """Why an input set with no result for ``endpoint`` cannot be merged, and how to choose: the endpoints the
    inputs do hold and the ``--endpoint`` that merges each."""
    if not kept.elsewhere:
        return "nothing to merge: the inputs hold no results (a check that could not judge records none)"
    held = ", ".join(kept.elsewhere)
    pick = " or ".join(f"--endpoint {e}" for e in kept.elsewhere)
    return (f"nothing to merge for endpoint {endpoint}: every input was recorded against {held}; choose the endpoint "
            f"to merge with {pick} (without --endpoint: the host of OPENAI_BASE_URL, else api.openai.com)")


def merge_sources(sources: Sequence[Source]) -> Merged:
    """Each vantage's latest verdict per target (later checks win; equal times: later inputs), then the findings."""
    names: dict[str, int] = {}
    latest: dict[tuple[str, tuple[str | None, str, str, bool]], Cell] = {}
    seen: dict[str, dict[str, Any]] = {}
    for source in sources:
        fallback = source.vantage.name if source.vantage else _fallback_name(source.name)
        names[fallback] = names.get(fallback, 0) + 1
        for result in source.results:
            name = result.get("vantage") if isinstance(result.get("vantage"), str) and result.get("vantage") else fallback
            when = str(result.get("checked_at") or source.checked_at or result.get("timestamp") or "")
            raw_tier = result.get("tier")
            tier = raw_tier if isinstance(raw_tier, str) else DEFAULT_TABLE.spec_for(str(result.get("model"))).tier
            cell = Cell(str(name), _org(result.get("org")), str(result.get("model")), tier, str(result.get("surface") or "chat"),
                        bool(result.get("stream")), _verdict(result.get("verdict")), result, when)
            key = (cell.vantage, cell.target)
            if key not in latest or _when(latest[key].checked_at) <= _when(when):
                latest[key] = cell
            info = seen.setdefault(cell.vantage, {"facts": None, "checked_at": "", "sources": [], "status": None})
            if source.name not in info["sources"]:
                info["sources"].append(source.name)
            if _when(when) >= _when(info["checked_at"]):
                info["checked_at"] = when
                if source.kind == "results":
                    info["status"] = source.status
                elif isinstance(result.get("status"), str):
                    info["status"] = result.get("status")
            if source.vantage is not None and source.vantage.name == cell.vantage:
                info["facts"] = source.vantage
    vantages = tuple(VantageSeen(name, info["facts"], info["checked_at"], tuple(info["sources"]), info["status"])
                     for name, info in sorted(seen.items()))
    cells = tuple(sorted(latest.values(), key=_cell_order))
    facts = {v.name: v.facts for v in vantages if v.facts is not None}
    return Merged(vantages, cells, tuple(findings_of(cells, facts)), tuple(s.name for s in sources))


def _model_rank(model: str) -> int:
    ids = DEFAULT_TABLE.ids
    return ids.index(model) if model in ids else len(ids)


def _cell_order(cell: Cell) -> tuple[Any, ...]:
    return (cell.org is not None, cell.org or "", _model_rank(cell.model), cell.model, cell.surface, cell.stream, cell.vantage)


def _word(verdict: Verdict) -> str:
    return cell_word(verdict)


def _path_note(names: Iterable[str], facts: Mapping[str, Vantage]) -> str:
    """`` (eu-office calls through proxy squid:3128, VPN wg0)`` for the named vantages whose path is known and not direct."""
    notes = []
    for name in sorted(names):
        known = facts.get(name)
        if known is None:
            continue
        parts = ([f"through proxy {known.proxy}"] if known.proxy else []) + ([f"VPN {', '.join(known.vpn)}"] if known.vpn else [])
        if parts:
            notes.append(f"{name} calls {' with '.join(parts)}")
    return f" ({'; '.join(notes)})" if notes else ""


def _judge(by_vantage: Mapping[str, Verdict], facts: Mapping[str, Vantage] | None = None) -> tuple[str, str] | None:
    """(kind, what it means) for one target's verdicts across vantages; None when there is nothing to say."""
    facts = facts or {}
    verdicts = set(by_vantage.values())
    every = ", ".join(sorted(by_vantage))
    if verdicts == {Verdict.OK}:
        return None
    if len(verdicts) == 1:
        (only,) = verdicts
        if only in NETWORK_VERDICTS:
            return "same_everywhere", (f"{_word(only)} from every vantage ({every}): no vantage gets through; "
                                       "check the network path of each (VPN, proxy, region) or the service itself")
        if only in ACCESS_VERDICTS:  # region_vpn is a network verdict: handled above
            return "about_the_org", f"{_word(only)} from every vantage ({every}): about the org (or its key), not the network"
        return "same_everywhere", f"{_word(only)} from every vantage ({every}): not about where you call from"
    fails = {v: x for v, x in by_vantage.items() if x is not Verdict.OK}
    works = sorted(v for v, x in by_vantage.items() if x is Verdict.OK)
    where_fails = "; ".join(f"{v}: {_word(x)}" for v, x in sorted(fails.items()))
    if works and all(x in NETWORK_VERDICTS for x in fails.values()):
        return "depends_on_vantage", (f"depends on where you call from (fails at {where_fails}; works at {', '.join(works)})"
                                      + _path_note(fails, facts))
    if works and all(x in ACCESS_VERDICTS for x in fails.values()):
        return "checks_differ", (f"works at {', '.join(works)} but {where_fails}: the vantages do not check the same way "
                                 "(another key, project or org id?); align their config")
    if not works and all(x in ACCESS_VERDICTS - {Verdict.REGION_VPN} for x in fails.values()):
        return "about_the_org", f"no vantage gets access ({where_fails}): about the org (or its key), not the network"
    return "differs", f"differs by vantage ({'; '.join(f'{v}: {_word(x)}' for v, x in sorted(by_vantage.items()))})"


def findings_of(cells: Sequence[Cell], facts: Mapping[str, Vantage] | None = None) -> list[Finding]:
    """One finding per org and meaning, naming the models it covers (in table order); ``facts`` (vantage
    name -> its network facts) let a finding say how a failing vantage calls out."""
    targets: dict[tuple[str | None, str, str, bool], dict[str, Verdict]] = {}
    for cell in cells:
        targets.setdefault(cell.target, {})[cell.vantage] = cell.verdict
    grouped: dict[tuple[str | None, str, str], list[str]] = {}
    detail: dict[tuple[str | None, str, str], dict[str, str]] = {}
    for (org, model, surface, stream), by_vantage in targets.items():
        if len(by_vantage) < 2:
            continue
        judged = _judge(by_vantage, facts)
        if judged is None:
            continue
        kind, text = judged
        label = model + ("" if surface == "chat" and not stream else f" ({surface}{' stream' if stream else ''})")
        key = (org, kind, text)
        if label not in grouped.setdefault(key, []):
            grouped[key].append(label)
        detail[key] = {v: x.value for v, x in sorted(by_vantage.items())}
    out = [Finding(kind, org, tuple(models), f"{org or DEFAULT_ORG} {', '.join(models)}: {text}", detail[(org, kind, text)])
           for (org, kind, text), models in grouped.items()]
    rank = {"depends_on_vantage": 0, "checks_differ": 1, "differs": 2, "about_the_org": 3, "same_everywhere": 4}
    return sorted(out, key=lambda f: (rank.get(f.kind, 9), f.org is not None, f.org or ""))


def status_of(merged: Merged) -> Severity:
    """The worst status among the vantages' own checks (each check judged its expected tiers); when no
    input says, the worst verdict of a 5.6 tier (a network error alone degrades)."""
    given = [Severity(v.status) for v in merged.vantages if v.status in {s.value for s in Severity}]
    if given:
        return max(given, key=SEVERITY_ORDER.__getitem__)
    judged = [c.verdict for c in merged.cells if c.tier in TIERS] or [c.verdict for c in merged.cells]
    if not judged:
        return Severity.UNKNOWN
    worst = [Severity.WARNING if v is Verdict.NETWORK_ERROR else severity_of(v) for v in judged]
    return max(worst, key=SEVERITY_ORDER.__getitem__)


# --------------------------------------------------------------------------- the document


RESULT_DEFAULTS: Mapping[str, Any] = {
    "project": None, "stream": False, "reason": "", "http_status": None, "error_code": None, "error_type": None,
    "error_message": None, "request_id": None, "org_name": None, "served_org": None, "precheck": "skipped",
    "truncated": False, "answer": None, "latency_ms": None, "timestamp": "", "remediation": "", "attempts": 0,
    "adaptations": [],
}


def result_doc(cell: Cell) -> dict[str, Any]:
    """A cell as a check-schema result (a history row gets the fields it lacks), with its vantage."""
    doc = {key: cell.result.get(key, default) for key, default in RESULT_DEFAULTS.items()}
    doc.update(org=cell.org, model=cell.model, tier=cell.tier if cell.tier in (*TIERS, "fallback") else "fallback",
               surface=cell.surface if cell.surface in ("chat", "responses") else "chat", stream=cell.stream,
               verdict=cell.verdict.value, ok=cell.verdict is Verdict.OK, vantage=cell.vantage)
    if not doc["timestamp"]:
        doc["timestamp"] = cell.checked_at
    for key in ("usage", "cost_usd"):
        if key in cell.result:
            doc[key] = cell.result[key]
    return doc


def merged_doc(merged: Merged, endpoint: str | None = None) -> dict[str, Any]:
    """``merge --format json``: the check schema (schema/check-result.schema.json) with every result's
    vantage, plus ``vantages`` and ``findings``; ``report`` takes it like a check result."""
    severity = status_of(merged)
    counts: dict[str, int] = {}
    for cell in merged.cells:
        counts[cell.verdict.value] = counts.get(cell.verdict.value, 0) + 1
    return {
        "schema_version": SCHEMA_VERSION,
        "checked_at": max((v.checked_at for v in merged.vantages), key=_when, default=""),
        "results": [result_doc(c) for c in merged.cells],
        "summary": {"status": severity.value, "exit_code": severity.exit_code,
                    "counts": {v.value: counts[v.value] for v in Verdict if v.value in counts},
                    "vantages": len(merged.vantages)},
        "vantages": [{"name": v.name, "checked_at": v.checked_at, "status": v.status, "sources": list(v.sources),
                      **({"facts": v.facts.to_dict()} if v.facts else {})} for v in merged.vantages],
        "findings": [{"kind": f.kind, "org": f.org, "models": list(f.models), "text": f.text, "verdicts": dict(f.verdicts)}
                     for f in merged.findings],
        **({"endpoint": endpoint} if endpoint is not None else {}),
    }


# --------------------------------------------------------------------------- the terminal view


def row_label(org: str | None, vantage: str) -> str:
    """A matrix row: ``org-acme @ eu-office``."""
    return f"{org or DEFAULT_ORG} @ {vantage}"


def matrix_lines(merged: Merged, width: int = 100, colour: bool = False) -> list[str]:
    """The org x vantage x model matrix, drawn by the check summary's renderer (gpt56probe.views.summary: width-aware,
    panels on a narrow terminal, the vocabulary's cell words): one row per org and vantage, ``org-acme @ eu-office``; when
    a label is too wide for the org column, each org on a line of its own and its rows ``  @ eu-office`` under it (an
    org id cut to a column loses what tells orgs apart, a vantage cut off loses the row's meaning)."""
    from gpt56probe.core.observation import Diagnosis, Target
    from gpt56probe.views.summary import clean, render_matrix

    rows = [Diagnosis(Target(row_label(c.org, c.vantage), c.model, c.tier, c.surface, c.stream), c.verdict, "", "")
            for c in sorted(merged.cells, key=lambda c: (c.org is not None, c.org or "", c.vantage, _model_rank(c.model)))]
    split = {clean(row_label(c.org, c.vantage)): (clean(c.org or DEFAULT_ORG), f"  @ {clean(c.vantage)}") for c in merged.cells}
    return render_matrix(rows, {}, width, colour, split_label=lambda label: split.get(label, (label, label)))


def _clean(text: Any) -> str:
    return " ".join("".join(c if c.isprintable() else " " for c in str(text)).split())


def render_text(merged: Merged, width: int = 100, colour: bool = False) -> str:
    """The matrix, what the differences mean, and where each vantage checked from."""
    out = [*matrix_lines(merged, width, colour), ""]
    differences = [f for f in merged.findings if f.kind != "about_the_org" and f.kind != "same_everywhere"]
    agreements = [f for f in merged.findings if f not in differences]
    if len(merged.vantages) < 2:
        out.append(f"only one vantage ({', '.join(v.name for v in merged.vantages) or 'none'}): nothing to compare; "
                   "merge the results of checks made from other places (--vantage NAME)")
    elif not merged.findings:
        out.append("every vantage agrees on every target it shares with another")
    for finding in differences + agreements:
        out.append(f"- {_clean(finding.text)}")
    if merged.vantages:
        out.append("")
        out.append("vantages:")
        for v in merged.vantages:
            facts = _clean(v.facts.describe()) if v.facts else f"{_clean(v.name)}: no network facts recorded"
            status = f" {v.status}" if v.status else ""
            out.append(f"  {facts} (checked {_clean(v.checked_at) or 'at an unknown time'}{status}; {', '.join(_clean(s) for s in v.sources)})")
    from gpt56probe.views.textwidth import fit_prose

    return fit_prose("\n".join(out).rstrip(), max(width, 20)) + "\n"


def render_table(merged: Merged, fmt: str, width: int | None = None) -> str:
    """Any tabulate format: one row per org, vantage and model, and the findings under it."""
    from gpt56probe.views.tables import render, with_notes

    rows = [[c.org or DEFAULT_ORG, c.vantage, c.model, c.surface + (" stream" if c.stream else ""), c.verdict.value,
             c.result.get("http_status") if c.result.get("http_status") is not None else "-", c.result.get("request_id") or "-"]
            for c in merged.cells]
    text = render(rows, ["org", "vantage", "model", "surface", "verdict", "http", "request id"], fmt, width)
    return with_notes(text, [f.text for f in merged.findings], width) + "\n"
