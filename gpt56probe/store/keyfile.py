"""Keys in a file readable only by its owner: for machines without an OS keyring (servers, containers).

What headless users of gh (``gh auth login --insecure-storage``: the token in a plain file) and llm
(``keys.json`` in its user directory) have. The file is ``<config dir>/keys.json``, one JSON object
``{"org-abc": "sk-..."}``, written 0600 atomically under a lock, only when the user asks for it
(``auth set --key-file``): never a silent fallback from the keyring. A file that others can read
(group or world bits set) is not used: the rung is skipped and the reason says how to fix it.
Keys are unencrypted on disk; every listing says so.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Mapping

KEY_FILE_NAME = "keys.json"
KEY_FILE_LIMIT = 1 << 20
LOCK_TIMEOUT_S = 10.0
KIND = "owner-only file, unencrypted"


class KeyFileUnusable(RuntimeError):
    """The key file cannot be used (others can read it, it is not a regular file, not JSON). Message is key-free."""


def key_file_path(environ: Mapping[str, str] | None = None) -> Path:
    """``<config dir>/keys.json`` (``$GPT56PROBE_HOME`` when set)."""
    from gpt56probe.store.config import config_dir

    return config_dir(environ) / KEY_FILE_NAME


def _check_mode(path: Path) -> None:
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise KeyFileUnusable(f"{path}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(info.st_mode):
        raise KeyFileUnusable(f"{path} is not a regular file")
    if info.st_mode & 0o077:
        raise KeyFileUnusable(f"{path} can be read by others (mode {stat.S_IMODE(info.st_mode):04o}): "
                              f"run `chmod 600 {path}` to use it")


def read_keys(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Every org's key in the file ({} when there is no file). KeyFileUnusable when it may not or cannot be used."""
    from gpt56probe.store.files import FileTooLarge, read_regular

    path = key_file_path(environ)
    try:
        _check_mode(path)
        raw = read_regular(path, KEY_FILE_LIMIT)
    except FileNotFoundError:
        return {}
    except FileTooLarge:
        raise KeyFileUnusable(f"{path} is larger than {KEY_FILE_LIMIT >> 10} KiB: not a key file") from None
    except OSError as exc:
        raise KeyFileUnusable(f"{path}: {exc.strerror or type(exc).__name__}") from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise KeyFileUnusable(f"{path} is not a JSON object of org -> key") from None
    if not isinstance(data, dict):
        raise KeyFileUnusable(f"{path} is not a JSON object of org -> key")
    keys = {str(k): v.strip() for k, v in data.items() if isinstance(v, str) and v.strip()}
    from gpt56probe.core.gate import GATE

    for value in keys.values():
        GATE.add_secret(value)  # no sink may print a key read from the file
    return keys


def _write(path: Path, keys: Mapping[str, str]) -> None:
    from gpt56probe.store.files import atomic_write_text

    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(dict(keys), indent=2, sort_keys=True) + "\n", mode=0o600)
    os.chmod(path, 0o600)


def store_key(org: str, key: str, environ: Mapping[str, str] | None = None) -> Path:
    """Add or replace ``org``'s key, under the file's lock; returns the path. KeyFileUnusable or OSError."""
    from gpt56probe.store.files import flocked

    path = key_file_path(environ)
    path.parent.mkdir(parents=True, exist_ok=True)
    with flocked(path.with_name(KEY_FILE_NAME + ".lock"), LOCK_TIMEOUT_S, holder="another gpt56probe auth command"):
        keys = read_keys(environ)
        keys[org] = key
        _write(path, keys)
    return path


def delete_key(org: str, environ: Mapping[str, str] | None = None) -> bool:
    """Remove ``org``'s key; False when the file holds none. KeyFileUnusable or OSError."""
    from gpt56probe.store.files import flocked

    path = key_file_path(environ)
    if not path.exists():
        return False
    with flocked(path.with_name(KEY_FILE_NAME + ".lock"), LOCK_TIMEOUT_S, holder="another gpt56probe auth command"):
        keys = read_keys(environ)
        if org not in keys:
            return False
        del keys[org]
        _write(path, keys)
    return True


def describe(environ: Mapping[str, str] | None = None) -> str:
    """For ``config show``: where the file is, how many keys it holds, and whether it is usable."""
    path = key_file_path(environ)
    try:
        keys = read_keys(environ)
    except KeyFileUnusable as exc:
        return f"{path} (not used: {exc})"
    if not path.exists():
        return f"{path} (absent; `gpt56probe auth set --org ORG --key-file` creates it)"
    return f"{path} ({len(keys)} key(s), {KIND}, mode 0600)"
