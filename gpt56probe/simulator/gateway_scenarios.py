"""Built-in scenarios for answers that are not OpenAI's own: gateways, proxies, and the 2026 codes.

Each body is a real one quoted in a public issue or doc (docs/real-error-bodies.md sections 19-25, and the
fixtures under tests/fixtures/real_bodies name the same sources); {model} and {key_masked} are filled per
request. Where only the code or the heading is public (IP not authorized, cyber_policy,
invalid_access_program), the envelope around it is OpenAI's usual one and docs/simulator.md says so.
"""

from __future__ import annotations

import json
from typing import Any

P56 = "gpt-5.6-*"

LITELLM_HEADERS = {"server": "uvicorn", "x-litellm-version": "1.79.1", "x-litellm-call-id": "5b0c7c7e-3f07-4a5e-9d2b-6f0c4c1f2a10",
                   "x-litellm-key-spend": "0.0"}  # BerriAI/litellm#16624
AZURE_HEADERS = {"apim-request-id": "0f3e5b8a-9c7d-4e21-8b55-2a6f1d9c4e70", "x-ms-region": "Sweden Central"}  # SciSharp/BotSharp#386, BerriAI/litellm#15232

LITELLM_UNKNOWN_MODEL = json.dumps({"error": {"message": {"error": "/chat/completions: Invalid model name passed in model={model}. "
                                                                    "Call `/v1/models` to view available models for your key."},
                                              "type": "None", "param": "None", "code": "400"}}, indent=4)  # BerriAI/litellm#8821
LITELLM_BUDGET = json.dumps({"error": {"message": "Budget has been exceeded! Key=e7fbc61f8b495ca3d88994cfa0fda7f12a8134d23f1346dccd7a2532dbd61a6d "
                                                  "Current cost: 0.0, Estimated request cost: 3.6432300000000004, Max budget: 2.5",
                                       "type": "budget_exceeded", "param": None, "code": "429"}})  # BerriAI/litellm PR #40002
LITELLM_BAD_KEY = json.dumps({"error": {"message": "Authentication Error, Invalid proxy server token passed. Received API Key = {key_masked}, "
                                                   "Key Hash (Token) =569909a917a742e1c954a5ae2ff043fb10fff299956707ca9f9ce64c1f257585. "
                                                   "Unable to find token in cache or `LiteLLM_VerificationTokenTable`",
                                        "type": "token_not_found_in_db", "param": "key", "code": "401"}})  # BerriAI/litellm#24680
AZURE_BAD_KEY = json.dumps({"error": {"code": "401", "message": "Access denied due to invalid subscription key or wrong API endpoint. "
                                                                 "Make sure to provide a valid key for an active subscription and use a "
                                                                 "correct regional API endpoint for your resource."}})  # SciSharp/BotSharp#386
AZURE_NO_DEPLOYMENT = json.dumps({"error": {"code": "DeploymentNotFound", "message": "The API deployment for this resource does not exist. "
                                                                                     "If you created the deployment within the last 5 minutes, "
                                                                                     "please wait a moment and try again."}})  # chatboxai/chatbox#861
OPENROUTER_CREDITS = json.dumps({"error": {"message": "Insufficient credits. This account never purchased credits. Make sure your key "
                                                      "is on the correct account or org, and if so, purchase more at "
                                                      "https://openrouter.ai/settings/credits", "code": 402}})  # Gitlawb/openclaude#43
OPENROUTER_NO_MODEL = json.dumps({"error": {"message": "{model} is not a valid model ID", "code": 400},
                                  "user_id": "user_39yvGR6gBlXf8o3DGgqb1NeHs5u"})  # sipeed/picoclaw#1790
MISSING_BEARER = json.dumps({"error": {"message": "Missing bearer or basic authentication in header", "type": "invalid_request_error",
                                       "param": None, "code": None}}, indent=2)  # openai/openai-cookbook#2347
