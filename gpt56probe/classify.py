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
   ``wrong_org`` if the same key reaches the model through another checked org,
   else ``not_provisioned``; then ``unsupported_value``/param errors ->
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

Peers (``classify_all`` passes them) only refine: ``wrong_org`` when another
org reaches the model with the same key (``Target.key_id`` equal; an empty
key_id on both sides counts as the same key, the one-key run), the orgs named
in a ``not_provisioned`` remediation, and the Luna comparison of a
``safety_check``. The org's model list refines the next step only
(``discovery.next_step``: a listed same-tier id when the configured one is not listed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Optional, Sequence, Union

from .discovery import next_step as _listed_step
from .models import TIERS, ModelIdSource
from .observation import (
    ACCESS_VERDICTS,
    DEGRADED_VERDICTS,
    PRECHECK_LISTED,
    PRECHECK_NOT_LISTED,
    PRECHECK_SKIPPED,
    Diagnosis,
    Exchange,
    Failure,
    Observation,
    Severity,
    Target,
    Verdict,
)
from .redact import redact
from .wire import Answer, ErrorInfo, read_body
from .wire import count_of as _int
from .wire import squash as _cap
from .wire import text_of as _text

MESSAGE_CAP = 500
ANSWER_CAP = 200
SNIPPET_CAP = 160
LUNA_TIER = "luna"
SAFETY_NOTICE_HEADER = "openai-safety-notice"

REMEDIATIONS: Mapping[Verdict, str] = {
    Verdict.OK: "Nothing to do.",
    Verdict.WRONG_ORG: "Select the approved API organization for this key (OpenAI-Organization header / --org); the key must belong to that org.",
    Verdict.NOT_PROVISIONED: "This org has no access to the model: check the approved organization id and switch to it, or request access for this org.",
    Verdict.PROVISIONING_PENDING: "The org lists the model but access is not active yet: ask your account rep for the provisioning status.",
    Verdict.PROJECT_NO_ACCESS: "Allow the model for this project (project settings, model access) or use a project that has it.",
    Verdict.REGION_VPN: "Disconnect VPN/proxy and retry from a supported country or region.",
    Verdict.SAFETY_CHECK: "A safety check is delaying or withholding answers: keep the notice and request id, retry on Luna, and contact support with redacted details if it repeats on a benign task.",
    Verdict.INVALID_KEY: "Use a valid API key: check for typos, a revoked key, or the wrong environment variable.",
    Verdict.KEY_PERMISSIONS: "Give the key the missing scopes (restricted key permissions, project role) or use an unrestricted key.",
    Verdict.ACCOUNT_BLOCKED: "The account or organization is deactivated: contact OpenAI support; nothing can be fixed locally.",
    Verdict.QUOTA_EXHAUSTED: "Quota exhausted: add credits or raise the usage limit in the org's billing settings, then retry.",
    Verdict.RATE_LIMITED: "Rate limited: wait for the retry-after period and retry with less concurrency; check the org's rate limits.",
    Verdict.ORG_NOT_ELIGIBLE: "Verify the organization (Settings > Organization > Verify) or meet the usage-tier requirement; access can take 15 minutes to propagate.",
    Verdict.UNSUPPORTED_PARAMETER: "The API rejected the probe's own parameters: override this model's chat_token_param / reasoning_effort in the config, or report it.",
    Verdict.SERVER_ERROR: "OpenAI or an edge proxy failed: retry later and check status.openai.com.",
    Verdict.TIMEOUT: "No answer in time: raise --timeout or check the network; a long Sol/Terra delay can also be a safety check.",
    Verdict.NETWORK_ERROR: "Could not reach the API: check DNS, proxy, firewall, TLS interception and the base URL.",
    Verdict.UNKNOWN: "Unrecognised answer: see the status and body excerpt, and report it with the request id.",
}


# ---------------------------------------------------------------- small helpers


def _status_of(exchange: Exchange) -> int | None:
    status = exchange.status
    if isinstance(status, int) and not isinstance(status, bool):
        return status
    return None


def _header(headers: Any, name: str) -> str | None:
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


def _safe(text: str | None, limit: int = MESSAGE_CAP) -> str | None:
    if text is None:
        return None
    try:
        return _cap(redact(text), limit)
    except Exception:  # noqa: BLE001
        return _cap(text, limit)


def _seconds(latency_s: Any) -> float | None:
    if isinstance(latency_s, (int, float)) and not isinstance(latency_s, bool):
        value = float(latency_s)
        if value == value and value not in (float("inf"), float("-inf")) and value >= 0:
            return value
    return None


# ---------------------------------------------------------------- the rules


def _rx(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


VERIFICATION = _rx(r"must be verified", r"verify (?:your )?organi[sz]ation", r"organi[sz]ation verification",
                   r"usage tier", r"only available to (?:organi[sz]ations|users|accounts|customers) (?:on|in|with|at) (?:usage )?tier")
PROJECT_NO_ACCESS = _rx(r"project\s+`?proj[_-][^`\s]*`?\s+does not have access")
ACCOUNT_BLOCKED_TEXT = _rx(r"deactivated account", r"(?:account|key|organi[sz]ation)\b[^.]{0,60}\bhas been deactivated", r"account (?:has been|was|is) (?:deactivated|suspended|banned|disabled)",
                           r"access was terminated", r"organi[sz]ation (?:has been|was|is) (?:deactivated|disabled|suspended|restricted)")
KEY_PERMISSIONS_TEXT = _rx(r"insufficient permissions", r"missing scopes?\b", r"does not have (?:the )?(?:required )?scopes?")
INVALID_KEY_TEXT = _rx(r"incorrect api key", r"didn.t provide an api key", r"invalid api[ _-]?key", r"api key (?:is )?(?:invalid|malformed|revoked)",
                       r"invalid authorization header", r"malformed (?:api key|authorization)", r"no api key provided", r"invalid authentication")
WRONG_ORG_TEXT = _rx(r"openai-organi[sz]ation header should match", r"no such organi[sz]ation", r"must be a member of an organi[sz]ation",
                     r"organi[sz]ation (?:id )?\S* ?(?:was )?not found", r"invalid organi[sz]ation", r"not a member of (?:the )?organi[sz]ation")
REGION_TEXT = _rx(r"country, region,? or territory not supported", r"unsupported.country", r"not available in your (?:country|region)",
                  r"not supported in your (?:country|region)")
QUOTA_TEXT = _rx(r"exceeded your current quota", r"billing hard limit", r"check your plan and billing", r"insufficient.quota",
                 r"quota (?:has been )?exceeded", r"out of credits", r"credit balance", r"insufficient (?:credits|balance|funds)",
                 r"spend(?:ing)? limit", r"usage limit (?:reached|exceeded)")
RATE_TEXT = _rx(r"rate limit reached", r"rate limit exceeded", r"too many requests", r"rate_limit")
SAFETY_TEXT = _rx(r"flagged as potentially violating", r"potentially high-risk cyber", r"possible cybersecurity risk",
                  r"flags? for (?:possible |potential )?(?:cybersecurity|cyber|biolog\w*)", r"biolog\w* risk", r"additional safety checks?",
                  r"content can.t be shown", r"safety (?:system|check)", r"content management policy", r"content[_ ]filter",
                  r"content[_ ]policy[_ ]violation")
PENDING_TEXT = _rx(r"provisioning (?:is )?(?:pending|in progress|not (?:yet )?complete)", r"access (?:is )?(?:still )?pending",
                   r"not yet (?:been )?(?:provisioned|activated)")
MODEL_ACCESS_TEXT = _rx(r"does not exist or you do not have access", r"do(?:es)? not have access to (?:the )?model",
                        r"model:? [`'\"]?[^\s`'\"]{1,200}[`'\"]? does not exist",
                        r"requested model [^\s]{1,200} does not exist",
                        r"that model does not exist", r"model not found", r"no such model", r"unknown model")
SERVER_TEXT = _rx(r"server had an error", r"overloaded", r"internal server error", r"bad gateway", r"service (?:temporarily )?unavailable",
                  r"gateway time-?out", r"upstream connect error", r"error occurred while processing your request", r"server_error")
PARAM_TEXT = _rx(r"^unsupported parameter", r"^unsupported value", r"^invalid '", r"^invalid type", r"^missing required parameter",
                 r"^unrecognized request argument", r"^unknown parameter", r"could not parse the json body", r"is not supported with this model",
                 r"integer (?:below|above) (?:min|max)")
SAMPLE_FORBIDDEN = _rx(r"not allowed to sample from this model", r"not allowed to sample")
EDGE_TIMEOUT = _rx(r"\b524\b[^<]{0,20}a timeout occurred", r"a timeout occurred", r"error code:? 524", r"origin web server timed out")
HTML_BLOCK = _rx(r"sorry, you have been blocked", r"attention required", r"access denied", r"you are unable to access",
                 r"error code:? 10\d\d", r"request blocked", r"just a moment\.\.\.", r"cf-chl", r"forbidden by (?:administrative|policy)")

CODE_VERDICTS: Mapping[str, Verdict] = {
    "invalid_api_key": Verdict.INVALID_KEY,
    "missing_api_key": Verdict.INVALID_KEY,
    "mismatched_organization": Verdict.WRONG_ORG,
    "invalid_organization": Verdict.WRONG_ORG,
    "no_organization": Verdict.WRONG_ORG,
    "organization_not_found": Verdict.WRONG_ORG,
    "account_deactivated": Verdict.ACCOUNT_BLOCKED,
    "access_terminated": Verdict.ACCOUNT_BLOCKED,
    "account_suspended": Verdict.ACCOUNT_BLOCKED,
    "organization_deactivated": Verdict.ACCOUNT_BLOCKED,
    "insufficient_quota": Verdict.QUOTA_EXHAUSTED,
    "billing_hard_limit_reached": Verdict.QUOTA_EXHAUSTED,
    "billing_not_active": Verdict.QUOTA_EXHAUSTED,
    "organization_usage_limit_exceeded": Verdict.QUOTA_EXHAUSTED,
    "project_spend_limit_exceeded": Verdict.QUOTA_EXHAUSTED,
    "rate_limit_exceeded": Verdict.RATE_LIMITED,
    "unsupported_country_region_territory": Verdict.REGION_VPN,
    "unsupported_country": Verdict.REGION_VPN,
    "model_access_pending": Verdict.PROVISIONING_PENDING,
    "invalid_prompt": Verdict.SAFETY_CHECK,
    "bio_policy": Verdict.SAFETY_CHECK,  # a Responses error code (openai-python types/responses/response_error.py)
    "content_policy_violation": Verdict.SAFETY_CHECK,
    "content_filter": Verdict.SAFETY_CHECK,
    "missing_scope": Verdict.KEY_PERMISSIONS,
    "missing_scopes": Verdict.KEY_PERMISSIONS,
    "insufficient_permissions": Verdict.KEY_PERMISSIONS,
    "unsupported_parameter": Verdict.UNSUPPORTED_PARAMETER,
    "integer_below_min_value": Verdict.UNSUPPORTED_PARAMETER,
    "integer_above_max_value": Verdict.UNSUPPORTED_PARAMETER,
    "invalid_type": Verdict.UNSUPPORTED_PARAMETER,
    "missing_required_parameter": Verdict.UNSUPPORTED_PARAMETER,
    "unknown_parameter": Verdict.UNSUPPORTED_PARAMETER,
    "server_error": Verdict.SERVER_ERROR,
}
TYPE_VERDICTS: Mapping[str, Verdict] = {
    "insufficient_quota": Verdict.QUOTA_EXHAUSTED,
    "access_terminated": Verdict.ACCOUNT_BLOCKED,
    "server_error": Verdict.SERVER_ERROR,
    "cf_bad_gateway": Verdict.SERVER_ERROR,
    "api_error": Verdict.SERVER_ERROR,
    "permission_error": Verdict.KEY_PERMISSIONS,
    "rate_limit_error": Verdict.RATE_LIMITED,
}
TEXT_RULES: tuple[tuple[re.Pattern[str], Verdict], ...] = (
    (ACCOUNT_BLOCKED_TEXT, Verdict.ACCOUNT_BLOCKED),
    (KEY_PERMISSIONS_TEXT, Verdict.KEY_PERMISSIONS),
    (INVALID_KEY_TEXT, Verdict.INVALID_KEY),
    (WRONG_ORG_TEXT, Verdict.WRONG_ORG),
    (REGION_TEXT, Verdict.REGION_VPN),
    (QUOTA_TEXT, Verdict.QUOTA_EXHAUSTED),
    (SAFETY_TEXT, Verdict.SAFETY_CHECK),
    (PENDING_TEXT, Verdict.PROVISIONING_PENDING),
    (RATE_TEXT, Verdict.RATE_LIMITED),
)
TRUNCATION_FINISH = frozenset({"length", "max_tokens", "max_output_tokens", "incomplete"})
TIMEOUT_FAILURES = frozenset({Failure.CONNECT_TIMEOUT, Failure.READ_TIMEOUT, Failure.DEADLINE})
NETWORK_FAILURES = frozenset({Failure.DNS, Failure.REFUSED, Failure.RESET, Failure.TLS, Failure.PROXY, Failure.OTHER})


@dataclass
class _Facts:
    """What the rules found; becomes a Diagnosis."""

    verdict: Verdict = Verdict.UNKNOWN
    reason: str = ""
    notes: list[str] = field(default_factory=list)
    error: ErrorInfo | None = None
    answer: Answer | None = None
    truncated: bool = False
    exchange: Exchange | None = None
    model_access: bool = False  # a model-access refusal (peers may turn it into wrong_org)


def _is_html(exchange: Exchange, body: str) -> bool:
    ctype = (_header(exchange.headers, "content-type") or "").lower()
    head = body.lstrip()[:300].lower()
    return "html" in ctype or head.startswith("<!doctype html") or head.startswith("<html") or "<html" in head


def _html_title(body: str) -> str:
    match = re.search(r"<title[^>]*>(.*?)</title>", body[:20000], re.IGNORECASE | re.DOTALL)
    if match:
        return _cap(re.sub(r"<[^>]+>", " ", match.group(1)), 120)
    match = re.search(r"<h1[^>]*>(.*?)</h1>", body[:20000], re.IGNORECASE | re.DOTALL)
    return _cap(re.sub(r"<[^>]+>", " ", match.group(1)), 120) if match else ""


def _snippet(body: str) -> str:
    return _safe(body, SNIPPET_CAP) or "(empty body)"


def _describe(status: int | None, info: ErrorInfo | None) -> str:
    parts = [str(status) if status is not None else "no status"]
    if info is not None:
        if info.code and not info.code.isdigit():
            parts.append(info.code)
        elif info.type:
            parts.append(info.type)
        if info.message:
            parts.append(f"\"{_safe(info.message, 160)}\"")
    return " ".join(parts)


def _judge_error(status: int | None, info: ErrorInfo | None, body: str, exchange: Exchange, precheck: str) -> _Facts:
    """The verdict for an error answer (see the module docstring, rule 3)."""
    facts = _Facts(error=info, exchange=exchange)
    code = (info.code or "").strip().lower() if info else ""
    etype = (info.type or "").strip().lower() if info else ""
    message = (info.message or "")[:5000] if info else ""  # bounded: the rules read the start of a message
    param = (info.param or "") if info else ""
    said = _describe(status, info)
    hint = int(code) if code.isdigit() and len(code) == 3 else None  # relays put the HTTP status in "code"
    effective = status if status is not None and status >= 300 else (hint or status)

    def done(verdict: Verdict, reason: str) -> _Facts:
        facts.verdict, facts.reason = verdict, reason
        return facts

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

    if VERIFICATION.search(message):
        what = "streaming" if param == "stream" or "to stream" in message.lower() else "this use"
        return done(Verdict.ORG_NOT_ELIGIBLE, f"the organization must be verified (or meet a tier requirement) for {what}: {said}")
    if PROJECT_NO_ACCESS.search(message):
        match = re.search(r"proj[_-][A-Za-z0-9_\-]+", message)
        project = match.group(0) if match else "this project"
        return done(Verdict.PROJECT_NO_ACCESS, f"project {project} is not allowed this model: {said}")
    if SAMPLE_FORBIDDEN.search(message):
        # A restricted key without model capabilities (scope model.request); the org may well have the model.
        return done(Verdict.KEY_PERMISSIONS, f"the key may not sample models (a restricted key without model capabilities): {said}")
    if code in CODE_VERDICTS:
        verdict = CODE_VERDICTS[code]
        if verdict is Verdict.UNSUPPORTED_PARAMETER:
            return done(verdict, f"the API rejected the probe's parameter{(' ' + param) if param else ''}: {said}")
        return done(verdict, said)
    if code == "model_not_found" or MODEL_ACCESS_TEXT.search(message):
        facts.model_access = True
        if precheck == PRECHECK_LISTED:
            return done(Verdict.PROVISIONING_PENDING, f"the org lists the model but sampling is refused: {said}")
        return done(Verdict.NOT_PROVISIONED, f"the org cannot use the model: {said}")
    if etype in TYPE_VERDICTS:
        return done(TYPE_VERDICTS[etype], said)
    if etype == "request_forbidden" and REGION_TEXT.search(message):
        return done(Verdict.REGION_VPN, said)
    for pattern, verdict in TEXT_RULES:
        if pattern.search(message) or (code and pattern.search(code)):
            return done(verdict, said)
    if code == "unsupported_value" or (PARAM_TEXT.search(message) and (effective in (None, 400, 422) or param)):
        return done(Verdict.UNSUPPORTED_PARAMETER, f"the API rejected the probe's parameter{(' ' + param) if param else ''}: {said}")
    if effective == 429 or etype in ("tokens", "requests"):
        return done(Verdict.RATE_LIMITED, said)
    if effective in (408, 524) or (effective is not None and effective >= 500 and EDGE_TIMEOUT.search(message)):
        return done(Verdict.TIMEOUT, said)
    if (effective is not None and effective >= 500) or SERVER_TEXT.search(message):
        return done(Verdict.SERVER_ERROR, said)
    if effective == 403 and HTML_BLOCK.search(message):
        return done(Verdict.REGION_VPN, said)
    if effective == 400 and (param or etype == "invalid_request_error"):
        return done(Verdict.UNSUPPORTED_PARAMETER, f"the API rejected the probe's request: {said}")
    return done(Verdict.UNKNOWN, f"unrecognised error: {said}")


def _judge_answer(status: int, answer: Answer, exchange: Exchange, tier: str) -> _Facts:
    """The verdict for a 2xx answer without an error object (rule 4)."""
    facts = _Facts(answer=answer, exchange=exchange)
    notice = _header(exchange.headers, SAFETY_NOTICE_HEADER)
    finish = (answer.finish or "").lower()
    incomplete = (answer.incomplete_reason or "").lower()
    text = answer.text
    if "content_filter" in (finish, incomplete) or "content_filter" in finish:
        withheld = "content withheld (content_filter)"
        facts.verdict, facts.reason = Verdict.SAFETY_CHECK, withheld + (f"; notice: \"{_safe(notice, 160)}\"" if notice else "")
        return facts
    if answer.refusal:
        facts.verdict = Verdict.SAFETY_CHECK
        facts.reason = f"the answer was withheld or refused: \"{_safe(answer.refusal, 160)}\"" + (f"; notice: \"{_safe(notice, 160)}\"" if notice else "")
        return facts
    if notice:
        facts.verdict = Verdict.SAFETY_CHECK
        facts.reason = f"answered after an additional safety check; notice: \"{_safe(notice, 160)}\""
        return facts
    if text is not None and len(text) < 400 and SAFETY_TEXT.search(text) and not re.fullmatch(r"\W*ok\W*", text, re.IGNORECASE):
        facts.verdict = Verdict.SAFETY_CHECK
        facts.reason = f"the answer is a safety notice: \"{_safe(text, 160)}\""
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
            facts.reason += f"; the answer was not \"ok\": \"{_safe(text, 60)}\""
    return facts


def _judge_exchange(exchange: Exchange, precheck: str, tier: str, is_sample: bool) -> _Facts:
    """Rules 1, 3, 4 and 5 for one exchange."""
    failure = exchange.failure
    detail = _safe(_text(exchange.failure_detail), 160) or ""
    if failure is not None:
        name = failure.value if isinstance(failure, Failure) else _text(failure)
        suffix = f": {detail}" if detail else ""
        if failure in TIMEOUT_FAILURES:
            return _Facts(Verdict.TIMEOUT, f"no answer in time ({name}){suffix}", exchange=exchange)
        if failure in NETWORK_FAILURES:
            return _Facts(Verdict.NETWORK_ERROR, f"the API could not be reached ({name}){suffix}", exchange=exchange)
        if failure is Failure.TOO_LARGE:
            return _Facts(Verdict.UNKNOWN, f"the answer was larger than the read cap and was not judged{suffix}", exchange=exchange)
        if failure is Failure.INVALID_URL:
            return _Facts(Verdict.UNKNOWN, f"the request could not be made: invalid URL{suffix}", exchange=exchange)
        return _Facts(Verdict.NETWORK_ERROR, f"transport failure ({name}){suffix}", exchange=exchange)

    status = _status_of(exchange)
    body = _text(exchange.body)
    reading = read_body(body)
    parsed, answer, info = reading.parsed, reading.answer, reading.error

    if status is None:
        if info is not None:
            return _judge_error(status, info, body, exchange, precheck)
        if answer.recognised:
            facts = _judge_answer(200, answer, exchange, tier)
            facts.notes.append("no HTTP status was recorded")
            return facts
        return _Facts(Verdict.UNKNOWN, f"no HTTP status and no failure recorded: {_snippet(body)}", exchange=exchange)

    if 200 <= status < 300:
        if info is not None and not info.empty:
            facts = _judge_error(status, info, body, exchange, precheck)
            facts.answer = answer
            if reading.stream:
                after = f", after the text \"{_safe(answer.text, 40)}\"" if answer.text else ""
                facts.notes.append(f"the error came inside the {status} stream{after}")
            return facts
        if reading.stream and answer.recognised and not answer.ended:
            return _Facts(Verdict.SERVER_ERROR, f"the {status} stream stopped before its end (no [DONE], finish reason or "
                          "terminal event): the server or a proxy cut it", answer=answer, exchange=exchange)
        if answer.recognised:
            return _judge_answer(status, answer, exchange, tier)
        notice = _header(exchange.headers, SAFETY_NOTICE_HEADER)
        if notice or (body and SAFETY_TEXT.search(body[:5000]) and not _is_html(exchange, body)):
            return _Facts(Verdict.SAFETY_CHECK, f"{status} with a safety notice: \"{_safe(notice or body, 160)}\"", exchange=exchange)
        if not is_sample and isinstance(parsed, dict):
            return _Facts(Verdict.UNKNOWN, f"{status} from the model pre-check, but the model was not sampled", exchange=exchange)
        if _is_html(exchange, body):
            title = _html_title(body)
            page = f"an HTML page \"{title}\"" if title else "an HTML page"
            return _Facts(Verdict.UNKNOWN, f"{status} with {page}, not an API answer (captive portal or proxy?)", exchange=exchange)
        if parsed is None and body.strip():
            return _Facts(Verdict.UNKNOWN, f"{status} but the body is not readable JSON (cut off or not an API answer): {_snippet(body)}", exchange=exchange)
        return _Facts(Verdict.UNKNOWN, f"{status} but no answer in the body: {_snippet(body)}", exchange=exchange)

    return _judge_error(status, info, body, exchange, precheck)


def _base_facts(observation: Observation) -> _Facts:
    """The verdict of one observation on its own, before peers refine it."""
    target = observation.target
    tier = _text(getattr(target, "tier", ""))
    precheck = observation.precheck if isinstance(observation.precheck, str) else PRECHECK_SKIPPED
    sample = observation.sample if isinstance(observation.sample, Exchange) else None
    pre = observation.precheck_exchange if isinstance(observation.precheck_exchange, Exchange) else None
    if sample is not None:
        facts = _judge_exchange(sample, precheck, tier, is_sample=True)
        if facts.verdict is Verdict.OK and precheck == PRECHECK_NOT_LISTED:
            facts.notes.append("the model answered although the org's model list does not show it")
        return facts
    if pre is not None:
        status = _status_of(pre)
        if pre.failure is not None or status is None or not 200 <= status < 300:
            facts = _judge_exchange(pre, precheck, tier, is_sample=False)
            facts.notes.append("judged from the model pre-check; nothing was sampled")
            return facts
    if precheck == PRECHECK_NOT_LISTED:
        return _Facts(Verdict.NOT_PROVISIONED, "the org's model list does not include the model", exchange=pre, model_access=True)
    if precheck == PRECHECK_LISTED:
        return _Facts(Verdict.UNKNOWN, "the org lists the model, but it was not sampled", exchange=pre)
    return _Facts(Verdict.UNKNOWN, "nothing was recorded for this target", exchange=pre)


# ---------------------------------------------------------------- peers


@dataclass
class _Peers:
    """Peer verdicts, computed once per observation (classify_all shares the cache)."""

    cache: dict[int, _Facts] = field(default_factory=dict)
    id_sources: Mapping[str, ModelIdSource] = field(default_factory=dict)  # where each tier's id is set (next steps name it)

    def facts(self, observation: Observation) -> _Facts:
        key = id(observation)
        if key not in self.cache:
            self.cache[key] = _guarded_base(observation)
        return self.cache[key]

    def reaches(self, observation: Observation) -> bool:
        return self.facts(observation).verdict in (Verdict.OK, Verdict.SAFETY_CHECK)


def _guarded_base(observation: Observation) -> _Facts:
    try:
        return _base_facts(observation)
    except Exception as exc:  # noqa: BLE001 - totality: a bug here must not stop a check
        return _Facts(Verdict.UNKNOWN, f"the classifier could not judge this answer ({type(exc).__name__})")


def _org_name(org: Any) -> str:
    return _text(org) or "the default org"


def _latency(observation: Observation) -> float | None:
    final = observation.final
    return _seconds(final.latency_s) if isinstance(final, Exchange) else None


def _refine(observation: Observation, facts: _Facts, peers: Sequence[Observation], cache: _Peers) -> str:
    """Adjust the verdict with peer facts; returns the specialised remediation."""
    target = observation.target
    model = target.model
    others = [p for p in peers if isinstance(p, Observation) and p is not observation]
    same_model = [p for p in others if p.target.model == model and p.target.org != target.org]
    same_key_orgs = [p.target.org for p in same_model if p.target.key_id == target.key_id and cache.reaches(p)]
    other_key_orgs = [p.target.org for p in same_model if p.target.key_id != target.key_id and cache.reaches(p)]
    remedy = REMEDIATIONS[facts.verdict]
    headers = facts.exchange.headers if facts.exchange is not None else {}
    notice = _header(headers, SAFETY_NOTICE_HEADER)

    if facts.verdict is Verdict.NOT_PROVISIONED and facts.model_access and same_key_orgs:
        facts.verdict = Verdict.WRONG_ORG
        facts.reason = f"{facts.reason}; the same key reaches {model} through {_org_name(same_key_orgs[0])}"
        remedy = REMEDIATIONS[Verdict.WRONG_ORG]
    verdict = facts.verdict

    if verdict is Verdict.WRONG_ORG:
        if same_key_orgs:
            remedy = f"Use org {_org_name(same_key_orgs[0])}: the same key reaches {model} there (set the OpenAI-Organization header / --org)."
        else:
            remedy = f"{remedy} No other checked org reaches {model} with this key."
    elif verdict is Verdict.NOT_PROVISIONED:
        reach = sorted({_org_name(o) for o in same_key_orgs + other_key_orgs})
        if reach:
            remedy = f"{_org_name(target.org)} cannot use {model}, but {', '.join(reach)} can (with its own key): use that org, or ask for {_org_name(target.org)} to be provisioned."
        else:
            remedy = f"{remedy} No checked org reaches {model}: confirm the approved org id and the approved account email."
    elif verdict is Verdict.SAFETY_CHECK:
        lunas = [p for p in others if p.target.org == target.org and p.target.tier == LUNA_TIER]
        lunas.sort(key=lambda p: (p.target.surface != target.surface, p.target.stream != target.stream))
        luna_ok = [p for p in lunas if cache.facts(p).verdict is Verdict.OK]
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
            remedy = f"Luna did not answer in this org either ({cache.facts(lunas[0]).verdict.value}); wait and retry." + tail
        else:
            remedy = "Retry on Luna (not checked here), the faster path while a safety check runs." + tail
        if notice and "notice:" not in facts.reason:
            facts.notes.append(f"notice: \"{_safe(notice, 120)}\"")
    elif verdict is Verdict.RATE_LIMITED:
        after = _header(headers, "retry-after")
        after_ms = _header(headers, "retry-after-ms")
        wait = f"retry-after {_safe(after, 40)} s" if after else (f"retry-after-ms {_safe(after_ms, 40)}" if after_ms else None)
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
            remedy = f"Give the key the missing scope(s) {_safe(scopes.group(1).strip(), 80)} (restricted key permissions, project role) or use an unrestricted key."
    elif verdict is Verdict.TIMEOUT and facts.exchange is not None and _status_of(facts.exchange) == 524:
        remedy = ("Cloudflare gave up waiting for OpenAI (524): retry later, raising --timeout will not help; "
                  "if it repeats on Sol/Terra a safety check may be holding the answer, so try Luna.")
    elif verdict is Verdict.OK and target.tier in (*TIERS,) and target.tier != LUNA_TIER:
        lunas = [p for p in others if p.target.org == target.org and p.target.tier == LUNA_TIER and cache.facts(p).verdict is Verdict.OK]
        own, luna_s = _latency(observation), (_latency(lunas[0]) if lunas else None)
        if own is not None and luna_s is not None and own >= 5 * max(luna_s, 0.05) and own - luna_s >= 5.0:
            facts.notes.append(f"much slower than Luna ({own:.1f} s against {luna_s:.1f} s): possibly a safety check")
    return _listed_step(observation, verdict, facts.model_access, remedy, cache.id_sources)


# ---------------------------------------------------------------- public API


def classify(observation: Observation, peers: Sequence[Observation] = ()) -> Diagnosis:
    """The Diagnosis of one observation; ``peers`` (other orgs' and this org's observations) refine it. Never raises."""
    return _classify(observation, peers, _Peers())


def _classify(observation: Observation, peers: Sequence[Observation], cache: _Peers) -> Diagnosis:
    target = observation.target if isinstance(getattr(observation, "target", None), Target) else Target(None, "?", "?")
    try:
        facts = _guarded_base(observation)
        facts = _Facts(**{k: getattr(facts, k) for k in facts.__dataclass_fields__})  # a copy: peers may change it
        facts.notes = list(facts.notes)
        try:
            remedy = _refine(observation, facts, tuple(peers or ()), cache)
        except Exception:  # noqa: BLE001
            remedy = REMEDIATIONS.get(facts.verdict, REMEDIATIONS[Verdict.UNKNOWN])
        return _diagnosis(observation, target, facts, remedy)
    except Exception as exc:  # noqa: BLE001 - the last guard of totality
        return Diagnosis(target=target, verdict=Verdict.UNKNOWN,
                         reason=f"the classifier could not judge this answer ({type(exc).__name__})",
                         remediation=REMEDIATIONS[Verdict.UNKNOWN])


def _diagnosis(observation: Observation, target: Target, facts: _Facts, remedy: str) -> Diagnosis:
    exchange = facts.exchange if facts.exchange is not None else observation.final
    headers = exchange.headers if isinstance(exchange, Exchange) else {}
    # The header names the org (a slug such as acme-x1y2z3 or user-…), it is never the org id:
    # it is recorded, and never compared with the id that was asked for.
    org_name = _header(headers, "openai-organization")
    notes = list(facts.notes)
    if org_name and not _text(target.org):
        notes.append(f"the key's default org is named {org_name}")
    reason = facts.reason + ("; " + "; ".join(notes) if notes else "")
    info = facts.error
    answer = facts.answer
    latency = _seconds(exchange.latency_s) if isinstance(exchange, Exchange) else None
    usage_in = _int(observation.usage_input_tokens) or (answer.usage_in if answer else 0)
    usage_out = _int(observation.usage_output_tokens) or (answer.usage_out if answer else 0)
    attempts = _int(observation.attempts)
    adaptations = tuple(a for a in observation.adaptations if isinstance(a, str)) if isinstance(observation.adaptations, (tuple, list)) else ()
    return Diagnosis(
        target=target,
        verdict=facts.verdict,
        reason=_safe(reason, 600) or facts.verdict.value,
        remediation=_safe(remedy, 600) or REMEDIATIONS[facts.verdict],
        http_status=_status_of(exchange) if isinstance(exchange, Exchange) else None,
        error_code=_safe(info.code, 100) if info else None,
        error_type=_safe(info.type, 100) if info else None,
        error_message=_safe(info.message) if info else None,
        request_id=_safe(_header(headers, "x-request-id"), 100),
        org_name=_safe(org_name, 100),
        precheck=observation.precheck if isinstance(observation.precheck, str) else PRECHECK_SKIPPED,
        truncated=facts.truncated,
        latency_ms=round(latency * 1000.0, 1) if latency is not None else None,
        timestamp=_text(observation.started_at),
        attempts=attempts,
        answer=_safe(answer.text, ANSWER_CAP) if answer and answer.text is not None else None,
        adaptations=adaptations,
        usage_input_tokens=usage_in,
        usage_output_tokens=usage_out,
    )


def classify_all(observations: Sequence[Observation], id_sources: Mapping[str, ModelIdSource] | None = None) -> list[Diagnosis]:
    """Diagnoses in the same order; each observation sees the same model's other orgs and its own org's other models.
    ``id_sources`` (tier -> where its id is set) lets a next step name the setting to change."""
    items = list(observations)
    cache = _Peers(id_sources=dict(id_sources or {}))
    out: list[Diagnosis] = []
    for obs in items:
        target = getattr(obs, "target", None)
        if not isinstance(target, Target):
            out.append(_classify(obs, (), cache))
            continue
        peers = [p for p in items if p is not obs and isinstance(getattr(p, "target", None), Target)
                 and (p.target.model == target.model or p.target.org == target.org)]
        out.append(_classify(obs, peers, cache))
    return out


ExpectedTiers = Union[Sequence[str], Mapping[Optional[str], Sequence[str]]]


def expected_for(expected_tiers: ExpectedTiers, org: str | None) -> Sequence[str]:
    """The tiers ``org`` must reach: one list for every org, or a per-org mapping
    (an org the mapping does not name must reach every tier). An entry may also be
    a model id (``check --model ID`` for an id that is not a 5.6 tier)."""
    if isinstance(expected_tiers, Mapping):
        return expected_tiers.get(org, TIERS)
    return expected_tiers


def is_expected(target: Target, expected_tiers: ExpectedTiers) -> bool:
    """Whether ``target`` must be reachable: its tier, or its model id, is expected of its org."""
    wanted = expected_for(expected_tiers, target.org)
    return target.tier in wanted or target.model in wanted


def overall_severity(diagnoses: Iterable[Diagnosis], expected_tiers: ExpectedTiers = TIERS) -> Severity:
    """The monitoring state of a whole check (exit code = ``Severity.exit_code``).

    Judged on the expected targets (``Target.tier`` in the tiers its org is
    expected to reach, see ``expected_for``);
    fallbacks never affect the status (they inform the report only). When no
    expected target was probed at all (the user named only other models), the
    probed models are judged instead. Precedence:

    - no diagnoses, or every probe failed on the network -> UNKNOWN;
    - CRITICAL if any judged target has an access verdict (wrong_org,
      not_provisioned, provisioning_pending, project_no_access, region_vpn,
      invalid_key, key_permissions, account_blocked, quota_exhausted,
      org_not_eligible): a known access problem outranks not knowing about another target;
    - else UNKNOWN if any judged target is unjudged (unsupported_parameter, unknown);
    - else WARNING if any is degraded (safety_check, rate_limited, server_error,
      timeout) or hit a network_error while other probes got through;
    - else OK.
    """
    items = [d for d in diagnoses if isinstance(d, Diagnosis)]
    if not items:
        return Severity.UNKNOWN
    if all(d.verdict is Verdict.NETWORK_ERROR for d in items):
        return Severity.UNKNOWN
    judged = [d for d in items if is_expected(d.target, expected_tiers)] or items
    verdicts = {d.verdict for d in judged}
    if verdicts & ACCESS_VERDICTS:
        return Severity.CRITICAL
    if verdicts & {Verdict.UNSUPPORTED_PARAMETER, Verdict.UNKNOWN}:
        return Severity.UNKNOWN
    if verdicts & (DEGRADED_VERDICTS | {Verdict.NETWORK_ERROR}):
        return Severity.WARNING
    return Severity.OK


def summarize(diagnoses: Iterable[Diagnosis], expected_tiers: ExpectedTiers = TIERS) -> dict[str, Any]:
    """Counts per verdict (non-zero, in Verdict order) and the overall status.

    Shape: ``{"status": "CRITICAL", "exit_code": 2, "total": 6, "expected": 3,
    "expected_ok": 1, "counts": {"ok": 4, "not_provisioned": 2}}``.
    """
    items = [d for d in diagnoses if isinstance(d, Diagnosis)]
    severity = overall_severity(items, expected_tiers)
    counts = {v.value: n for v in Verdict if (n := sum(1 for d in items if d.verdict is v))}
    expected = [d for d in items if is_expected(d.target, expected_tiers)]
    return {
        "status": severity.value,
        "exit_code": severity.exit_code,
        "total": len(items),
        "expected": len(expected),
        "expected_ok": sum(1 for d in expected if d.ok),
        "counts": counts,
    }


def remediation_for(verdict: Verdict) -> str:
    """The generic one-line next step for a verdict (classify specialises it with facts)."""
    return REMEDIATIONS.get(verdict, REMEDIATIONS[Verdict.UNKNOWN])


__all__ = [
    "REMEDIATIONS",
    "classify",
    "classify_all",
    "is_expected",
    "overall_severity",
    "remediation_for",
    "summarize",
]
