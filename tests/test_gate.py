"""The output gate (issue 13): known secrets by value, then shapes, then control characters, on every sink.

The second half is structural: no module may write to a file, a stream, a subprocess or the
network except through the few functions that pass the gate, so a new sink cannot forget it.
"""

from __future__ import annotations

import ast
import base64
import io
from pathlib import Path

import pytest

from gpt56probe.core.gate import GATE, Gate
from gpt56probe.store.gated_stream import GatedStream, installed

UNKNOWN_SHAPE_KEY = "TESTFAKE~unknown.shape~key~0123456789~wxyz"


@pytest.fixture()
def gate() -> Gate:
    return Gate()


def test_a_secret_of_any_shape_is_removed_by_value_and_shown_as_its_last_four(gate: Gate) -> None:
    gate.add_secret(UNKNOWN_SHAPE_KEY)
    out = gate.scrub(f"Incorrect API key provided: {UNKNOWN_SHAPE_KEY}.")
    assert UNKNOWN_SHAPE_KEY not in out
    assert out == "Incorrect API key provided: \u2026wxyz."


def test_the_json_and_url_encoded_forms_of_a_secret_are_removed_too(gate: Gate) -> None:
    secret = 'TESTFAKE"quote\\slash key'
    gate.add_secret(secret)
    import json
    from urllib.parse import quote

    for form in (json.dumps({"k": secret}), quote(secret, safe=""), repr(secret)):
        assert "TESTFAKE" not in gate.scrub(form), form


def test_url_userinfo_and_the_basic_auth_value_built_from_it_are_secrets(gate: Gate) -> None:
    gate.add_url("http://proxyuser:Pr0xyPassw0rd@proxy.example:3128")
    basic = base64.b64encode(b"proxyuser:Pr0xyPassw0rd").decode()
    out = gate.scrub(f"echo: Pr0xyPassw0rd / Proxy-Authorization: Basic {basic} / {basic}")
    assert "Pr0xyPassw0rd" not in out and basic not in out


def test_a_token_used_as_the_url_user_name_is_a_secret(gate: Gate) -> None:
    gate.add_url("https://TESTFAKEpingtoken42@hc-ping.example/uuid")
    assert "TESTFAKEpingtoken42" not in gate.scrub("pinged TESTFAKEpingtoken42 ok")


def test_values_too_short_to_find_by_value_are_left_to_the_shape_rules(gate: Gate) -> None:
    gate.add_url("http://squid:2026@proxy.example:3128")
    gate.add_secret("proxy")
    text = '{"checked_at": "2026-11-24T10:00:00+00:00", "vpn_proxy": "none"}'
    assert gate.scrub(text) == text
    assert gate.scrub("via http://squid:2026@proxy.example:3128") == "via http://squid:***@proxy.example:3128"


def test_any_long_run_of_a_key_is_masked_however_it_was_cut_or_wrapped(gate: Gate) -> None:
    gate.add_secret(UNKNOWN_SHAPE_KEY)
    for shown in (UNKNOWN_SHAPE_KEY[:-5], UNKNOWN_SHAPE_KEY[7:], UNKNOWN_SHAPE_KEY[3:3 + 12],
                  UNKNOWN_SHAPE_KEY[:20] + "\n" + UNKNOWN_SHAPE_KEY[20:]):
        out = gate.scrub(f"request id req_{shown} end")
        assert not any(UNKNOWN_SHAPE_KEY[i:i + 12] in out for i in range(len(UNKNOWN_SHAPE_KEY) - 11)), out
        assert out.startswith("request id req_") and out.endswith(" end")
    assert gate.scrub(UNKNOWN_SHAPE_KEY[:11]) == UNKNOWN_SHAPE_KEY[:11]  # shorter than a fragment: left alone


def test_a_url_too_broken_to_parse_still_gives_up_its_password(gate: Gate) -> None:
    gate.add_url("http://user:TESTFAKE\uff20proxyPassw0rd@[::1/x")
    assert "proxyPassw0rd" not in gate.scrub("proxy said TESTFAKE\uff20proxyPassw0rd")


def test_the_latin1_basic_auth_form_of_a_proxy_password_is_a_secret_too(gate: Gate) -> None:
    gate.add_url("http://user:TESTFAKEp\u00e4ssw\u00f6rd@proxy.example:3128")
    latin1 = base64.b64encode("user:TESTFAKEp\u00e4ssw\u00f6rd".encode("latin-1")).decode()
    assert latin1 not in gate.scrub(f"echo {latin1}")


