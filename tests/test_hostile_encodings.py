"""Hostile round three, secrets: a server (or gateway) that echoes the key in the forms a plain match misses
cannot make it reach any output, file, history row, status page, support packet or recording, nor a replay
of that recording. Every text is read the way an attacker would read it: decoded (hex, percent, base64,
``\\u`` escapes, character references), with invisible characters removed, a recording's bodies parsed
and a stream's deltas joined."""

from __future__ import annotations

import base64
import binascii
import html
import json
import os
import re
import tomllib
import unicodedata
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import unquote

import pytest
from click.testing import CliRunner

from gpt56probe.cli import main
from gpt56probe.core.encoded import IGNORABLE
from tests.hostile_round3 import MARKDOWN_ATTACK
from tests.hostile_server import hostile_server

KEY = "TESTFAKE~echo.me~if-you-dare~0123456789~Qz7w"  # obviously fake, of a shape no pattern knows
ORG = "org-hostile"
_INVISIBLE = re.compile("[" + IGNORABLE + "]")


def readings(text: str) -> Iterator[str]:
    """``text`` and every decoding of it an attacker would try."""
    bare = _INVISIBLE.sub("", text)
    yield text
    yield bare
    yield unquote(bare)
    yield html.unescape(bare)
    yield re.sub(r"\\+u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), bare)
    for run in re.findall(r"[0-9a-fA-F]{16,}", bare):
        for start in (0, 1):
            try:
                yield bytes.fromhex(run[start:len(run) - (len(run) - start) % 2]).decode("utf-8", "replace")
            except ValueError:
                pass
    for run in re.findall(r"[A-Za-z0-9+/_\-]{12,}", bare):
        for start in range(4):
            chunk = run[start:]
            chunk = chunk[: len(chunk) - len(chunk) % 4]
            for decode in (base64.b64decode, base64.urlsafe_b64decode):
                try:
                    yield decode(chunk).decode("utf-8", "replace")
                except (binascii.Error, ValueError):
                    pass


def deltas_joined(text: str) -> Iterator[str]:
    """Every stream in ``text`` (a body, or a recording holding bodies) with its deltas joined."""
    bodies = [text]
    try:
        doc = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError):
        try:
            doc = json.loads(text)
        except ValueError:
            doc = None
    if isinstance(doc, dict):
        bodies += [r.get("body", "") for s in doc.get("scenario", []) for r in s.get("replies", []) if isinstance(r, dict)]
    for body in bodies:
        pieces = []
        for line in str(body).splitlines():
            if line.startswith("data:") and line[5:].strip() not in ("", "[DONE]"):
                try:
                    event = json.loads(line[5:])
                except ValueError:
                    continue
                delta = event.get("delta") if isinstance(event.get("delta"), str) else \
                    ((event.get("choices") or [{}])[0].get("delta") or {}).get("content")
                if isinstance(delta, str):
                    pieces.append(delta)
        yield "".join(pieces)
        try:
            yield json.dumps(json.loads(body), ensure_ascii=False)
        except (ValueError, TypeError):
            pass


class Scan:
    def __init__(self) -> None:
        self.findings: list[str] = []
        self.texts: list[str] = []

    def look(self, where: str, text: str) -> None:
        self.texts.append(text)
        fragments = {KEY[i:i + 12] for i in range(len(KEY) - 11)}
        for reading in (*readings(text), *(r for joined in deltas_joined(text) for r in readings(joined))):
            if any(f in reading for f in fragments):
                self.findings.append(f"the key in {where}: ...{reading[max(0, reading.find(KEY[:12]) - 40):][:120]!r}")
                return

    def run(self, *args: str, env: dict[str, str] | None = None, input: str | None = None, codes: tuple[int, ...] = (0, 1, 2, 3)) -> Any:
        result = CliRunner().invoke(main, list(args), env=env, input=input, catch_exceptions=False)
        label = " ".join(args[:4])
        assert result.exit_code in codes, (label, result.exit_code, result.output)
        assert "Traceback" not in result.output, result.output
        self.look(f"stdout of `{label}`", result.stdout)
        self.look(f"stderr of `{label}`", result.stderr)
        return result

    def tree(self, root: Path) -> None:
        for path in sorted(root.rglob("*")):
            if path.is_file() and path.name != "config.toml":
                self.look(str(path), path.read_bytes().decode("utf-8", "replace"))


