"""The one gate between what gpt56probe says and every place it says it.

Every sink passes text through ``GATE.scrub`` (``scrub_terminal`` for a terminal):

1. the run's known secrets, removed by exact value, whatever their shape: each API
   key the run resolved or sent, values read from the keyring, the userinfo of the
   base, proxy and ping URLs (and the Basic-auth form requests would send for it);
2. the shape patterns of ``redact.redact`` for text nobody told us about (a pasted
   error, a key another tool printed), with the values the run knows are public
   (paths it writes, ids it was given) protected from over-eager shapes;
3. control characters, shown as visible stand-ins. Colour exists only as the style
   marks of gpt56probe.core.style, turned into SGR codes after this step on a colour
   terminal and dropped everywhere else: no escape sequence in any input can survive.

The sinks: stdout and stderr (``install`` wraps ``sys.stdout``/``sys.stderr`` for the
whole CLI run, so click's own messages, ``-v`` traces, warnings and any new ``echo``
pass the gate without asking), and every file the tool writes, which goes through
``files.write_output`` (it calls ``GATE.scrub``), plus the ``--on-change`` payload
and the ping body. tests/test_gate.py fails when a module writes anywhere else.

The registry is process state on purpose: a secret learned anywhere (credentials,
a URL option, the environment) protects every later output of the process.
"""

from __future__ import annotations

import re
import threading
from typing import Any, Iterator

# redact, json, base64 and urllib are imported where first needed: the gate is installed
# before `gpt56probe --version` prints, and start-up time is a product feature.
MASK = "***"
ERASE_MARK = "\ue030"
"""gpt56probe.core.style.ERASE_LINE (not imported here: start-up time)."""

MIN_SECRET_CHARS = 8
"""Shorter values cannot be removed by value without eating ordinary text (a proxy password
"2026" would take every year with it); the shape rules still catch them in URLs and headers."""
FRAGMENT_CHARS = 12
"""Any run of this many consecutive characters of a long secret is masked too: a server or a
column width that cuts a key cannot leave most of it readable."""
FRAGMENT_MIN_SECRET = 16

SECRET_ENV_VARS = ("OPENAI_API_KEY", "OPENAI_ADMIN_KEY")
URL_ENV_VARS = ("OPENAI_BASE_URL", "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")

_SLOT_OPEN, _SLOT_CLOSE = "\ue000", "\ue001"
_SLOT = re.compile(_SLOT_OPEN + r"(\d+)" + _SLOT_CLOSE)


EXAMPLE_KEY = "sk-test-simulator-example"
"""The fake key the commands gpt56probe prints use (``simulate --help``, the replay line): public by
design, so the gate never masks it and a printed command runs when pasted. The simulator takes any
``sk-`` key; a real key can never equal this one."""


