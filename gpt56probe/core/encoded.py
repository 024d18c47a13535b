"""The forms a secret takes once encoded, and text as its reader would decode it.

A server (or a gateway) that wants the key to pass the output gate does not echo it plainly: it sends
it hex-encoded inside a request id, %-encoded in an error message, as JSON ``\\u`` escapes in a body,
interleaved with invisible characters, or spread over the deltas of a stream. Each is one decode away
from the key for whoever reads the output. So the gate matches the run's secrets

- in their encoded forms (``encoded_forms``: hex, base64 at each byte alignment), exactly; and
- in a decoded *view* of the text (``decoded_views``: invisible and control characters dropped, ``%XX``,
  ``\\uXXXX``, ``\\xXX`` and ``&#...;`` decoded; ``delta_view``: the string values of a stream's deltas
  joined as its reader joins them), mapping what it finds back onto the text it masks.

Pure functions, no I/O; core/gate owns the registry and decides when to look.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache
from typing import Iterable, Mapping

# Characters a reader never sees (or sees as nothing): C0 but tab and newline, DEL, C1, and every Unicode
# format (Cf) and line/paragraph separator (Zl, Zp) code point. core/redact shows or drops them in output;
# here they are only ignored for matching, so a key interleaved with them is still the key.
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
LINE_SEPARATORS = "\u2028\u2029"
INVISIBLE_FORMAT = ("\u00ad\u0600-\u0605\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200d\u2060-\u2064\u206a-\u206f"
                    "\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
                    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f")
"""The format code points that are neither bidi controls nor separators: soft hyphen, invisible operators,
zero-width characters, tag characters... (tests/test_redact.py checks the list against unicodedata)."""
IGNORABLE = "\x00-\x08\x0b-\x1f\x7f-\x9f" + BIDI_CONTROLS + LINE_SEPARATORS + INVISIBLE_FORMAT

_TOKEN = re.compile(
    r"%(?P<pct>[0-9A-Fa-f]{2})"
    r"|\\+u(?P<u>[0-9A-Fa-f]{4})"
    r"|\\+x(?P<x>[0-9A-Fa-f]{2})"
    r"|&#(?:[xX](?P<hexent>[0-9A-Fa-f]{1,6})|(?P<decent>[0-9]{1,7}));"
    r"|(?P<drop>[" + IGNORABLE + r"]+)"
)

MIN_FORM_CHARS = 8


def encoded_forms(secret: str) -> set[str]:
    """The forms of ``secret`` a plain match misses and no decoding view reaches (their characters do not
    map one to one): its UTF-8 bytes in hex (both cases) and in base64 (standard and URL-safe alphabets)
    at each of the three byte alignments it can have inside a longer base64 text, trimmed to the
    characters the secret alone decides."""
    import base64

    data = secret.encode("utf-8", "surrogatepass")
    forms = {data.hex(), data.hex().upper()}
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + data).decode("ascii")
        first = -(-8 * shift // 6)  # the first character with no bit of the padding before
        last = (8 * (shift + len(data))) // 6  # the characters before this one hold no bit after the secret
        window = encoded[first:last]
        forms |= {window, window.replace("+", "-").replace("/", "_")}
    return {form for form in forms if len(form) >= MIN_FORM_CHARS}


FEW_FORMS = 64


@lru_cache(maxsize=8)
def _runs(shortest: int) -> re.Pattern[str]:
    return re.compile(r"[0-9A-Za-z+/_\-]{%d,}" % max(shortest, 1))


def scrub_encoded(text: str, forms: Mapping[str, str], shortest: int = MIN_FORM_CHARS) -> str:
    """``text`` with every encoded form of ``forms`` (``encoded_forms``, longest first; none shorter than
    ``shortest``) replaced by its mask. Hex and base64 live inside runs of their alphabets as long as the
    shortest form: with many forms (many keys), only those runs are looked into, so a large text costs
    one scan whatever the number of forms."""
    if not forms or not text:
        return text
    if len(forms) <= FEW_FORMS:  # a few keys: a substring search per form is cheaper than reading the runs
        for form, mask in forms.items():
            if form in text:
                text = text.replace(form, mask)
        return text

    def scrub_run(match: re.Match[str]) -> str:
        run = match.group(0)
        for form, mask in forms.items():
            if len(form) <= len(run) and form in run:
                run = run.replace(form, mask)
        return run

    return _runs(shortest).sub(scrub_run, text)


class View:
    """Text as a reader decodes it, with the way back: each segment of the view knows the range of the
    original it came from and the *piece* it belongs to (what lies between two pieces is not part of
    either: the JSON between two stream deltas)."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._starts: list[int] = []
        self._segments: list[tuple[int, int, bool, int]] = []  # (original start, original length, plain?, piece)
        self._size = 0

    def plain(self, text: str, origin: int, piece: int = 0) -> None:
        if text:
            self._add(text, origin, len(text), True, piece)

    def token(self, char: str, origin: int, length: int, piece: int = 0) -> None:
        """``char`` read from ``length`` original characters (``%41`` -> ``A``; an empty ``char``: dropped ones)."""
        self._add(char, origin, length, False, piece)

    def _add(self, text: str, origin: int, length: int, plain: bool, piece: int) -> None:
        self._parts.append(text)
        self._starts.append(self._size)
        self._segments.append((origin, length, plain, piece))
        self._size += len(text)

    @property
    def text(self) -> str:
        return "".join(self._parts)

    def origins(self, start: int, end: int) -> list[tuple[int, int]]:
        """The original ranges ``view[start:end]`` was read from, one per piece; dropped characters inside
        the span are included (so a masked key takes its invisible filling with it)."""
        found: dict[int, list[int]] = {}
        i = max(bisect_right(self._starts, start) - 1, 0)
        while i < len(self._segments) and self._starts[i] < end:
            begin, width = self._starts[i], len(self._parts[i])
            origin, length, plain, piece = self._segments[i]
            i += 1
            before = begin + width <= start if width else begin <= start
            if before:
                continue  # wholly before the span (a dropped run at its very start stays outside)
            if plain:
                low, high = origin + max(0, start - begin), origin + min(width, end - begin)
            else:
                low, high = origin, origin + length
            span = found.setdefault(piece, [low, high])
            span[0], span[1] = min(span[0], low), max(span[1], high)
        return [(low, high) for low, high in found.values()]


