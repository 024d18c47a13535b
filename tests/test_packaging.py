"""The package as a user installs it: data files in the wheel, help on every command, types."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from gpt56probe.cli import COMMANDS, main

ROOT = Path(__file__).resolve().parents[1]


def all_commands(group: click.Group, prefix: tuple[str, ...] = ()):
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, name
        yield prefix + (name,), command
        if isinstance(command, click.Group):
            yield from all_commands(command, prefix + (name,))


@pytest.mark.parametrize("path,command", list(all_commands(main)), ids=lambda v: " ".join(v) if isinstance(v, tuple) else "")
def test_every_command_and_subcommand_has_help_text(path, command):
    assert (command.help or "").strip(), f"{' '.join(path)} has no help"
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_lazy_command_table_says_what_each_command_says_of_itself(name: str) -> None:
    """`gpt56probe --help` lists commands from COMMANDS without importing them: each line must be the
    command's own one-line help, and the command must be where the table says."""
    command = main.get_command(click.Context(main), name)
    assert command is not None and command.name in (name, name.replace("-", "_"))
    assert COMMANDS[name][1] == command.get_short_help_str(limit=1000)


def test_help_and_version_import_no_command_module() -> None:
    code = ("import sys; from gpt56probe.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit: pass\n"
            "print(sorted(m for m in sys.modules if m.startswith('gpt56probe.cli.') and m not in "
            "('gpt56probe.cli.guard', 'gpt56probe.cli.common', 'gpt56probe.cli.helpformat')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]", out


def test_the_wheel_ships_the_templates_and_the_json_schema(tmp_path):
    # A copy, so the build's egg-info and build/ never land in the work tree.
    source = tmp_path / "src"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".git", ".venv*", "*.egg-info", "build", "__pycache__", ".cache", "node_modules"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(source)],
                   check=True, capture_output=True)
    wheel = next(tmp_path.glob("gpt56probe-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in ("gpt56probe/templates/support_packet.md", "gpt56probe/templates/gpt56probe.cron",
                     "gpt56probe/templates/gpt56probe.service", "gpt56probe/templates/gpt56probe.timer",
                     "gpt56probe/schema/check-result.schema.json", "gpt56probe/simulator/__init__.py",
                     "gpt56probe/schema/eval-result.schema.json", "gpt56probe/migrate/examples/eval-tasks.toml"):
        assert required in names, f"{required} missing from {wheel.name}"
    assert not any(n.startswith("templates/") or n.startswith("tests/") for n in names)


def test_the_package_type_checks_cleanly():
    import mypy.api as mypy  # a test extra: a missing one fails the test, never skips it
    stdout, stderr, status = mypy.run([str(ROOT / "gpt56probe"), "--config-file", str(ROOT / "setup.cfg")])
    assert status == 0, stdout + stderr


def test_every_test_extra_is_installed_so_no_fidelity_test_can_skip():
    """The SDK fidelity tests import `openai` outright; this names the missing extra instead of a skip."""
    import configparser
    import importlib.util
    import re

    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    extras = [re.split(r"[<>=!~\[ ]", line.strip())[0] for line in config["options.extras_require"]["test"].splitlines() if line.strip()]
    stubs = {"types-requests", "types-tabulate"}  # type stubs: nothing to import
    missing = [name for name in extras if name not in stubs and importlib.util.find_spec(name.replace("-", "_")) is None]
    assert "openai" in extras and not missing, f"install the test extras: pip install -e '.[test]' (missing {missing})"


def test_a_checkout_that_shadows_the_installed_package_still_finds_the_router_templates() -> None:
    """``python -m gpt56probe plan --emit python`` run in a checkout imports the checkout's package, where
    templates/ is not yet gpt56probe.templates: the router's templates are read from the folder itself."""
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import importlib.util as u; "
            "assert u.find_spec('gpt56probe.templates') is None; "
            "from gpt56probe.migrate.router import template; print(len(template('router.py.tmpl')) > 1000)")
    proc = subprocess.run([sys.executable, "-S", "-c", code, str(ROOT)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == "True", proc.stderr
