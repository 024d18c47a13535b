"""The built-in scenarios, written in the same shape a user's scenario file uses.

Wording, types, params, codes and statuses are the real API's, as captured in
public bug reports (docs/real-error-bodies.md). Two shapes are simulator-defined
because the real ones are not public: the ``model_access_pending`` refusal and
the ``openai-safety-notice`` header (docs/simulator.md).
"""

from __future__ import annotations

from typing import Any

from gpt56probe.simulator.bodies import squid_403, squid_407
from gpt56probe.simulator.gateway_scenarios import gateway_scenarios

P56 = "gpt-5.6-*"
SOL = "gpt-5.6-sol"
TERRA = "gpt-5.6-terra"
LUNA = "gpt-5.6-luna"
PLACEHOLDERS = [SOL, TERRA, LUNA]
SNAPSHOT = "2026-06-26"  # the preview's launch day
DATED = [f"{SOL}-{SNAPSHOT}", f"{TERRA}-{SNAPSHOT}", f"{LUNA}-{SNAPSHOT}", f"{SOL}-ultra-{SNAPSHOT}"]

# --- real wording (docs/real-error-bodies.md, section numbers in brackets)
MISSING_KEY = (
    "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer "
    "auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're "
    "accessing the API from your browser and are prompted for a username and password. You can obtain an API "
    "key from https://platform.openai.com/account/api-keys."
)  # [3b]
INVALID_KEY = "Incorrect API key provided: {key_masked}. You can find your API key at https://platform.openai.com/account/api-keys."  # [3a]
MISSING_SCOPE = (
    "You have insufficient permissions for this operation. Missing scopes: api.responses.write. Check that you "
    "have the correct role in your organization (Reader, Writer, Owner) and project (Member, Owner), and if "
    "you're using a restricted API key, that it has the necessary scopes."
)  # [5]
NOT_ALLOWED_TO_SAMPLE = "You are not allowed to sample from this model"  # [5b]
DEACTIVATED = (
    "This key is associated with a deactivated account. If you feel this is an error, contact us through our "
    "help center at help.openai.com."
)  # [11a]
MISMATCHED_ORG = "OpenAI-Organization header should match organization for API key"  # [4a]
MODEL_NOT_FOUND = "The model `{model}` does not exist or you do not have access to it."  # [1a]
PROJECT_NO_ACCESS = "Project `{project}` does not have access to model `{model}`"  # [2]
REGION = "Country, region, or territory not supported"  # [6]
QUOTA = (
    "You exceeded your current quota, please check your plan and billing details. For more information on "
    "this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors."
)  # [7]
RATE_LIMIT = (
    "Rate limit reached for {model} in organization {org} on requests per min (RPM): Limit 3, Used 3, "
    "Requested 1. Please try again in 1s. Visit https://platform.openai.com/account/rate-limits to learn more."
)  # [8]
OVERLOADED = (
    "That model is currently overloaded with other requests. You can retry your request, or contact us "
    "through our help center at help.openai.com if the error persists. (Please include the request ID "
    "{request_id} in your message.)"
)  # [12b]
SERVER_ERROR = (
    "The server had an error processing your request. Sorry about that! You can retry your request, or "
    "contact us through our help center at help.openai.com if you keep seeing this error. (Please include "
    "the request ID {request_id} in your email.)"
)  # [12a]
_VERIFY_TAIL = (
    " Please go to: https://platform.openai.com/settings/organization/general and click on Verify "
    "Organization. If you just verified, it can take up to 15 minutes for access to propagate."
)
FLAGGED = (
    "Invalid prompt: your prompt was flagged as potentially violating our usage policy. Please try again with a "
    "different prompt: https://platform.openai.com/docs/guides/reasoning#advice-on-prompting"
)  # [15a]
VERIFY_STREAM = "Your organization must be verified to stream this model." + _VERIFY_TAIL  # [9a]
VERIFY_USE = "Your organization must be verified to use the model `{model}`." + _VERIFY_TAIL  # [9c]

