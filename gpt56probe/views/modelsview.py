"""What ``gpt56probe models`` shows: per org, the GPT-5.6 ids its list holds and the configured ids. Pure.

Each org's one ``GET /v1/models`` (a ``ModelListing``) becomes rows: every GPT-5.6 id the org
lists (dated snapshots and Ultra included), mapped to its tier by name, marked configured or
not; and every configured id, listed or not. Where a configured tier id is not listed but
another id of that tier is, the org gets a switch: the listed id and the setting that makes it
the tier's id. A list that could not be read is judged like any answer (classify).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Mapping, Sequence

from gpt56probe.core.classify import classify
from gpt56probe.core.rules import remediation_for
from gpt56probe.core.discovery import config_line, config_snippet, family_ids, probeable, shown, substitutes, switch_instruction
from gpt56probe.core.models import FALLBACK, NAMED_TIERS, SOURCE_ENV, UNKNOWN_TIER, ModelIdSource, ModelTable, preference
from gpt56probe.core.retirement import WARN_DAYS, days_left
from gpt56probe.core.observation import PRECHECK_ERROR, Diagnosis, ModelListing, Observation, Target

SCHEMA = "gpt56probe.models/1"
LIST_TARGET = "(model list)"
TIER_ORDER = (*NAMED_TIERS, UNKNOWN_TIER, FALLBACK)


@dataclass(frozen=True)
class ModelRow:
    """One id for one org: its tier (by name for a GPT-5.6 id, else the table's), whether the table
    holds it (and as which tier), whether the org lists it, and a short note."""

    id: str
    tier: str
    configured_as: str | None
    listed: bool
    note: str = ""
    shutdown_date: str | None = None  # the list's shutdown_date for this id, when it announces one


@dataclass(frozen=True)
class Switch:
    """A configured tier id the org does not list, and the listed id of that tier to use instead."""

    tier: str
    configured: str
    listed: str
    source: ModelIdSource | None = None

    @property
    def instruction(self) -> str:
        return switch_instruction(self.tier, self.listed, self.source)


@dataclass(frozen=True)
class OrgModels:
    org: str | None
    project: str | None
    org_name: str | None
    rows: tuple[ModelRow, ...] = ()
    switches: tuple[Switch, ...] = ()
    error: Diagnosis | None = None  # the list could not be read: why, and what to do

    @property
    def read(self) -> bool:
        return self.error is None


def _rank(row: ModelRow, table: ModelTable) -> tuple[int, int, Any]:
    """By tier; the configured id first (in table order: the fallbacks in the order they are tried), then
    the listed ids, newest snapshot first."""
    order = (*table.family.named_tiers, UNKNOWN_TIER, FALLBACK)
    tier = row.tier if row.tier in order else UNKNOWN_TIER
    if row.configured_as:
        return (order.index(tier), 0, table.ids.index(row.id) if row.id in table.ids else 0)
    return (order.index(tier), 1, preference(row.id, table.family))


def org_models(listing: ModelListing, table: ModelTable, sources: Mapping[str, ModelIdSource] | None = None) -> OrgModels:
    """The rows and switches for one org's list (see the module docstring)."""
    sources = sources or {}
    headers = listing.exchange.headers if listing.exchange is not None else {}
    org_name = next((str(v) for k, v in headers.items() if str(k).lower() == "openai-organization"), None)
    if listing.ids is None:
        target = Target(listing.org, LIST_TARGET, "-", project=listing.project, key_id=listing.key_id)
        diagnosis = classify(Observation(target, PRECHECK_ERROR, listing.exchange, listing=listing))
        diagnosis = replace(diagnosis, remediation=remediation_for(diagnosis.verdict))  # the verdict's own step: no model was asked for
        return OrgModels(listing.org, listing.project, org_name, error=diagnosis)
    listed = tuple(listing.ids)
    listed_set = set(listed)
    subs = substitutes(listed, table)
    switches = tuple(Switch(tier, table.for_tier(tier).id, ids[0], sources.get(tier)) for tier, ids in subs.items())
    chosen = {s.listed: s for s in switches}
    rows: list[ModelRow] = []
    family = table.family
    for model_id in family_ids(listed, family):
        spec = table.get(model_id)
        tier = family.tier_by_name(model_id)
        if spec is not None:
            note = f"configured ({spec.tier})"
        elif model_id in chosen:
            note = f"use it for {tier}: {config_line(tier, model_id)}"
        elif not probeable(model_id):
            note = "cannot be a model id (odd characters or length): never probed"
        elif family.is_ultra(model_id):
            note = "Ultra, the compute-heavy mode: probed only when named (check --model ID)"
        elif tier == UNKNOWN_TIER:
            note = "no tier by its name (check --model ID probes it)"
        else:
            note = "not configured (check --discover probes it)"
        rows.append(ModelRow(model_id, tier, spec.tier if spec is not None else None, True, note))
    dates = listing.shutdown_dates
    rows = [replace(r, shutdown_date=dates.get(r.id)) for r in rows]
    for spec in table:
        if spec.id in listed_set and any(r.id == spec.id for r in rows):
            continue
        if spec.id in listed_set:
            rows.append(ModelRow(spec.id, spec.tier, spec.tier, True, f"configured ({spec.tier})", dates.get(spec.id)))
            continue
        switch = next((s for s in switches if s.configured == spec.id), None)
        note = f"not listed: the org lists {switch.listed} ({spec.tier})" if switch else "not listed"
        rows.append(ModelRow(spec.id, spec.tier, spec.tier, False, note))
    return OrgModels(listing.org, listing.project, org_name, tuple(sorted(rows, key=lambda r: _rank(r, table))), switches)


def _diagnosis_doc(d: Diagnosis) -> dict[str, Any]:
    return {"verdict": d.verdict.value, "http_status": d.http_status, "error_code": d.error_code, "error_message": d.error_message,
            "request_id": d.request_id, "reason": d.reason, "remediation": d.remediation}


def models_doc(orgs: Sequence[OrgModels], listed_at: str, base_url: str) -> dict[str, Any]:
    """The JSON document of ``gpt56probe models --format json``."""
    return {
        "schema": SCHEMA,
        "listed_at": listed_at,
        "base_url": base_url,
        "orgs": [
            {
                "org": o.org,
                "project": o.project,
                "org_name": o.org_name,
                "read": o.read,
                "error": _diagnosis_doc(o.error) if o.error is not None else None,
                "models": [{"id": r.id, "tier": r.tier, "configured_as": r.configured_as, "listed": r.listed, "note": r.note,
                            **({"shutdown_date": r.shutdown_date, "days_left": days_left(r.shutdown_date, listed_at)}
                               if r.shutdown_date else {})} for r in o.rows],
                "switch": [{"tier": s.tier, "configured": s.configured, "listed": s.listed, "config_line": config_line(s.tier, s.listed),
                            "instruction": s.instruction} for s in o.switches],
            }
            for o in orgs
        ],
        "summary": {"orgs": len(orgs), "read": sum(1 for o in orgs if o.read),
                    "switches": sum(len(o.switches) for o in orgs)},
    }


def models_table(orgs: Sequence[OrgModels], fmt: str = "table", listed_at: str | None = None, width: int | None = None) -> str:
    """The table (any tabulate format, fitted to ``width``), then how to switch to what each org lists; a retiring
    id's note says its shutdown date and the days left from ``listed_at``."""
    from gpt56probe.views.tables import render, with_notes

    rows: list[list[Any]] = []
    for o in orgs:
        who = o.org or "(default)"
        if o.error is not None:
            d = o.error
            status = f" {d.http_status}" if d.http_status is not None else ""
            rows.append([who, "-", "-", "-", "not read", f"{d.verdict.value}{status}: {d.remediation}"])
            continue
        for r in o.rows:
            note = r.note
            if r.shutdown_date:
                left = days_left(r.shutdown_date, listed_at)
                note += f"; retiring: shuts down on {r.shutdown_date}" + (f" ({left} days left)" if left is not None else "")
                note += f" (within {WARN_DAYS} days: move its traffic)" if left is not None and left <= WARN_DAYS else ""
            rows.append([who, shown(r.id), r.tier, "yes" if r.configured_as else "no", "yes" if r.listed else "no", note])
    text = render(rows, ["org", "model", "tier", "configured", "listed", "note"], fmt, width)
    notes: list[str] = []
    for o in orgs:
        who = o.org or "the default org"
        if o.org is None and o.org_name:
            notes.append(f"the key's default org is named {o.org_name} (pass --org with an org id to choose one)")
        env = [s for s in o.switches if s.source is not None and s.source.kind == SOURCE_ENV]
        files = [s for s in o.switches if s not in env]
        for s in env:
            notes.append(f"{who} does not list {s.configured}: {s.instruction}")
        if files:
            where = next((s.source.where for s in files if s.source is not None and s.source.where), None) or "config.toml"
            snippet = "\n".join(config_snippet(s.tier, s.listed) for s in files)
            notes.append(f"{who} does not list {', '.join(s.configured for s in files)}; to use what it lists, put in {where}"
                         f" (or change the id under an existing [models.<tier>]):\n{snippet}")
    return with_notes(text, notes, width)


__all__ = ["ModelRow", "OrgModels", "SCHEMA", "Switch", "models_doc", "models_table", "org_models"]
