"""Shell completion, in the shells users have: the README's line for bash, zsh and fish loads without
a traceback, and completes commands, options, --org from the config file, --tier and --format.

bash and fish are driven for real (bash calls the completion function the script defines; fish's
``complete -C`` asks its completion machinery); zsh's script is checked by zsh's parser and its
completion protocol is asked exactly as the script asks it. These tests fail, never skip, without
bash, zsh or fish: .ci/run installs them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

BIN = Path(sys.executable).parent


def shell(name: str) -> str:
    found = shutil.which(name)
    assert found, f"{name} is missing: apt-get install {name} (.ci/run installs it)"
    return found


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "gpt56probe-home"
    home.mkdir()
    (home / "config.toml").write_text('[orgs."org-abc"]\nlabel = "prod"\n[orgs."org-def"]\n')
    return {**{k: v for k, v in os.environ.items() if not k.startswith("_GPT56PROBE")},
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "GPT56PROBE_HOME": str(home), "HOME": str(tmp_path)}


def source(kind: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "gpt56probe")], env={**env, "_GPT56PROBE_COMPLETE": f"{kind}_source"},
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("kind", ["bash", "zsh", "fish"])
def test_the_readme_completion_line_prints_a_script_and_no_traceback(kind: str, env: dict[str, str]) -> None:
    result = source(kind, env)
    assert result.returncode == 0, result.stderr
    assert result.stderr == "" and "Traceback" not in result.stdout
    assert "_GPT56PROBE_COMPLETE" in result.stdout


def bash_complete(line: str, env: dict[str, str]) -> list[str]:
    """What bash offers for ``line`` (the cursor at its end), through the function the script defines."""
    words = line.split(" ")
    script = (f'source <(_GPT56PROBE_COMPLETE=bash_source gpt56probe)\n'
              f'COMP_WORDS=({" ".join(repr(w) for w in words)}); COMP_CWORD={len(words) - 1}\n'
              '_gpt56probe_completion gpt56probe\nprintf "%s\\n" "${COMPREPLY[@]}"\n')
    result = subprocess.run([shell("bash"), "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    return [w for w in result.stdout.splitlines() if w]


def fish_complete(line: str, env: dict[str, str]) -> list[str]:
    """What fish offers for ``line``, from its own completion machinery (``complete -C``)."""
    script = f"_GPT56PROBE_COMPLETE=fish_source gpt56probe | source; complete -C {line!r}"
    result = subprocess.run([shell("fish"), "--no-config", "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    return [w.split("\t")[0] for w in result.stdout.splitlines() if w]


def zsh_complete(line: str, env: dict[str, str]) -> list[str]:
    """What the zsh script receives for ``line``: it runs ``_GPT56PROBE_COMPLETE=zsh_complete`` with these words."""
    words = line.split(" ")
    result = subprocess.run([str(BIN / "gpt56probe")], capture_output=True, text=True, timeout=60,
                            env={**env, "_GPT56PROBE_COMPLETE": "zsh_complete", "COMP_WORDS": line, "COMP_CWORD": str(len(words) - 1)})
    assert result.returncode == 0 and result.stderr == "", result.stderr
    lines = result.stdout.splitlines()
    return [lines[i + 1] for i in range(0, len(lines) - 2, 3)]  # type, value, help: the protocol's triplets


COMPLETERS: dict[str, Any] = {"bash": bash_complete, "fish": fish_complete, "zsh": zsh_complete}
CASES = [
    ("gpt56probe ch", {"check"}),
    ("gpt56probe su", {"support-packet"}),
    ("gpt56probe check --ti", {"--tier", "--timeout"}),
    ("gpt56probe check --org ", {"org-abc", "org-def"}),
    ("gpt56probe models --org org-d", {"org-def"}),
    ("gpt56probe check --tier ", {"sol", "terra", "luna"}),
    ("gpt56probe check --format js", {"json"}),
    ("gpt56probe auth de", {"delete"}),
]


@pytest.mark.parametrize("kind", ["bash", "zsh", "fish"])
@pytest.mark.parametrize("line,expected", CASES)
def test_completion_offers_commands_options_configured_orgs_tiers_and_formats(kind: str, line: str, expected: set[str],
                                                                            env: dict[str, str]) -> None:
    offered = set(COMPLETERS[kind](line, env))
    assert expected <= offered, (kind, line, offered)


def test_the_zsh_script_parses_in_zsh(env: dict[str, str], tmp_path: Path) -> None:
    script = tmp_path / "gpt56probe.zsh"
    script.write_text(source("zsh", env).stdout)
    result = subprocess.run([shell("zsh"), "-n", str(script)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_a_broken_config_completes_no_org_and_prints_nothing_else(env: dict[str, str]) -> None:
    Path(env["GPT56PROBE_HOME"], "config.toml").write_text("[orgs\n")
    assert bash_complete("gpt56probe check --org ", env) == []


def test_a_crash_while_completing_ends_quietly_without_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from gpt56probe.cli import GatedGroup, main

    def broken(self: Any, ctx: Any, name: str) -> Any:
        raise RuntimeError("a command module failed to import")

    monkeypatch.setattr(GatedGroup, "get_command", broken)
    result = CliRunner().invoke(main, [], prog_name="gpt56probe",
                                env={"_GPT56PROBE_COMPLETE": "bash_complete", "COMP_WORDS": "gpt56probe check --org ", "COMP_CWORD": "2"})
    assert result.exit_code == 1 and "Traceback" not in result.output and result.output == ""