def test_a_server_echoing_the_key_encoded_cannot_make_any_sink_or_recording_leak_it(tmp_path: Path) -> None:
    home = Path(os.environ["GPT56PROBE_HOME"])
    out = tmp_path / "out"
    out.mkdir()
    hook_log = tmp_path / "hook.jsonl"
    scan = Scan()
    with hostile_server() as (server, seen):
        seen.mode = "encoded"
        base = f"{server}/v1"
        common = ["--base-url", base, "--org", ORG, "--timeout", "3", "--deadline", "20"]
        sinks = ["--prom-file", str(out / "m.prom"), "--ping-url", f"{server}/ping/x", "--on-change", f"cat >> {hook_log}"]
        scan.run("auth", "set", "--org", ORG, input=KEY + "\n", codes=(0,))
        for fmt in ("table", "json", "plain"):
            scan.run("check", *common, "--surface", "both", "--format", fmt, "-v", *sinks)
        scan.run("check", *common, "--surface", "both", "--stream", "--format", "json", "-v", "--record", str(out / "rec.toml"))
        scan.run("check", *common, "--surface", "both", "--stream", "--record", str(out / "rec.json"))
        for model in ("gpt-5.6-sol", "gpt-5.6-luna", "gpt-5.5", "gpt-5.4-mini"):
            for fmt in ("markdown", "text", "json"):
                scan.run("support-packet", "--org", ORG, "--model", model, "--base-url", base, "--no-input", "--format", fmt,
                         "--record", str(out / "rec.toml"), codes=(0,))
        scan.run("models", "--org", ORG, "--base-url", base, "-v", codes=(0,))
        scan.run("history")
        scan.run("history", "--format", "json")
        scan.run("report", "--html", str(out / "status.html"), codes=(0,))
        scan.run("report", "--format", "markdown", codes=(0,))
        pings = [p.decode("utf-8", "replace") for p in seen.pings]
        assert seen.echoed >= 20 and any(KEY in a for a in seen.authorizations), "the attack did not happen"

    for i, body in enumerate(pings):
        scan.look(f"ping body {i}", body)
    if hook_log.exists():
        scan.look("--on-change payloads", hook_log.read_text())
    scan.tree(home)
    scan.tree(out)
    assert not scan.findings, "\n".join(scan.findings)
    # positive controls: what the server sent reached the outputs, masked
    everything = "\n".join(scan.texts)
    assert "req_***" in everything  # the hex request id
    assert (out / "rec.toml").exists() and (out / "status.html").exists()


def test_a_recording_of_encoded_echoes_replays_with_another_key_without_giving_the_first_back(tmp_path: Path) -> None:
    """The recording stores bodies scrubbed in their decoded form: a replay (another key, another process's
    gate, which does not know the first key) serves and prints nothing of it."""
    record = tmp_path / "incident.toml"
    with hostile_server() as (server, seen):
        seen.mode = "encoded"
        result = CliRunner().invoke(main, ["check", "--base-url", f"{server}/v1", "--org", ORG, "--surface", "both", "--stream",
                                           "--record", str(record), "--deadline", "20"], env={"OPENAI_API_KEY": KEY})
    assert result.exit_code in (0, 1, 2), result.output
    from gpt56probe.core.gate import GATE
    from gpt56probe.simulator.server import start_simulator

    GATE.forget()  # the replay runs elsewhere, knowing only its own key
    scan = Scan()
    with start_simulator(port=0, scenarios_file=record) as sim:
        for stream in ([], ["--stream"]):
            scan.run("check", "--base-url", sim.base_url, "--org", ORG, "--surface", "both", *stream, "--format", "json", "-v",
                     "--state-dir", str(tmp_path / "replay"), env={"OPENAI_API_KEY": "sk-test-fake-replay-key-0000000000"})
    scan.look("the recording", record.read_text())
    assert not scan.findings, "\n".join(scan.findings)