_ENCODED = re.compile(r"[%\\&](?:(?<=%)[0-9A-Fa-f]{2}|(?<=\\)\\*u[0-9A-Fa-f]{4}|(?<=\\)\\*x[0-9A-Fa-f]{2}"
                      r"|(?<=&)#(?:[xX][0-9A-Fa-f]{1,6}|[0-9]{1,7});)")
"""The escapes ``_TOKEN`` decodes, found by their first character (a fast scan of a large text)."""
REACH = 12
"""How many original characters one character of a secret may take once encoded (``\\\\u0041``, ``&#x41;``,
a character and its invisible filling): a view is read this many times a secret's length around what it decodes."""


@lru_cache(maxsize=8)
def _between(alphabet: frozenset[str]) -> re.Pattern[str]:
    """A character a secret may hold, then ignorable characters, then another: the leading class makes
    the scan of a large text fast."""
    chars = "".join(sorted(re.escape(c) for c in alphabet))
    return re.compile("[" + chars + "][" + IGNORABLE + "]+(?=[" + chars + "])")


def _decodes_into(token: str, alphabet: frozenset[str]) -> bool:
    match = _TOKEN.fullmatch(token)
    if match is None or match.group("drop") is not None:
        return False
    kind = match.lastgroup or ""
    code = int(match.group(kind), 10 if kind == "decent" else 16)
    return code <= 0x10FFFF and chr(code) in alphabet


