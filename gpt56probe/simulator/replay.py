"""Playing a recording back: the reply a recorded scenario gives one request.

A recording (``check --record``, gpt56probe/store/record.py) holds, per org, every answer the
real API gave: per (endpoint, model, stream) an ordered list, and the answers to the
probe's own rejected parameters keyed by the request shape they answered. Nothing here
decides anything the recording does not say: the status, the headers and the body go
out as they were recorded (a ``retry-after`` date is written relative to now, as
``{http_date+N}``), after the recorded latency.
"""

from __future__ import annotations

import json
from typing import Any, Mapping

from gpt56probe.simulator.scenarios import RecordedReply, Scenario

NOT_RECORDED_STATUS = 404
NOT_RECORDED_CODE = "not_recorded"
"""What a recorded org answers to a request the recording has no answer for (simulator-defined)."""


def request_shape(endpoint: str, body: Mapping[str, Any]) -> dict[str, str]:
    """The shape of a probe's request as a reply's ``when`` names it: the chat token-cap name and the
    reasoning effort ("" when left out), read the way the probe writes them (probe.Prober._sample_body)."""
    shape: dict[str, str] = {}
    if endpoint == "chat":
        for name in ("max_tokens", "max_completion_tokens"):
            if name in body:
                shape["token_param"] = name
                break
        effort = body.get("reasoning_effort")
    else:
        reasoning = body.get("reasoning")
        effort = reasoning.get("effort") if isinstance(reasoning, Mapping) else None
    shape["reasoning_effort"] = effort if isinstance(effort, str) else ""
    return shape


def pick(scenario: Scenario, endpoint: str, model: str, stream: bool, shape: Mapping[str, str],
         take: Any) -> RecordedReply | None:
    """The recorded reply for one request, or None when nothing was recorded for it.

    1. A reply recorded with ``when`` whose every named field matches the request's shape: the
       answer to the probe's own parameter, given whenever that shape is asked again.
    2. Else the next reply of the ordered list for (endpoint, model, stream); the last one repeats.
       ``take(key, n)`` returns the list index to serve (the server counts per key, thread-safe).
    """
    slot = (endpoint, model if endpoint != "models.list" else "", stream if endpoint != "models.list" else False)
    for reply in scenario.replies:
        if reply.when is not None and reply.slot == slot and all(shape.get(k, "") == v for k, v in reply.when.items()):
            return reply
    ordered = [r for r in scenario.replies if r.when is None and r.slot == slot]
    if not ordered:
        return None
    return ordered[take(("replay", scenario.name, *map(str, slot)), len(ordered))]


def not_recorded_body(endpoint: str, model: str, stream: bool, org: str) -> bytes:
    what = f"{endpoint} {model}".strip() + (" (streamed)" if stream else "")
    message = (f"gpt56probe replay: this recording holds no answer for {what} in {org}. "
               "Replay with the orgs, models and surfaces that were recorded (see [recording] in the file).")
    return json.dumps({"error": {"message": message, "type": NOT_RECORDED_CODE, "param": None,
                                 "code": NOT_RECORDED_CODE}}, indent=4).encode()


def replay_models(recording: Mapping[str, Any]) -> list[str]:
    """The flags that make a check probe, and count as expected, what the recorded one did.

    A run of the whole table gives no flags; otherwise each recorded tier id is ``--tier T``
    and every other id ``--model ID`` (an id named with --model counts as expected, as it did when
    it was probed, since ``--tier`` alone probes no fallback); ids ``--discover`` found give
    ``--discover``; expected tiers other than the probed ones give ``--expect``. Recordings made
    before results carried their tier are read with the built-in table."""
    from gpt56probe.core.models import DEFAULT_TABLE, DISCOVERED, TIERS

    results = [r for r in recording.get("results", []) if isinstance(r, Mapping)]
    tier_of: dict[str, str] = {}
    for row in results:
        model = str(row.get("model"))
        tier_of.setdefault(model, str(row.get("tier") or "") or DEFAULT_TABLE.tier_of(model))
    models = [str(m) for m in recording.get("models", [])] or list(tier_of)
    for model in models:
        tier_of.setdefault(model, DEFAULT_TABLE.tier_of(model))
    discovered = [m for m in models if tier_of[m] == DISCOVERED]
    rest = [m for m in models if tier_of[m] != DISCOVERED]
    args: list[str] = []
    if sorted(rest) != sorted(spec.id for spec in DEFAULT_TABLE.models):
        for model in rest:
            tier = tier_of[model]
            if tier in TIERS and DEFAULT_TABLE.for_tier(tier).id == model:
                args += ["--tier", tier]
            else:
                args += ["--model", model]
    if discovered:
        args.append("--discover")
    if any("expected" in r for r in results):
        wanted = [t for t in TIERS if any(r.get("expected") and tier_of.get(str(r.get("model"))) == t for r in results)]
        probed = [t for t in TIERS if any(tier_of[m] == t for m in rest)]
        if wanted and wanted != probed:
            args += ["--expect", ",".join(wanted)]
    return args


def replay_hint(recording: Mapping[str, Any], base_url: str) -> str:
    """How to ask a playback the recorded questions: the check command line (with the example key, so it
    runs as printed), and which orgs shared a key (the next steps name orgs the same key reaches)."""
    import shlex

    from gpt56probe.core.gate import EXAMPLE_KEY

    args = ["gpt56probe", "check", "--base-url", base_url]
    keys: dict[int, list[str]] = {}
    for row in recording.get("orgs", []):
        org = row.get("org")
        if org and org != "<default>":
            args += ["--org", str(org)]
        keys.setdefault(int(row.get("key", 1)), []).append(str(org))
    if recording.get("surface", "chat") != "chat":
        args += ["--surface", str(recording["surface"])]
    if recording.get("stream"):
        args.append("--stream")
    args += replay_models(recording)
    if recording.get("timeout") is not None:
        args += ["--timeout", str(recording["timeout"])]
    lines = [f"  recording of {recording.get('recorded_at') or 'an unknown time'}"
             + (f" from {recording['vantage']}" if recording.get("vantage") else "")
             + (f": {recording['summary']}" if recording.get("summary") else ""),
             f"  replay it: OPENAI_API_KEY={EXAMPLE_KEY} " + shlex.join(args)]
    if len(keys) > 1:
        groups = "; ".join(f"key {n}: {', '.join(orgs)}" for n, orgs in sorted(keys.items()))
        lines.append(f"  the recorded run used one key per group ({groups}): the verdicts replay with any key; "
                     "the next steps name the orgs the same key reaches")
    return "\n".join(lines)