# --- simulator-defined (no public capture exists)
CONFLICT = "The request conflicted with another request in progress. Please retry your request."  # 409: the SDK's "lock timeout"
BUSY = "The server is temporarily unable to take this request. Please retry your request."  # 400 + x-should-retry: true
PENDING = (
    "Access to model `{model}` is pending for organization {org}: your enrollment is approved but "
    "provisioning has not completed yet. Try again later, or ask your account representative about the "
    "provisioning status."
)
NOTICE_SLOW = "This request requires additional safety checks, which can take extra time."
NOTICE_WITHHELD = "This content can't be shown."


def _err(status: int, message: str, code: str | None = None, type_: str = "invalid_request_error",
         param: str | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"status": status, "message": message, "type": type_}
    if param is not None:
        body["param"] = param
    if code is not None:
        body["code"] = code
    body.update(extra)
    return body


def _stream_org(name: str, description: str, **spec: Any) -> dict[str, Any]:
    """An org whose streamed 5.6 answers say "ok" and then go wrong (issue 11: errors inside a 200 stream)."""
    return {"name": f"stream-{name}", "org": f"org-sim-stream-{name}", "description": description,
            "rules": [{"models": P56, "endpoints": "sampling", "stream_error": spec}]}


def _fault_org(name: str, fault: str, description: str) -> dict[str, Any]:
    return {"name": f"fault-{name}", "org": f"org-sim-fault-{name}", "description": description,
            "rules": [{"endpoints": "*", "fault": fault}]}


