"""The cron and systemd templates (issue 14, item 7) keep config and history where an interactive
``gpt56probe auth set`` and ``gpt56probe history`` look for them.

Each template's environment is rebuilt as cron or systemd would give it (a bare
environment: HOME, PATH, plus the template's own assignments) and ``config show``
must name the same config file and state directory as an interactive shell with
the same HOME.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def where(env: dict[str, str]) -> tuple[str, str]:
    done = subprocess.run([sys.executable, "-m", "gpt56probe", "config", "show", "--format", "json", "--no-keyring"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    rows = {r["setting"]: r["value"] for r in json.loads(done.stdout)}
    return rows["config_file"].removesuffix(" (absent)"), rows["state_dir"]


def bare(home: Path) -> dict[str, str]:
    return {"HOME": str(home), "PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8"}


def service_env(home: Path) -> dict[str, str]:
    env = bare(home)
    for line in (TEMPLATES / "gpt56probe.service").read_text().splitlines():
        found = re.match(r"^Environment=(\w+)=(.*)$", line.strip())
        if found:
            env[found.group(1)] = found.group(2).replace("%h", str(home))
    return env


def cron_env(home: Path) -> dict[str, str]:
    env = bare(home)
    for line in (TEMPLATES / "gpt56probe.cron").read_text().splitlines():
        found = re.match(r"^(\w+)=(.*)$", line.strip())
        if found and found.group(1) != "MAILTO":
            env[found.group(1)] = found.group(2)
    return env


@pytest.mark.parametrize("template_env", [service_env, cron_env], ids=["systemd", "cron"])
def test_a_template_run_uses_the_interactive_config_and_history(template_env, tmp_path: Path) -> None:
    home = tmp_path / "user"
    interactive = where(bare(home))
    assert interactive[0] == str(home / ".config" / "gpt56probe" / "config.toml")
    assert where(template_env(home)) == interactive


def test_the_templates_name_the_state_they_share_with_history() -> None:
    for name in ("gpt56probe.service", "gpt56probe.cron"):
        text = (TEMPLATES / name).read_text()
        assert "gpt56probe history" in text and "~/.config/gpt56probe" in text