MISSING_MODEL_SCOPE = ("You have insufficient permissions for this operation. Missing scopes: model.request. Check that you have "
                       "the correct role in your organization (Reader, Writer, Owner) and project (Member, Owner), and if you're "
                       "using a restricted API key, that it has the necessary scopes.")  # openclaw/openclaw#47372 + section 5
QUOTA = "You exceeded your current quota, please check your plan and billing details."  # dev.to SublyNow, section 25

_SQUID_HEADERS = {"Server": "squid/6.10", "X-Squid-Error": "ERR_ACCESS_DENIED 0", "Via": "1.1 sim-proxy (squid/6.10)",
                  "Mime-Version": "1.0"}


def _raw(status: int, body: str, content_type: str = "application/json") -> dict[str, Any]:
    return {"status": status, "body": body, "content_type": content_type}


def _err(status: int, message: str, code: str | None = None, type_: str = "invalid_request_error") -> dict[str, Any]:
    out: dict[str, Any] = {"status": status, "message": message, "type": type_}
    if code is not None:
        out["code"] = code
    return out


def _billing(code: str, what: str) -> dict[str, Any]:
    return {"name": code.replace("_", "-"), "org": "org-sim-" + code.replace("_", "-"),
            "description": f"sampling 429 {code} (type insufficient_quota): {what}; never retried",
            "rules": [{"endpoints": "sampling", "error": _err(429, QUOTA, code, "insufficient_quota")}]}


