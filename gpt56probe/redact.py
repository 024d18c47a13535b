"""Remove secrets from text before it is shown, logged or put in a support packet.

Pure functions, no I/O. ``redact`` is total (any str in, a str out) and
idempotent (``redact(redact(t)) == redact(t)``).

Removed: API keys (``sk-…``, ``sk-proj-…``, ``sk-svcacct-…``, ``sk-admin-…``,
``rk-…``, ``sess-…``; shown as prefix + ``…`` + last 4, the way OpenAI's own
"Incorrect API key provided" message masks them), bearer tokens, passwords in
URLs and ``password=`` style query parameters, cookie values, e-mail addresses
(except the kept ones), long hex (>= 32) and long base64-ish (>= 40, mixed case
and digits) runs.

Kept readable: request ids (``req_`` + 32 hex, and the older bare 32-hex id after
"request ID"), org ids (``org-…``), project ids (``proj_…``), model ids, URLs
without credentials, and keys OpenAI already masked (``sk-abc***xyz``).
"""

from __future__ import annotations

import re
from typing import Iterable, Match

MASK = "***"
ELLIPSIS = "\u2026"

# --- credentials inside URLs: scheme://user:password@host -> scheme://user:***@host
_URL_CREDENTIALS = re.compile(r"(?P<head>\b[a-zA-Z][a-zA-Z0-9+.\-]*://[^/\s:@'\"<>]*):(?P<pw>[^@\s/'\"<>]+)@")

# --- password-like query or form parameters: password=xyz -> password=***
_SECRET_PARAMS = re.compile(
    r"(?i)\b(?P<name>password|passwd|pwd|secret|client_secret|api_key|apikey|access_token|refresh_token|auth_token|token)"
    r"(?P<eq>=)(?P<value>[^&\s'\"<>]+)"
)

# --- cookies: "Cookie: a=b; c=d" / "Set-Cookie: ..." / "'Set-Cookie': '...'" / (b'Set-Cookie', b'...')
_COOKIE = re.compile(
    r"(?i)(?P<head>\b(?:set-)?cookie['\"]?\s*(?::|=|,)\s*b?['\"]?)(?P<value>[^'\"\r\n]*)"
)

# --- Authorization: Bearer X / Basic X
_BEARER = re.compile(r"(?i)\b(?P<scheme>bearer|basic)\s+(?P<token>[A-Za-z0-9\-._~+/=]+)")

# --- API keys. Real keys are long; 12+ characters after the prefix keeps
# already-masked forms ("sk-PMafP****E873") and placeholders ("sk-...") alone.
_API_KEY = re.compile(
    r"(?<![A-Za-z0-9])(?P<prefix>(?:sk|rk)-(?:proj-|svcacct-|admin-|None-)?|sess-)(?P<body>[A-Za-z0-9_\-]{12,})"
)

_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")

_HEX = re.compile(r"(?<![A-Za-z0-9_\-])[0-9a-fA-F]{32,}(?![A-Za-z0-9_\-])")
_B64 = re.compile(r"(?<![A-Za-z0-9+/_\-])[A-Za-z0-9+/_\-]{40,}={0,2}")

_REQUEST_ID_CONTEXT = re.compile(r"(?i)(?:request[ _-]?id|req_)\W{0,4}$")


def _mask_key(match: Match[str]) -> str:
    return f"{match.group('prefix')}{ELLIPSIS}{match.group('body')[-4:]}"


def _mask_bearer(match: Match[str]) -> str:
    token = match.group("token")
    # Leave prose ("Bearer auth") and placeholders ("Bearer YOUR_KEY") readable.
    if len(token) < 8 or re.fullmatch(r"[A-Z_]+", token) or token == MASK:
        return match.group(0)
    return f"{match.group('scheme')} {MASK}"


def _mask_hex(match: Match[str]) -> str:
    before = match.string[max(0, match.start() - 16) : match.start()]
    if _REQUEST_ID_CONTEXT.search(before):
        return match.group(0)
    return MASK


def _mask_b64(match: Match[str]) -> str:
    token = match.group(0)
    # Secrets mix upper case, lower case and digits; long paths and words do not.
    if not (re.search(r"[A-Z]", token) and re.search(r"[a-z]", token) and re.search(r"[0-9]", token)):
        return token
    return MASK


def redact(text: str, *, keep_emails: Iterable[str] = ()) -> str:
    """``text`` with secrets masked; see the module docstring for what is kept."""
    if not isinstance(text, str):
        text = str(text)
    if not text:
        return text
    kept = frozenset(e.strip().lower() for e in keep_emails if isinstance(e, str) and e.strip())
    # Each pass only masks; repeating until nothing changes makes redact idempotent
    # even where one rule's mask lets another rule match.
    for _ in range(8):
        masked = _redact_once(text, kept)
        if masked == text:
            break
        text = masked
    return text


def _redact_once(text: str, kept: frozenset[str]) -> str:
    out = _URL_CREDENTIALS.sub(lambda m: f"{m.group('head')}:{MASK}@", text)
    out = _SECRET_PARAMS.sub(lambda m: f"{m.group('name')}{m.group('eq')}{MASK}", out)
    out = _COOKIE.sub(lambda m: m.group("head") + (MASK if m.group("value").strip() else m.group("value")), out)
    out = _BEARER.sub(_mask_bearer, out)
    out = _API_KEY.sub(_mask_key, out)
    out = _EMAIL.sub(lambda m: m.group(0) if m.group(0).lower() in kept else f"{MASK}@{MASK}", out)
    out = _HEX.sub(_mask_hex, out)
    out = _B64.sub(_mask_b64, out)
    return out


_KEY_PREFIXES = ("sk-proj-", "sk-svcacct-", "sk-admin-", "sk-None-", "sk-", "rk-", "sess-")


def fingerprint(key: str) -> str:
    """A short, safe name for a key: ``sk-…abcd`` (known prefix + last 4).

    A key without a known prefix, or too short to hide anything, shows only
    ``…`` + its last 2 characters; an empty key is ``(empty)``.
    """
    if not isinstance(key, str):
        key = str(key)
    key = key.strip()
    if not key:
        return "(empty)"
    for prefix in _KEY_PREFIXES:
        if key.startswith(prefix) and len(key) - len(prefix) >= 12:
            return f"{prefix}{ELLIPSIS}{key[-4:]}"
    return f"{ELLIPSIS}{key[-2:]}"
