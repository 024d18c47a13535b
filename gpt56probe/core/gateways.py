"""Answers that did not come from OpenAI itself: gateways (LiteLLM proxy, Azure OpenAI, OpenRouter),
corporate proxies (Squid's pages, a 407), and the 2026 billing and access codes, each with its own next step.

Many teams reach OpenAI through a gateway (``OPENAI_BASE_URL``) or a proxy (``HTTPS_PROXY``): their
answers have their own envelopes, wording and limits, and a budget a gateway enforces is the gateway's,
not OpenAI billing. Pure: headers and body in, a verdict, a reason and a next step out (sources of
every shape: docs/real-error-bodies.md sections 19-24).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

from gpt56probe.core.observation import Verdict
from gpt56probe.core.rules import ErrorRule
from gpt56probe.core.wire import ErrorInfo, as_dict, parse_json

LITELLM = "LiteLLM proxy"
AZURE = "Azure OpenAI"
OPENROUTER = "OpenRouter"
SQUID = "Squid proxy"
PROXY = "an HTTP proxy"


@dataclass(frozen=True)
class Gateway:
    """Who answered, when it was not OpenAI, and what showed it (a header, the body's shape)."""

    name: str
    evidence: str

    def __str__(self) -> str:
        return f"{self.name} ({self.evidence})"


@dataclass(frozen=True)
class Special:
    """A verdict with its own next step, decided before OpenAI's own rules are read."""

    verdict: Verdict
    reason: str
    remedy: str
    model_access: bool = False


def _lower_headers(headers: Any) -> dict[str, str]:
    if not isinstance(headers, Mapping):
        return {}
    out: dict[str, str] = {}
    for key, value in headers.items():
        if isinstance(key, str) and isinstance(value, str):
            out[key.lower()] = value
    return out


_SQUID_BODY = re.compile(r"ERR_[A-Z_]{4,40}|\(squid/[0-9.]+\)|squid-cache\.org", re.I)
_LITELLM_TYPES = frozenset({"budget_exceeded", "auth_error", "token_not_found_in_db", "key_model_access_denied",
                            "no_db_connection", "team_model_access_denied", "user_model_access_denied"})
_LITELLM_TEXT = re.compile(r"\blitellm\b|Invalid proxy server token|LiteLLM_VerificationTokenTable|No api key passed in", re.I)
_AZURE_TEXT = re.compile(r"invalid subscription key or wrong API endpoint|API deployment for this resource does not exist", re.I)


def detect(headers: Any, body: str) -> Gateway | None:
    """The gateway or proxy that produced an answer, from its headers, else its body's shape; None for OpenAI's own."""
    lowered = _lower_headers(headers)
    litellm = sorted(name for name in lowered if name.startswith("x-litellm-"))
    if litellm:
        return Gateway(LITELLM, f"{litellm[0]} header")
    for name in ("apim-request-id", "x-ms-region", "x-ms-deployment-name", "azureml-model-session", "x-ms-client-request-id"):
        if name in lowered:
            return Gateway(AZURE, f"{name} header")
    server = lowered.get("server", "").lower()
    via = lowered.get("via", "").lower()
    if "squid" in server or "x-squid-error" in lowered or "squid" in via:
        return Gateway(SQUID, "x-squid-error header" if "x-squid-error" in lowered else ("server header" if "squid" in server else "via header"))
    text = body[:20000] if isinstance(body, str) else ""
    if text and text.lstrip()[:1] == "<" and _SQUID_BODY.search(text) and "squid" in text.lower():
        return Gateway(SQUID, "its error page")
    if "proxy-authenticate" in lowered:
        return Gateway(PROXY, "proxy-authenticate header")
    parsed = as_dict(parse_json(text)) if text else {}
    err = as_dict(parsed.get("error"))
    if parsed:
        if isinstance(err.get("code"), int) and not isinstance(err.get("code"), bool) and (
                "user_id" in parsed or "metadata" in err or not ({"type", "status", "param"} & set(err))):
            return Gateway(OPENROUTER, "its error envelope")
        if isinstance(parsed.get("provider"), str) and str(parsed.get("id", "")).startswith("gen-"):
            return Gateway(OPENROUTER, "its answer's provider field")
        etype = err.get("type")
        message = err.get("message")
        if (isinstance(etype, str) and etype in _LITELLM_TYPES) or isinstance(message, dict) or etype == "None" or (
                isinstance(message, str) and _LITELLM_TEXT.search(message[:2000])):
            return Gateway(LITELLM, "its error envelope")
        code = err.get("code")
        if code == "DeploymentNotFound" or (isinstance(message, str) and _AZURE_TEXT.search(message[:2000])):
            return Gateway(AZURE, "its error envelope")
    return None


# ---------------------------------------------------------------- the special rules

BILLING_2026: Mapping[str, tuple[str, str]] = {
    "organization_usage_limit_exceeded": (
        "the organization reached its OpenAI-assigned monthly usage limit (its usage tier)",
        "Review the org's approved usage limit on its Limits page (settings, limits) and ask for a higher one, or wait "
        "for the monthly reset; retrying will not help."),
    "organization_spend_limit_exceeded": (
        "the organization reached the hard spend limit set on it",
        "Raise or remove the organization's hard spend limit (settings, limits, spend controls), or wait for the "
        "monthly reset; retrying will not help."),
    "project_spend_limit_exceeded": (
        "the key's project reached the hard spend limit set on it",
        "Raise or remove this project's hard spend limit (project settings, limits), or use a key of another "
        "project; retrying will not help."),
    "credit_balance_exhausted": (
        "the organization has no prepaid credits left",
        "Add credits to the organization's API balance (settings, billing); retrying will not help."),
}
"""The 2026 billing codes (type often still ``insufficient_quota``): help.openai.com articles 6614457 and
5955604, developers.openai.com/api/docs/guides/spend-limits. Each has its own next step."""

IP_NOT_AUTHORIZED = re.compile(r"\bIP\b[^.]{0,40}\bnot (?:authori[sz]ed|allowed)|ip[_ ]allow[_ ]?list|\bip_not_authorized\b", re.I)
MISSING_KEY = re.compile(r"missing bearer or basic authentication|missing authentication header|didn.t provide an api key"
                         r"|no api key passed in|no api key provided|missing api key|api key (?:is )?missing", re.I)
GATEWAY_AUTH = re.compile(r"^authentication error\b|invalid proxy server token|invalid subscription key or wrong api endpoint"
                          r"|unable to find token in cache", re.I)
GATEWAY_BUDGET = re.compile(r"budget has been exceeded|exceeded budget|exceededbudget|over budget|crossed budget", re.I)
GATEWAY_CREDITS = re.compile(r"insufficient credits|more credits are required|requires more credits|can only afford", re.I)
GATEWAY_UNKNOWN_MODEL = re.compile(r"invalid model name passed in|is not a valid model id|key not allowed to access model"
                                   r"|api deployment for this resource does not exist|no deployments available for selected model"
                                   r"|there is no 'model_name' with this string", re.I)
PROXY_PAGE = re.compile(r"cache access denied|err_cache_access_denied|err_access_denied|access denied|access control configuration"
                        r"|proxy authentication required|blocked by (?:your )?(?:administrator|proxy|policy)", re.I)


def _gateway_name(gateway: Gateway | None, fallback: str = "the gateway") -> str:
    return gateway.name if gateway is not None else fallback


def special(status: int | None, info: ErrorInfo | None, body: str, headers: Any, model: str,
            precheck_listed: bool) -> Special | None:
    """A gateway's, a proxy's or a 2026 answer that OpenAI's own rules would misread; None for the rest."""
    gateway = detect(headers, body)
    code = (info.code or "").strip() if info else ""
    etype = (info.type or "").strip().lower() if info else ""
    message = (info.message or "")[:5000] if info else ""
    lowered = _lower_headers(headers)
    html = "html" in lowered.get("content-type", "").lower() or body.lstrip()[:300].lower().startswith(("<!doctype", "<html"))
    proxy = gateway if gateway is not None and gateway.name in (SQUID, PROXY) else None

    if status == 407 or code == "407":
        who = _gateway_name(proxy, "the proxy")
        return Special(Verdict.NETWORK_ERROR,
                       f"407 Proxy Authentication Required from {who}: the proxy between this machine and the API wants credentials",
                       proxy_auth_step())
    if proxy is not None and html and status is not None and 400 <= status < 500 and (info is None or info.empty or PROXY_PAGE.search(body[:50000])):
        return Special(Verdict.NETWORK_ERROR,
                       f"{status} page from {proxy} (not OpenAI's edge): the proxy refused the request itself",
                       f"Your proxy ({proxy.name}) blocks the API: ask its admin to allow the base URL's host for this machine, "
                       "or check from a network without that proxy (NO_PROXY / --proxy).")
    if info is None or info.empty:
        return None

    lowered_code = code.lower()
    rule = gateway_rule(status, lowered_code, etype, message)
    if rule is None:
        return None
    name = _gateway_name(gateway)
    if rule.why == "billing":
        what, step = BILLING_2026[lowered_code]
        return Special(rule.verdict, f"{what}: {status} {code}", step)
    if rule.why == "cyber":
        return Special(rule.verdict,
                       f"access to the model was revoked for a while by OpenAI's cyber safeguards: {status} cyber_policy",
                       "OpenAI's cybersecurity safeguards revoked this model for a while (cyber_policy; not a finding of a "
                       "violation): keep the request id, send a safety_identifier per end user, apply for Trusted Access for "
                       "Cyber if this is security work, and contact support if it persists.")
    if rule.why == "access_program":
        return Special(rule.verdict,
                       f"the access program the request selected is not enabled for this project and model: {status} invalid_access_program",
                       "Enable the approved access program (Daybreak) for a named project with this model and use that "
                       "project's key; gpt56probe sends no access_programs itself, so a gateway in between may add it.")
    if rule.why == "ip":
        return Special(rule.verdict,
                       f"this machine's IP address is not on the org's or project's IP allowlist: {status} \"{message[:160]}\"",
                       "Add this vantage's egress IP to the org's or project's IP allowlist (settings, security), or check "
                       "from an allowed network; the key is fine and this is not a region block.")
    if rule.why == "budget":
        return Special(rule.verdict, f"{name}'s own budget is spent, not OpenAI billing: {status} \"{message[:160]}\"",
                       f"{name} enforces this budget (a key, user, team or model max_budget), not OpenAI: ask the gateway's "
                       "admin to raise it or wait for its budget period to reset; OpenAI billing is not the cause.")
    if rule.why == "credits":
        return Special(rule.verdict, f"{name}'s credits or key limit are used up, not OpenAI billing: {status} \"{message[:160]}\"",
                       f"{name}'s credit balance or this key's credit limit is used up: add credits or raise the key's limit "
                       "there (OpenRouter: openrouter.ai/settings/credits, settings/keys); OpenAI billing is not the cause.")
    if rule.why == "missing_key":
        return Special(rule.verdict, f"no API key reached {_gateway_name(gateway, 'the API')}: {status} \"{message[:160]}\"",
                       "No usable key arrived: set OPENAI_API_KEY (or `gpt56probe auth set`) to the key of this endpoint; "
                       "if one is set, a proxy in between may be stripping the Authorization header.")
    if rule.why == "gateway_auth":
        return Special(rule.verdict, f"{name} refused the key: {status} \"{message[:160]}\"",
                       f"{name} did not accept this key: use a key issued by {name} (a LiteLLM virtual key, the Azure "
                       "resource's key and its own regional endpoint), not an OpenAI key, and check that OPENAI_BASE_URL "
                       "points where the key belongs.")
    # rule.why == "no_route": the gateway has no route to the model
    pending = precheck_listed and lowered_code == "deploymentnotfound"
    verdict = Verdict.PROVISIONING_PENDING if pending else Verdict.NOT_PROVISIONED
    return Special(verdict, f"{name} has no route to {model or 'the model'} for this key: {status} \"{message[:160]}\"",
                   f"No access to {model or 'the model'} through {name}: ask its admin to add the model (or an Azure "
                   "deployment named like it) for this key, or configure the id the gateway lists "
                   "(`gpt56probe models` shows it).", model_access=True)


GATEWAY_RULES: tuple[ErrorRule, ...] = (
    ErrorRule(Verdict.QUOTA_EXHAUSTED, codes=frozenset(BILLING_2026), why="billing"),
    ErrorRule(Verdict.SAFETY_CHECK, codes=frozenset({"cyber_policy"}), why="cyber"),
    ErrorRule(Verdict.PROJECT_NO_ACCESS, codes=frozenset({"invalid_access_program"}), why="access_program"),
    ErrorRule(Verdict.KEY_PERMISSIONS, message=IP_NOT_AUTHORIZED, why="ip"),
    ErrorRule(Verdict.KEY_PERMISSIONS, codes=frozenset({"ip_not_authorized"}), why="ip"),
    ErrorRule(Verdict.QUOTA_EXHAUSTED, types=frozenset({"budget_exceeded"}), why="budget"),
    ErrorRule(Verdict.QUOTA_EXHAUSTED, message=GATEWAY_BUDGET, why="budget"),
    ErrorRule(Verdict.QUOTA_EXHAUSTED, statuses=(402,), why="credits"),
    ErrorRule(Verdict.QUOTA_EXHAUSTED, codes=frozenset({"402"}), why="credits"),
    ErrorRule(Verdict.QUOTA_EXHAUSTED, message=GATEWAY_CREDITS, why="credits"),
    ErrorRule(Verdict.INVALID_KEY, message=MISSING_KEY, statuses=(None, 401, 403), why="missing_key"),
    ErrorRule(Verdict.INVALID_KEY, message=MISSING_KEY, codes=frozenset({"401", "403"}), why="missing_key"),
    ErrorRule(Verdict.INVALID_KEY, types=frozenset({"auth_error", "token_not_found_in_db"}), why="gateway_auth"),
    ErrorRule(Verdict.INVALID_KEY, message=GATEWAY_AUTH, why="gateway_auth"),
    ErrorRule(Verdict.NOT_PROVISIONED, codes=frozenset({"deploymentnotfound"}), model_access=True, why="no_route"),
    ErrorRule(Verdict.NOT_PROVISIONED, types=frozenset({"key_model_access_denied"}), model_access=True, why="no_route"),
    ErrorRule(Verdict.NOT_PROVISIONED, message=GATEWAY_UNKNOWN_MODEL, model_access=True, why="no_route"),
)
"""The error-body part of ``special`` in order, as data (the proxy pages before it need headers): the
emitted router carries these before core/rules.ERROR_RULES, as the classifier reads them."""


def gateway_rule(status: int | None, code: str, etype: str, message: str) -> ErrorRule | None:
    """The first rule of GATEWAY_RULES that holds (``code`` lower case), or None."""
    for rule in GATEWAY_RULES:
        if rule.holds(status, code, etype, "", message):
            return rule
    return None


def proxy_auth_step() -> str:
    """The next step of a 407, whether it came as an answer or as a refused CONNECT."""
    return ("Authenticate to your proxy: give its user and password in the proxy URL (HTTPS_PROXY=http://user:pass@host:port "
            "or --proxy), or ask its admin to let this machine through; this is the proxy, not OpenAI nor a region block.")


def proxy_refused_connect(detail: str) -> bool:
    """A CONNECT the proxy answered 407 (requests' ProxyError: "Tunnel connection failed: 407 …")."""
    return bool(re.search(r"\b407\b|proxy authentication required", detail or "", re.I))


def tls_intercepted(detail: str) -> bool:
    """A certificate a TLS-intercepting proxy re-signed: unknown to this machine's CA bundle."""
    return bool(re.search(r"self[- ]signed certificate in certificate chain|unable to get local issuer certificate", detail or "", re.I))