@pytest.mark.parametrize("name", ["key", "sig", "code", "auth"])
def test_a_base_url_refused_for_its_query_never_shows_the_query_values(tmp_path: Path, name: str) -> None:
    value = "TESTFAKEqueryValue0123456789"
    with hostile_server() as (server, seen):
        result = CliRunner().invoke(main, ["check", "--base-url", f"https://relay.example/v1?{name}={value}&x=short1",
                                           "--ping-url", f"{server}/ping/q", "--prom-file", str(tmp_path / "m.prom")])
        pinged = b"".join(seen.pings).decode()
    assert result.exit_code == 3, result.output
    assert "query" in result.stderr and f"{name}=***" in result.stderr, result.stderr
    for where, text in (("stdout", result.stdout), ("stderr", result.stderr), ("ping", pinged), ("metrics", (tmp_path / "m.prom").read_text())):
        assert value not in text and value[:12] not in text and "short1" not in text, where
    assert pinged, "the ping /fail was not sent"


def test_the_gate_matches_every_unicode_format_and_separator_character_unicodedata_knows() -> None:
    """The hard-coded classes of core/encoded cover every Cf, Zl and Zp code point of this Python's Unicode."""
    import sys

    missing = [f"U+{c:04X}" for c in range(sys.maxunicode + 1)
               if unicodedata.category(chr(c)) in ("Cf", "Zl", "Zp") and not _INVISIBLE.match(chr(c))]
    assert not missing, missing


def test_no_format_or_separator_code_point_a_server_sends_reaches_a_terminal_output(tmp_path: Path) -> None:
    import sys

    every = "".join(chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) in ("Cf", "Zl", "Zp"))
    assert len(every) >= 149
    outputs = []
    with hostile_server() as (server, seen):
        seen.mode, seen.extra_text = "encoded", f" [{every}] end"
        base = f"{server}/v1"
        for args in (["check", "--base-url", base, "--org", ORG, "-v", "--state-dir", str(tmp_path)],
                     ["check", "--base-url", base, "--org", ORG, "--format", "json", "--state-dir", str(tmp_path)],
                     ["support-packet", "--org", ORG, "--model", "gpt-5.4-mini", "--base-url", base, "--no-input"],
                     ["history", "--state-dir", str(tmp_path)],
                     ["report", "--format", "markdown", "--state-dir", str(tmp_path)]):
            result = CliRunner().invoke(main, args, env={"OPENAI_API_KEY": KEY})
            assert "Traceback" not in result.output, result.output
            outputs.append((" ".join(args[:2]), result))
    assert any("end" in r.stdout and "does not have access" in r.stdout for _, r in outputs)  # the text arrived
    for label, result in outputs:
        for where, text in (("stdout", result.stdout), ("stderr", result.stderr)):
            left = sorted({f"U+{ord(c):04X}" for c in text if unicodedata.category(c) in ("Cf", "Zl", "Zp")})
            assert not left, (label, where, left)


def test_the_support_packet_escapes_markdown_a_server_put_in_its_error(tmp_path: Path) -> None:
    with hostile_server() as (server, seen):
        seen.mode = "encoded"
        result = CliRunner().invoke(main, ["support-packet", "--org", ORG, "--model", "gpt-5.4-mini", "--base-url", f"{server}/v1",
                                           "--no-input", "--format", "markdown"], env={"OPENAI_API_KEY": KEY})
    assert result.exit_code == 0, result.output
    text = result.stdout
    fence = text.split("```")
    outside = fence[0] + "".join(fence[2::2])  # the text outside the fenced error block
    assert "evil.example" in text  # positive control: the attack reached the packet
    for live in (r"(?<!\\)\]\(http://evil", r"!(?<!\\)\[pixel", r"(?<!\\)<img", r"(?<!\\)\*\*urgent"):
        assert not re.search(live, outside), (live, outside)
    assert "\\[the fix\\](http://evil.example/steal)" in outside, outside  # shown, inert
