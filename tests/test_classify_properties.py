"""Totality: classify, classify_all, overall_severity and summarize never raise, whatever they are fed."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gpt56probe.core.rules import REMEDIATIONS
from gpt56probe.core.classify import classify, classify_all
from gpt56probe.core.expectations import overall_severity, summarize
from gpt56probe.core.observation import PRECHECK_STATES, Diagnosis, Exchange, Failure, Observation, Severity, Target, Verdict

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

KEYWORDS = [
    "error", "message", "code", "type", "param", "model_not_found", "invalid_api_key", "insufficient_quota",
    "rate_limit_exceeded", "unsupported_value", "must be verified", "Project `proj_x` does not have access",
    "content_filter", "choices", "output", "output_text", "incomplete_details", "finish_reason", "<html>",
    "<title>Attention Required! | Cloudflare</title>", "data: ", "[DONE]", "{'error': ", "Error code: 404 - ",
    "\ufffd", "\x00", "sk-proj-abcdefghijklmnopqrstuvwxyz", "detail", "response", "refusal",
]

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=40) | st.sampled_from(KEYWORDS)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.sampled_from(KEYWORDS) | st.text(max_size=8), children, max_size=5),
    max_leaves=25,
)


def _dump(value: Any) -> str:
    try:
        return json.dumps(value)
    except (ValueError, TypeError):
        return repr(value)


def _sse(events: list[tuple[str, Any]]) -> str:
    return "".join((f"event: {name}\n" if name else "") + f"data: {_dump(data) if not isinstance(data, str) else data}\n\n"
                   for name, data in events)


sse_bodies = st.lists(st.tuples(st.sampled_from(["", "error", "response.failed", "response.incomplete", "response.completed"])
                                | st.text(max_size=8),
                                json_values | st.sampled_from(["[DONE]", ""]) | st.text(max_size=20)),
                      max_size=8).map(_sse)

bodies = st.one_of(
    sse_bodies,
    st.text(max_size=300),
    st.lists(st.sampled_from(KEYWORDS) | st.text(max_size=10), max_size=12).map("".join),
    json_values.map(_dump),
    json_values.map(repr),  # Python reprs, as SDK printouts relay them
    st.binary(max_size=200).map(lambda b: b.decode("utf-8", errors="replace")),
    st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
    json_values.map(lambda v: json.dumps({"error": {"message": _dump(v)}})),  # relayed
)
statuses = st.none() | st.integers(min_value=-5, max_value=700) | st.sampled_from([200, 400, 401, 403, 404, 408, 429, 500, 502, 503, 520])
header_names = st.sampled_from(["x-request-id", "openai-organization", "openai-safety-notice", "retry-after", "retry-after-ms", "content-type"]) | st.text(max_size=12)
headers = st.dictionaries(header_names, st.text(max_size=40), max_size=6)
exchanges = st.builds(
    Exchange,
    status=statuses,
    headers=headers,
    body=bodies,
    latency_s=st.floats(allow_nan=True, allow_infinity=True) | st.integers(),
    failure=st.none() | st.sampled_from(list(Failure)),
    failure_detail=st.text(max_size=30),
)
targets = st.builds(
    Target,
    org=st.none() | st.sampled_from(["org-a", "org-b", "org-c"]),
    model=st.sampled_from(["gpt-5.6-sol", "gpt-5.6-terra", "gpt-5.6-luna", "gpt-5.5"]),
    tier=st.sampled_from(["sol", "terra", "luna", "fallback"]),
    surface=st.sampled_from(["chat", "responses"]),
    stream=st.booleans(),
    key_id=st.sampled_from(["", "sk-…aaaa", "sk-…bbbb"]),
)
observations = st.builds(
    Observation,
    target=targets,
    precheck=st.sampled_from(PRECHECK_STATES) | st.text(max_size=8),
    precheck_exchange=st.none() | exchanges,
    sample=st.none() | exchanges,
    attempts=st.integers(min_value=-3, max_value=10),
    adaptations=st.lists(st.text(max_size=10), max_size=3).map(tuple),
    started_at=st.text(max_size=30),
    usage_input_tokens=st.integers(min_value=-5, max_value=10**6),
    usage_output_tokens=st.integers(min_value=-5, max_value=10**6),
)


def _well_formed(d: Diagnosis) -> None:
    assert isinstance(d, Diagnosis)
    assert isinstance(d.verdict, Verdict)
    assert d.reason and d.remediation
    assert d.error_message is None or len(d.error_message) <= 500
    assert d.http_status is None or isinstance(d.http_status, int)


@SETTINGS
@given(observations)
def test_classify_is_total(observation: Observation) -> None:
    _well_formed(classify(observation))


@SETTINGS
@given(st.lists(observations, max_size=6))
def test_classify_all_is_total_and_keeps_order(items: list[Observation]) -> None:
    out = classify_all(items)
    assert len(out) == len(items)
    assert [d.target for d in out] == [o.target for o in items]
    for d in out:
        _well_formed(d)
    severity = overall_severity(out)
    assert isinstance(severity, Severity)
    summary = summarize(out)
    assert summary["exit_code"] == severity.exit_code and sum(summary["counts"].values()) == len(items)


@SETTINGS
@given(exchanges, targets, st.lists(observations, max_size=4))
def test_classify_with_arbitrary_peers_is_total(exchange: Exchange, target: Target, peers: list[Observation]) -> None:
    _well_formed(classify(Observation(target=target, sample=exchange), peers))


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(list(Verdict)), st.sampled_from(["sol", "terra", "luna", "fallback", "x"])), max_size=8))
def test_overall_severity_is_total_and_fallbacks_never_raise_it(pairs: list[tuple[Verdict, str]]) -> None:
    diags = [Diagnosis(target=Target("org-a", "m", tier), verdict=v, reason="r", remediation=REMEDIATIONS[v]) for v, tier in pairs]
    severity = overall_severity(diags)
    expected = [d for d in diags if d.target.tier in ("sol", "terra", "luna")]
    if expected and all(d.verdict is Verdict.OK for d in expected):
        assert severity is Severity.OK