def decoded_views(text: str, alphabet: frozenset[str], longest: int) -> list[tuple[int, View]]:
    """``text`` as a reader decodes it, in windows: ``(where the window starts, its view)``.

    Only the stretches that could hold a secret a plain match missed are read: around an escape that
    decodes into a character of ``alphabet`` (the characters of the secrets), or an ignorable run between
    two such characters, ``longest`` (the longest secret) times REACH characters either side. Whatever
    else the text holds (1 MB of JSON whitespace, a history full of ``\\u2026``) costs one scan."""
    if not alphabet or not text:
        return []
    hits: list[tuple[int, int]] = []
    if "%" in text or "\\" in text or "&#" in text:
        hits += [(m.start(), m.end()) for m in _ENCODED.finditer(text) if _decodes_into(m.group(0), alphabet)]
    if not text.replace("\n", "").replace("\t", "").isprintable():  # every ignorable character is unprintable
        hits += [(m.start(), m.end()) for m in _between(alphabet).finditer(text)]
    if not hits:
        return []
    reach = max(longest, 1) * REACH
    windows: list[list[int]] = []
    for start, end in sorted(hits):
        low, high = max(0, start - reach), min(len(text), end + reach)
        if windows and low <= windows[-1][1]:
            windows[-1][1] = max(windows[-1][1], high)
        else:
            windows.append([low, high])
    return [(low, _view_of(text[low:high])) for low, high in windows]


def _view_of(text: str) -> View:
    view = View()
    pos = 0
    for match in _TOKEN.finditer(text):
        view.plain(text[pos:match.start()], pos)
        if match.group("drop") is not None:
            char = ""
        else:
            kind = match.lastgroup or ""
            code = int(match.group(kind), 10 if kind == "decent" else 16)
            char = chr(code) if code <= 0x10FFFF else "\ufffd"
        view.token(char, match.start(), match.end() - match.start())
        pos = match.end()
    view.plain(text[pos:], pos)
    return view


DELTA_KEYS = ("content", "text", "delta", "arguments", "refusal", "reasoning_content", "reasoning", "output_text",
              "partial_json", "transcript")
"""The JSON fields whose string values a stream's reader joins (chat, Responses and tool-call deltas)."""
_DELTA_NAME = re.compile(r'"(?:' + "|".join(DELTA_KEYS) + r')"')
_DELTA_VALUE = re.compile(r'"(?:' + "|".join(DELTA_KEYS) + r')"\s*:\s*"(?P<value>(?:[^"\\]|\\.)*)"')
_JSON_ESCAPE = re.compile(r'\\(?:u(?P<u>[0-9A-Fa-f]{4})|(?P<c>["\\/bfnrt]))|(?P<drop>[' + IGNORABLE + r']+)')
_SIMPLE_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def names_a_delta(text: str) -> bool:
    """Whether ``text`` holds a delta field's name (``"content"``, ``"text"``...): text a stream's reader could join
    with what comes later. A writer that cuts a document into batches stops cutting from there (``delta_view``
    joins every delta value of the whole text, so no cut is safe once one is present)."""
    return _DELTA_NAME.search(text) is not None


def delta_view(text: str) -> View | None:
    """The decoded string values of the delta fields in ``text`` (an SSE body, or JSON holding several),
    joined in order as a stream's reader joins them; each value is its own piece. None for fewer than two."""
    matches = list(_DELTA_VALUE.finditer(text))
    if len(matches) < 2:
        return None
    view = View()
    for piece, match in enumerate(matches):
        value, base = match.group("value"), match.start("value")
        pos = 0
        for escape in _JSON_ESCAPE.finditer(value):
            view.plain(value[pos:escape.start()], base + pos, piece)
            if escape.group("drop") is not None:
                char = ""
            elif escape.group("u"):
                char = chr(int(escape.group("u"), 16))
            else:
                char = _SIMPLE_ESCAPES[escape.group("c")]
            view.token(char, base + escape.start(), escape.end() - escape.start(), piece)
            pos = escape.end()
        view.plain(value[pos:], base + pos, piece)
    return view


def mask_ranges(text: str, ranges: Iterable[tuple[int, int]], mask: str) -> str:
    """``text`` with each range (merged where they touch) replaced by ``mask``."""
    merged: list[list[int]] = []
    for low, high in sorted(ranges):
        if merged and low <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], high)
        else:
            merged.append([low, high])
    out: list[str] = []
    pos = 0
    for low, high in merged:
        out += [text[pos:low], mask]
        pos = high
    out.append(text[pos:])
    return "".join(out)


def origins_of(view: View, spans: Iterable[tuple[int, int]], offset: int = 0) -> list[tuple[int, int]]:
    """The original ranges of the view's ``spans`` (each piece of a span on its own), shifted by ``offset``."""
    return [(low + offset, high + offset) for start, end in spans for low, high in view.origins(start, end)]
