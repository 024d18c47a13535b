"""The verdict rules as data: the codes, types and wording that name a verdict, and each verdict's next step.

One source: the classifier reads these tables, and so does the router that ``plan --emit`` writes
for users (its failure classes are generated from them, never copied by hand).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

from gpt56probe.core.observation import Failure, Verdict

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


# ---------------------------------------------------------------- rule 3 as one ordered table


@dataclass(frozen=True)
class ErrorRule:
    """One step of rule 3 (an error answer): every condition it sets must hold; the first rule that
    holds names the verdict. The classifier walks this table, and the router ``plan --emit`` writes
    carries it as data (migrate/router), so both read an error the same way.

    ``why`` names how the classifier words its reason ("" = the status, code and message as said).
    ``model_access``: a model-access refusal, which the org's model list turns into
    ``provisioning_pending`` when the org lists the model (the router has no list: ``not_provisioned``)."""

    verdict: Verdict
    codes: frozenset[str] = frozenset()
    types: frozenset[str] = frozenset()
    message: re.Pattern[str] | None = None
    message_or_code: re.Pattern[str] | None = None
    statuses: tuple[int | None, ...] = ()
    min_status: int | None = None
    with_param: bool = False
    model_access: bool = False
    why: str = ""

    def holds(self, status: int | None, code: str, etype: str, param: str, message: str) -> bool:
        """Whether every condition holds for an error (code and type lower-case, status the effective one)."""
        if self.codes and code not in self.codes:
            return False
        if self.types and etype not in self.types:
            return False
        if self.message is not None and not self.message.search(message):
            return False
        if self.message_or_code is not None and not (self.message_or_code.search(message) or (code and self.message_or_code.search(code))):
            return False
        if self.statuses and status not in self.statuses:
            return False
        if self.min_status is not None and (status is None or status < self.min_status):
            return False
        return not self.with_param or bool(param)


def _by_verdict(table: Mapping[str, Verdict]) -> list[tuple[Verdict, frozenset[str]]]:
    groups: dict[Verdict, set[str]] = {}
    for key, verdict in table.items():
        groups.setdefault(verdict, set()).add(key)
    return [(verdict, frozenset(keys)) for verdict, keys in groups.items()]


ERROR_RULES: tuple[ErrorRule, ...] = (
    ErrorRule(Verdict.ORG_NOT_ELIGIBLE, message=VERIFICATION, why="verification"),
    ErrorRule(Verdict.PROJECT_NO_ACCESS, message=PROJECT_NO_ACCESS, why="project"),
    ErrorRule(Verdict.KEY_PERMISSIONS, message=SAMPLE_FORBIDDEN, why="sample_forbidden"),
    *(ErrorRule(verdict, codes=codes, why="param" if verdict is Verdict.UNSUPPORTED_PARAMETER else "")
      for verdict, codes in _by_verdict(CODE_VERDICTS)),
    ErrorRule(Verdict.NOT_PROVISIONED, codes=frozenset({"model_not_found"}), model_access=True, why="model_access"),
    ErrorRule(Verdict.NOT_PROVISIONED, message=MODEL_ACCESS_TEXT, model_access=True, why="model_access"),
    *(ErrorRule(verdict, types=types) for verdict, types in _by_verdict(TYPE_VERDICTS)),
    ErrorRule(Verdict.REGION_VPN, types=frozenset({"request_forbidden"}), message=REGION_TEXT),
    *(ErrorRule(verdict, message_or_code=pattern) for pattern, verdict in TEXT_RULES),
    ErrorRule(Verdict.UNSUPPORTED_PARAMETER, codes=frozenset({"unsupported_value"}), why="param"),
    ErrorRule(Verdict.UNSUPPORTED_PARAMETER, message=PARAM_TEXT, statuses=(None, 400, 422), why="param"),
    ErrorRule(Verdict.UNSUPPORTED_PARAMETER, message=PARAM_TEXT, with_param=True, why="param"),
    ErrorRule(Verdict.RATE_LIMITED, statuses=(429,)),
    ErrorRule(Verdict.RATE_LIMITED, types=frozenset({"tokens", "requests"})),
    ErrorRule(Verdict.TIMEOUT, statuses=(408, 524)),
    ErrorRule(Verdict.TIMEOUT, min_status=500, message=EDGE_TIMEOUT),
    ErrorRule(Verdict.SERVER_ERROR, min_status=500),
    ErrorRule(Verdict.SERVER_ERROR, message=SERVER_TEXT),
    ErrorRule(Verdict.REGION_VPN, statuses=(403,), message=HTML_BLOCK),
    ErrorRule(Verdict.UNSUPPORTED_PARAMETER, statuses=(400,), with_param=True, why="request"),
    ErrorRule(Verdict.UNSUPPORTED_PARAMETER, statuses=(400,), types=frozenset({"invalid_request_error"}), why="request"),
)
"""Rule 3 in order (see core/classify's docstring); no rule holding means ``unknown``."""


def error_rule(status: int | None, code: str, etype: str, param: str, message: str) -> ErrorRule | None:
    """The first rule of ERROR_RULES that holds, or None (``unknown``)."""
    for rule in ERROR_RULES:
        if rule.holds(status, code, etype, param, message):
            return rule
    return None


def remediation_for(verdict: Verdict) -> str:
    """The generic one-line next step for a verdict (classify specialises it with facts)."""
    return REMEDIATIONS.get(verdict, REMEDIATIONS[Verdict.UNKNOWN])

