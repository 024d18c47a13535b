"""The one gate between what gpt56probe says and every place it says it.

Every sink passes text through ``GATE.scrub`` (``scrub_terminal`` for a terminal):

1. the run's known secrets, removed by exact value, whatever their shape: each API
   key the run resolved or sent, values read from the keyring, the userinfo of the
   base, proxy and ping URLs (and the Basic-auth form requests would send for it);
2. the shape patterns of ``redact.redact`` for text nobody told us about (a pasted
   error, a key another tool printed), with the values the run knows are public
   (paths it writes, ids it was given) protected from over-eager shapes;
3. control characters, shown as visible escapes; on a terminal only the colour and
   line-erase sequences gpt56probe itself emits survive.

The sinks: stdout and stderr (``install`` wraps ``sys.stdout``/``sys.stderr`` for the
whole CLI run, so click's own messages, ``-v`` traces, warnings and any new ``echo``
pass the gate without asking), and every file the tool writes, which goes through
``state.atomic_write_text`` (it calls ``GATE.scrub``), plus the ``--on-change`` payload
and the ping body. tests/test_gate.py fails when a module writes anywhere else.

The registry is process state on purpose: a secret learned anywhere (credentials,
a URL option, the environment) protects every later output of the process.
"""

from __future__ import annotations

import io
import os
import re
import sys
import threading
from contextlib import contextmanager
from typing import Any, Iterator, TextIO

# redact, json, base64 and urllib are imported where first needed: the gate is installed
# before `gpt56probe --version` prints, and start-up time is a product feature.
MASK = "***"

MIN_SECRET_CHARS = 4
"""Shorter values cannot be removed by value without eating ordinary words; the shape rules still apply."""

SECRET_ENV_VARS = ("OPENAI_API_KEY", "OPENAI_ADMIN_KEY")
URL_ENV_VARS = ("OPENAI_BASE_URL", "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")

# What gpt56probe itself writes to a terminal: SGR colours and "erase this line" for progress.
TERMINAL_SEQUENCES = re.compile(r"\x1b\[(?:\d{1,3}(?:;\d{1,3})*)?m|\r\x1b\[2?K|\x1b\[2?K")
_SLOT_OPEN, _SLOT_CLOSE = "\ue000", "\ue001"
_SLOT = re.compile(_SLOT_OPEN + r"(\d+)" + _SLOT_CLOSE)


