"""Observation -> Diagnosis: what a probe's answer means, and what to do next.

A pure module: no I/O, and total: ``classify`` never raises, whatever the
status, headers, body or failure (the property tests hold it to that).

How a verdict is reached (first rule that applies wins)
-------------------------------------------------------
1. Transport failure (``Exchange.failure``): connect/read timeout or the
   check's deadline -> ``timeout``; DNS, refused, reset, TLS, proxy and other
   transport failures -> ``network_error``; an invalid base URL or a body over
   the read cap (``too_large``) -> ``unknown`` (the check could not be judged:
   a 20 MB answer to a one-word prompt is not something to call healthy, nor
   proof the model is down).
2. No sample was taken: the pre-check decides (``not_listed`` ->
   ``not_provisioned``; a pre-check error answer is judged like any error).
3. An error answer (status outside 2xx, or a 2xx whose JSON carries an error
   object, as relays and failed Responses do). The error object is found in
   ``{"error": {...}}``, ``{"error": "text"}``, a bare inner object, a JSON
   array, ``{"detail": ...}``, an SSE ``error`` event, and inside a relayed
   message (a proxy quoting OpenAI's JSON, or openai-python's
   ``Error code: 404 - {...}`` repr). Then, in order:
   organization verification ("must be verified", usage tier) ->
   ``org_not_eligible`` (before everything, because OpenAI sends it with
   ``unsupported_value`` and at 404); "Project `proj_…` does not have access
   to model" -> ``project_no_access``; "You are not allowed to sample from
   this model" -> ``key_permissions`` (a restricted key without model
   capabilities, whatever the model list says); unambiguous codes (``invalid_api_key``,
   ``mismatched_organization``, ``account_deactivated``, ``insufficient_quota``,
   ``rate_limit_exceeded``, ``unsupported_country_region_territory``,
   ``invalid_prompt``, ``unsupported_parameter`` …); then types and message
   wording for bodies whose code is null; then model-access refusals
   (``model_not_found`` at 400/403/404, "does not exist or you do not have
   access"): ``provisioning_pending`` if the org lists the model, else
   ``not_provisioned``; then ``unsupported_value``/param errors ->
   ``unsupported_parameter``; then the status alone (429 -> ``rate_limited``,
   408 and 524 (Cloudflare gave up waiting for the origin) -> ``timeout``,
   5xx -> ``server_error``, 400 on a param -> ``unsupported_parameter``).
   HTML edge pages: block pages ("Sorry, you have been blocked", "Attention
   Required! | Cloudflare", "Access denied") at 4xx -> ``region_vpn``; the 524
   "A timeout occurred" page -> ``timeout``; other HTML at 5xx -> ``server_error``.
4. A 2xx answer: a safety notice (header ``openai-safety-notice``, notice text
   in the body, chat ``finish_reason: content_filter``, a refusal, Responses
   ``incomplete_details.reason: content_filter``) -> ``safety_check``; else
   ``ok`` (``truncated`` when cut short by the cap or empty; the reason says so,
   and notes an answer other than "ok"). Luna does not use the additional-check
   experience: a slow Luna is just ``ok``.
5. Anything else -> ``unknown``, with the status and a short redacted snippet.

A verdict is the observation's own answers, nothing else: an org gets the same verdict alone
and in any company, so history, metrics, alerts and the exit status never change because another
org joined a run. ``wrong_org`` comes only from an answer that says so (``mismatched_organization``,
a rejected org header). What other orgs show (``PeerIndex``, built once per run in O(N)) goes into
the next step: the orgs that reach the model (the same key first: "use --org Y if Y is the org you
meant"), the org's own Luna for a ``safety_check``, and what ``--discover`` found. The org's model
list outranks them (``discovery.next_step``: a listed same-tier id when the configured one is not
listed is the most specific cause).

The module layout: ``rules`` (the tables), ``reading`` (one answer on its own), this module
(peers and the Diagnosis), ``expectations`` (which targets count, the overall status).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from gpt56probe.core.discovery import next_step as _listed_step
from gpt56probe.core.models import DISCOVERED, TIERS, ModelIdSource
from gpt56probe.core.observation import PRECHECK_SKIPPED, Diagnosis, Exchange, Observation, Target, Verdict
from gpt56probe.core.reading import Facts, facts_of, header_value, safe_text, seconds_of, status_of
from gpt56probe.core.rules import ANSWER_CAP, LUNA_TIER, REMEDIATIONS, SAFETY_NOTICE_HEADER, SAMPLE_FORBIDDEN, remediation_for
from gpt56probe.core.wire import count_of as _int
from gpt56probe.core.wire import text_of as _text


REACH_NAMED = 3
"""A not_provisioned next step names at most this many other orgs that reach the model (and counts the rest)."""


@dataclass
class PeerIndex:
    """What the other observations of a run show, aggregated once per run in O(N).

    It feeds next steps (remediation text) only, never a verdict: a verdict is the org's own
    answers (``facts_of``), so an org says the same alone or in any company. Built by one pass:
    each observation's own facts; per model, per key, the orgs that reached it (ok or a safety
    check); per org, its Luna observations (the faster-retry advice reads the org's own Luna);
    per org, the ids ``--discover`` probed and their verdicts.
    """

    own: dict[int, Facts] = field(default_factory=dict)
    reached: dict[str, dict[str, dict[Any, None]]] = field(default_factory=dict)  # model -> key_id -> orgs, first seen first
    reach_names: dict[str, list[str]] = field(default_factory=dict)  # model -> names of the orgs reaching it, sorted
    lunas: dict[Any, list[Observation]] = field(default_factory=dict)  # org -> its Luna observations
    discovered: dict[Any, dict[str, Verdict]] = field(default_factory=dict)  # org -> discovered id -> verdict
    id_sources: Mapping[str, ModelIdSource] = field(default_factory=dict)  # where each tier's id is set (next steps name it)

    @classmethod
    def build(cls, observations: Iterable[Any], id_sources: Mapping[str, ModelIdSource] | None = None) -> "PeerIndex":
        index = cls(id_sources=dict(id_sources or {}))
        for obs in observations:
            if isinstance(obs, Observation) and isinstance(getattr(obs, "target", None), Target):
                index.add(obs)
        index.reach_names = {model: sorted({_org_name(org) for orgs in by_key.values() for org in orgs})
                             for model, by_key in index.reached.items()}
        return index

    def add(self, observation: Observation) -> None:
        target = observation.target
        facts = self.facts(observation)
        if facts.verdict in (Verdict.OK, Verdict.SAFETY_CHECK):
            self.reached.setdefault(target.model, {}).setdefault(target.key_id, {}).setdefault(target.org, None)
        if target.tier == LUNA_TIER:
            self.lunas.setdefault(target.org, []).append(observation)
        if target.tier == DISCOVERED:
            self.discovered.setdefault(target.org, {})[target.model] = facts.verdict

    def facts(self, observation: Observation) -> Facts:
        key = id(observation)
        if key not in self.own:
            self.own[key] = _guarded_base(observation)
        return self.own[key]

    def done_with(self, observation: Observation) -> None:
        """Its diagnosis is made: its facts are let go, unless other diagnoses read them (an org's Luna), so a fleet's
        facts and diagnoses are never all held at once."""
        target = getattr(observation, "target", None)
        if not isinstance(target, Target) or target.tier != LUNA_TIER:
            self.own.pop(id(observation), None)

    def first_same_key(self, target: Target) -> tuple[Any] | None:
        """The first other org (plan order) reaching the model with this key, as a 1-tuple so that a found
        default org (None) differs from none found. Constant time whatever the number of orgs."""
        for org in self.reached.get(target.model, {}).get(target.key_id, {}):
            if org != target.org:
                return (org,)
        return None

    def other_reachers(self, model: str, org: Any) -> tuple[list[str], int]:
        """Up to REACH_NAMED names (sorted) of the other orgs reaching ``model`` with any key, and how many in all:
        a next step's length, and its cost, stay the same however many orgs a run checks."""
        own = _org_name(org)
        found = self.reach_names.get(model, [])
        named = [name for name in found[:REACH_NAMED + 1] if name != own][:REACH_NAMED]
        at = bisect_left(found, own)
        total = len(found) - (1 if at < len(found) and found[at] == own else 0)
        return named, total


def _guarded_base(observation: Observation) -> Facts:
    try:
        return facts_of(observation)
    except Exception as exc:  # noqa: BLE001 - totality: a bug here must not stop a check
        return Facts(Verdict.UNKNOWN, f"the classifier could not judge this answer ({type(exc).__name__})")


def _org_name(org: Any) -> str:
    return _text(org) or "the default org"


def _latency(observation: Observation) -> float | None:
    final = observation.final
    return seconds_of(final.latency_s) if isinstance(final, Exchange) else None


def _refine(observation: Observation, facts: Facts, index: PeerIndex) -> str:
    """The specialised next step for the org's own verdict; what other orgs show is named here, never in the verdict."""
    target = observation.target
    model = target.model
    found = index.first_same_key(target)
    same_key_orgs = [found[0]] if found is not None else []
    remedy = REMEDIATIONS[facts.verdict]
    headers = facts.exchange.headers if facts.exchange is not None else {}
    notice = header_value(headers, SAFETY_NOTICE_HEADER)
    verdict = facts.verdict
    own_lunas = [p for p in index.lunas.get(target.org, []) if p is not observation]

    if verdict is Verdict.WRONG_ORG:
        if same_key_orgs:
            remedy = f"Use org {_org_name(same_key_orgs[0])}: the same key reaches {model} there (set the OpenAI-Organization header / --org)."
        else:
            remedy = f"{remedy} No other checked org reaches {model} with this key."
    elif verdict is Verdict.NOT_PROVISIONED:
        who = _org_name(target.org)
        if same_key_orgs:
            there = _org_name(same_key_orgs[0])
            switch = f"--org {there}" if _text(same_key_orgs[0]) else "no --org (the key's default org)"
            remedy = (f"{who} cannot use {model}, but the same key reaches it through {there}: if {there} is the approved "
                      f"org you meant, use {switch}; else ask for {who} to be provisioned.")
        elif (reachers := index.other_reachers(model, target.org))[0]:
            reach, count = reachers
            more = f" and {count - len(reach)} more" if count > len(reach) else ""
            remedy = (f"{who} cannot use {model}, but {', '.join(reach)}{more} can (with its own key): use that org, "
                      f"or ask for {who} to be provisioned.")
        else:
            remedy = f"{remedy} No checked org reaches {model}: confirm the approved org id and the approved account email."
    elif verdict is Verdict.SAFETY_CHECK:
        lunas = sorted(own_lunas, key=lambda p: (p.target.surface != target.surface, p.target.stream != target.stream))
        luna_ok = [p for p in lunas if index.facts(p).verdict is Verdict.OK]
        own = _latency(observation)
        tail = " Keep the notice and request id; if it repeats on a benign task, contact support with redacted details."
        if target.tier == LUNA_TIER:
            remedy = "Luna itself was withheld or flagged (Luna does not use the additional-check experience): contact support with the request id." + tail
        elif luna_ok:
            luna_s = _latency(luna_ok[0])
            when = f" in {luna_s:.2g} s" if luna_s is not None else ""
            remedy = f"Luna answered{when} in this org: use it as the faster retry path." + tail
            if luna_s is not None and own is not None and own >= 3 * max(luna_s, 0.05) and own - luna_s >= 1.0:
                facts.notes.append(f"{own:.1f} s against Luna's {luna_s:.1f} s")
        elif lunas:
            remedy = f"Luna did not answer in this org either ({index.facts(lunas[0]).verdict.value}); wait and retry." + tail
        else:
            remedy = "Retry on Luna (not checked here), the faster path while a safety check runs." + tail
        if notice and "notice:" not in facts.reason:
            facts.notes.append(f"notice: \"{safe_text(notice, 120)}\"")
    elif verdict is Verdict.RATE_LIMITED:
        after = header_value(headers, "retry-after")
        after_ms = header_value(headers, "retry-after-ms")
        wait = f"retry-after {safe_text(after, 40)} s" if after else (f"retry-after-ms {safe_text(after_ms, 40)}" if after_ms else None)
        message = facts.error.message if facts.error and facts.error.message else ""
        match = re.search(r"try again in ([0-9.]+\s*m?s)", message)
        if wait is None and match:
            wait = f"the API says try again in {match.group(1)}"
        remedy = (f"Rate limited: wait ({wait}) and retry" if wait else "Rate limited (no retry-after given): back off and retry") + \
            " with less concurrency; check the org's rate limits."
    elif verdict is Verdict.REGION_VPN:
        remedy = "Disconnect the VPN/proxy (or use a network in a supported country/region) and retry."
    elif verdict is Verdict.QUOTA_EXHAUSTED:
        remedy = f"Billing: add credits or raise the usage limit for {_org_name(target.org)} (settings, billing), then retry; retrying sooner will not help."
    elif verdict is Verdict.PROVISIONING_PENDING:
        remedy = f"{_org_name(target.org)} lists {model} but cannot use it yet: ask the account rep for the provisioning status."
    elif verdict is Verdict.PROJECT_NO_ACCESS:
        remedy = f"Allow {model} for this project (project settings, model access), or use a project/key that has it."
    elif verdict is Verdict.KEY_PERMISSIONS:
        said = facts.error.message if facts.error and facts.error.message else ""
        scopes = re.search(r"missing scopes?:?\s*([\w.,\s]+?)(?:\.\s|\.$|$)", said, re.IGNORECASE)
        if SAMPLE_FORBIDDEN.search(said):
            remedy = ("This key may not sample models: a restricted key needs Write on \"Model capabilities\" "
                      "(scope model.request). Edit the key's permissions (platform.openai.com/api-keys) or use an unrestricted key.")
        elif scopes:
            remedy = f"Give the key the missing scope(s) {safe_text(scopes.group(1).strip(), 80)} (restricted key permissions, project role) or use an unrestricted key."
    elif verdict is Verdict.TIMEOUT and facts.exchange is not None and status_of(facts.exchange) == 524:
        remedy = ("Cloudflare gave up waiting for OpenAI (524): retry later, raising --timeout will not help; "
                  "if it repeats on Sol/Terra a safety check may be holding the answer, so try Luna.")
    elif verdict is Verdict.OK and target.tier in (*TIERS,) and target.tier != LUNA_TIER:
        lunas = [p for p in own_lunas if index.facts(p).verdict is Verdict.OK]
        own, luna_s = _latency(observation), (_latency(lunas[0]) if lunas else None)
        if own is not None and luna_s is not None and own >= 5 * max(luna_s, 0.05) and own - luna_s >= 5.0:
            facts.notes.append(f"much slower than Luna ({own:.1f} s against {luna_s:.1f} s): possibly a safety check")
    # The org's own model list is the most specific cause of a not_provisioned: its step wins over what peers show.
    return _listed_step(observation, verdict, facts.model_access, remedy, index.id_sources,
                        index.discovered.get(target.org, {}))


# ---------------------------------------------------------------- public API


def classify(observation: Observation, peers: Sequence[Observation] = ()) -> Diagnosis:
    """The Diagnosis of one observation. Its verdict is its own answers'; ``peers`` (other orgs' and
    this org's observations) only specialise the next step. Never raises."""
    return _classify(observation, PeerIndex.build((observation, *tuple(peers or ()))))


def _classify(observation: Observation, index: PeerIndex) -> Diagnosis:
    target = observation.target if isinstance(getattr(observation, "target", None), Target) else Target(None, "?", "?")
    try:
        facts = index.facts(observation)
        facts = Facts(**{k: getattr(facts, k) for k in facts.__dataclass_fields__})  # a copy: notes are added to it
        facts.notes = list(facts.notes)
        verdict = facts.verdict
        try:
            remedy = _refine(observation, facts, index)
        except Exception:  # noqa: BLE001
            remedy = REMEDIATIONS.get(facts.verdict, REMEDIATIONS[Verdict.UNKNOWN])
        facts.verdict = verdict  # the org's own answers decide; nothing above may change that
        if facts.remedy and facts.remedy_for is facts.verdict:
            # the answer's own next step (a gateway's budget, a proxy, a 2026 code); a listed id of the tier still wins
            remedy = _listed_step(observation, facts.verdict, facts.model_access, facts.remedy, index.id_sources,
                                  index.discovered.get(target.org, {}))
        return _diagnosis(observation, target, facts, remedy)
    except Exception as exc:  # noqa: BLE001 - the last guard of totality
        return Diagnosis(target=target, verdict=Verdict.UNKNOWN,
                         reason=f"the classifier could not judge this answer ({type(exc).__name__})",
                         remediation=REMEDIATIONS[Verdict.UNKNOWN])


def _diagnosis(observation: Observation, target: Target, facts: Facts, remedy: str) -> Diagnosis:
    exchange = facts.exchange if facts.exchange is not None else observation.final
    headers = exchange.headers if isinstance(exchange, Exchange) else {}
    # The header names the org (a slug such as acme-x1y2z3 or user-…), it is never the org id:
    # it is recorded, and never compared with the id that was asked for.
    org_name = header_value(headers, "openai-organization")
    notes = list(facts.notes)
    if org_name and not _text(target.org):
        notes.append(f"the key's default org is named {org_name}")
    reason = facts.reason + ("; " + "; ".join(notes) if notes else "")
    info = facts.error
    answer = facts.answer
    latency = seconds_of(exchange.latency_s) if isinstance(exchange, Exchange) else None
    usage_in = _int(observation.usage_input_tokens) or (answer.usage_in if answer else 0)
    usage_out = _int(observation.usage_output_tokens) or (answer.usage_out if answer else 0)
    attempts = _int(observation.attempts)
    adaptations = tuple(a for a in observation.adaptations if isinstance(a, str)) if isinstance(observation.adaptations, (tuple, list)) else ()
    return Diagnosis(
        target=target,
        verdict=facts.verdict,
        reason=safe_text(reason, 600) or facts.verdict.value,
        remediation=safe_text(remedy, 600) or REMEDIATIONS[facts.verdict],
        http_status=status_of(exchange) if isinstance(exchange, Exchange) else None,
        error_code=safe_text(info.code, 100) if info else None,
        error_type=safe_text(info.type, 100) if info else None,
        error_message=safe_text(info.message) if info else None,
        request_id=safe_text(header_value(headers, "x-request-id"), 100),
        org_name=safe_text(org_name, 100),
        precheck=observation.precheck if isinstance(observation.precheck, str) else PRECHECK_SKIPPED,
        truncated=facts.truncated,
        latency_ms=round(latency * 1000.0, 1) if latency is not None else None,
        timestamp=_text(observation.started_at),
        attempts=attempts,
        answer=safe_text(answer.text, ANSWER_CAP) if answer and answer.text is not None else None,
        adaptations=adaptations,
        usage_input_tokens=usage_in,
        usage_output_tokens=usage_out,
        gateway=safe_text(facts.gateway, 120),
    )


def classify_all(observations: Sequence[Observation], id_sources: Mapping[str, ModelIdSource] | None = None) -> list[Diagnosis]:
    """Diagnoses in the same order. Each verdict is its observation's own; one PeerIndex, built once
    (O(N)), lets the next steps name what other orgs and this org's other models show.
    ``id_sources`` (tier -> where its id is set) lets a next step name the setting to change."""
    items = list(observations)
    index = PeerIndex.build(items, id_sources)
    out: list[Diagnosis] = []
    for obs in items:
        out.append(_classify(obs, index))
        index.done_with(obs)
    return out


__all__ = ["PeerIndex", "classify", "classify_all", "remediation_for"]