def test_public_values_are_never_masked_by_shape(gate: Gate) -> None:
    path = "/tmp/Work2024/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789/out.py"
    assert gate.scrub(f"wrote {path}") != f"wrote {path}"  # the shape rule would take it
    gate.add_public(path)
    assert gate.scrub(f"wrote {path}") == f"wrote {path}"


def test_a_public_value_cannot_shelter_a_secret_inside_it(gate: Gate) -> None:
    gate.add_secret(UNKNOWN_SHAPE_KEY)
    gate.add_public(f"/tmp/{UNKNOWN_SHAPE_KEY}/x")
    assert UNKNOWN_SHAPE_KEY not in gate.scrub(f"wrote /tmp/{UNKNOWN_SHAPE_KEY}/x")


def test_the_simulators_public_fake_keys_are_shown_but_a_longer_key_that_starts_with_one_is_masked(gate: Gate) -> None:
    """`simulate` lists the fake keys that pick a scenario; the gate masked them (``sk-…cted…``). Public now,
    but only as that whole key: a real-looking key that begins with one (unknown, or the user's own) is masked."""
    from gpt56probe.simulator.scenario_file import bundled_keys

    listing = "  ".join(f"{key}…" for key in bundled_keys())
    assert gate.scrub(listing) != listing  # the shape rules take them
    for key in bundled_keys():
        gate.add_public(key)
    assert gate.scrub(listing) == listing and "sk-sim-restricted…" in listing and "sk-sim-azure-bad…" in listing
    unknown = "sk-sim-restricted-TESTFAKE0a1B2c3D4e5F6g7H8i9J0"
    assert "0a1B2c3D4e5F6g7H8i9J0" not in gate.scrub(f"key {unknown} here")
    users = "sk-sim-nosample" + "TESTFAKEuserKey0123456789abcdef"
    gate.add_secret(users)
    assert "TESTFAKEuserKey" not in gate.scrub(f"--api-key-env gave {users}; also {users[:-1]}")


def test_kept_emails_stay_and_others_go(gate: Gate) -> None:
    gate.keep_email("owner@example.com")
    assert gate.scrub("owner@example.com cc other@example.org") == "owner@example.com cc ***@***"


def test_a_colour_terminal_gets_our_style_marks_as_sgr_and_nothing_else(gate: Gate) -> None:
    from gpt56probe.core.style import ERASE_LINE, paint

    ours = paint("ok", "green") + " " + paint("no access", "red")
    assert gate.scrub_terminal(ours, colour=True) == "\x1b[32mok\x1b[0m \x1b[31mno access\x1b[0m"
    assert gate.scrub_terminal(ours, colour=False) == "ok no access"
    assert gate.scrub(ours) == "ok no access"  # files never get colour
    assert gate.scrub_terminal(ERASE_LINE + "3/10 probes", colour=True) == "\r\x1b[2K3/10 probes"
    assert gate.scrub_terminal("org " + ERASE_LINE + "x", colour=True) == "org x"  # only a line we start is rewritten


def test_no_escape_sequence_from_any_input_reaches_a_terminal(gate: Gate) -> None:
    hostile = "\x1b[32mgreen?\x1b[0m \x1b[2J\x1b[H\x1b]0;title\x07rewritten\rFAKE \x9b31m"
    shown = gate.scrub_terminal(hostile, colour=True)
    assert not any(ord(c) < 32 and c != "\n" for c in shown) and "\x9b" not in shown
    assert "\u241b[2J" in shown


def test_no_colour_when_no_color_is_set(gate: Gate) -> None:
    from gpt56probe.core.style import paint

    gate.learn_environment({"NO_COLOR": "1"})
    assert gate.scrub_terminal(paint("ok", "green"), colour=True) == "ok"


def test_slot_markers_in_the_input_cannot_smuggle_a_parked_value(gate: Gate) -> None:
    gate.add_public("/tmp/a-public-path")
    out = gate.scrub("\ue0000\ue001 /tmp/a-public-path")
    assert "\ue000" not in out and out.endswith("/tmp/a-public-path")


def test_a_gated_stream_refuses_bytes_so_click_treats_it_as_text(gate: Gate) -> None:
    with pytest.raises(TypeError):
        GatedStream(io.StringIO(), gate).write(b"")


