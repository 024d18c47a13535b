"""The config file: orgs, defaults for options, and models-table overrides.

Location: ``$GPT56PROBE_HOME/config.toml`` when ``GPT56PROBE_HOME`` is set, else
``click.get_app_dir("gpt56probe")/config.toml`` (e.g. ``~/.config/gpt56probe`` on Linux).
It never holds a key: keys live in the OS keyring (see ``gpt56probe.store.credentials``).

Shape::

    [defaults]                 # option defaults; a flag or env var still wins
    timeout = 30.0             # any key of DEFAULT_KEYS: deadline, concurrency, base_url, proxy, state_dir, ...

    [orgs."org-abc"]           # written by `gpt56probe auth set --org org-abc`
    label = "prod"
    project = "proj_123"       # sent as OpenAI-Project for this org
    email = "owner@example.com"   # the approved account's e-mail
    expect = ["sol", "terra"]  # the tiers this org should reach

    [models.sol]               # see gpt56probe.core.models.ModelTable.with_overrides
    id = "gpt-5.6-sol-2026-12-01"

Errors (``ConfigError``) name the file, the line when known, and what is wrong.
"""

from __future__ import annotations

import copy
import json
import math
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

from gpt56probe.store.files import FileTooLarge, NotRegularFile, atomic_write_text, flocked, read_regular, remove_stale_temps
from gpt56probe.core.family import DEFAULT_FAMILY, Family, FamilyError, family_from_config
from gpt56probe.core.models import (DEFAULT_TABLE, TIERS, ModelIdSource, ModelTable, ModelTableError, env_model_overrides,
                               merge_overrides, model_id_sources)

HOME_ENV = "GPT56PROBE_HOME"
APP_NAME = "gpt56probe"
FILE_NAME = "config.toml"

# [defaults] key -> (click parameter name, accepted python types, choices (for a list: of each item) or None).
# Every check option that is a setting rather than a one-off action; README lists the same keys.
DEFAULT_KEYS: dict[str, tuple[str, tuple[type, ...], tuple[str, ...] | None]] = {
    "timeout": ("timeout", (int, float, str), None),
    "deadline": ("deadline", (int, float, str), None),
    "concurrency": ("concurrency", (int,), None),
    "base_url": ("base_url", (str,), None),
    "proxy": ("proxy", (str,), None),
    "surface": ("surface", (str,), ("chat", "responses", "both")),
    "stream": ("stream", (bool,), None),
    "format": ("fmt", (str,), None),
    "no_color": ("no_color", (bool,), None),
    "project": ("project", (str,), None),
    "all_orgs": ("all_orgs", (bool,), None),
    "api_key_env": ("api_key_env", (str,), None),
    "no_keyring": ("no_keyring", (bool,), None),
    "state_dir": ("state_dir", (str,), None),
    "expect": ("expect", (list,), TIERS),
    "quiet": ("quiet", (bool,), None),
    "fail_after": ("fail_after", (int,), None),
    "prom_file": ("prom_file", (str,), None),
    "ping_url": ("ping_url", (str,), None),
    "on_change": ("on_change", (str,), None),
}
_TYPE_WORDS = {"int": "whole number", "float": "number", "str": "string", "bool": "true or false", "list": "list"}
DURATION_KEYS = ("timeout", "deadline")
"""[defaults] keys that take time: seconds (a number) or a duration string ("3s", "2m"), read by
core.waiting.parse_duration as the command line reads them; each command's option checks its own range."""
DURATION_EXAMPLE_SPAN = (0.5, 600.0)
"""The example durations a bad value is shown fit this span: within every command's --timeout and --deadline."""
CHECK_ONLY_KEYS = ("fmt", "quiet")
"""Given to check alone: other commands have a --format of their own, or no --quiet."""
ORG_KEYS = ("label", "project", "email", "expect")
SECTIONS = ("defaults", "orgs", "models", "family")


MAX_DEPTH = 6
"""Tables and lists nest at most this deep (the real shape needs 3); deeper is refused, not recursed into."""
LOCK_TIMEOUT_S = 10.0
MAX_BYTES = 256 << 10
"""A config.toml larger than this is not a hand-written config (thousands of orgs fit): it is refused unread,
so parsing it cannot eat a run's --deadline (TOML parses at about 3 MB/s here)."""


