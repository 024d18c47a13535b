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

Control characters (C0 but newline and tab, DEL, C1, Unicode bidi marks and overrides,
the line and paragraph separators U+2028/U+2029) are shown as visible stand-ins (ESC as
its control picture ``␛``, others as ``<U+009B>``), so text a server sent can never move
the cursor, clear a screen, break or reorder a line; every other Unicode format character
(zero-width ones, the soft hyphen, invisible operators, tag characters) is dropped: it is
invisible and would split a key for the shape rules.

Kept readable: request ids (``req_`` + 32 hex, and the older bare 32-hex id after
"request ID"), org ids (``org-…``), project ids (``proj_…``), model ids, URLs
without credentials, and keys OpenAI already masked (``sk-abc***xyz``).

Shapes are a net for text nobody told us about; the run's own secrets are removed
by exact value first (``scrub_values``; gpt56probe.core.gate keeps the run's list).
"""

from __future__ import annotations

import re
from typing import Iterable, Mapping, Match

from gpt56probe.core.encoded import BIDI_CONTROLS, INVISIBLE_FORMAT, LINE_SEPARATORS

MASK = "***"
ELLIPSIS = "\u2026"

# Every shape rule below is JSON-safe: what it masks never includes a quote or a backslash,
# so the gate can scrub serialized JSON (stdout, history lines) and the JSON still parses.

# --- credentials inside URLs: scheme://user:password@host -> scheme://user:***@host
_URL_CREDENTIALS = re.compile(r"(?P<head>\b[a-zA-Z][a-zA-Z0-9+.\-]*://[^/\s:@'\"<>\\]*):(?P<pw>[^@\s/'\"<>\\]+)@")

# --- names whose value is a secret, as people paste them
_SECRET_NAMES = (
    r"password|passwd|pwd|secret|token|x-api-key"
    # compound names: client_secret, access_token, x-goog-api-key, aws_secret_access_key, Ocp-Apim-Subscription-Key
    r"|(?:[a-z0-9]+[-_])*(?:api[-_]?key|apikey|secret[-_]?key|access[-_]?key|private[-_]?key|subscription[-_]?key"
    r"|secret|password|passwd|token)"
    # environment variables: upper case only, so a JSON field such as "invalid_key" stays
    r"|(?-i:[A-Z0-9]+(?:_[A-Z0-9]+)*_(?:KEY|TOKEN|SECRET|PASSWORD|PASSWD))"
)
_VALUE = r"[^\s'\",;&)}\]\\\[{][^\s'\",;&)}\]\\]*"

# --- query or form parameters: password=xyz -> password=***
_SECRET_PARAMS = re.compile(
    r"(?i)(?<![A-Za-z0-9_-])(?P<name>" + _SECRET_NAMES + r")(?P<eq>=)(?P<value>[^&\s'\"<>\\]+)"
)

# --- pasted "name: value" / "name=value" / JSON / Python dict / shell assignment forms.
# The name may be quoted; the value is quoted (masked inside the quotes) or a bare word.
_SECRET_ASSIGNMENT = re.compile(
    r"(?i)(?<![A-Za-z0-9_-])(?P<head>(?P<q>\\?['\"]|)(?:" + _SECRET_NAMES + r"|authorization)(?P=q)\s*(?:=>|:|=)\s*)"
    r"(?:(?P<quote>\\?['\"])(?P<quoted>[^'\"\\\r\n]*)(?P=quote)|(?P<bare>(?:(?:bearer|basic|token|digest)\s+)?" + _VALUE + r"))"
)

# --- command-line flags: --api-key X, --password=X, curl -u user:pass, setx NAME X
_SECRET_FLAG = re.compile(
    r"(?i)(?<![A-Za-z0-9_-])(?P<head>--?(?:api[-_]?key|password|passwd|token|secret|auth[-_]?token|access[-_]?token)"
    r"(?![A-Za-z0-9_-])(?:\s+|=))(?P<bare>" + _VALUE + r")"
)
_USER_PASS_FLAG = re.compile(r"(?<![A-Za-z0-9_-])(?P<head>(?:-u|--user)\s+[^\s:'\"\\]+:)(?P<bare>" + _VALUE + r")")
_SETX = re.compile(r"(?i)\b(?P<head>setx\s+(?:" + _SECRET_NAMES + r")\s+)(?P<bare>" + _VALUE + r")")

# --- cookies: "Cookie: a=b; c=d" / "Set-Cookie: ..." / "'Set-Cookie': '...'" / (b'Set-Cookie', b'...')
_COOKIE = re.compile(
    r"(?i)(?P<head>\b(?:set-)?cookie['\"]?\s*(?::|=|,)\s*b?['\"]?)"
    r"(?P<pairs>[^\s=;,'\"\\]+=[^;\s'\"\\]*(?:;\s*[^\s=;,'\"\\]+(?:=[^;\s'\"\\]*)?)*)"
)
_COOKIE_PAIR = re.compile(r"(?P<name>[^\s=;,'\"\\]+)=(?P<value>[^;\s'\"\\]*)")

# --- Authorization: Bearer X / Basic X / Token X
_BEARER = re.compile(r"(?i)\b(?P<scheme>bearer|basic)\s+(?P<token>[A-Za-z0-9\-._~+/=]+)")
# "Token X" is prose as often as a credential: only a capitalised scheme and a token with a digit.
_TOKEN_SCHEME = re.compile(r"\b(?P<scheme>Token)\s+(?P<token>(?=[A-Za-z0-9\-._~+/=]*[0-9])[A-Za-z0-9\-._~+/=]{8,})")

# --- API keys. Real keys are long; 12+ characters after the prefix keeps
# already-masked forms ("sk-PMafP****E873") and placeholders ("sk-...") alone.
# The body may hold control pictures (U+2400..U+2421): a key split by a NUL or an escape, once
# neutralized, is still one key.
_API_KEY = re.compile(
    r"(?<![A-Za-z0-9])(?P<prefix>(?:sk|rk)-(?:proj-|svcacct-|admin-|None-)?|sess-)(?P<body>[A-Za-z0-9_\-\u2400-\u2421]{12,})"
)

_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")

# C0 controls but tab and newline, DEL, C1, the bidi marks, overrides and isolates, and the line and paragraph
# separators (a terminal or a log reader may break a line there): shown as stand-ins.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f" + BIDI_CONTROLS + LINE_SEPARATORS + "]")
# Every other Unicode format character (zero-width ones, the soft hyphen, invisible operators, tag
# characters...) is invisible, hides inside a key and splits it for the shape rules: they go.
_ZERO_WIDTH = re.compile("[" + INVISIBLE_FORMAT + "]")

_HEX = re.compile(r"(?<![A-Za-z0-9_\-])[0-9a-fA-F]{32,}(?![A-Za-z0-9_\-])")
_B64 = re.compile(r"(?<![A-Za-z0-9+/_\-])[A-Za-z0-9+/_\-]{40,}={0,2}")

_REQUEST_ID_CONTEXT = re.compile(r"(?i)(?:request[ _-]?id|req_)\W{0,4}$")


def _mask_key(match: Match[str]) -> str:
    return f"{match.group('prefix')}{ELLIPSIS}{match.group('body')[-4:]}"


def _mask_bearer(match: Match[str]) -> str:
    token = match.group("token")
    # Leave prose ("Bearer auth") and placeholders ("Bearer YOUR_KEY") readable.
    # A lower-case word is prose too: "Missing bearer or basic authentication in header" is OpenAI's own
    # 401 wording, and a credential is never a dictionary word (a run's real keys go by value anyway).
    if len(token) < 8 or re.fullmatch(r"[A-Z_]+", token) or re.fullmatch(r"[a-z]+", token) or token == MASK:
        return match.group(0)
    return f"{match.group('scheme')} {MASK}"


REQUEST_ID_MAX_HEX = 64
"""A request id's hex is 32 characters (OpenAI) and seldom more elsewhere: a longer run after ``req_`` is
something else wearing an id's prefix (a key in hex), and is masked like any long hex."""


def _mask_hex(match: Match[str]) -> str:
    before = match.string[max(0, match.start() - 16) : match.start()]
    if len(match.group(0)) <= REQUEST_ID_MAX_HEX and _REQUEST_ID_CONTEXT.search(before):
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
    quote = match.groupdict().get("quote")
    if quote is not None:
        return match.group(0) if _is_placeholder(match.group("quoted")) else f"{head}{quote}{MASK}{quote}"
    value = match.group("bare")
    if match.groupdict().get("q"):
        return match.group(0)  # a quoted name ("token": 12) is JSON or a dict: only a quoted value is masked there
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
    """A control character as a printable stand-in: its Unicode control picture (ESC -> U+241B),
    else ``<U+009B>``. Neither holds a backslash or a quote, so JSON text stays valid."""
    code = ord(match.group(0))
    if code < 0x20:
        return chr(0x2400 + code)
    if code == 0x7F:
        return "\u2421"
    return f"<U+{code:04X}>"


def neutralize_controls(text: str) -> str:
    """Control characters as visible stand-ins (ESC shows as ``\u241b``); CRLF becomes LF; newline and tab stay."""
    if not text:
        return text
    return _CONTROL.sub(_escape_control, _ZERO_WIDTH.sub("", text.replace("\r\n", "\n")))


_MARKS = re.compile("[\ue000-\ue0ff]")
"""The private-use range gpt56probe writes its own marks in (gpt56probe.core.style colours, the gate's slots)."""


def inert_marks(text: str) -> str:
    """``text`` without any of gpt56probe's own mark characters: text from a server, a file or a user
    can never pose as a colour or a line erase that the output gate would honour (dropped, like
    zero-width characters, so they cannot split a key for the shape rules either)."""
    return _MARKS.sub("", text) if text and not text.isascii() else text  # isascii: a large ASCII body costs nothing


def redact(text: str, *, keep_emails: Iterable[str] = (), keep_marks: bool = False) -> str:
    """``text`` with secrets masked; see the module docstring for what is kept.

    Mark characters (``inert_marks``) are made inert, except for the output gate's own call
    (``keep_marks``), whose input is gpt56probe's rendered text.
    """
    if not isinstance(text, str):
        text = str(text)
    if not text:
        return text
    if not keep_marks:
        text = inert_marks(text)
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
    out = _SECRET_FLAG.sub(_mask_assignment, out)
    out = _USER_PASS_FLAG.sub(_mask_assignment, out)
    out = _SETX.sub(_mask_assignment, out)
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
    """``url`` without its userinfo (``user:pass@``) and with secret query values masked: safe to print or write.

    The path is kept as it is: a gateway path may hold a long hex account id that a shape rule
    would take for a secret, and a routing config with a broken base URL is worse than none.
    """
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
        if not parts.hostname:
            return redact(url)
        netloc = parts.netloc.rpartition("@")[2]
        query = _SECRET_PARAMS.sub(lambda m: f"{m.group('name')}{m.group('eq')}{MASK}", parts.query)
        return neutralize_controls(urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment)))
    except ValueError:
        return redact(url)


def without_query_values(url: str) -> str:
    """``url`` with every query value shown as ``***`` (a bare segment too) and no fragment: how a URL
    refused for carrying a query is named (``?key=``, ``sig=``, ``code=``, ``auth=`` are credentials as
    often as not)."""
    head, mark, rest = url.partition("?")
    query, hashed, _ = rest.partition("#") if mark else ("", "#" in url, "")
    if not mark:
        head = url.partition("#")[0]
    shown = "&".join(f"{seg.partition('=')[0]}={MASK}" if "=" in seg else (MASK if seg else "") for seg in query.split("&"))
    return head + (f"?{shown}" if mark else "") + ("#***" if hashed else "")