def test_a_gated_stream_never_fails_on_an_ascii_terminal(gate: Gate) -> None:
    raw = io.BytesIO()
    ascii_out = io.TextIOWrapper(raw, encoding="ascii")
    stream = GatedStream(ascii_out, gate)
    stream.write("masked \u2026abcd and \u241b\n")
    stream.flush(final=True)
    assert raw.getvalue().decode("ascii").startswith("masked \\u2026abcd")


def test_a_flush_holds_back_what_could_be_the_start_of_a_secret(gate: Gate) -> None:
    gate.add_secret(UNKNOWN_SHAPE_KEY)
    inner = io.StringIO()
    stream = GatedStream(inner, gate)
    stream.write("key: " + UNKNOWN_SHAPE_KEY[:10])
    stream.flush()
    stream.write(UNKNOWN_SHAPE_KEY[10:] + " end\n")
    stream.flush(final=True)
    assert UNKNOWN_SHAPE_KEY[:10] not in inner.getvalue()
    assert inner.getvalue() == "key: \u2026wxyz end\n"


def test_two_threads_writing_halves_never_splice_into_one_line(gate: Gate) -> None:
    import threading

    inner = io.StringIO()
    stream = GatedStream(inner, gate)
    barrier = threading.Barrier(2)

    def writer(tag: str) -> None:
        for i in range(200):
            stream.write(f"{tag}-start-{i} ")
            if i == 0:
                barrier.wait()
            stream.write(f"{tag}-end-{i}\n")

    threads = [threading.Thread(target=writer, args=(t,)) for t in "ab"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stream.flush(final=True)
    lines = inner.getvalue().splitlines()
    assert len(lines) == 400
    assert all(line.split("-")[0] == line.split(" ")[1].split("-")[0] for line in lines)


def test_a_gated_stream_sees_a_secret_written_in_two_pieces(gate: Gate) -> None:
    gate.add_secret(UNKNOWN_SHAPE_KEY)
    inner = io.StringIO()
    stream = GatedStream(inner, gate)
    stream.write("key: " + UNKNOWN_SHAPE_KEY[:10])
    stream.write(UNKNOWN_SHAPE_KEY[10:] + " end\n")
    stream.write("partial ")
    stream.flush(final=True)
    assert UNKNOWN_SHAPE_KEY not in inner.getvalue()
    assert inner.getvalue().endswith("partial ")


def test_installed_routes_std_streams_through_the_gate_and_restores_them(capsys: pytest.CaptureFixture[str]) -> None:
    import sys

    before = sys.stdout
    GATE.add_secret(UNKNOWN_SHAPE_KEY)
    with installed():
        print("leak?", UNKNOWN_SHAPE_KEY)
        print("and to stderr", UNKNOWN_SHAPE_KEY, file=sys.stderr)
    assert sys.stdout is before
    captured = capsys.readouterr()
    assert UNKNOWN_SHAPE_KEY not in captured.out + captured.err
    assert "\u2026wxyz" in captured.out


# ---------------------------------------------------------------------- sink discipline

PACKAGE = Path(__file__).resolve().parents[1] / "gpt56probe"

GATED_WRITERS = {
    ("store/files.py", "write_output"): "stage_output(",  # every file the tool writes as output
    ("store/files.py", "stage_output"): "stage_output_from(",  # the same, staged for a commit of several files (history + state, metrics)
    ("store/files.py", "stage_output_from"): "GatedWriter(",  # the same, a piece at a time (a fleet's history and state)
    ("store/files.py", "_drain"): "GATE.scrub",  # GatedWriter: every batch a staged output file gets
    ("cli/onchange.py", "run_on_change"): "GATE.scrub",  # the --on-change payload (and the hook's output is relayed)
    ("cli/sinks.py", "ping"): "GATE.scrub",  # the ping body
}
EXEMPT_WRITERS = {
    ("store/files.py", "atomic_write_text"): "the raw primitive: only write_output and config.save_raw may call it",
    ("store/files.py", "stage_text"): "the raw primitive under atomic_write_text: only it may call it",
    ("store/files.py", "_stage"): "the raw temporary file under stage_text and stage_output_from: only they may call it",
    ("store/files.py", "_open_regular"): "opens for reading only (O_RDONLY | O_NONBLOCK, a FIFO cannot hang it); writes nothing",
    ("store/files.py", "flocked"): "opens a lock file; writes nothing",
    ("store/files.py", "remove_stale_temps"): "deletes debris; writes nothing",
    ("cli/common.py", "stdout_gone"): "points a closed stdout at /dev/null; writes nothing",
}
RAW_WRITER_CALLERS = {("store/files.py", "stage_text"), ("store/files.py", "stage_output_from"), ("store/files.py", "atomic_write_text"), ("store/config.py", "save_raw"),
                      ("store/keyfile.py", "_write")}
"""config.toml is the user's own file: written back as given (it never holds a key), not scrubbed. The key file
(auth set --key-file) holds keys by design, 0600: the gate would mask the very values it stores."""
# Modules that can send bytes somewhere, and the only places allowed to import them.
OUTPUT_MODULES = {"subprocess", "shutil", "tempfile", "socket", "http.client", "http.server", "socketserver", "urllib.request",
                  "urllib3", "requests", "smtplib", "ftplib", "asyncio", "multiprocessing", "pty", "telnetlib"}
ALLOWED_IMPORTS = {
    ("net/probe.py", "requests"): "the HTTP shell: it sends the key by design; answers are scrubbed as they arrive",
    ("net/watchdog.py", "socket"): "the body watchdog shuts a socket down",
    ("net/runner.py", "socket"): "shuts down the sockets of probes abandoned at the deadline (their threads end at once)",
    ("net/netenv.py", "socket"): "reads this host's name",
    ("net/netenv.py", "urllib.request"): "reads the proxy settings",
    ("net/netenv.py", "requests"): "reads the proxy settings (requests.utils)",
    ("store/files.py", "tempfile"): "atomic_write_text's temporary file",
    ("cli/onchange.py", "subprocess"): "run_on_change",
    ("cli/sinks.py", "requests"): "ping",
    ("cli/check.py", "requests"): "reads the proxy settings (requests.utils) to refuse a SOCKS proxy it cannot use",
}
NOT_SINKS = ("simulator/",)  # the fake server: its output is the HTTP answers tests need
_READ_MODES = {"r", "rb", "rt", "br", "tr"}
_OS_WRITERS = {"open", "write", "fdopen", "system", "popen", "dup2", "sendfile", "writev", "pwrite",
               "spawnl", "spawnle", "spawnlp", "spawnv", "spawnve", "spawnvp", "execv", "execve", "execl", "execvp", "posix_spawn"}


def _mode_of(node: ast.Call, position: int) -> ast.expr | None:
    given = [k.value for k in node.keywords if k.arg == "mode"]
    return given[0] if given else (node.args[position] if len(node.args) > position else None)


def _sink_calls(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("__stdout__", "__stderr__", "_inner"):
            found.append((node.lineno, node.attr))
        if isinstance(node, ast.Import):
            found += [(node.lineno, f"import {a.name}") for a in node.names if a.name.split(".")[0] in OUTPUT_MODULES or a.name in OUTPUT_MODULES]
        if isinstance(node, ast.ImportFrom) and node.module and (node.module in OUTPUT_MODULES or node.module.split(".")[0] in OUTPUT_MODULES):
            found.append((node.lineno, f"import {node.module}"))
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        owner = func.value.id if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) else ""
        if name in ("write_text", "write_bytes") or (owner == "os" and name in _OS_WRITERS):
            found.append((node.lineno, f"{owner + '.' if owner else ''}{name}"))
        elif name in ("open", "open_file"):
            position = 1 if (name == "open_file" or (name == "open" and not isinstance(func, ast.Attribute))) else 0
            mode = _mode_of(node, position)
            if mode is not None and not (isinstance(mode, ast.Constant) and mode.value in _READ_MODES):
                found.append((node.lineno, f"{name} with mode {ast.unparse(mode)}"))
        elif name == "print" and any(k.arg == "file" for k in node.keywords):
            found.append((node.lineno, "print(file=...)"))
        elif name == "echo" and any(k.arg == "file" for k in node.keywords):
            found.append((node.lineno, "echo(file=...)"))
        elif name in ("atomic_write_text", "stage_text", "_stage"):
            found.append((node.lineno, f"{name} (use files.write_output)"))
    return found


def _enclosing(tree: ast.AST, line: int) -> str:
    best = ""
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.lineno <= line <= (node.end_lineno or 0):
            best = node.name
    return best


def _stray_outputs(path: Path, rel: str) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    stray = []
    for line, what in _sink_calls(tree):
        where = (rel, _enclosing(tree, line))
        module = what.removeprefix("import ").split(".")[0] if what.startswith("import ") else None
        if module is not None and ((rel, module) in ALLOWED_IMPORTS or (rel, what.removeprefix("import ")) in ALLOWED_IMPORTS):
            continue
        if what.startswith(("atomic_write_text", "stage_text", "_stage")) and where in RAW_WRITER_CALLERS:
            continue
        if where not in GATED_WRITERS and where not in EXEMPT_WRITERS:
            stray.append(f"{rel}:{line} {what} in {where[1] or 'module level'}")
    return stray


def test_no_module_writes_anywhere_except_through_the_gate() -> None:
    stray = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel.startswith(NOT_SINKS) or rel == "store/gated_stream.py":
            continue
        stray += _stray_outputs(path, rel)
    assert not stray, "outputs that skip the gate (route them through state.atomic_write_text or GATE.scrub):\n" + "\n".join(stray)


SNEAKY_WRITES = """
import subprocess
from subprocess import run
import shutil, tempfile
import click, os, sys
from pathlib import Path

def leak(secret, p, mode_var, session):
    Path(p).open("w").write(secret)
    open(p, mode_var).write(secret)
    open(p, mode="a").write(secret)
    click.open_file(p, "w").write(secret)
    tempfile.NamedTemporaryFile("w")
    shutil.copyfile(p, p)
    os.system("echo " + secret)
    os.write(1, secret.encode())
    sys.stdout._inner.write(secret)
    click.echo(secret, file=sys.__stderr__)
    print(secret, file=open(p))
    Path(p).write_text(secret)
"""


def test_the_discipline_check_catches_every_kind_of_sneaky_write(tmp_path: Path) -> None:
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text(SNEAKY_WRITES)
    found = "\n".join(_stray_outputs(sneaky, "sneaky.py"))
    for what in ("import subprocess", "import shutil", "import tempfile", "open with mode 'w'", "open with mode mode_var",
                 "open with mode 'a'", "open_file with mode 'w'", "os.system", "os.write", "_inner", "__stderr__",
                 "echo(file=...)", "print(file=...)", "write_text"):
        assert what in found, (what, found)


@pytest.mark.parametrize("where, call", sorted(GATED_WRITERS.items()))
def test_each_gated_writer_really_calls_the_gate(where: tuple[str, str], call: str) -> None:
    rel, function = where
    tree = ast.parse((PACKAGE / rel).read_text(encoding="utf-8"))
    node = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == function)
    assert call in ast.unparse(node), f"{rel}:{function} must call {call}"