class Gate:
    """The run's secrets and public values, and the scrub every sink applies. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: dict[str, str] = {}
        self._public: set[str] = {EXAMPLE_KEY}
        self._emails: set[str] = set()
        self._fragments: tuple[re.Pattern[str] | None, dict[str, tuple[str, int]]] | None = None
        self._version = 0  # moves on whenever what a scrub depends on changes: the line memo is then dropped
        self._lines: tuple[int, dict[str, str]] = (0, {})
        self._encoded: dict[str, str] = {}  # hex and base64 forms: matched exactly, never by fragment
        self._alphabet: frozenset[str] = frozenset()  # every character of every secret (core/encoded views)
        self._longest: int | None = None
        self._shortest_encoded = 0
        self.colour_allowed = True
        """False once the environment says NO_COLOR (``learn_environment``)."""

    # ------------------------------------------------------------------ learning

    def add_secret(self, value: str | None, mask: str | None = None) -> None:
        """Remember ``value`` (and the forms JSON and URLs give it) as a secret shown as ``mask``.

        The default mask of a key is its fingerprint (``sk-…abcd``), so a user can still
        tell which key a message is about.
        """
        if not isinstance(value, str):
            return
        value = value.strip()
        if len(value) < MIN_SECRET_CHARS:
            return
        import json
        from urllib.parse import quote

        from gpt56probe.core.encoded import encoded_forms
        from gpt56probe.core.redact import fingerprint

        shown = mask if mask is not None else fingerprint(value)
        forms = {value, json.dumps(value)[1:-1], json.dumps(json.dumps(value))[3:-3], quote(value, safe=""), repr(value)[1:-1]}
        encoded = encoded_forms(value)
        with self._lock:
            for form in forms:
                if len(form) >= MIN_SECRET_CHARS and form not in self._secrets:
                    self._secrets[form] = shown
                    self._fragments = None
                    self._version += 1
            fresh = {form: MASK for form in encoded if form not in self._secrets and form not in self._encoded}
            if fresh:  # replaced, never changed in place: a scrub holding the old dict reads it unlocked
                self._encoded = dict(sorted({**self._encoded, **fresh}.items(), key=lambda item: -len(item[0])))
                self._shortest_encoded = min(map(len, self._encoded))
                self._version += 1
            self._alphabet = self._alphabet | frozenset(value)
            self._longest = None

    def add_url(self, url: str | None) -> None:
        """Remember the userinfo of ``url`` (``user:pass@``) as secrets: the password, a token used
        as the user name, and the Basic-auth header values requests would build from them.

        A URL too broken to parse still gives up its userinfo: everything between ``://`` and the
        last ``@`` before the path is taken as ``user:password``.
        """
        if not isinstance(url, str):
            return
        if "?" in url:
            self._add_query_values(url)
        if "@" not in url:
            return
        import base64
        from urllib.parse import unquote, urlsplit

        try:
            parts = urlsplit(url.strip())
            user, password = parts.username, parts.password
        except ValueError:
            rest = url.strip().partition("://")[2] or url.strip()
            userinfo = rest.split("/", 1)[0].rpartition("@")[0]
            user, _, password = userinfo.partition(":")
        for value in {password, unquote(password or "")}:
            self.add_secret(value, MASK)
        if password:
            for encoding in ("latin-1", "utf-8"):  # requests builds Basic auth from latin-1 when it can
                try:
                    pair = f"{unquote(user or '')}:{unquote(password)}".encode(encoding)
                except UnicodeEncodeError:
                    continue
                self.add_secret(base64.b64encode(pair).decode("ascii"), MASK)
        elif user:
            self.add_secret(user, MASK)  # https://TOKEN@host: the user name is the credential
            self.add_secret(unquote(user), MASK)

    def _add_query_values(self, url: str) -> None:
        """Every query value of a URL the user gave (``?key=…``, ``sig=…``, ``code=…``): a base, proxy or
        ping URL carries no query of ours, so whatever is there may be a credential (a signed URL's
        signature, a gateway's key) and is never shown, even in the message refusing the URL."""
        from urllib.parse import parse_qsl, unquote

        query = url.partition("?")[2].partition("#")[0]
        values = {value for _, value in parse_qsl(query)} | {part.partition("=")[2] for part in query.split("&")}
        for value in values | {unquote(v) for v in values}:
            # A word ("?state=complete") is no credential and masking it everywhere would eat prose.
            if len(value) >= 12 or (re.search(r"[0-9]", value) and re.search(r"[A-Za-z]", value)):
                self.add_secret(value, MASK)

    def add_public(self, value: str | None) -> None:
        """A value the run chose to show (a path it wrote, an id it was given, the simulator's fake keys): never
        masked by shape; a known secret is masked first whatever is public, and a public ``sk-`` value only where
        the key ends with it."""
        if isinstance(value, str) and len(value) >= 8:
            with self._lock:
                if value not in self._public:
                    self._public.add(value)
                    self._version += 1

    def keep_email(self, email: str | None) -> None:
        """An e-mail address the user gave on purpose (the approved account): kept readable."""
        if isinstance(email, str) and email.strip():
            with self._lock:
                if email.strip() not in self._emails:
                    self._emails.add(email.strip())
                    self._version += 1

    def learn_environment(self, env: Any) -> None:
        """Secrets the process holds before any option is read: key and URL variables."""
        for name in SECRET_ENV_VARS:
            self.add_secret(env.get(name))
        for name in URL_ENV_VARS:
            self.add_url(env.get(name))
        self.colour_allowed = "NO_COLOR" not in env

    def knows(self, text: str) -> str | None:
        """The longest suffix of ``text`` that could be the start of a known secret (for stream buffering)."""
        with self._lock:
            forms = tuple(self._secrets)
        longest = ""
        for form in forms:
            for size in range(min(len(form) - 1, len(text)), len(longest), -1):
                if form.startswith(text[-size:]):
                    longest = text[-size:]
                    break
        return longest or None

    def is_secret(self, value: str | None) -> bool:
        """``value`` (stripped) is one of the run's secrets, as given."""
        if not isinstance(value, str):
            return False
        with self._lock:
            return value.strip() in self._secrets

    def forget(self) -> None:
        """Drop everything learned (tests; a long-lived library host between runs)."""
        with self._lock:
            self._secrets.clear()
            self._encoded = {}
            self._alphabet = frozenset()
            self._longest = None
            self._public.clear()
            self._public.add(EXAMPLE_KEY)
            self._emails.clear()
            self._fragments = None
            self._version += 1

    # ------------------------------------------------------------------ scrubbing

    def scrub_known(self, text: str) -> str:
        """Only the run's own secrets removed (exact values and long fragments), and our mark
        characters made inert; nothing else changed.

        For text as it arrives, before anything caps, wraps or parses it: a server that echoes
        the key gives the rest of the program nothing to leak, and a body keeps its structure."""
        if not isinstance(text, str) or not text:
            return text
        from gpt56probe.core.redact import inert_marks

        with self._lock:
            secrets = dict(self._secrets)
        text = inert_marks(text)  # an answer can never pose as one of our colour or erase marks
        return self._mask_known(text, secrets) if secrets else text

    def scrub_recorded(self, text: str) -> str:
        """Text this tool wrote through ``scrub`` before and read back from its own file (the kept lines of
        history.jsonl), safe to write again: what may have become secret since (the run's own secrets, by
        value and by fragment) removed, control characters neutralized, no colour. The shape rules were
        applied when it was written and are idempotent, so they are not run again: rewriting a full
        history costs milliseconds instead of a second of every run's --deadline."""
        from gpt56probe.core import style
        from gpt56probe.core.redact import neutralize_controls

        return style.plain(neutralize_controls(self.scrub_known(text)))

    def scrub(self, text: str) -> str:
        """``text`` safe for any file or pipe: known secrets by value, shapes, control characters; no colour."""
        from gpt56probe.core import style

        return style.plain(self._scrub(text))

    def scrub_terminal(self, text: str, colour: bool = False) -> str:
        """As ``scrub``; on a terminal (``colour``) gpt56probe's own style marks become SGR codes
        (unless ``NO_COLOR``) and its line erase ``\\r ESC[2K`` (always: it is no colour)."""
        from gpt56probe.core import style

        clean = self._scrub(text)
        return style.to_ansi(clean, colour=self.colour_allowed) if colour else style.plain(clean)

    def _fragment_index(self) -> tuple[re.Pattern[str] | None, dict[str, tuple[str, int]]]:
        with self._lock:
            if self._fragments is None:
                index: dict[str, tuple[str, int]] = {}
                for secret in self._secrets:
                    if len(secret) >= FRAGMENT_MIN_SECRET:
                        for offset in range(len(secret) - FRAGMENT_CHARS + 1):
                            index.setdefault(secret[offset:offset + FRAGMENT_CHARS], (secret, offset))
                pattern = re.compile("|".join(re.escape(g) for g in sorted(index, reverse=True))) if index else None
                self._fragments = (pattern, index)
            return self._fragments

    def _mask_known(self, text: str, secrets: dict[str, str]) -> str:
        """The run's secrets out of ``text``: by exact value (each shown as its mask), by encoded form, by
        long fragment, then in the text as its reader would decode it (core/encoded: invisible characters
        dropped, %XX / \\uXXXX / \\xXX / &#..; decoded, a stream's deltas joined)."""
        from gpt56probe.core.encoded import decoded_views, delta_view, mask_ranges, origins_of, scrub_encoded
        from gpt56probe.core.redact import scrub_values

        with self._lock:
            if self._longest is None:
                self._longest = max(map(len, self._secrets), default=0)
            encoded, shortest, alphabet, longest = self._encoded, self._shortest_encoded, self._alphabet, self._longest
        text = self._mask_fragments(scrub_encoded(scrub_values(text, secrets), encoded, shortest))
        ranges = [r for offset, view in decoded_views(text, alphabet, longest)
                  for r in origins_of(view, self._spans(view.text, secrets), offset)]
        text = mask_ranges(text, ranges, MASK) if ranges else text
        deltas = delta_view(text)
        if deltas is not None:
            ranges = origins_of(deltas, self._spans(deltas.text, secrets))
            text = mask_ranges(text, ranges, MASK) if ranges else text
        return text

    def _spans(self, text: str, secrets: dict[str, str]) -> list[tuple[int, int]]:
        """Where in ``text`` a secret stands whole (any length) or by a long fragment."""
        spans = self._fragment_spans(text)
        for secret in secrets:
            at = text.find(secret)
            while at >= 0:
                spans.append((at, at + len(secret)))
                at = text.find(secret, at + 1)
        return spans

    def _fragment_spans(self, text: str) -> list[tuple[int, int]]:
        """Every run of FRAGMENT_CHARS or more characters of a long secret, grown to its full extent."""
        pattern, index = self._fragment_index()
        if pattern is None:
            return []
        spans: list[tuple[int, int]] = []
        pos = 0
        for match in pattern.finditer(text):
            if match.start() < pos:
                continue
            secret, offset = index[match.group(0)]
            start, end = match.start(), match.end()
            ahead = offset + FRAGMENT_CHARS
            while end < len(text) and ahead < len(secret) and text[end] == secret[ahead]:
                end, ahead = end + 1, ahead + 1
            behind = offset
            while start > pos and behind > 0 and text[start - 1] == secret[behind - 1]:
                start, behind = start - 1, behind - 1
            spans.append((start, end))
            pos = end
        return spans

    def _mask_fragments(self, text: str) -> str:
        """Mask every run of FRAGMENT_CHARS or more characters of a long secret, grown to its full extent."""
        from gpt56probe.core.encoded import mask_ranges

        spans = self._fragment_spans(text)
        return mask_ranges(text, spans, MASK) if spans else text

    def _scrub(self, text: str, chunked_from: int | None = None) -> str:
        """Known secrets by value, then the shape rules, then control characters.

        A long text (``CHUNKED_FROM`` characters or more: a fleet's JSON document, history, state) is
        scrubbed a line at a time, each distinct line once: the result is the same as scrubbing it whole
        (``_joins_next`` keeps together lines that a rule could match across), and the 10,000 lines
        saying ``"verdict": "ok",`` cost one scrub instead of ten thousand scans of the document."""
        if not isinstance(text, str):
            text = str(text)
        if not text:
            return text
        with self._lock:
            secrets = dict(self._secrets)
            public = sorted(self._public, key=len, reverse=True)
            emails = tuple(self._emails)
            version, done = self._lines
            if version != self._version:
                done = {}
                self._lines = (self._version, done)
        # A slot marker in the input would be restored as something else: make it inert first.
        text = text.replace(_SLOT_OPEN, "\ufffd").replace(_SLOT_CLOSE, "\ufffd")
        limit = CHUNKED_FROM if chunked_from is None else chunked_from
        if len(text) < limit or "\n" not in text or not self._splittable(text):
            return self._scrub_piece(text, secrets, public, emails)
        joins: dict[str, bool] = {}
        out: list[str] = []
        held: list[str] = []
        for line in _lines_of(text):
            held.append(line)
            join = joins.get(line)
            if join is None:
                join = _joins_next(line)
                if len(joins) >= LINE_MEMO_MAX:
                    joins.clear()
                joins[line] = join
            if join:
                continue
            piece = held[0] if len(held) == 1 else "\n".join(held)
            held = []
            clean = done.get(piece)
            if clean is None:
                clean = self._scrub_piece(piece, secrets, public, emails)
                if len(done) >= LINE_MEMO_MAX:
                    done.clear()  # the lines that repeat come back at once; the ones that did not are gone
                done[piece] = clean
            out.append(clean)
        if held:
            out.append(self._scrub_piece("\n".join(held), secrets, public, emails))
        return "\n".join(out)

    def pieces(self, text: str, size: int | None = None) -> Iterator[str]:
        """``text`` in consecutive pieces of about ``size`` characters, each ending with a newline after which
        no shape rule continues (``_joins_next``): scrubbing the pieces one by one, as a sink writes them,
        gives what scrubbing the whole would, without holding a second copy of a large document."""
        size = PIECE_CHARS if size is None else size
        if len(text) <= size or not self._splittable(text):
            yield text
            return
        start = 0
        while start < len(text):
            cut = text.find("\n", start + size)
            while cut != -1 and _joins_next(text[max(start, text.rfind("\n", start, cut) + 1):cut]):
                cut = text.find("\n", cut + 1)
            if cut == -1:
                yield text[start:]
                return
            yield text[start:cut + 1]
            start = cut + 1

    def _splittable(self, text: str) -> bool:
        """Whether ``text`` may be scrubbed a line (or a piece) at a time: no secret or public value holds a
        newline, and no stream's deltas are spread over its lines (``core.encoded.delta_view`` joins them)."""
        from gpt56probe.core.encoded import delta_view

        with self._lock:
            values = (*self._secrets, *self._encoded, *self._public)
        return not any("\n" in value for value in values) and delta_view(text) is None

    def _scrub_piece(self, text: str, secrets: dict[str, str], public: list[str], emails: tuple[str, ...]) -> str:
        from gpt56probe.core.redact import redact

        text = self._mask_known(text, secrets) if secrets else text
        stash: list[str] = []

        def park(value: str) -> str:
            stash.append(value)
            return f"{_SLOT_OPEN}{len(stash) - 1}{_SLOT_CLOSE}"

        for value in public:
            if value in text:
                if value.startswith("sk-"):  # a public key is that key, never the start of a longer one
                    text = re.sub(re.escape(value) + _KEY_GOES_ON, lambda m: park(m.group(0)), text)
                else:
                    text = text.replace(value, park(value))
        text = redact(text, keep_emails=emails, keep_marks=True)
        return _SLOT.sub(lambda m: stash[int(m.group(1))], text) if stash else text


_KEY_GOES_ON = r"(?![A-Za-z0-9_-])"
"""After a public ``sk-`` value: the key ends there (``sk-sim-restricted…`` is the simulator's fake key; a key that
merely starts with it, ``sk-sim-restricted-<secret>``, is masked like any other)."""
CHUNKED_FROM = 64 * 1024
PIECE_CHARS = 256 * 1024
"""About this much of a long document is scrubbed and written at a time (``Gate.pieces``)."""
LINE_MEMO_MAX = 20_000
"""Distinct lines whose scrubbed form is kept between calls (dropped whenever the gate learns something, and
when full: the lines that repeat come back at once), a few MB at most."""


def _lines_of(text: str) -> Iterator[str]:
    """The lines of ``text`` one at a time (``split`` would hold them all at once)."""
    start = 0
    while True:
        end = text.find("\n", start)
        if end == -1:
            yield text[start:]
            return
        yield text[start:end]
        start = end + 1
"""Texts this long are scrubbed line by line (``Gate._scrub``); shorter ones whole."""

_ENDS_ALONE = frozenset('{}[],"0123456789')
"""The last characters after which no shape rule continues into the next line (see ``_joins_next``)."""
_BRIDGE = re.compile(r"(?i)(?:(?:key|secret|password|passwd|pwd|token|authorization|cookie)\\?['\"]|(?:request[ _-]?id|req_)\W{0,4})$")
_BRIDGE_REACH = 20
"""The longest text ``_BRIDGE`` can match ("authorization" and an escaped quote; "request-id" and 4 more)."""
_COOKIE_END = re.compile(r"(?i)cookie['\"]?$")


def _joins_next(line: str) -> bool:
    """Whether a shape rule could match across the newline after ``line``, so it must be scrubbed with the next.

    A rule crosses a line only through whitespace (``\\s``), and in every rule whitespace follows a letter
    (a secret's name, a scheme, a flag), a quote closing a name, or one of ``: = > ; ,`` (``,`` only after
    ``cookie`` and an optional quote); the hex rule keeps a request id by looking back at most 16 characters. A line ending in a
    bracket, a digit, a comma or a quote (the lines of a JSON document) stands alone unless ``_BRIDGE``
    sees a name, ``cookie`` or a request-id label at its end. Anything else (a letter, a blank line) is
    joined: joining is always safe, only slower."""
    tail = line.rstrip()
    if not tail or tail[-1] not in _ENDS_ALONE:
        return True
    if _BRIDGE.search(tail[-_BRIDGE_REACH:]) is not None:
        return True
    return tail[-1] == "," and _COOKIE_END.search(tail[:-1].rstrip()[-8:]) is not None


GATE = Gate()
"""The process's one gate."""
