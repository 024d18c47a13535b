"""Issue 13's leak suite: a key no pattern knows, a server that echoes it everywhere, credentials in every URL.

Every command and output format runs against tests/hostile_server.py; every stdout, stderr, file
written, --on-change payload and ping body is scanned. Positive controls prove the attack happened
(the server received and echoed the key; the masked ``…last4`` reached the output).
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from gpt56probe.cli import main
from tests.hostile_server import hostile_server

# Obviously fake, and of a shape no redaction pattern knows (no sk- prefix, no long hex or base64 run).
KEY = "TESTFAKE~echo.me~if-you-dare~0123456789~Qz7w"
PROXY_USER, PROXY_PASSWORD = "proxyuser", "TESTFAKEproxyPassw0rd"
PING_PASSWORD = "TESTFAKEpingPassw0rd"
BASE_PASSWORD = "TESTFAKEbasePassw0rd"
BASIC = base64.b64encode(f"{PROXY_USER}:{PROXY_PASSWORD}".encode()).decode()
SECRETS = {"key": KEY, "key without its first 4": KEY[4:], "key without its last 4": KEY[:-4],
           "proxy password": PROXY_PASSWORD, "proxy basic auth": BASIC, "ping password": PING_PASSWORD,
           "base URL password": BASE_PASSWORD}
RAW_CONTROLS = {"escape": "\x1b", "bell": "\x07", "carriage return": "\r"}
ORG = "org-hostile"


class Scan:
    def __init__(self) -> None:
        self.findings: list[str] = []
        self.text = ""
        self.ran = 0

    def look(self, where: str, text: str) -> None:
        self.text += text
        self.findings += [f"{name} in {where}" for name, value in SECRETS.items() if value in text]
        self.findings += [f"raw {name} in {where}" for name, value in RAW_CONTROLS.items() if value in text]

    def run(self, *args: str, env: dict[str, str] | None = None, input: str | None = None, codes: tuple[int, ...] = (0, 1, 2, 3)) -> Any:
        result = CliRunner().invoke(main, list(args), env={"HOSTILE_KEY": KEY, **(env or {})}, input=input, catch_exceptions=False)
        label = " ".join(args[:4])
        assert result.exit_code in codes, (label, result.exit_code, result.output)
        assert "Traceback" not in result.output, result.output
        self.look(f"stdout of `{label}`", result.stdout)
        self.look(f"stderr of `{label}`", result.stderr)
        self.ran += 1
        return result

    def tree(self, root: Path) -> None:
        for path in sorted(root.rglob("*")):
            if path.is_file() and path.name != "config.toml":
                self.look(str(path), path.read_bytes().decode("utf-8", "replace"))


def test_a_server_that_echoes_the_key_everywhere_cannot_make_any_sink_leak_it(tmp_path: Path) -> None:
    home = Path(os.environ["GPT56PROBE_HOME"])
    out = tmp_path / "out"
    out.mkdir()
    hook_log = tmp_path / "on-change.jsonl"
    scan = Scan()
    with hostile_server() as (server, seen):
        base = f"{server}/v1"
        proxy = f"http://{PROXY_USER}:{PROXY_PASSWORD}@127.0.0.1:{server.rsplit(':', 1)[1]}"
        ping = f"http://pinguser:{PING_PASSWORD}@127.0.0.1:{server.rsplit(':', 1)[1]}/ping/uuid"
        key_env = ["--api-key-env", "HOSTILE_KEY"]
        common = ["--base-url", base, "--org", ORG, "--timeout", "3", "--deadline", "15"]
        cron = ["--prom-file", str(out / "m.prom"), "--on-change", f"cat >> {hook_log}", "--ping-url", ping]

        scan.run("auth", "set", "--org", ORG, input=KEY + "\n", codes=(0,))
        for fmt in ("table", "json", "nagios", "github", "plain"):
            scan.run("check", *common, "--format", fmt, "--surface", "both", "-v", *cron)
        scan.run("check", *common, *key_env, "--no-keyring", "--quiet", *cron)
        seen.sol_answers = True  # Sol's verdict changes: the hook gets a payload
        scan.run("check", *common, *key_env, "--format", "json", "-v", *cron)
        scan.run("check", *common, "--proxy", proxy, "--format", "json", "-v", "--tier", "sol")
        scan.run("check", "--base-url", f"http://user:{BASE_PASSWORD}@127.0.0.1:9/v1", "--org", ORG, codes=(3,))
        for fmt in ("text", "markdown", "json"):
            scan.run("support-packet", "--org", ORG, "--model", "gpt-5.6-sol", "--base-url", base, "--no-input",
                     "--format", fmt, "-o", str(out / f"packet.{fmt}"), "-v", "--proxy", proxy, codes=(0,))
            scan.run("support-packet", "--org", ORG, "--model", "gpt-5.6-luna", "--base-url", base, "--no-input",
                     "--format", fmt, "--task", f"my key is {KEY}", "--error", f"Incorrect API key provided: {KEY}", codes=(0,))
        scan.run("support-packet", "--org", ORG, "--model", "gpt-5.6-sol", "--last", "--base-url", base, "--no-input", codes=(0,))
        for emit in ("python", "typescript", "json"):
            scan.run("plan", "--org", ORG, "--base-url", base, "--emit", emit, "-o", str(out / f"plan.{emit}"), "-v")
            scan.run("plan", "--org", ORG, "--base-url", base, "--emit", emit)
        scan.run("check", *common, "--discover", "--format", "json", "-v")
        scan.run("check", *common, "--discover", "--format", "plain")
        for fmt in ("table", "json", "github"):
            scan.run("models", "--org", ORG, "--base-url", base, "--format", fmt, "-v", "--proxy", proxy, codes=(0,))
        scan.run("history")
        scan.run("history", "--format", "json")
        scan.run("config", "show", "--org", ORG, "--proxy", proxy, "-v")
        scan.run("config", "show", "--format", "json", "--proxy", proxy)
        scan.run("auth", "list")
        scan.run("auth", "list", "--format", "json")
        pings = [p.decode("utf-8", "replace") for p in seen.pings]

    for i, body in enumerate(pings):
        scan.look(f"ping body {i}", body)
    scan.tree(home)
    scan.tree(out)
    if hook_log.exists():
        scan.look("--on-change payloads", hook_log.read_text())

    assert scan.ran >= 25
    assert not scan.findings, "\n".join(scan.findings)
    # positive controls: the attack happened, and the masked form of the key is what reached the user
    assert any(KEY in a for a in seen.authorizations), "the server never received the key"
    assert any(BASIC in a for a in seen.proxy_authorizations), "the proxy never received its credentials"
    assert seen.echoed >= 25 and pings, (seen.echoed, len(pings))
    assert hook_log.exists() and "gpt-5.6-sol" in hook_log.read_text(), "the on-change hook never ran"
    assert f"\u2026{KEY[-4:]}" in scan.text
    assert f"gpt-5.6-\u2026{KEY[-4:]}" in scan.text  # a listed id that echoes the key reached `models`, masked
    assert "\u241b" in scan.text  # the escapes arrived, shown as their control picture


def test_a_base_url_with_credentials_is_refused_in_one_line_without_showing_them() -> None:
    result = CliRunner().invoke(main, ["check", "--base-url", f"https://me:{BASE_PASSWORD}@relay.example/v1"])
    assert result.exit_code == 3
    assert BASE_PASSWORD not in result.output
    assert len(result.stderr.strip().splitlines()) == 1 and "user:password@" in result.stderr


@pytest.mark.parametrize("command", [["plan", "--org", ORG], ["support-packet", "--org", ORG, "--model", "gpt-5.6-sol", "--no-input"]])
def test_every_command_taking_a_base_url_refuses_credentials_in_it(command: list[str]) -> None:
    result = CliRunner().invoke(main, [*command, "--base-url", f"https://me:{BASE_PASSWORD}@relay.example/v1"],
                                env={"OPENAI_API_KEY": "sk-test-fake-key-not-real-0000"})
    assert result.exit_code != 0
    assert BASE_PASSWORD not in result.output and "user:password@" in result.output


def test_the_ping_warning_names_the_host_without_its_userinfo(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with hostile_server() as (server, _):
        result = CliRunner().invoke(main, ["check", "--base-url", f"{server}/v1", "--org", ORG, "--tier", "terra", "--deadline", "10",
                                           "--ping-url", f"http://pinguser:{PING_PASSWORD}@127.0.0.1:{port}/ping/uuid",
                                           "--state-dir", str(tmp_path)], env={"OPENAI_API_KEY": KEY})
    assert f"ping to 127.0.0.1:{port} failed" in result.stderr
    assert PING_PASSWORD not in result.output and "pinguser" not in result.output and "uuid" not in result.stderr


def test_packets_are_written_owner_only(tmp_path: Path) -> None:
    target = tmp_path / "ticket.md"
    result = CliRunner().invoke(main, ["support-packet", "--product", "codex", "--workspace", "ws_1", "--error", "boom",
                                       "--no-input", "--format", "markdown", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert target.stat().st_mode & 0o777 == 0o600


def test_the_answers_a_probe_keeps_never_hold_the_key_it_sent() -> None:
    """Removed as the answer arrives (headers, body, error text), before anything caps or parses it."""
    from gpt56probe.net.checkrun import CheckRequest, OrgCredential, perform_check
    from gpt56probe.core.models import DEFAULT_TABLE

    with hostile_server() as (server, seen):
        outcome = perform_check(CheckRequest(orgs=[OrgCredential(ORG, KEY)], models=DEFAULT_TABLE.models, table=DEFAULT_TABLE,
                                             surface="both", base_url=f"{server}/v1", timeout_s=3, deadline_s=15))
    assert any(KEY in a for a in seen.authorizations)
    kept = []
    for observation in outcome.observations:
        for exchange in (observation.sample, observation.precheck_exchange):
            if exchange is not None:
                kept += [exchange.body, exchange.failure_detail, *exchange.headers.values()]
    assert kept and not [text for text in kept if any(KEY[i:i + 12] in text for i in range(len(KEY) - 11))]
    assert any("x-ratelimit-padded-echo" in o.sample.headers for o in outcome.observations if o.sample is not None)  # kept, and scrubbed


def test_a_netrc_entry_never_replaces_the_bearer_key(sim, tmp_path: Path) -> None:
    home = Path(os.environ["HOME"])
    home.mkdir(parents=True, exist_ok=True)
    netrc = home / ".netrc"
    netrc.write_text("machine 127.0.0.1 login netrcuser password TESTFAKEnetrcPassw0rd\n")
    netrc.chmod(0o600)
    sim.clear_requests()
    result = CliRunner().invoke(main, ["check", "--base-url", sim.base_url, "--org", "org-sim-approved", "--tier", "luna",
                                       "--state-dir", str(tmp_path)], env={"OPENAI_API_KEY": "sk-test-fake-key-not-real-0000"})
    assert result.exit_code == 0, result.output
    sent = [r.headers.get("authorization", "") for r in sim.requests]
    assert sent and all(a == "Bearer sk-test-fake-key-not-real-0000" for a in sent), sent