class ConfigError(ValueError):
    """The config file is unusable. The message is one line: file, line, problem."""


@dataclass(frozen=True)
class OrgEntry:
    id: str
    label: str = ""
    project: str | None = None
    email: str | None = None
    expect: tuple[str, ...] = ()


@dataclass(frozen=True)
class Config:
    path: Path
    exists: bool = False
    defaults: dict[str, Any] = field(default_factory=dict)  # click parameter name -> value
    orgs: dict[str, OrgEntry] = field(default_factory=dict)
    models: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)
    env_models: dict[str, Any] = field(default_factory=dict)  # GPT56PROBE_MODEL_<TIER> ids (over the file's)
    family: Family = DEFAULT_FAMILY  # the config's [family]: the built-in GPT-5.6 one unless described

    @property
    def base_table(self) -> ModelTable:
        """The family's table before any [models] override."""
        return DEFAULT_TABLE if self.family is DEFAULT_FAMILY else DEFAULT_TABLE.with_family(self.family)

    @property
    def table(self) -> ModelTable:
        overrides = merge_overrides(self.models, self.env_models)
        return self.base_table.with_overrides(overrides) if overrides else self.base_table

    @property
    def prices_overridden(self) -> tuple[str, ...]:
        """The tiers whose prices the config file sets (``cost`` says the date is then the file's)."""
        return tuple(t for t, row in self.models.items() if isinstance(row, dict) and ({"input_price", "output_price"} & set(row)))

    @property
    def model_sources(self) -> dict[str, ModelIdSource]:
        """Where each tier's id comes from: env, the config file, or the built-in placeholder."""
        return {s.tier: s for s in model_id_sources(self.models, self.env_models, str(self.path), self.base_table)}

    def default_map(self, command_names: Any = ("check",)) -> dict[str, Any]:
        """A click ``default_map`` giving every named command the ``[defaults]`` values it shares with
        check (a shared option means the same everywhere), plus ``config show`` (a nested group);
        ``format`` and ``quiet`` go to check alone (config show, history, orgs... have a --format of their own)."""
        if not self.defaults:
            return {}
        shared = {k: v for k, v in self.defaults.items() if k not in CHECK_ONLY_KEYS}
        mapping: dict[str, Any] = {name: dict(self.defaults if name == "check" else shared) for name in command_names}
        mapping["config"] = {"show": shared}
        return mapping


