"""support-packet end to end against the simulator: real probes, nothing secret out."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterator

import pytest
from click.testing import CliRunner

from gpt56probe.cli import main
from gpt56probe.views.packet import FIELD_ORDER, NOT_GIVEN

MODEL = "gpt-5.6-sol"
RID_RE = re.compile(r"^req_[0-9a-f]{32}$")
EMAIL = "me@corp.example"

EXPECTED_VERDICTS = {
    "org-sim-unprovisioned": "not_provisioned",
    "org-sim-pending": "provisioning_pending",
    "org-sim-foreign": "wrong_org",
    "org-sim-project": "project_no_access",
    "org-sim-region": "region_vpn",
    "org-sim-safety": "safety_check",
    "org-sim-quota": "quota_exhausted",
    "org-sim-ratelimited": "rate_limited",
    "org-sim-unverified": None,  # a verification gate; any non-ok verdict
}

# Planted secrets: what must never come out, and the text that carries each one in.
API_KEY = "sk-proj-Zq9XwV8uT7sR6pQ5oN4mL3kJ2iH1gF0e"
SESS_KEY = "sess-AbCdEfGhIjKlMnOpQrSt9876"
BEARER = "eyJhbGciOiJIUzI1NiJ9abcDEF123456"
URL_PW = "S3cr3tPa55word"
COOKIE = "Xy7abcDEF99zz"
FOREIGN_EMAIL = "mallory@evil.example"
LONG_HEX = "deadbeefcafebabe" * 3
PROXY_PW = "Pr0xyPa55w0rd"
PROXY_USER = "proxyuser"
SECRETS = (API_KEY, API_KEY[len("sk-proj-"):-4], SESS_KEY, SESS_KEY[len("sess-"):-4], BEARER, URL_PW, COOKIE,
           FOREIGN_EMAIL, LONG_HEX, PROXY_PW, PROXY_USER)
PLANTED = (f"key {API_KEY} and {SESS_KEY}; Authorization: Bearer {BEARER}; "
           f"db https://alice:{URL_PW}@db.corp.example/x; Cookie: session={COOKIE}; cc {FOREIGN_EMAIL}; id {LONG_HEX}")


@pytest.fixture(scope="module")
def psim() -> Iterator[Any]:
    from gpt56probe.simulator import start_simulator

    with start_simulator(port=0, safety_delay=0.2) as handle:
        yield handle


@pytest.fixture(autouse=True)
def api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-packet-0123456789abcdef")


def run(*args: str, input: str | None = None) -> Any:
    return CliRunner().invoke(main, ["support-packet", *args], input=input, catch_exceptions=False)


def probe_args(sim: Any, org: str, *extra: str) -> list[str]:
    return ["--org", org, "--model", MODEL, "--base-url", sim.base_url, *extra]


def assert_clean(out: str) -> None:
    for secret in SECRETS:
        assert secret not in out, f"{secret!r} leaked"


@pytest.mark.parametrize("org", sorted(EXPECTED_VERDICTS))
def test_failing_scenarios_give_a_complete_packet_with_the_real_request_id(psim: Any, org: str) -> None:
    before = len(psim.requests)
    result = run(*probe_args(psim, org, "--email", EMAIL, "--task", "summarise a changelog", "--format", "json", "--no-input"))
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert list(doc) == list(FIELD_ORDER)
    assert all(value and value != NOT_GIVEN for name, value in doc.items() if name != "recording"), doc
    assert doc["recording"] == NOT_GIVEN  # attached only with --record
    assert RID_RE.match(doc["request_id"]), doc["request_id"]
    assert doc["surface"].startswith("API") and doc["model"] == MODEL and doc["org_or_workspace"] == org
    assert doc["email"] == EMAIL
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d \(.+\)$", doc["timestamp"])
    verdict = doc["verdict"].split()[0]
    assert verdict != "ok"
    if EXPECTED_VERDICTS[org]:
        assert verdict == EXPECTED_VERDICTS[org]
    sent = [r for r in psim.requests[before:] if r.headers.get("openai-organization") == org]
    assert sent, "the packet must come from a probe made now"
    assert ("points at region or network edge" in doc["vpn_proxy"]) == (verdict == "region_vpn")
    if verdict != "safety_check":
        assert doc["error"].startswith("HTTP 4"), doc["error"]


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_text_and_markdown_carry_the_request_id(psim: Any, fmt: str) -> None:
    result = run(*probe_args(psim, "org-sim-region", "--format", fmt, "--no-input"))
    assert result.exit_code == 0
    assert re.search(r"req_[0-9a-f]{32}", result.output)
    assert "region_vpn" in result.output and NOT_GIVEN in result.output  # email and task not given
    if fmt == "markdown":
        assert result.output.startswith("## ") and "| Request ID |" in result.output


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_planted_secrets_never_come_out_of_a_probe_packet(psim: Any, fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", f"http://{PROXY_USER}:{PROXY_PW}@proxy.corp.example:3128")
    monkeypatch.setenv("HTTP_PROXY", f"http://{PROXY_USER}:{PROXY_PW}@proxy.corp.example:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    result = run(*probe_args(psim, "org-sim-unprovisioned", "--email", EMAIL, "--task", PLANTED, "--error", PLANTED,
                             "--request-id", f"req_{'ab' * 16} {PLANTED}", "--format", fmt, "--no-input"))
    assert result.exit_code == 0, result.output
    assert_clean(result.output)
    assert EMAIL in result.output and "proxy.corp.example:3128" in result.output
    assert f"req_{'ab' * 16}" in result.output and "org-sim-unprovisioned" in result.output
    if fmt == "json":
        doc = json.loads(result.output)
        assert RID_RE.search(doc["request_id"].split()[0])


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_planted_secrets_never_come_out_of_a_codex_packet(fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", f"http://{PROXY_USER}:{PROXY_PW}@proxy.corp.example:3128")
    result = run("--product", "codex", "--workspace", f"ws-123 {PLANTED}", "--email", EMAIL, "--task", PLANTED,
                 "--error", PLANTED, "--request-id", PLANTED, "--format", fmt, "--no-input")
    assert result.exit_code == 0, result.output
    assert_clean(result.output)
    assert "Codex" in result.output and "ws-123" in result.output and EMAIL in result.output


def test_email_of_someone_else_as_task_text_is_removed_but_approved_one_kept(psim: Any) -> None:
    result = run(*probe_args(psim, "org-sim-quota", "--email", EMAIL, "--task", f"ask {FOREIGN_EMAIL} or {EMAIL}", "--format", "json", "--no-input"))
    doc = json.loads(result.output)
    assert FOREIGN_EMAIL not in doc["task"] and EMAIL in doc["task"]


def _write_history(rows: list[dict[str, Any]]) -> Path:
    import os

    folder = Path(os.environ["GPT56PROBE_HOME"]) / "state"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "history.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows) + "not json\n", encoding="utf-8")
    return path


def test_last_uses_the_most_recent_record_without_probing(psim: Any) -> None:
    old = {"org": "org-x", "model": MODEL, "verdict": "ok", "request_id": "req_" + "1" * 32, "error_message": None,
           "timestamp": "2026-11-20T08:00:00.000+00:00", "http_status": 200, "remediation": "nothing to do"}
    new = {"org": "org-x", "model": MODEL, "verdict": "not_provisioned", "request_id": "req_" + "2" * 32,
           "error_message": f"The model does not exist {API_KEY}", "timestamp": "2026-11-22T08:00:00.000+00:00",
           "http_status": 404, "remediation": "ask the account rep"}
    other = dict(new, org="org-y", request_id="req_" + "3" * 32)
    _write_history([new, old, other])
    before = len(psim.requests)
    result = run("--org", "org-x", "--model", MODEL, "--last", "--format", "json", "--no-input")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["request_id"] == "req_" + "2" * 32
    assert doc["verdict"] == "not_provisioned" and doc["next_step"] == "ask the account rep"
    assert doc["timestamp"].startswith("2026-11-22T08:00:00.000+00:00 (")
    assert API_KEY not in result.output and "HTTP 404" in doc["error"]
    assert "recorded" in doc["generated_by"]
    assert len(psim.requests) == before


def test_last_without_record_exits_3(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY")
    result = run("--org", "org-none", "--model", MODEL, "--last", "--no-input")
    assert result.exit_code == 3
    assert "no recorded result" in result.output and len(result.output.strip().splitlines()) == 1


def test_custom_template(psim: Any, tmp_path: Path) -> None:
    template = tmp_path / "t.txt"
    template.write_text("ID=$request_id ORG=${org_or_workspace} V=$verdict cost $$0\n", encoding="utf-8")
    result = run(*probe_args(psim, "org-sim-region", "--template", str(template), "--no-input"))
    assert result.exit_code == 0, result.output
    assert re.match(r"^ID=req_[0-9a-f]{32} ORG=org-sim-region V=region_vpn .* cost \$0$", result.output.strip())


def test_unreadable_or_bad_template_exits_3(psim: Any, tmp_path: Path) -> None:
    result = run(*probe_args(psim, "org-sim-region", "--template", str(tmp_path / "missing.md"), "--no-input"))
    assert result.exit_code == 3 and "cannot read template" in result.output
    bad = tmp_path / "bad.md"
    bad.write_text("hello $nobody\n", encoding="utf-8")
    result = run(*probe_args(psim, "org-sim-region", "--template", str(bad), "--format", "markdown", "--no-input"))
    assert result.exit_code == 3 and "$nobody" in result.output


def test_output_file(psim: Any, tmp_path: Path) -> None:
    target = tmp_path / "ticket.md"
    result = run(*probe_args(psim, "org-sim-pending", "--format", "markdown", "-o", str(target), "--no-input"))
    assert result.exit_code == 0
    assert "provisioning_pending" in target.read_text(encoding="utf-8")


def test_interactive_prompts_for_email_and_task(psim: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from gpt56probe.cli import packet as cli_packet

    monkeypatch.setattr(cli_packet, "_interactive", lambda: True)
    result = run(*probe_args(psim, "org-sim-quota", "--format", "json"), input=f"{EMAIL}\nretry with {API_KEY}\n")
    assert result.exit_code == 0
    doc = json.loads(result.output[result.output.index("{"):])
    assert doc["email"] == EMAIL and doc["task"].startswith("retry with sk-proj-") and API_KEY not in doc["task"]
    # --no-input never asks, even on a terminal
    result = run(*probe_args(psim, "org-sim-quota", "--format", "json", "--no-input"))
    doc = json.loads(result.output)
    assert doc["email"] == NOT_GIVEN and doc["task"] == NOT_GIVEN


def test_non_tty_does_not_ask(psim: Any) -> None:
    result = run(*probe_args(psim, "org-sim-quota", "--format", "json"), input="should-not-be-read@x.example\n")
    doc = json.loads(result.output)
    assert doc["email"] == NOT_GIVEN


def test_ok_probe_still_writes_a_packet(psim: Any) -> None:
    result = run(*probe_args(psim, "org-sim-approved", "--format", "json", "--no-input"))
    assert result.exit_code == 0
    doc = json.loads(result.output)
    assert doc["verdict"].startswith("ok") and RID_RE.match(doc["request_id"])


def test_usage_problems_exit_3(monkeypatch: pytest.MonkeyPatch) -> None:
    assert run("--org", "org-x", "--no-input").exit_code == 3  # no --model for api
    assert run("--format", "yaml").exit_code == 3
    monkeypatch.delenv("OPENAI_API_KEY")
    result = run("--org", "org-x", "--model", MODEL, "--no-input")
    assert result.exit_code == 3 and "OPENAI_API_KEY" in result.output


def test_help_documents_placeholders() -> None:
    result = CliRunner().invoke(main, ["support-packet", "--help"])
    assert result.exit_code == 0
    for name in FIELD_ORDER:
        assert f"${name}" in result.output


def test_without_an_org_the_packet_names_the_key_default_org_not_as_an_id(psim: Any) -> None:
    result = run("--model", MODEL, "--base-url", psim.base_url, "--format", "json", "--no-input")
    assert result.exit_code == 0, result.output
    where = json.loads(result.output)["org_or_workspace"]
    assert re.fullmatch(r"the key's default org \(named user-[a-z0-9]{24}\)", where), where


@pytest.mark.parametrize("given,option", [((), "--email EMAIL"), (("--email", EMAIL), "--task TEXT")])
def test_end_of_input_at_a_packet_prompt_is_one_line_exit_3_naming_the_option(monkeypatch: pytest.MonkeyPatch,
                                                                              given: tuple[str, ...], option: str) -> None:
    monkeypatch.setattr("gpt56probe.cli.packet._interactive", lambda: True)
    result = CliRunner().invoke(main, ["support-packet", "--model", MODEL, "--base-url", "http://127.0.0.1:9/v1", *given], input="")
    error = " ".join(result.stderr.split())
    assert result.exit_code == 3, result.output
    assert "Aborted" not in result.output and f"(end of input): give {option}, or --no-input" in error, error


def test_end_of_input_at_any_other_prompt_is_still_exit_3_not_aborted(monkeypatch: pytest.MonkeyPatch) -> None:
    import click

    def bare_prompt(text: str, give: str, **options: Any) -> Any:
        raise click.exceptions.Abort()  # what click.prompt raises at end of input, not asked through common.ask

    monkeypatch.setattr("gpt56probe.cli.packet._interactive", lambda: True)
    monkeypatch.setattr("gpt56probe.cli.packet.ask", bare_prompt)
    result = CliRunner().invoke(main, ["support-packet", "--model", MODEL, "--base-url", "http://127.0.0.1:9/v1"], input="")
    assert result.exit_code == 3 and "Aborted" not in result.output
    assert "no answer at the prompt (end of input): give the value as an option" in " ".join(result.stderr.split())
