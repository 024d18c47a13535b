"""The npm packages some tests run (promptfoo; the official openai package and tsc for the TypeScript router).

Each lives in its own folder under tests/js with a package-lock.json. ``ensure`` installs a folder's
locked tree with ``npm ci`` the first time a test needs it, so the README's test command works on a
fresh machine that has Node and npm; without npm the test fails (never skips). One install at a time:
parallel test processes wait on a lock file instead of racing npm.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from pathlib import Path

JS_ROOT = Path(__file__).parent / "js"
INSTALL_TIMEOUT_S = 900
SYSTEM_NODE_HEADERS = Path("/usr/include/node/node.h")


def npm_environment() -> dict[str, str]:
    """npm's environment: where the system's Node ships its headers (nodesource's nodejs, Debian's libnode-dev),
    node-gyp builds a native module (promptfoo's better-sqlite3) against them instead of downloading them from
    nodejs.org, so a machine that reaches only the npm registry can still install when no prebuilt binary is
    reachable. ``.ci/run`` sets the same."""
    env = dict(os.environ)
    if SYSTEM_NODE_HEADERS.exists():
        env.setdefault("npm_config_nodedir", str(SYSTEM_NODE_HEADERS.parent.parent.parent))
    return env


def ensure(name: str, marker: str) -> Path:
    """``tests/js/<name>/node_modules``, installed from the lock file when ``marker`` (a path inside it) is missing."""
    folder = JS_ROOT / name
    modules = folder / "node_modules"
    if (modules / marker).exists():
        return modules
    npm = shutil.which("npm")
    assert npm, f"npm is missing: install Node.js 20+ and npm (.ci/run does), then `npm ci` in {folder}"
    with open(folder / ".npm-install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (modules / marker).exists():
            proc = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=folder,
                                  capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S, env=npm_environment())
            assert proc.returncode == 0, f"npm ci in {folder} failed:\n{proc.stdout}\n{proc.stderr}"
    assert (modules / marker).exists(), f"npm ci in {folder} did not install {marker}"
    return modules
