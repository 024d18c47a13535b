"""Remove secrets from text before it is shown, logged or put in a support packet.

Pure functions, no I/O. ``redact`` is total (any str in, a str out) and
idempotent (``redact(redact(t)) == redact(t)``).

Removed: API keys (``sk-…``, ``sk-proj-…``, ``sk-svcacct-…``, ``sk-admin-…``,
``rk-…``, ``sess-…``; shown as prefix + ``…`` + last 4, the way OpenAI's own
"Incorrect API key provided" message masks them), bearer tokens, passwords in
URLs and ``password=`` style query parameters, cookie values, e-mail addresses
(except the kept ones), long hex (>= 32) and long base64-ish (>= 40, mixed case
and digits) runs.

Pasted text: the value of ``password``/``passwd``/``pwd``/``secret``/``token``/
``api_key``/``apikey``/``x-api-key``/``authorization``/``cookie``/``set-cookie`` (and
any ``*_KEY``/``*_TOKEN``/``*_SECRET``/``*_PASSWORD`` variable) in ``key: value``,
``key=value``, JSON, Python-dict and shell-assignment forms, and ``Token X``/``Basic X``
credentials. A cookie rule masks each cookie's value and stops where the cookies end.

Control characters (C0 but newline and tab, DEL, C1, Unicode bidi overrides) are
shown as visible escapes (``\x1b``), so text a server sent can never move the
cursor, clear a screen or reorder a line.

Kept readable: request ids (``req_`` + 32 hex, and the older bare 32-hex id after
"request ID"), org ids (``org-…``), project ids (``proj_…``), model ids, URLs
without credentials, and keys OpenAI already masked (``sk-abc***xyz``).

Shapes are a net for text nobody told us about; the run's own secrets are removed
by exact value first (``scrub_values``; gpt56probe.gate keeps the run's list).
"""

from __future__ import annotations

import re
from typing import Iterable, Mapping, Match

MASK = "***"
ELLIPSIS = "\u2026"

# --- credentials inside URLs: scheme://user:password@host -> scheme://user:***@host
_URL_CREDENTIALS = re.compile(r"(?P<head>\b[a-zA-Z][a-zA-Z0-9+.\-]*://[^/\s:@'\"<>]*):(?P<pw>[^@\s/'\"<>]+)@")

# --- password-like query or form parameters: password=xyz -> password=***
_SECRET_NAMES = (r"password|passwd|pwd|secret|client_secret|api[_-]?key|x-api-key|access_token|refresh_token|auth_token|token"
                 # environment variables: upper case only, so a JSON field such as "invalid_key" stays
                 r"|(?-i:[A-Z0-9]+(?:_[A-Z0-9]+)*_(?:KEY|TOKEN|SECRET|PASSWORD|PASSWD))")
_SECRET_PARAMS = re.compile(
    r"(?i)(?<![A-Za-z0-9_-])(?P<name>" + _SECRET_NAMES + r")(?P<eq>=)(?P<value>[^&\s'\"<>]+)"
)

# --- pasted "name: value" / "name=value" / JSON / Python dict / shell assignment forms.
# The name may be quoted; the value is quoted (masked inside the quotes) or a bare word.
_SECRET_ASSIGNMENT = re.compile(
    r"(?i)(?<![A-Za-z0-9_-])(?P<head>(?P<q>['\"]?)(?:" + _SECRET_NAMES + r"|authorization)(?P=q)\s*(?:=>|:|=)\s*)"
    r"(?:(?P<quote>['\"])(?P<quoted>[^'\"\r\n]*)(?P=quote)|(?P<bare>(?:(?:bearer|basic|token|digest)\s+)?[^\s'\",;&)}\]]+))"
)

# --- cookies: "Cookie: a=b; c=d" / "Set-Cookie: ..." / "'Set-Cookie': '...'" / (b'Set-Cookie', b'...')
_COOKIE = re.compile(
    r"(?i)(?P<head>\b(?:set-)?cookie['\"]?\s*(?::|=|,)\s*b?['\"]?)"
    r"(?P<pairs>[^\s=;,'\"]+=[^;\s'\"]*(?:;\s*[^\s=;,'\"]+(?:=[^;\s'\"]*)?)*)"
)
_COOKIE_PAIR = re.compile(r"(?P<name>[^\s=;,'\"]+)=(?P<value>[^;\s'\"]*)")

# --- Authorization: Bearer X / Basic X / Token X
_BEARER = re.compile(r"(?i)\b(?P<scheme>bearer|basic)\s+(?P<token>[A-Za-z0-9\-._~+/=]+)")
# "Token X" is prose as often as a credential: only a capitalised scheme and a token with a digit.
_TOKEN_SCHEME = re.compile(r"\b(?P<scheme>Token)\s+(?P<token>(?=[A-Za-z0-9\-._~+/=]*[0-9])[A-Za-z0-9\-._~+/=]{8,})")