BUILTIN_SCENARIOS: dict[str, Any] = {
    "scenario": [
        # ------------------------------------------------------------- keys
        {"name": "missing-key", "key": "<none>", "description": "no Authorization header: 401, code null",
         "rules": [{"error": _err(401, MISSING_KEY)}]},
        {"name": "invalid-key", "key": "<not-sk>", "description": "key not starting sk-: 401 invalid_api_key",
         "rules": [{"error": _err(401, INVALID_KEY, "invalid_api_key")}]},
        {"name": "invalid-key-sim", "key": "sk-sim-invalid", "description": "revoked/mistyped key: 401 invalid_api_key",
         "rules": [{"error": _err(401, INVALID_KEY, "invalid_api_key")}]},
        {"name": "restricted-key", "key": "sk-sim-restricted",
         "description": "restricted key: chat works, /v1/responses 401 missing scope api.responses.write (code null)",
         "rules": [{"endpoints": "responses", "error": _err(401, MISSING_SCOPE)}]},
        {"name": "nosample-key", "key": "sk-sim-nosample",
         "description": "restricted key without model capabilities: models listed, sampling 403 \"You are not allowed to sample from this model\" (code null)",
         "rules": [{"endpoints": "sampling", "error": _err(403, NOT_ALLOWED_TO_SAMPLE)}]},
        {"name": "deactivated-key", "key": "sk-sim-deactivated", "description": "401 account_deactivated everywhere",
         "rules": [{"error": _err(401, DEACTIVATED, "account_deactivated")}]},
        {"name": "other-org-key", "key": "sk-sim-other", "member_of": ["org-sim-other"], "default_org": "org-sim-other",
         "description": "key of org-sim-other only: any other OpenAI-Organization header gives 401 mismatched_organization"},
        # ------------------------------------------------------------- orgs
        {"name": "approved", "org": "org-sim-approved",
         "description": "every model answers \"ok\" on both surfaces, stream too (also: any org id no scenario names)"},
        {"name": "unprovisioned", "org": "org-sim-unprovisioned",
         "description": "5.6 ids 404 model_not_found on retrieve and sampling, absent from /v1/models; fallbacks fine",
         "rules": [
             {"models": P56, "endpoints": "models.list", "hidden": True},
             {"models": P56, "endpoints": ["models.retrieve", "sampling"], "error": _err(404, MODEL_NOT_FOUND, "model_not_found")},
         ]},
        {"name": "dated", "org": "org-sim-dated", "extra_models": DATED,
         "description": f"the list holds dated 5.6 ids only ({TERRA}-{SNAPSHOT}, ..., Sol Ultra too) and answers them; "
                        "the placeholder ids are not listed and 404 model_not_found, as a wrong id does",
         "rules": [
             {"models": PLACEHOLDERS, "endpoints": "models.list", "hidden": True},
             {"models": PLACEHOLDERS, "endpoints": ["models.retrieve", "sampling"], "error": _err(404, MODEL_NOT_FOUND, "model_not_found")},
         ]},
        {"name": "pending", "org": "org-sim-pending",
         "description": "5.6 listed and retrievable; sampling refused: chat 403 model_access_pending (simulator-defined), responses 404 model_not_found",
         "rules": [
             {"models": P56, "endpoints": "chat", "error": _err(403, PENDING, "model_access_pending")},
             {"models": P56, "endpoints": "responses", "error": _err(404, MODEL_NOT_FOUND, "model_not_found")},
         ]},
        {"name": "foreign", "org": "org-sim-foreign",
         "description": "the key does not belong to this org: 401 mismatched_organization everywhere",
         "rules": [{"error": _err(401, MISMATCHED_ORG, "mismatched_organization")}]},
        {"name": "project", "org": "org-sim-project",
         "description": "project lacks gpt-5.6-sol: hidden from the project's model list; sampling 403 model_not_found "
                        "\"Project `proj_…` does not have access…\"",
         "rules": [{"models": SOL, "endpoints": "models", "hidden": True},
                   {"models": SOL, "endpoints": "sampling", "error": _err(403, PROJECT_NO_ACCESS, "model_not_found")}],
         # Admin API: the default project's allow list leaves Sol out; another project has no list at all.
         "projects": [{"id": "default", "name": "Default project",
                       "model_permissions": {"mode": "allow_list", "model_ids": [TERRA, LUNA, "gpt-5.5", "gpt-5.4-mini"]}},
                      {"id": "proj_simResearch0000000000000", "name": "research"}]},
        {"name": "region", "org": "org-sim-region",
         "description": "403 unsupported_country_region_territory (type request_forbidden) on every endpoint",
         "rules": [{"error": _err(403, REGION, "unsupported_country_region_territory", "request_forbidden",
                                  order=["code", "message", "param", "type"])}]},
        {"name": "safety", "org": "org-sim-safety",
         "description": "sol: slow 200 + openai-safety-notice; terra: 200 withheld (content_filter) + notice; luna fast",
         "rules": [
             {"models": SOL, "endpoints": "sampling", "answer": "ok", "safety_delay": True,
              "headers": {"openai-safety-notice": NOTICE_SLOW}},
             {"models": TERRA, "endpoints": "sampling", "answer": "withheld",
              "headers": {"openai-safety-notice": NOTICE_WITHHELD}},
         ]},
        {"name": "quota", "org": "org-sim-quota", "description": "sampling 429 insufficient_quota, no retry-after; listing fine",
         "rules": [{"endpoints": "sampling", "error": _err(429, QUOTA, "insufficient_quota", "insufficient_quota")}],
         # Admin API: the default project's hard spend limit ($50 a month) is enforcing.
         "projects": [{"id": "default", "name": "Default project", "spend_limit": {"threshold_amount": 5000, "enforcing": True}}]},
        {"name": "retiring", "org": "org-sim-retiring",
         "description": "every model answers; the model list announces gpt-5.5's shutdown 10 days from today and Luna's in 60",
         "shutdown_dates": {"gpt-5.5": "+10d", LUNA: "+60d"}},
        {"name": "ratelimited", "org": "org-sim-ratelimited",
         "description": "sampling 429 rate_limit_exceeded with retry-after: 1, always",
         "rules": [{"endpoints": "sampling", "error": _err(429, RATE_LIMIT, "rate_limit_exceeded", "requests"),
                    "headers": {"retry-after": "1", "x-ratelimit-limit-requests": "3",
                                "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "1s"}}]},
        {"name": "flaky", "org": "org-sim-flaky",
         "description": "first sampling request per (model, surface) 503 overloaded with retry-after: 0, then ok",
         "rules": [{"endpoints": "sampling", "times": 1, "error": _err(503, OVERLOADED, type_="server_error"),
                    "headers": {"retry-after": "0"}}]},
        {"name": "retry", "org": "org-sim-retry",
         "description": "first sampling request per model refused in a way openai-python retries, then ok: "
                        "sol 429 retry-after-ms 300 (retry-after 30), terra 503 retry-after as an HTTP date, "
                        "luna 409 (backoff), gpt-5.5 400 with x-should-retry: true",
         "rules": [
             {"models": SOL, "endpoints": "sampling", "times": 1,
              "error": _err(429, RATE_LIMIT, "rate_limit_exceeded", "requests"),
              "headers": {"retry-after-ms": "300", "retry-after": "30"}},
             {"models": TERRA, "endpoints": "sampling", "times": 1, "error": _err(503, OVERLOADED, type_="server_error"),
              "headers": {"retry-after": "{http_date+1}"}},
             {"models": LUNA, "endpoints": "sampling", "times": 1, "error": _err(409, CONFLICT)},
             {"models": "gpt-5.5", "endpoints": "sampling", "times": 1, "error": _err(400, BUSY),
              "headers": {"x-should-retry": "true"}},
         ]},
        {"name": "noretry", "org": "org-sim-noretry",
         "description": "sampling 503 overloaded with x-should-retry: false, always: not retried",
         "rules": [{"endpoints": "sampling", "error": _err(503, OVERLOADED, type_="server_error"),
                    "headers": {"x-should-retry": "false"}}]},
        {"name": "unverified", "org": "org-sim-unverified",
         "description": "streaming 5.6: 400 unsupported_value param stream; sol unstreamed: 404 \"must be verified to use the model\"",
         "rules": [
             {"models": P56, "endpoints": "sampling", "stream": True,
              "error": _err(400, VERIFY_STREAM, "unsupported_value", param="stream")},
             {"models": SOL, "endpoints": "sampling", "error": _err(404, VERIFY_USE, bare_headers=True)},
         ]},
        {"name": "tight", "org": "org-sim-tight",
         "description": "5.6: 200 with empty content, finish_reason length / status incomplete (max_output_tokens)",
         "rules": [{"models": P56, "endpoints": "sampling", "answer": "length"}]},
        # ------------------------------------------------------------- errors inside a 200 stream
        _stream_org("error", "streamed 5.6: \"ok\", then server_error: chat data: {\"error\"}, responses event: error",
                    message=SERVER_ERROR, type="server_error", code=None, responses="error"),
        _stream_org("ratelimit", "streamed 5.6: \"ok\", then rate_limit_exceeded: chat data: {\"error\"}, responses response.failed",
                    message=RATE_LIMIT, type="requests", code="rate_limit_exceeded", responses="failed"),
        _stream_org("flagged", "streamed 5.6: \"ok\", then invalid_prompt: chat data: {\"error\"}, responses response.failed",
                    message=FLAGGED, type="invalid_request_error", code="invalid_prompt", responses="failed"),
        _stream_org("filtered", "streamed 5.6: \"ok\", then content_filter: chat finish_reason, responses response.incomplete",
                    reason="content_filter"),
        _stream_org("capped", "streamed 5.6: \"o\", then max_output_tokens: chat finish_reason length, responses response.incomplete",
                    after="o", reason="max_output_tokens"),
        # ------------------------------------------------------------- faults
        _fault_org("delay", "delay", "headers delayed 30 s (fault_delay)"),
        _fault_org("slowbody", "slowbody", "headers at once, then the body trickles one byte per 0.5 s"),
        _fault_org("reset", "reset", "connection reset, no answer"),
        _fault_org("html502", "html502", "502 HTML \"Bad Gateway\" page from the edge proxy (cloudflare)"),
        _fault_org("html403", "html403", "403 HTML \"Sorry, you have been blocked\" edge page, every endpoint"),
        _fault_org("html524", "html524", "524 HTML \"A timeout occurred\" Cloudflare page: the edge gave up waiting for the origin"),
        _fault_org("truncated", "truncated", "200 with JSON cut off mid-body (honest Content-Length)"),
        _fault_org("oversize", "oversize", "200 with a 20 MB body"),
        _fault_org("cutbody", "cutbody", "200 and its headers, half the body (half the stream), then a TCP reset mid-body"),
        {"name": "fault-500", "org": "org-sim-fault-500", "description": "sampling 500 server_error",
         "rules": [{"endpoints": "sampling", "error": _err(500, SERVER_ERROR, type_="server_error")}]},
        # ------------------------------------------------------------- gateways, proxies, the 2026 codes (issue 21)
        *gateway_scenarios(squid_403("https://api.openai.com/v1/chat/completions"),
                           squid_407("https://api.openai.com/v1/chat/completions")),
    ]
}
