"""What one answer says on its own: an exchange (or a whole observation) read into Facts.

Reads the status, headers, body and stream of one exchange against ``rules``; knows nothing of
other orgs or models (``classify`` adds that). Total: never raises, whatever the input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from gpt56probe.core import gateways
from gpt56probe.core.observation import (
    PRECHECK_LISTED,
    PRECHECK_NOT_LISTED,
    PRECHECK_SKIPPED,
    Exchange,
    Failure,
    Observation,
    Verdict,
)
from gpt56probe.core.redact import redact
from gpt56probe.core.rules import (
    ANSWER_CAP, EDGE_TIMEOUT, HTML_BLOCK, MESSAGE_CAP, NETWORK_FAILURES, SAFETY_NOTICE_HEADER, SAFETY_TEXT, SNIPPET_CAP,
    TIMEOUT_FAILURES, TRUNCATION_FINISH, error_rule,
)
from gpt56probe.core.wire import Answer, ErrorInfo, read_body
from gpt56probe.core.wire import count_of as _int
from gpt56probe.core.wire import squash as _cap
from gpt56probe.core.wire import text_of as _text

def status_of(exchange: Exchange) -> int | None:
    status = exchange.status
    if isinstance(status, int) and not isinstance(status, bool):
        return status
    return None


def header_value(headers: Any, name: str) -> str | None:
    """Header value by lower-case name; tolerant of odd mappings and values."""
    try:
        if not isinstance(headers, Mapping):
            return None
        value = headers.get(name)
        if value is None:
            for key, val in headers.items():
                if isinstance(key, str) and key.lower() == name:
                    value = val
                    break
        text = _text(value).strip()
        return text or None
    except Exception:  # noqa: BLE001
        return None


def safe_text(text: str | None, limit: int = MESSAGE_CAP) -> str | None:
    if text is None:
        return None
    try:
        return _cap(redact(text), limit)
    except Exception:  # noqa: BLE001
        return _cap(text, limit)


def seconds_of(latency_s: Any) -> float | None:
    if isinstance(latency_s, (int, float)) and not isinstance(latency_s, bool):
        value = float(latency_s)
        if value == value and value not in (float("inf"), float("-inf")) and value >= 0:
            return value
    return None




@dataclass
class Facts:
    """What the rules found; becomes a Diagnosis."""

    verdict: Verdict = Verdict.UNKNOWN
    reason: str = ""
    notes: list[str] = field(default_factory=list)
    error: ErrorInfo | None = None
    answer: Answer | None = None
    truncated: bool = False
    exchange: Exchange | None = None
    model_access: bool = False  # a model-access refusal (peers may turn it into wrong_org)
    remedy: str = ""  # a next step of this answer's own (a gateway's budget, a proxy's 407, a 2026 code)
    remedy_for: Verdict | None = None  # the verdict ``remedy`` belongs to (peers may change the verdict)
    gateway: str | None = None  # who answered when it was not OpenAI (core.gateways.detect)


def _is_html(exchange: Exchange, body: str) -> bool:
    ctype = (header_value(exchange.headers, "content-type") or "").lower()
    head = body.lstrip()[:300].lower()
    return "html" in ctype or head.startswith("<!doctype html") or head.startswith("<html") or "<html" in head


def _html_title(body: str) -> str:
    match = re.search(r"<title[^>]*>(.*?)</title>", body[:20000], re.IGNORECASE | re.DOTALL)
    if match:
        return _cap(re.sub(r"<[^>]+>", " ", match.group(1)), 120)
    match = re.search(r"<h1[^>]*>(.*?)</h1>", body[:20000], re.IGNORECASE | re.DOTALL)
    return _cap(re.sub(r"<[^>]+>", " ", match.group(1)), 120) if match else ""


def _snippet(body: str) -> str:
    return safe_text(body, SNIPPET_CAP) or "(empty body)"


def _describe(status: int | None, info: ErrorInfo | None) -> str:
    parts = [str(status) if status is not None else "no status"]
    if info is not None:
        if info.code and not info.code.isdigit():
            parts.append(info.code)
        elif info.type:
            parts.append(info.type)
        if info.message:
            parts.append(f"\"{safe_text(info.message, 160)}\"")
    return " ".join(parts)


def _judge_error(status: int | None, info: ErrorInfo | None, body: str, exchange: Exchange, precheck: str, model: str = "") -> Facts:
    """The verdict for an error answer (see the module docstring, rule 3)."""
    facts = Facts(error=info, exchange=exchange)
    code = (info.code or "").strip().lower() if info else ""
    etype = (info.type or "").strip().lower() if info else ""
    message = (info.message or "")[:5000] if info else ""  # bounded: the rules read the start of a message
    param = (info.param or "") if info else ""
    said = _describe(status, info)
    hint = int(code) if code.isdigit() and len(code) == 3 else None  # relays put the HTTP status in "code"
    effective = status if status is not None and status >= 300 else (hint or status)

    def done(verdict: Verdict, reason: str) -> Facts:
        facts.verdict, facts.reason = verdict, reason
        return facts

    special = gateways.special(effective, info, body, exchange.headers, model, precheck == PRECHECK_LISTED)
    if special is not None:
        facts.remedy, facts.remedy_for, facts.model_access = special.remedy, special.verdict, special.model_access
        return done(special.verdict, special.reason)
    if info is None or info.empty:
        if _is_html(exchange, body):
            title = _html_title(body)
            page = f"HTML page \"{title}\"" if title else "an HTML page"
            if effective is not None and 400 <= effective < 500 and HTML_BLOCK.search(body[:50000]) and effective != 429:
                return done(Verdict.REGION_VPN, f"{effective} {page}: an edge block page (region, VPN/proxy or IP reputation)")
            if effective == 524 or (effective is not None and effective >= 500 and EDGE_TIMEOUT.search(body[:50000])):
                return done(Verdict.TIMEOUT, f"{effective} {page}: the edge (Cloudflare) gave up waiting for OpenAI's answer")
            if effective is not None and effective >= 500:
                return done(Verdict.SERVER_ERROR, f"{effective} {page} from a gateway")
            if effective == 429:
                return done(Verdict.RATE_LIMITED, f"429 {page}")
            return done(Verdict.UNKNOWN, f"{effective if effective is not None else 'no status'} {page}, not an API answer (captive portal or proxy?): {_snippet(body)}")
        if not body.strip():
            if effective == 524:
                return done(Verdict.TIMEOUT, "524 with an empty body: the edge gave up waiting for OpenAI's answer")
            if effective == 429:
                return done(Verdict.RATE_LIMITED, "429 with an empty body")
            if effective is not None and effective >= 500:
                return done(Verdict.SERVER_ERROR, f"{effective} with an empty body")
            if effective == 408:
                return done(Verdict.TIMEOUT, "408 request timeout")
            return done(Verdict.UNKNOWN, f"{effective if effective is not None else 'no status'} with an empty body")
        # A plain-text body (a relay's or SDK's printout): its text is the message.
        info = ErrorInfo(message=_cap(body[:20000], 4000))
        facts.error = info
        message = info.message or ""
        said = _describe(status, info)

    rule = error_rule(effective, code, etype, param, message)
    if rule is None:
        return done(Verdict.UNKNOWN, f"unrecognised error: {said}")
    if rule.why == "verification":
        what = "streaming" if param == "stream" or "to stream" in message.lower() else "this use"
        return done(rule.verdict, f"the organization must be verified (or meet a tier requirement) for {what}: {said}")
    if rule.why == "project":
        match = re.search(r"proj[_-][A-Za-z0-9_\-]+", message)
        project = match.group(0) if match else "this project"
        return done(rule.verdict, f"project {project} is not allowed this model: {said}")
    if rule.why == "sample_forbidden":
        # A restricted key without model capabilities (scope model.request); the org may well have the model.
        return done(rule.verdict, f"the key may not sample models (a restricted key without model capabilities): {said}")
    if rule.why == "param":
        return done(rule.verdict, f"the API rejected the probe's parameter{(' ' + param) if param else ''}: {said}")
    if rule.why == "request":
        return done(rule.verdict, f"the API rejected the probe's request: {said}")
    if rule.model_access:
        facts.model_access = True
        if precheck == PRECHECK_LISTED:
            return done(Verdict.PROVISIONING_PENDING, f"the org lists the model but sampling is refused: {said}")
        return done(Verdict.NOT_PROVISIONED, f"the org cannot use the model: {said}")
    return done(rule.verdict, said)


def _judge_answer(status: int, answer: Answer, exchange: Exchange, tier: str) -> Facts:
    """The verdict for a 2xx answer without an error object (rule 4)."""
    facts = Facts(answer=answer, exchange=exchange)
    notice = header_value(exchange.headers, SAFETY_NOTICE_HEADER)
    finish = (answer.finish or "").lower()
    incomplete = (answer.incomplete_reason or "").lower()
    text = answer.text
    if "content_filter" in (finish, incomplete) or "content_filter" in finish:
        withheld = "content withheld (content_filter)"
        facts.verdict, facts.reason = Verdict.SAFETY_CHECK, withheld + (f"; notice: \"{safe_text(notice, 160)}\"" if notice else "")
        return facts
    if answer.refusal:
        facts.verdict = Verdict.SAFETY_CHECK
        facts.reason = f"the answer was withheld or refused: \"{safe_text(answer.refusal, 160)}\"" + (f"; notice: \"{safe_text(notice, 160)}\"" if notice else "")
        return facts
    if notice:
        facts.verdict = Verdict.SAFETY_CHECK
        facts.reason = f"answered after an additional safety check; notice: \"{safe_text(notice, 160)}\""
        return facts
    if text is not None and len(text) < 400 and SAFETY_TEXT.search(text) and not re.fullmatch(r"\W*ok\W*", text, re.IGNORECASE):
        facts.verdict = Verdict.SAFETY_CHECK
        facts.reason = f"the answer is a safety notice: \"{safe_text(text, 160)}\""
        return facts
    if not text and not answer.usage_in and not answer.usage_out:
        # The seeds' table: "slow response or blank output: a safety check running, or a block".
        facts.verdict = Verdict.SAFETY_CHECK
        facts.reason = (f"a blank answer: {status} with no output text and no usage"
                        + (f" ({finish})" if finish else "") + ": a safety check running, or a block")
        facts.remedy, facts.remedy_for = ("A blank answer (no text, no usage) is what a safety check or a block looks like: keep "
                                          "its request id, retry on Luna, and contact support with redacted details if it "
                                          "repeats on a benign task."), Verdict.SAFETY_CHECK
        return facts
    facts.verdict = Verdict.OK
    if finish in TRUNCATION_FINISH or incomplete in TRUNCATION_FINISH:
        facts.truncated = True
        cause = incomplete or finish
        facts.reason = f"answered, cut short by the output cap ({cause})" + ("" if text else " with an empty answer")
    elif not text:
        facts.truncated = True
        facts.reason = f"answered {status} with an empty answer" + (f" ({finish})" if finish else "")
    else:
        facts.reason = f"answered {status}"
        if not re.fullmatch(r"\W*ok\W*", text, re.IGNORECASE):
            facts.reason += f"; the answer was not \"ok\": \"{safe_text(text, 60)}\""
    return facts


def _judge_exchange(exchange: Exchange, precheck: str, tier: str, is_sample: bool, model: str = "") -> Facts:
    """Rules 1, 3, 4 and 5 for one exchange, and who answered when it was not OpenAI."""
    facts = _judge_one(exchange, precheck, tier, is_sample, model)
    if facts.gateway is None and exchange.failure is None:
        found = gateways.detect(exchange.headers, _text(exchange.body))
        facts.gateway = str(found) if found is not None else None
    return facts


def _judge_one(exchange: Exchange, precheck: str, tier: str, is_sample: bool, model: str) -> Facts:
    failure = exchange.failure
    detail = safe_text(_text(exchange.failure_detail), 160) or ""
    if failure is not None:
        name = failure.value if isinstance(failure, Failure) else _text(failure)
        suffix = f": {detail}" if detail else ""
        if failure in TIMEOUT_FAILURES:
            return Facts(Verdict.TIMEOUT, f"no answer in time ({name}){suffix}", exchange=exchange)
        if failure is Failure.RESET and status_of(exchange) is not None:
            return Facts(Verdict.SERVER_ERROR, f"the {status_of(exchange)} answer was cut mid-body (connection reset){suffix}",
                         exchange=exchange)
        if failure is Failure.PROXY and gateways.proxy_refused_connect(_text(exchange.failure_detail)):
            return Facts(Verdict.NETWORK_ERROR, f"the proxy answered the CONNECT with 407 Proxy Authentication Required{suffix}",
                         exchange=exchange, remedy=gateways.proxy_auth_step(), remedy_for=Verdict.NETWORK_ERROR, gateway=gateways.PROXY)
        if failure is Failure.TLS and gateways.tls_intercepted(_text(exchange.failure_detail)):
            return Facts(Verdict.NETWORK_ERROR, f"the API's certificate was re-signed by an unknown CA, as a TLS-intercepting proxy does{suffix}",
                         exchange=exchange, remedy=("A TLS-intercepting proxy re-signs the API's certificate: point REQUESTS_CA_BUNDLE "
                                                    "at your organisation's CA bundle (never turn verification off), or check from a "
                                                    "network without the interception."), remedy_for=Verdict.NETWORK_ERROR,
                         gateway="a TLS-intercepting proxy")
        if failure in NETWORK_FAILURES:
            return Facts(Verdict.NETWORK_ERROR, f"the API could not be reached ({name}){suffix}", exchange=exchange)
        if failure is Failure.TOO_LARGE:
            return Facts(Verdict.UNKNOWN, f"the answer was larger than the read cap and was not judged{suffix}", exchange=exchange)
        if failure is Failure.INVALID_URL:
            return Facts(Verdict.UNKNOWN, f"the request could not be made: invalid URL{suffix}", exchange=exchange)
        return Facts(Verdict.NETWORK_ERROR, f"transport failure ({name}){suffix}", exchange=exchange)

    status = status_of(exchange)
    body = _text(exchange.body)
    reading = read_body(body)
    parsed, answer, info = reading.parsed, reading.answer, reading.error

    if status is None:
        if info is not None:
            return _judge_error(status, info, body, exchange, precheck, model)
        if answer.recognised:
            facts = _judge_answer(200, answer, exchange, tier)
            facts.notes.append("no HTTP status was recorded")
            return facts
        return Facts(Verdict.UNKNOWN, f"no HTTP status and no failure recorded: {_snippet(body)}", exchange=exchange)

    if 200 <= status < 300:
        if info is not None and not info.empty:
            facts = _judge_error(status, info, body, exchange, precheck, model)
            facts.answer = answer
            if reading.stream:
                after = f", after the text \"{safe_text(answer.text, 40)}\"" if answer.text else ""
                facts.notes.append(f"the error came inside the {status} stream{after}")
            return facts
        if reading.stream and answer.recognised and not answer.ended:
            return Facts(Verdict.SERVER_ERROR, f"the {status} stream stopped before its end (no [DONE], finish reason or "
                          "terminal event): the server or a proxy cut it", answer=answer, exchange=exchange)
        if answer.recognised:
            return _judge_answer(status, answer, exchange, tier)
        notice = header_value(exchange.headers, SAFETY_NOTICE_HEADER)
        if notice or (body and SAFETY_TEXT.search(body[:5000]) and not _is_html(exchange, body)):
            return Facts(Verdict.SAFETY_CHECK, f"{status} with a safety notice: \"{safe_text(notice or body, 160)}\"", exchange=exchange)
        if not is_sample and isinstance(parsed, dict):
            return Facts(Verdict.UNKNOWN, f"{status} from the model pre-check, but the model was not sampled", exchange=exchange)
        if _is_html(exchange, body):
            title = _html_title(body)
            page = f"an HTML page \"{title}\"" if title else "an HTML page"
            return Facts(Verdict.UNKNOWN, f"{status} with {page}, not an API answer (captive portal or proxy?)", exchange=exchange)
        if parsed is None and body.strip():
            return Facts(Verdict.UNKNOWN, f"{status} but the body is not readable JSON (cut off or not an API answer): {_snippet(body)}", exchange=exchange)
        return Facts(Verdict.UNKNOWN, f"{status} but no answer in the body: {_snippet(body)}", exchange=exchange)

    return _judge_error(status, info, body, exchange, precheck, model)


def facts_of(observation: Observation) -> Facts:
    """The verdict of one observation on its own, before peers refine it."""
    target = observation.target
    tier = _text(getattr(target, "tier", ""))
    model = _text(getattr(target, "model", ""))
    precheck = observation.precheck if isinstance(observation.precheck, str) else PRECHECK_SKIPPED
    sample = observation.sample if isinstance(observation.sample, Exchange) else None
    pre = observation.precheck_exchange if isinstance(observation.precheck_exchange, Exchange) else None
    if sample is not None:
        facts = _judge_exchange(sample, precheck, tier, is_sample=True, model=model)
        if facts.verdict is Verdict.OK and precheck == PRECHECK_NOT_LISTED:
            facts.notes.append("the model answered although the org's model list does not show it")
        return facts
    if pre is not None:
        status = status_of(pre)
        if pre.failure is not None or status is None or not 200 <= status < 300:
            facts = _judge_exchange(pre, precheck, tier, is_sample=False, model=model)
            facts.notes.append("judged from the model pre-check; nothing was sampled")
            return facts
    if precheck == PRECHECK_NOT_LISTED:
        return Facts(Verdict.NOT_PROVISIONED, "the org's model list does not include the model", exchange=pre, model_access=True)
    if precheck == PRECHECK_LISTED:
        return Facts(Verdict.UNKNOWN, "the org lists the model, but it was not sampled", exchange=pre)
    return Facts(Verdict.UNKNOWN, "nothing was recorded for this target", exchange=pre)


# ---------------------------------------------------------------- peers