def test_a_redrawn_progress_line_is_never_glued_to_a_held_tail(gate: Gate) -> None:
    """A frame ending in what could start a known secret ("... 0.4 s" and a key "sk-...") is held back;
    the same thread's next frame starts with the erase mark, which must still start a line."""
    from gpt56probe.core.style import ERASE_LINE

    gate.add_secret("sk-test-fake-held-tail-0000000000")
    inner = io.StringIO()
    inner.isatty = lambda: True  # type: ignore[method-assign]
    stream = GatedStream(inner, gate)
    stream.write(ERASE_LINE + "checking: 1/5, 0.4 s")
    stream.flush()
    stream.write(ERASE_LINE + "checking: 2/5, 0.5 s")
    stream.flush()
    stream.write(ERASE_LINE)
    stream.flush()
    assert inner.getvalue() == "\r\x1b[2Kchecking: 1/5, 0.4 s\r\x1b[2Kchecking: 2/5, 0.5 s\r\x1b[2K"


def test_no_color_drops_the_colours_but_keeps_the_line_erase(gate: Gate) -> None:
    from gpt56probe.core.style import ERASE_LINE, paint

    gate.learn_environment({"NO_COLOR": "1"})
    assert gate.scrub_terminal(ERASE_LINE + paint("3/10", "green"), colour=True) == "\r\x1b[2K3/10"


def test_a_server_cannot_pose_as_our_colour_or_erase_marks(gate: Gate) -> None:
    from gpt56probe.core.redact import redact
    from gpt56probe.core.style import ERASE_LINE, paint

    forged = paint("ok", "green") + ERASE_LINE + "hidden"
    assert "\x1b" not in gate.scrub_terminal(gate.scrub_known(forged), colour=True)
    assert "\x1b" not in gate.scrub_terminal(redact(forged), colour=True)  # every untrusted field passes redact
    assert gate.scrub_terminal(paint("ok", "green"), colour=True) == "\x1b[32mok\x1b[0m"  # ours still colour