class Gate:
    """The run's secrets and public values, and the scrub every sink applies. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: dict[str, str] = {}
        self._public: set[str] = set()
        self._emails: set[str] = set()

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

        from gpt56probe.redact import fingerprint

        shown = mask if mask is not None else (fingerprint(value) if len(value) >= 12 else MASK)
        forms = {value, json.dumps(value)[1:-1], quote(value, safe=""), repr(value)[1:-1]}
        with self._lock:
            for form in forms:
                if len(form) >= MIN_SECRET_CHARS:
                    self._secrets[form] = shown

    def add_url(self, url: str | None) -> None:
        """Remember the userinfo of ``url`` (``user:pass@``) as secrets: the password, a token used
        as the user name, and the Basic-auth header value requests would build from them."""
        if not isinstance(url, str) or "@" not in url:
            return
        import base64
        from urllib.parse import unquote, urlsplit

        try:
            parts = urlsplit(url.strip())
            user, password = parts.username, parts.password
        except ValueError:
            return
        if password:
            self.add_secret(password, MASK)
            self.add_secret(unquote(password), MASK)
            pair = f"{unquote(user or '')}:{unquote(password)}".encode("utf-8", "replace")
            self.add_secret(base64.b64encode(pair).decode("ascii"), MASK)
        elif user and len(user) >= 8:
            self.add_secret(user, MASK)  # https://TOKEN@host: the user name is the credential
            self.add_secret(unquote(user), MASK)

    def add_public(self, value: str | None) -> None:
        """A value the run chose to show (a path it wrote, an id it was given): never masked by shape."""
        if isinstance(value, str) and len(value) >= 8:
            with self._lock:
                self._public.add(value)

    def keep_email(self, email: str | None) -> None:
        """An e-mail address the user gave on purpose (the approved account): kept readable."""
        if isinstance(email, str) and email.strip():
            with self._lock:
                self._emails.add(email.strip())

    def learn_environment(self, environ: Any = None) -> None:
        """Secrets the process holds before any option is read: key and URL variables."""
        env = os.environ if environ is None else environ
        for name in SECRET_ENV_VARS:
            self.add_secret(env.get(name))
        for name in URL_ENV_VARS:
            self.add_url(env.get(name))

    def forget(self) -> None:
        """Drop everything learned (tests; a long-lived library host between runs)."""
        with self._lock:
            self._secrets.clear()
            self._public.clear()
            self._emails.clear()

    # ------------------------------------------------------------------ scrubbing

    def scrub(self, text: str) -> str:
        """``text`` safe for any sink: known secrets by value, then shapes, then control characters."""
        return self._scrub(text, keep=None)

    def scrub_terminal(self, text: str) -> str:
        """As ``scrub``, keeping only gpt56probe's own colour and line-erase sequences."""
        return self._scrub(text, keep=TERMINAL_SEQUENCES)

    def _scrub(self, text: str, keep: re.Pattern[str] | None) -> str:
        if not isinstance(text, str):
            text = str(text)
        if not text:
            return text
        from gpt56probe.redact import redact, scrub_values

        with self._lock:
            secrets = dict(self._secrets)
            public = sorted(self._public, key=len, reverse=True)
            emails = tuple(self._emails)
        # A slot marker in the input would be restored as something else: make it inert first.
        text = text.replace(_SLOT_OPEN, "\ufffd").replace(_SLOT_CLOSE, "\ufffd")
        text = scrub_values(text, secrets)
        stash: list[str] = []

        def park(value: str) -> str:
            stash.append(value)
            return f"{_SLOT_OPEN}{len(stash) - 1}{_SLOT_CLOSE}"

        if keep is not None:
            text = keep.sub(lambda m: park(m.group(0)), text)
        for value in public:
            if value in text:
                text = text.replace(value, park(value))
        text = redact(text, keep_emails=emails)
        return _SLOT.sub(lambda m: stash[int(m.group(1))], text) if stash else text


GATE = Gate()
"""The process's one gate."""


# ---------------------------------------------------------------------- the terminal sinks


class GatedStream(io.TextIOBase):
    """A text stream that scrubs whole lines before they reach ``inner``.

    Lines are held until their newline (or a flush) so a secret written in two
    pieces is still seen whole; click flushes after every echo.
    """

    def __init__(self, inner: TextIO, gate: Gate = GATE) -> None:
        super().__init__()
        self._inner = inner
        self._gate = gate
        self._pending = ""
        self._lock = threading.RLock()

    @property
    def inner(self) -> TextIO:
        return self._inner

    def write(self, text: Any) -> int:
        if isinstance(text, (bytes, bytearray)):
            text = bytes(text).decode(self.encoding or "utf-8", "replace")
        with self._lock:
            self._pending += text
            if "\n" in self._pending:
                ready, _, self._pending = self._pending.rpartition("\n")
                self._inner.write(self._gate.scrub_terminal(ready + "\n"))
        return len(text)

    def flush(self) -> None:
        with self._lock:
            if self._pending:
                self._inner.write(self._gate.scrub_terminal(self._pending))
                self._pending = ""
            try:
                self._inner.flush()
            except (OSError, ValueError):
                pass

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        try:
            return self._inner.isatty()
        except (AttributeError, ValueError):
            return False

    def fileno(self) -> int:
        return self._inner.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self._inner, "encoding", None) or "utf-8"

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return getattr(self._inner, "errors", None) or "replace"

    @property
    def name(self) -> str:
        return str(getattr(self._inner, "name", "<gated>"))


@contextmanager
def installed(gate: Gate = GATE) -> Iterator[Gate]:
    """Route ``sys.stdout`` and ``sys.stderr`` through the gate for the duration, then restore them."""
    if isinstance(sys.stdout, GatedStream) and isinstance(sys.stderr, GatedStream):
        yield gate  # already inside a gated run (a command invoking another)
        return
    gate.learn_environment()
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = GatedStream(out, gate), GatedStream(err, gate)
    try:
        yield gate
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        sys.stdout, sys.stderr = out, err