def config_dir(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    home = (env.get(HOME_ENV) or "").strip()
    if home:
        return Path(home).expanduser()
    import click

    return Path(click.get_app_dir(APP_NAME))


def config_path(environ: Mapping[str, str] | None = None) -> Path:
    return config_dir(environ) / FILE_NAME


def _depth(data: Any) -> int:
    """How deep tables and lists nest, counted without recursion (a hostile file may nest thousands deep)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        if level > MAX_DEPTH:
            break
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        stack.extend((child, level + 1) for child in children if isinstance(child, (dict, list)))
    return deepest


def _line_of(text: str, *names: str) -> int | None:
    """Best-effort line number of the last name in a dotted path (tomllib reports none for values)."""
    lines = text.splitlines()
    start = 0
    for i, name in enumerate(names):
        pattern = re.compile(r'^\s*(\[+\s*)?([^=\n]*\.)?\s*["\']?' + re.escape(name) + r'["\']?\s*(\]|=|\.)')
        found = next((n for n in range(start, len(lines)) if pattern.search(lines[n])), None)
        if found is None:
            return start + 1 if i else None
        start = found
    return start + 1


def where_default(path: Path, param: str) -> str:
    """Where a ``[defaults]`` value for the click parameter ``param`` was written: ``config file PATH, line N
    ([defaults] key)``, for an error about that value (a bad base_url in the file is named as the file's)."""
    key = next((k for k, (name, _, _) in DEFAULT_KEYS.items() if name == param), param)
    try:
        line = _line_of(read_config_text(path), "defaults", key)
    except (OSError, ConfigError):
        line = None
    return f"config file {path}" + (f", line {line}" if line else "") + f" ([defaults] {key})"


def _fail(path: Path, text: str, names: tuple[str, ...], problem: str) -> ConfigError:
    line = _line_of(text, *names) if names else None
    where = f"{path}, line {line}" if line else str(path)
    return ConfigError(f"config file {where}: {problem}")


MAX_NUMBER = 1e9
"""No setting means anything above this (a timeout of 30 years is a typo); a bigger number is refused in one line."""


def _usable_number(value: int | float) -> bool:
    try:
        return math.isfinite(value) and 0 < value <= MAX_NUMBER  # a 4000-digit int overflows float(): caught below
    except OverflowError:
        return False


def _shown_number(value: int | float) -> str:
    """A number as it can be shown in one line: a huge integer by its digit count."""
    if isinstance(value, int) and abs(value) > 10 ** 15:
        return f"an integer of {len(str(abs(value))) if value.bit_length() < 13000 else 'thousands of'} digits"
    return repr(value)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    line = text[0] if text else type(exc).__name__
    return line if len(line) <= 200 else line[:199] + "\u2026"


def _type_words(types: tuple[type, ...]) -> str:
    """``a whole number``, ``a number`` (int or float: any number), ``a string or a number``: what a setting takes."""
    words = [_TYPE_WORDS.get(t.__name__, t.__name__) for t in types]
    if "whole number" in words and "number" in words:
        words.remove("whole number")
    return " or ".join(f"a {w}" if w != "true or false" else w for w in words)


def _check_duration(path: Path, text: str, key: str, value: Any) -> None:
    """A [defaults] setting that takes time: seconds (a number) or a duration string, as the command line reads it."""
    from gpt56probe.core.waiting import duration_forms, parse_duration

    forms = duration_forms(*DURATION_EXAMPLE_SPAN)
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise _fail(path, text, ("defaults", key), f"defaults.{key} must be a number of seconds or a duration string, "
                                                    f"got {type(value).__name__}: give {forms}")
    if isinstance(value, str):
        try:
            seconds = parse_duration(value, forms)
        except ValueError as exc:
            raise _fail(path, text, ("defaults", key), f"defaults.{key}: {exc}") from None
    else:
        seconds = value
    if not _usable_number(seconds):
        raise _fail(path, text, ("defaults", key), f"defaults.{key} must be a finite number of seconds above 0 and at most "
                                                    f"{MAX_NUMBER:.0f}, got {_shown_number(value) if not isinstance(value, str) else repr(value)}")


def parse_config(text: str, path: Path) -> Config:
    """Parse and validate config text; raises ``ConfigError``."""
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path}: {_first_line(exc) if str(exc) else 'invalid TOML'}") from None
    except RecursionError:
        raise ConfigError(f"config file {path}: nested too deeply (at most {MAX_DEPTH} levels)") from None
    except ValueError as exc:  # a number tomllib parses with int(): over 4300 digits is Python's own ValueError
        problem = _first_line(exc)
        if "integer string conversion" in problem:
            problem = "a number with thousands of digits; no setting takes more than a few"
        raise ConfigError(f"config file {path}: {problem}") from None
    if _depth(data) > MAX_DEPTH:
        raise ConfigError(f"config file {path}: nested too deeply (at most {MAX_DEPTH} levels)")

    unknown = sorted(set(data) - set(SECTIONS))
    if unknown:
        raise _fail(path, text, (unknown[0],), f"unknown key(s) {', '.join(unknown)}; allowed sections: {', '.join(SECTIONS)}")

    family = DEFAULT_FAMILY
    if "family" in data:
        try:
            family = family_from_config(data["family"])
        except FamilyError as exc:
            names = str(exc).split(" ")[0].rstrip(":").split(".")
            raise _fail(path, text, tuple(names), str(exc)) from None
    tiers = family.tiers

    defaults: dict[str, Any] = {}
    section = data.get("defaults", {})
    if not isinstance(section, dict):
        raise _fail(path, text, ("defaults",), "defaults must be a table ([defaults])")
    for key, value in section.items():
        if key not in DEFAULT_KEYS:
            raise _fail(path, text, ("defaults", key), f"defaults.{key} is not a setting; allowed: {', '.join(DEFAULT_KEYS)}")
        param, types, choices = DEFAULT_KEYS[key]
        choices = tiers if key == "expect" else choices
        if key in DURATION_KEYS:
            _check_duration(path, text, key, value)
        elif (isinstance(value, bool) and bool not in types) or not isinstance(value, types):
            raise _fail(path, text, ("defaults", key), f"defaults.{key} must be {_type_words(types)}, got {type(value).__name__}")
        elif isinstance(value, (int, float)) and not isinstance(value, bool) and not _usable_number(value):
            raise _fail(path, text, ("defaults", key), f"defaults.{key} must be a finite number above 0 and at most {MAX_NUMBER:.0f}, "
                                                        f"got {_shown_number(value)}")
        items = value if isinstance(value, list) else [value]
        if choices and not all(isinstance(item, str) and item in choices for item in items):
            raise _fail(path, text, ("defaults", key), f"defaults.{key} must be {'a list of ' if isinstance(value, list) else ''}"
                                                        f"one of {', '.join(choices)}, got {value!r}")
        defaults[param] = value

    orgs: dict[str, OrgEntry] = {}
    section = data.get("orgs", {})
    if not isinstance(section, dict):
        raise _fail(path, text, ("orgs",), 'orgs must be a table of tables ([orgs."org-abc"])')
    for org_id, entry in section.items():
        if not isinstance(entry, dict):
            raise _fail(path, text, ("orgs", org_id), f'orgs."{org_id}" must be a table')
        if not org_id.strip():
            raise _fail(path, text, ("orgs",), "an org id is empty")
        bad = sorted(set(entry) - set(ORG_KEYS))
        if bad:
            raise _fail(path, text, ("orgs", org_id, bad[0]), f'orgs."{org_id}": unknown key(s) {", ".join(bad)}; allowed: {", ".join(ORG_KEYS)}')
        for key in ("label", "project", "email"):
            if key in entry and not isinstance(entry[key], str):
                raise _fail(path, text, ("orgs", org_id, key), f'orgs."{org_id}".{key} must be a string')
        expect = entry.get("expect", [])
        if not isinstance(expect, list) or not all(isinstance(t, str) and t in tiers for t in expect):
            raise _fail(path, text, ("orgs", org_id, "expect"), f'orgs."{org_id}".expect must be a list of tiers ({", ".join(tiers)})')
        orgs[org_id] = OrgEntry(org_id, entry.get("label", ""), entry.get("project") or None, entry.get("email") or None, tuple(expect))

    models = data.get("models", {})
    if not isinstance(models, dict):
        raise _fail(path, text, ("models",), "models must be a table ([models])")
    if models:
        try:
            (DEFAULT_TABLE if family is DEFAULT_FAMILY else DEFAULT_TABLE.with_family(family)).with_overrides(models)
        except ModelTableError as exc:
            first = str(exc).split(":")[0].split(" ")[0].split(".")
            raise _fail(path, text, tuple(first), str(exc)) from None
        except (TypeError, ValueError, OverflowError) as exc:
            raise _fail(path, text, ("models",), f"models: {_first_line(exc)}") from None
    return Config(path, True, defaults, orgs, models, data, family=family)


def read_config_text(path: Path) -> str:
    """The file's text: a regular file (a FIFO cannot hang the read), at most MAX_BYTES, UTF-8 (with or without a BOM).
    FileNotFoundError when absent; ConfigError for anything else that is wrong with it."""
    try:
        return read_regular(path, MAX_BYTES).decode("utf-8-sig")  # an editor's byte-order mark is not TOML's business
    except FileNotFoundError:
        raise
    except FileTooLarge:
        raise ConfigError(f"config file {path}: larger than {MAX_BYTES >> 10} KiB; is it the right file?") from None
    except NotRegularFile as exc:
        raise ConfigError(f"config file {path}: cannot read ({exc.strerror})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {path}: cannot read ({type(exc).__name__}: {getattr(exc, 'strerror', None) or exc})") from None


def load_config(environ: Mapping[str, str] | None = None, path: Path | None = None) -> Config:
    """The config in effect; an absent file is an empty config. Raises ``ConfigError``."""
    path = path or config_path(environ)
    env = os.environ if environ is None else environ
    try:
        env_models = env_model_overrides(env)
    except ModelTableError as exc:
        raise ConfigError(str(exc)) from None
    try:
        text = read_config_text(path)
    except FileNotFoundError:
        return Config(path, False, env_models=env_models)
    parsed = parse_config(text, path)
    if parsed.family is not DEFAULT_FAMILY:  # GPT56PROBE_MODEL_<TIER> for the family's own tiers
        try:
            env_models = env_model_overrides(env, parsed.family.tiers)
        except ModelTableError as exc:
            raise ConfigError(str(exc)) from None
    return replace(parsed, env_models=env_models) if env_models else parsed


# --- a small TOML writer (no dependency): tables, strings, numbers, bools, lists of scalars


_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(name: str) -> str:
    return name if _BARE_KEY.match(name) else _string(name)


def _string(value: str) -> str:
    out = json.dumps(value, ensure_ascii=False)  # \" \\ \n \t \uXXXX are TOML escapes too
    return out.replace("\x7f", "\\u007f")


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def dumps_toml(data: Mapping[str, Any]) -> str:
    lines: list[str] = []

    def table(prefix: tuple[str, ...], mapping: Mapping[str, Any]) -> None:
        scalars = [(k, v) for k, v in mapping.items() if not isinstance(v, Mapping)]
        tables = [(k, v) for k, v in mapping.items() if isinstance(v, Mapping)]
        if prefix and (scalars or not tables):
            if lines:
                lines.append("")
            lines.append("[" + ".".join(_key(p) for p in prefix) + "]")
        for k, v in scalars:
            lines.append(f"{_key(k)} = {_scalar(v)}")
        for k, v in tables:
            table(prefix + (k,), v)

    table((), data)
    return "\n".join(lines) + "\n"


HEADER = "# gpt56probe configuration (no keys here: they live in the OS keyring)\n"


def save_raw(raw: Mapping[str, Any], path: Path) -> None:
    """Write the config atomically under a unique temporary name (owner-only: it holds e-mails, never keys).

    Call with ``locked_config`` held when the new content depends on the old (``update_config`` does).
    A config.toml that is a symlink (a dotfiles checkout) is written where it points, so the link
    survives; anything else that is not a regular file is refused (files.NotRegularFile).
    """
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    atomic_write_text(target, HEADER + dumps_toml(raw), mode=0o600)


@contextmanager
def locked_config(path: Path, timeout_s: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    """Hold the config file's lock (``.<name>.lock`` beside it); sweep temporary files killed writers left."""
    with flocked(path.with_name(f".{path.name}.lock"), timeout_s, holder="another gpt56probe command"):
        remove_stale_temps(path)
        try:
            path.with_name(path.name + ".tmp").unlink()  # the fixed temporary name older versions used
        except OSError:
            pass
        yield


def update_config(path: Path, change: Callable[[dict[str, Any]], Any]) -> Config:
    """Read the file as it is now, apply ``change`` to its raw tables, write it back: all under the lock,
    so parallel updates (20 ``auth set`` at once) each keep the others' changes. ``change`` returning
    False means nothing changed: nothing is written."""
    with locked_config(path):
        current = load_config(path=path)
        raw = copy.deepcopy(current.raw)
        if change(raw) is False:
            return current
        save_raw(raw, path)
        return parse_config(read_config_text(path), path)


def upsert_org(config: Config, org: str, **fields: Any) -> Config:
    """Add or update ``[orgs."org"]`` (fields that are None are left as they were) and save."""

    def change(raw: dict[str, Any]) -> None:
        entry = raw.setdefault("orgs", {}).setdefault(org, {})
        for key, value in fields.items():
            if value is not None:
                entry[key] = list(value) if isinstance(value, tuple) else value

    return update_config(config.path, change)


def remove_org(config: Config, org: str) -> bool:
    removed: list[bool] = []

    def change(raw: dict[str, Any]) -> bool:
        orgs = raw.get("orgs", {})
        removed.append(org in orgs)
        return orgs.pop(org, None) is not None

    update_config(config.path, change)
    return removed[0]
