"""Where an org's API key comes from. The one credential order lives here.

The credential order (``resolve_key``), first rung that yields a key wins:

1. ``--api-key-env VAR``: the environment variable the user named. Named and
   unset or empty is an error naming it, never a quiet fall through to the
   next rungs: an explicit source that is empty is a mistake to report;
2. the OS keyring entry for the org: service ``gpt56probe``, username = the org
   id (written by ``gpt56probe auth set --org ORG``);
3. the key file ``<config dir>/keys.json``, readable only by its owner (written by
   ``gpt56probe auth set --org ORG --key-file`` on machines without a keyring;
   store/keyfile.py); a file others can read is skipped, with the reason;
4. ``OPENAI_API_KEY``, the OpenAI SDK's own variable.

The keyring rung is skipped with ``--no-keyring``, ``GPT56PROBE_NO_KEYRING=1``,
or ``PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring`` (keyring's own,
documented switch; any other value of that variable picks the backend, e.g.
``keyrings.alt.file.PlaintextKeyring``). A missing or broken keyring backend
is never fatal when reading: the rung is skipped (and said so in ``--verbose``).

Keys never leave this module except inside ``ResolvedKey.key``; ``source``,
log lines and exception messages never contain them (``fingerprint`` does not
either: prefix + last 4).

``keyring`` is imported lazily: it is slow to import and only needed here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable, Mapping

DEFAULT_KEY_ENV = "OPENAI_API_KEY"
ORG_ENV = "OPENAI_ORG_ID"
PROJECT_ENV = "OPENAI_PROJECT_ID"
BASE_URL_ENV = "OPENAI_BASE_URL"
NO_KEYRING_ENV = "GPT56PROBE_NO_KEYRING"
KEYRING_BACKEND_ENV = "PYTHON_KEYRING_BACKEND"
KEYRING_SERVICE = "gpt56probe"
"""The keyring service name; the username is the org id."""

KEYRING_FIXES = (
    f"store it in a file only you can read with --key-file (unencrypted, as gh's --insecure-storage), "
    f"set {DEFAULT_KEY_ENV} (or name a variable with --api-key-env VAR), or install an OS keyring "
    f"(Secret Service, KWallet, macOS Keychain); keyrings.alt's PlaintextKeyring works too but stores keys unencrypted"
)

Log = Callable[[str], None]


@dataclass(frozen=True)
class ResolvedKey:
    key: str
    source: str  # e.g. "env OPENAI_API_KEY"; never the key
    rung: int = 0

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.key)

    def __repr__(self) -> str:  # never show the key, even in a traceback or a debugger
        return f"ResolvedKey(key={self.fingerprint!r}, source={self.source!r}, rung={self.rung})"


class NoKeyError(LookupError):
    """No rung supplied a key; the message names the fixes."""


class KeyringUnavailable(RuntimeError):
    """The keyring cannot be used (disabled, no backend, or the backend failed). Message is key-free."""


def fingerprint(key: str) -> str:
    """``sk-…abcd``: safe to print."""
    try:
        from gpt56probe.core.redact import fingerprint as _fp
    except ImportError:  # pragma: no cover - redact ships with the package
        key = (key or "").strip()
        return f"{key[:3]}\u2026{key[-4:]}" if len(key) >= 16 else ("(empty)" if not key else f"\u2026{key[-2:]}")
    return _fp(key)


def _remember(secret: str) -> None:
    """Tell the output gate about a key, so no sink can print it, whatever its shape."""
    from gpt56probe.core.gate import GATE

    GATE.add_secret(secret)


def _found(key: str, source: str, rung: int) -> ResolvedKey:
    _remember(key)
    return ResolvedKey(key, source, rung)


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def keyring_disabled_reason(environ: Mapping[str, str] | None = None, no_keyring: bool = False) -> str | None:
    """Why the keyring rung is off, or None when it is on."""
    env = os.environ if environ is None else environ
    if no_keyring:
        return "--no-keyring"
    if _truthy(env.get(NO_KEYRING_ENV)):
        return f"{NO_KEYRING_ENV}={env.get(NO_KEYRING_ENV)}"
    backend = (env.get(KEYRING_BACKEND_ENV) or "").strip()
    if backend.rsplit(".", 2)[-2:] == ["null", "Keyring"]:
        return f"{KEYRING_BACKEND_ENV}={backend}"
    return None


def _describe(exc: BaseException, secret: str | None = None) -> str:
    """A one-line, key-free description of a keyring exception."""
    from gpt56probe.core.redact import redact

    text = str(exc).splitlines()[0] if str(exc).strip() else ""
    if secret:
        text = text.replace(secret, fingerprint(secret))
    text = redact(text)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def keyring_backend(environ: Mapping[str, str] | None = None, no_keyring: bool = False) -> Any:
    """The keyring backend to use, or raise ``KeyringUnavailable`` (never anything else).

    ``PYTHON_KEYRING_BACKEND`` is read at call time, so it wins even over a backend set
    programmatically earlier in the process.
    """
    env = os.environ if environ is None else environ
    reason = keyring_disabled_reason(env, no_keyring)
    if reason:
        raise KeyringUnavailable(f"keyring disabled by {reason}")
    try:
        import keyring
        import keyring.backends.fail
        import keyring.backends.null

        name = (env.get(KEYRING_BACKEND_ENV) or "").strip()
        backend = keyring.core.load_keyring(name) if name else keyring.get_keyring()
    except Exception as exc:  # any keyring failure: import, backend load, config
        raise KeyringUnavailable(f"keyring unavailable ({_describe(exc)})") from None
    if isinstance(backend, (keyring.backends.fail.Keyring, keyring.backends.null.Keyring)):
        raise KeyringUnavailable(f"no keyring backend available ({type(backend).__module__}.{type(backend).__name__})")
    return backend


def stores_plaintext(backend: Any) -> bool:
    """Whether a keyring backend keeps keys unencrypted (keyrings.alt's PlaintextKeyring and its kind)."""
    name = type(backend).__name__.lower()
    return "plaintext" in name or "unencrypted" in name


def plaintext_warning(environ: Mapping[str, str] | None = None, no_keyring: bool = False) -> str | None:
    """One line saying the active keyring stores keys unencrypted (and where), or None."""
    try:
        backend = keyring_backend(environ, no_keyring)
    except KeyringUnavailable:
        return None
    if not stores_plaintext(backend):
        return None
    where = getattr(backend, "file_path", None)
    place = f" in {where}" if isinstance(where, str) and where else " on disk"
    return (f"the keyring backend {type(backend).__module__}.{type(backend).__name__} stores keys unencrypted{place}: "
            "anyone who can read that file can use them")


def keyring_get(org: str, environ: Mapping[str, str] | None = None, no_keyring: bool = False) -> str | None:
    """The stored key for ``org``, None when there is none. Raises only ``KeyringUnavailable``."""
    backend = keyring_backend(environ, no_keyring)
    try:
        value = backend.get_password(KEYRING_SERVICE, org)
    except Exception as exc:
        raise KeyringUnavailable(f"keyring read failed ({_describe(exc)})") from None
    if isinstance(value, str):
        _remember(value)
    return value.strip() if isinstance(value, str) and value.strip() else None


def keyring_set(org: str, key: str, environ: Mapping[str, str] | None = None, no_keyring: bool = False) -> str:
    """Store ``key`` for ``org``; returns a description of the backend. Raises only ``KeyringUnavailable``."""
    backend = keyring_backend(environ, no_keyring)
    try:
        backend.set_password(KEYRING_SERVICE, org, key)
    except Exception as exc:
        raise KeyringUnavailable(f"keyring write failed ({_describe(exc, key)})") from None
    return f"{type(backend).__module__}.{type(backend).__name__}"


def keyring_delete(org: str, environ: Mapping[str, str] | None = None, no_keyring: bool = False) -> bool:
    """Delete the entry for ``org``; False when there was none. Raises only ``KeyringUnavailable``."""
    backend = keyring_backend(environ, no_keyring)
    try:
        if backend.get_password(KEYRING_SERVICE, org) is None:
            return False
        backend.delete_password(KEYRING_SERVICE, org)
    except Exception as exc:
        raise KeyringUnavailable(f"keyring delete failed ({_describe(exc)})") from None
    return True


def resolve_key(
    org: str | None,
    environ: Mapping[str, str] | None = None,
    api_key_env: str | None = None,
    no_keyring: bool = False,
    log: Log | None = None,
) -> ResolvedKey:
    """The key for ``org``, by the credential order of this module's docstring:

    1. the variable named by ``--api-key-env`` (unset or empty: NoKeyError naming it);
    2. the keyring entry (service ``gpt56probe``, username = org id) for the org;
    3. the org's entry in the owner-only key file;
    4. ``OPENAI_API_KEY``.

    ``log`` receives key-free lines about skipped rungs (for ``--verbose``).
    """
    env = os.environ if environ is None else environ
    say: Log = log or (lambda line: None)
    who = org or "the default org"

    # Rung 1: --api-key-env VAR (explicit: empty is an error, not a reason to try the others)
    if api_key_env:
        value = (env.get(api_key_env) or "").strip()
        if value:
            return _found(value, f"env {api_key_env} (--api-key-env)", 1)
        state = "empty" if api_key_env in env else "not set"
        raise NoKeyError(f"the variable {api_key_env} named by --api-key-env is {state}; set it, or leave out --api-key-env "
                         f"to use the keyring, the key file or {DEFAULT_KEY_ENV}")

    # Rung 2: the keyring entry for the org
    if org:
        try:
            stored = keyring_get(org, env, no_keyring)
        except KeyringUnavailable as exc:
            say(f"rung 2 skipped: {exc}")
        else:
            if stored:
                return _found(stored, f"keyring (service {KEYRING_SERVICE}, user {org})", 2)
            say(f"rung 2 skipped: no keyring entry for {org}")
    else:
        say("rung 2 skipped: no org given, so no keyring entry to look up")

    # Rung 3: the owner-only key file
    if org:
        from gpt56probe.store.keyfile import KIND, KeyFileUnusable, key_file_path, read_keys

        try:
            filed = read_keys(env).get(org)
        except KeyFileUnusable as exc:
            say(f"rung 3 skipped: {exc}")
        else:
            if filed:
                return _found(filed, f"key file {key_file_path(env)} ({KIND})", 3)
            say(f"rung 3 skipped: no entry for {org} in {key_file_path(env)}")

    # Rung 4: OPENAI_API_KEY
    value = (env.get(DEFAULT_KEY_ENV) or "").strip()
    if value:
        return _found(value, f"env {DEFAULT_KEY_ENV}", 4)
    keyring_on = keyring_disabled_reason(env, no_keyring) is None
    tried = (f"keyring entry for {org}, " if org and keyring_on else "") + (f"key file entry for {org}, " if org else "") + DEFAULT_KEY_ENV
    if org and keyring_on:
        fix = f"run `gpt56probe auth set --org {org}`, or set {DEFAULT_KEY_ENV}"
    elif org:
        fix = f"run `gpt56probe auth set --org {org} --key-file`, or set {DEFAULT_KEY_ENV}"
    else:
        fix = f"set {DEFAULT_KEY_ENV} or use --api-key-env VAR"
    raise NoKeyError(f"no API key for {who} (tried {tried}): {fix}")