# --- API keys. Real keys are long; 12+ characters after the prefix keeps
# already-masked forms ("sk-PMafP****E873") and placeholders ("sk-...") alone.
_API_KEY = re.compile(
    r"(?<![A-Za-z0-9])(?P<prefix>(?:sk|rk)-(?:proj-|svcacct-|admin-|None-)?|sess-)(?P<body>[A-Za-z0-9_\-]{12,})"
)

_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")

# C0 controls but tab and newline, DEL, C1, and the bidi overrides/isolates.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")

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


def _mixed(token: str) -> bool:
    return bool(re.search(r"[A-Z]", token) and re.search(r"[a-z]", token) and re.search(r"[0-9]", token))


def _mask_b64(match: Match[str]) -> str:
    token = match.group(0)
    # Secrets mix upper case, lower case and digits; long paths and words do not.
    if not _mixed(token):
        return token
    if "/" in token and not any(len(part) >= 20 and _mixed(part) for part in token.split("/")):
        return token  # a file path (/home/Ann/work2/...): no segment looks like a secret
    return MASK


_PLACEHOLDER = re.compile(r"[A-Z_]+|\$\{?\w+\}?|<[^>]*>|\.\.\.|\u2026|\*+|x+|X+")


def _is_placeholder(value: str) -> bool:
    """Values that only name a secret (``YOUR_KEY``, ``$OPENAI_API_KEY``, ``<key>``, ``***``)."""
    return not value or value in ("null", "None", "true", "false") or MASK in value or bool(_PLACEHOLDER.fullmatch(value))


def _mask_assignment(match: Match[str]) -> str:
    head = match.group("head")
    if match.group("quote") is not None:
        quote = match.group("quote")
        return match.group(0) if _is_placeholder(match.group("quoted")) else f"{head}{quote}{MASK}{quote}"
    value = match.group("bare")
    scheme, _, token = value.rpartition(" ")
    scheme = scheme.strip()
    if scheme:  # "Authorization: Bearer X": keep the scheme, judge the token
        if len(token) < 8 or _is_placeholder(token):
            return match.group(0)
        return f"{head}{scheme} {MASK}"
    return match.group(0) if _is_placeholder(value) else f"{head}{MASK}"


def _mask_cookies(match: Match[str]) -> str:
    pairs = _COOKIE_PAIR.sub(lambda m: f"{m.group('name')}={MASK if m.group('value') else ''}", match.group("pairs"))
    return match.group("head") + pairs


def _escape_control(match: Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def neutralize_controls(text: str) -> str:
    """Control characters as visible escapes (``\\x1b``); CRLF becomes LF; newline and tab stay."""
    if not text:
        return text
    return _CONTROL.sub(_escape_control, text.replace("\r\n", "\n"))


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
    out = neutralize_controls(text)
    out = _URL_CREDENTIALS.sub(lambda m: f"{m.group('head')}:{MASK}@", out)
    out = _SECRET_PARAMS.sub(lambda m: m.group(0) if _is_placeholder(m.group("value")) else f"{m.group('name')}{m.group('eq')}{MASK}", out)
    out = _COOKIE.sub(_mask_cookies, out)
    out = _SECRET_ASSIGNMENT.sub(_mask_assignment, out)
    out = _BEARER.sub(_mask_bearer, out)
    out = _TOKEN_SCHEME.sub(lambda m: f"{m.group('scheme')} {MASK}", out)
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
    # A key of a shape we do not know: its last 4 once it is long enough to hide the rest.
    return f"{ELLIPSIS}{key[-4:]}" if len(key) >= 20 else f"{ELLIPSIS}{key[-2:]}"


def scrub_values(text: str, secrets: Mapping[str, str]) -> str:
    """``text`` with every ``secret -> mask`` pair of ``secrets`` replaced, longest secret first.

    Exact values, whatever their shape: the one rule that cannot miss a secret the run
    knows, however a server, a proxy or a user quoted it.
    """
    if not text or not secrets:
        return text
    for secret in sorted(secrets, key=len, reverse=True):
        if secret and secret in text:
            text = text.replace(secret, secrets[secret])
    return text


def public_url(url: str) -> str:
    """``url`` without its userinfo (``user:pass@``) and with secret query values masked: safe to print or write."""
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        netloc = parts.netloc.rpartition("@")[2] if "@" in parts.netloc else parts.netloc
        if not host:
            return redact(url)
        return redact(urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment)))
    except ValueError:
        return redact(url)