def gateway_scenarios(squid_403: str, squid_407: str) -> list[dict[str, Any]]:
    """The scenarios, in the shape a scenario file uses; the two proxy pages come from simulator.bodies."""
    return [
        # ------------------------------------------------------------- gateways
        {"name": "litellm-model", "org": "org-sim-litellm-model",
         "description": "LiteLLM proxy that has no 5.6 route: not in /v1/models; sampling 400 with error.message an object",
         "rules": [{"models": P56, "endpoints": "models.list", "hidden": True},
                   {"models": P56, "endpoints": "sampling", "error": _raw(400, LITELLM_UNKNOWN_MODEL), "headers": LITELLM_HEADERS}]},
        {"name": "litellm-budget", "org": "org-sim-litellm-budget",
         "description": "LiteLLM proxy whose key budget is spent: sampling 429 type budget_exceeded (the gateway's, not OpenAI's)",
         "rules": [{"endpoints": "sampling", "error": _raw(429, LITELLM_BUDGET), "headers": LITELLM_HEADERS}]},
        {"name": "litellm-key", "key": "sk-sim-litellm-bad",
         "description": "LiteLLM proxy that does not know the key: 401 token_not_found_in_db \"Authentication Error, …\"",
         "rules": [{"error": _raw(401, LITELLM_BAD_KEY), "headers": LITELLM_HEADERS}]},
        {"name": "azure-deployment", "org": "org-sim-azure-deployment",
         "description": "Azure OpenAI resource without a 5.6 deployment: not listed; sampling 404 DeploymentNotFound",
         "rules": [{"models": P56, "endpoints": "models.list", "hidden": True},
                   {"models": P56, "endpoints": "sampling", "error": _raw(404, AZURE_NO_DEPLOYMENT), "headers": AZURE_HEADERS}]},
        {"name": "azure-key", "key": "sk-sim-azure-bad",
         "description": "Azure OpenAI refusing the key: 401 \"Access denied due to invalid subscription key or wrong API endpoint\"",
         "rules": [{"error": _raw(401, AZURE_BAD_KEY), "headers": AZURE_HEADERS}]},
        {"name": "azure-oldapi", "org": "org-sim-azure-oldapi",
         "description": "Azure OpenAI api-version before max_completion_tokens: chat 400 \"Unrecognized request argument "
                        "supplied: max_completion_tokens\" (and reasoning_effort), param and code null",
         "rules": [{"endpoints": "chat", "answer": "ok", "unrecognized": ["max_completion_tokens", "reasoning_effort"],
                    "headers": AZURE_HEADERS}]},
        {"name": "openrouter-credits", "org": "org-sim-openrouter-credits",
         "description": "OpenRouter with no credits: sampling 402 {\"error\": {\"message\": \"Insufficient credits…\", \"code\": 402}}",
         "rules": [{"endpoints": "sampling", "error": _raw(402, OPENROUTER_CREDITS)}]},
        {"name": "openrouter-model", "org": "org-sim-openrouter-model",
         "description": "OpenRouter without the 5.6 ids: not listed; sampling 400 \"… is not a valid model ID\" (integer code, user_id)",
         "rules": [{"models": P56, "endpoints": "models.list", "hidden": True},
                   {"models": P56, "endpoints": "sampling", "error": _raw(400, OPENROUTER_NO_MODEL)}]},
        # ------------------------------------------------------------- proxies (CONNECT 407: any request sent to the simulator as a proxy)
        {"name": "proxy-407", "org": "org-sim-proxy-407",
         "description": "a proxy in the path answering 407 Proxy Authentication Required with Squid's \"Cache Access Denied\" page",
         "rules": [{"error": _raw(407, squid_407, "text/html;charset=utf-8"),
                    "headers": dict(_SQUID_HEADERS, **{"X-Squid-Error": "ERR_CACHE_ACCESS_DENIED 0",
                                                       "Proxy-Authenticate": 'Basic realm="Squid proxy-caching web server"'})}]},
        {"name": "proxy-block", "org": "org-sim-proxy-block",
         "description": "a corporate proxy's own block page: 403 Squid \"Access Denied\" (ERR_ACCESS_DENIED), not OpenAI's edge",
         "rules": [{"error": _raw(403, squid_403, "text/html;charset=utf-8"), "headers": _SQUID_HEADERS}]},
        # ------------------------------------------------------------- OpenAI's 401s and the 2026 codes
        {"name": "nobearer-key", "key": "sk-sim-nobearer",
         "description": "a key that never arrives (a proxy strips Authorization): 401 \"Missing bearer or basic authentication in header\"",
         "rules": [{"error": _raw(401, MISSING_BEARER)}]},
        {"name": "noscope-key", "key": "sk-sim-noscope",
         "description": "restricted key without model.request: sampling 401 \"Missing scopes: model.request\" (code null)",
         "rules": [{"endpoints": "sampling", "error": _err(401, MISSING_MODEL_SCOPE)}]},
        {"name": "ip", "org": "org-sim-ip",
         "description": "the org's IP allowlist does not hold this address: 401 \"IP not authorized\" everywhere",
         "rules": [{"error": _err(401, "IP not authorized")}]},
        _billing("organization_usage_limit_exceeded", "the org's approved usage limit"),
        _billing("organization_spend_limit_exceeded", "the org's hard spend limit"),
        _billing("project_spend_limit_exceeded", "the project's hard spend limit"),
        _billing("credit_balance_exhausted", "no prepaid credits left"),
        {"name": "cyber", "org": "org-sim-cyber",
         "description": "sol and terra revoked for a while by the cyber safeguards: sampling 403 code cyber_policy",
         "rules": [{"models": ["gpt-5.6-sol", "gpt-5.6-terra"], "endpoints": "sampling",
                    "error": _err(403, "Access to this model has been temporarily restricted by our cybersecurity safeguards.",
                                  "cyber_policy")}]},
        {"name": "access-program", "org": "org-sim-access-program",
         "description": "sol refused: 400 code invalid_access_program (the access program does not fit the project and model)",
         "rules": [{"models": "gpt-5.6-sol", "endpoints": "sampling",
                    "error": _err(400, "The requested access program is not available for this model and project.",
                                  "invalid_access_program")}]},
        {"name": "blank", "org": "org-sim-blank",
         "description": "5.6 answers 200 with no output text and no usage (the seeds' \"blank output\")",
         "rules": [{"models": P56, "endpoints": "sampling", "stream": False, "answer": "blank"}]},
    ]
