"""The package's folders tell its architecture, and the imports keep to it.

Data flows one way: config -> plan -> probe -> Observation -> classify -> Diagnosis -> views ->
gate -> sinks. The wings: ``core`` (pure, no I/O), ``net`` (HTTP), ``views`` (pure renderers),
``store`` (files, keyring, the gated streams), ``migrate`` (moving traffic), ``simulator`` (the
loopback preview API) and ``cli`` (click). Every import inside the package is read here, the
ones inside functions included, so a lazy import cannot hide an arrow the wrong way.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "gpt56probe"
WINGS = ("core", "net", "views", "store", "migrate", "simulator", "cli")
ALLOWED: dict[str, set[str]] = {
    "core": {"core"},
    "views": {"core", "views"},
    "store": {"core", "store"},
    "net": {"core", "net"},
    "simulator": {"core", "simulator"},
    "migrate": {"core", "net", "views", "store", "migrate"},
    "cli": set(WINGS),
    "top": set(WINGS),  # gpt56probe/__main__.py, the entry point
}
"""Which wings each wing may import. ``gpt56probe/__init__.py`` (only ``__version__``) is open to all."""
PURE_WINGS = ("core", "views")
IO_MODULES = {"requests", "urllib3", "socket", "ssl", "subprocess", "keyring", "click", "http", "urllib.request",
              "shutil", "tempfile", "fcntl", "signal", "sqlite3", "asyncio", "multiprocessing", "pty", "os", "sys", "io"}
"""Modules a pure wing never imports: the network, processes, files, the terminal, the keyring."""
MAX_LINES = 600


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _wing(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "root"
    return parts[1] if parts[1] in WINGS else "top"


def _imports(module: str, path: Path) -> list[tuple[int, str]]:
    """(line, imported name) for every import in the file, resolved to absolute dotted names."""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            subs = [f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in MODULES]
            if len(subs) < len(node.names):  # names taken from the package itself, not only its submodules
                found.append((node.lineno, base))
            found += [(node.lineno, sub) for sub in subs]
    return found


def _internal_edges() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {m: set() for m in MODULES}
    for module, path in MODULES.items():
        for _, name in _imports(module, path):
            if name in MODULES and name != module:
                edges[module].add(name)
    return edges


def test_every_wing_exists_and_says_what_it_is_for() -> None:
    for wing in WINGS:
        init = PACKAGE / wing / "__init__.py"
        assert init.is_file(), f"missing wing {wing}/"
        assert ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))), f"{wing}/__init__.py needs a docstring"


def test_no_module_lives_outside_a_wing() -> None:
    loose = [m for m in MODULES if _wing(m) == "top" and m not in ("gpt56probe.__main__",)]
    assert not loose, f"modules beside the wings (move each into the wing of its concern): {loose}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_only_to_the_wings_this_wing_may_use(module: str) -> None:
    wing = _wing(module)
    if wing == "root":
        assert not _internal_edges()[module], "gpt56probe/__init__.py holds the version only"
        return
    wrong = [f"line {line}: {name}" for line, name in _imports(module, MODULES[module])
             if name.startswith("gpt56probe.") and _wing(name) not in ALLOWED[wing] | {"root"}]
    assert not wrong, f"{module} ({wing}/) may import only {sorted(ALLOWED[wing])}; arrows the wrong way: {wrong}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _wing(m) in PURE_WINGS))
def test_pure_wings_do_no_io(module: str) -> None:
    used = [f"line {line}: {name}" for line, name in _imports(module, MODULES[module])
            if name in IO_MODULES or name.split(".")[0] in IO_MODULES - {"http", "urllib"}]
    assert not used, f"{module} is in a pure wing but imports {used}"


def test_the_imports_have_no_circles() -> None:
    edges = _internal_edges()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for module in sorted(edges):
        if module not in index:
            visit(module)
    assert not circles, f"import circles: {circles}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_every_module_reads_in_one_sitting(module: str) -> None:
    lines = MODULES[module].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{module} has {lines} lines: split it along its seams (at most {MAX_LINES})"


def test_the_checker_sees_an_arrow_the_wrong_way(tmp_path: Path) -> None:
    """The walker resolves relative and lazy imports: a core module reaching into net is caught."""
    sneaky = tmp_path / "gpt56probe" / "core" / "sneaky.py"
    sneaky.parent.mkdir(parents=True)
    sneaky.write_text("def f():\n    from ..net import probe\n    import requests\n", encoding="utf-8")
    names = [name for _, name in _imports("gpt56probe.core.sneaky", sneaky)]
    assert "gpt56probe.net.probe" in names and "requests" in names
    assert _wing("gpt56probe.net.probe") == "net" and "net" not in ALLOWED["core"]


def test_moving_a_module_never_renames_a_schema_users_read() -> None:
    """Schema names are a contract with scripts that read the JSON, not module paths."""
    from gpt56probe.core import routing
    from gpt56probe.views import modelsview

    assert routing.PLAN_SCHEMA == "gpt56probe.routing/1"
    assert modelsview.SCHEMA == "gpt56probe.models/1"
