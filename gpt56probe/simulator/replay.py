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


def replay_hint(recording: Mapping[str, Any], base_url: str) -> str:
    """How to ask a playback the recorded questions: the check command line, and which orgs share a key."""
    import shlex

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
    for model in recording.get("models", []):
        args += ["--model", str(model)]
    if recording.get("timeout") is not None:
        args += ["--timeout", str(recording["timeout"])]
    lines = [f"  recording of {recording.get('recorded_at') or 'an unknown time'}"
             + (f" from {recording['vantage']}" if recording.get("vantage") else "")
             + (f": {recording['summary']}" if recording.get("summary") else ""),
             "  replay it: " + shlex.join(args)]
    if len(keys) > 1:
        groups = "; ".join(f"key {n}: {', '.join(orgs)}" for n, orgs in sorted(keys.items()))
        lines.append(f"  with one key per recorded key ({groups}): a shared key is named in the next steps")
    return "\n".join(lines)
