"""Issue 17, end to end: the real CLI against a server whose list holds gpt-5.6-terra-2026-06-26 and not gpt-5.6-terra.

The simulator's org-sim-dated lists dated 5.6 ids only (Sol Ultra too) and answers them; the
placeholder ids are not listed and 404 model_not_found, as a wrong id does on the real API.
"""

from __future__ import annotations

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

import pytest
from click.testing import CliRunner

from gpt56probe.cli import main
from gpt56probe.simulator.demo import DEMO_ORGS
from gpt56probe.simulator import start_simulator
from tests.conftest import FAKE_KEY

ORG = "org-sim-dated"
TERRA = "gpt-5.6-terra"
DATED = "gpt-5.6-terra-2026-06-26"
ULTRA = "gpt-5.6-sol-ultra-2026-06-26"
LINE = '[models.terra] id = "gpt-5.6-terra-2026-06-26"'


def run(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(main, list(args), env={"OPENAI_API_KEY": FAKE_KEY, **(env or {})}, catch_exceptions=False)


def config_file() -> Path:
    return Path(os.environ["GPT56PROBE_HOME"]) / "config.toml"


def write_config(text: str) -> Path:
    path = config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def sampled(sim: Any, org: str = ORG) -> list[str]:
    return [r.json["model"] for r in sim.requests if r.method == "POST" and r.headers.get("openai-organization") == org]


def listings(sim: Any, org: str = ORG) -> int:
    return sum(1 for r in sim.requests if r.method == "GET" and r.headers.get("openai-organization") == org)


# --------------------------------------------------------------------------- check: the next step


def test_check_keeps_not_provisioned_and_names_the_listed_id_and_the_config_line(sim: Any) -> None:
    result = run("check", "--base-url", sim.base_url, "--org", ORG, "--format", "json")
    assert result.exit_code == 2, result.output
    rows = {r["model"]: r for r in json.loads(result.stdout)["results"]}
    terra = rows[TERRA]
    assert terra["verdict"] == "not_provisioned" and terra["http_status"] == 404 and terra["precheck"] == "not_listed"
    assert DATED in terra["remediation"] and f"{LINE} in {config_file()}" in terra["remediation"]
    assert "gpt-5.6-sol-2026-06-26" in rows["gpt-5.6-sol"]["remediation"]
    assert ULTRA not in rows["gpt-5.6-sol"]["remediation"]  # Ultra never stands in for Sol
    assert rows["gpt-5.5"]["verdict"] == "ok" and "[models." not in rows["gpt-5.5"]["remediation"]


def test_check_table_shows_the_hint_on_the_terminal(sim: Any) -> None:
    result = run("check", "--base-url", sim.base_url, "--org", ORG, "--tier", "terra", "--format", "plain")
    flat = " ".join(result.stdout.split())
    assert "not_provisioned" in flat and DATED in flat and "[models.terra] id =" in flat


def test_check_names_the_env_variable_when_the_id_comes_from_the_environment(sim: Any) -> None:
    result = run("check", "--base-url", sim.base_url, "--org", ORG, "--tier", "terra", "--format", "json",
                 env={"GPT56PROBE_MODEL_TERRA": "gpt-5.6-terra-old"})
    [terra] = json.loads(result.stdout)["results"]
    assert terra["model"] == "gpt-5.6-terra-old" and f"set GPT56PROBE_MODEL_TERRA={DATED}" in terra["remediation"]


def test_once_switched_the_listed_id_answers_ok(sim: Any) -> None:
    write_config(f'[models.terra]\nid = "{DATED}"\n')
    result = run("check", "--base-url", sim.base_url, "--org", ORG, "--tier", "terra", "--format", "json")
    [terra] = json.loads(result.stdout)["results"]
    assert result.exit_code == 0 and terra["model"] == DATED and terra["verdict"] == "ok" and terra["precheck"] == "listed"


def test_a_model_id_in_the_env_that_cannot_be_one_is_one_line_and_unknown(sim: Any) -> None:
    result = run("check", "--base-url", sim.base_url, "--org", ORG, env={"GPT56PROBE_MODEL_TERRA": "gpt 5.6"})
    assert result.exit_code == 3 and "GPT56PROBE_MODEL_TERRA" in result.stderr and "Traceback" not in result.output


# --------------------------------------------------------------------------- check --discover


def test_check_discover_probes_the_listed_id_as_its_own_row_with_one_listing(sim: Any) -> None:
    sim.clear_requests()
    result = run("check", "--base-url", sim.base_url, "--org", ORG, "--discover", "--format", "json")
    doc = json.loads(result.stdout)
    rows = {r["model"]: r for r in doc["results"]}
    assert rows[DATED]["tier"] == "discovered" and rows[DATED]["verdict"] == "ok" and rows[DATED]["precheck"] == "listed"
    assert "terra by its name" in rows[DATED]["remediation"] and LINE in rows[DATED]["remediation"]
    assert {"gpt-5.6-sol-2026-06-26", "gpt-5.6-luna-2026-06-26"} <= set(rows)
    assert sampled(sim).count(DATED) == 1 and ULTRA not in sampled(sim)  # Ultra only when asked by name
    assert listings(sim) == 1  # the second round reuses the org's one GET /v1/models
    assert any(ULTRA in n and "--model" in n for n in doc["summary"]["notes"])
    assert result.exit_code == 2  # the configured ids still fail: a discovered row informs, never decides
    assert rows[DATED]["cost_usd"] is not None and rows[DATED]["cost_usd"] > 0  # priced as Terra


def test_check_discover_probes_ultra_only_when_named(sim: Any) -> None:
    sim.clear_requests()
    result = run("check", "--base-url", sim.base_url, "--org", ORG, "--discover", "--model", ULTRA, "--format", "json")
    assert sampled(sim).count(ULTRA) == 1
    assert not any(ULTRA in n for n in json.loads(result.stdout)["summary"].get("notes", []))


def test_check_discover_with_tier_keeps_to_that_tier(sim: Any) -> None:
    sim.clear_requests()
    run("check", "--base-url", sim.base_url, "--org", ORG, "--tier", "terra", "--discover", "--format", "json")
    assert sorted(sampled(sim)) == sorted([TERRA, DATED])


def test_check_discover_on_an_org_that_lists_only_configured_ids_sends_nothing_more(sim: Any) -> None:
    sim.clear_requests()
    result = run("check", "--base-url", sim.base_url, "--org", "org-sim-approved", "--discover", "--format", "json")
    assert result.exit_code == 0 and len(sampled(sim, "org-sim-approved")) == 5
    assert {r["tier"] for r in json.loads(result.stdout)["results"]} <= {"sol", "terra", "luna", "fallback"}


def test_check_discover_table_notes_ultra_and_the_json_validates(sim: Any) -> None:
    import jsonschema  # a test extra: a missing one fails the test, never skips it
    table = run("check", "--base-url", sim.base_url, "--org", ORG, "--discover", "--format", "plain")
    assert "discovered" in table.stdout and f"note: {ORG} lists {ULTRA} (Ultra" in table.stdout
    doc = json.loads(run("check", "--base-url", sim.base_url, "--org", ORG, "--discover", "--format", "json").stdout)
    schema = json.loads((Path(__file__).parents[1] / "gpt56probe" / "schema" / "check-result.schema.json").read_text())
    jsonschema.validate(doc, schema)


def test_check_dry_run_with_discover_says_what_it_would_add(sim: Any) -> None:
    result = run("check", "--base-url", sim.base_url, "--org", ORG, "--dry-run", "--discover")
    assert result.exit_code == 0 and "--discover adds a probe per listed GPT-5.6 id" in result.stderr


MIXED = f"""
[[scenario]]
name = "mixed"
org = "org-test-mixed"
description = "placeholders answer; a dated terra is listed but refused"
extra_models = ["{DATED}"]
[[scenario.rules]]
models = "{DATED}"
endpoints = "sampling"
error = {{ status = 403, message = "Access to model `{{model}}` is pending.", code = "model_access_pending" }}
"""


def test_a_discovered_row_that_fails_never_changes_the_exit_status(tmp_path: Path) -> None:
    scenarios = tmp_path / "mixed.toml"
    scenarios.write_text(MIXED)
    with start_simulator(port=0, scenarios_file=scenarios) as mixed:
        result = run("check", "--base-url", mixed.base_url, "--org", "org-test-mixed", "--discover", "--format", "json")
    doc = json.loads(result.stdout)
    rows = {r["model"]: r for r in doc["results"]}
    assert rows[DATED]["verdict"] == "provisioning_pending" and rows[TERRA]["verdict"] == "ok"
    assert result.exit_code == 0 and doc["summary"]["status"] == "OK"
    assert "[models." not in rows[TERRA]["remediation"]  # the configured id is listed: no hint


# --------------------------------------------------------------------------- models and config show


def test_models_maps_the_dated_id_to_terra_and_shows_the_unlisted_configured_id(sim: Any) -> None:
    sim.clear_requests()
    result = run("models", "--base-url", sim.base_url, "--org", ORG, "--format", "json")
    assert result.exit_code == 0, result.output
    [org] = json.loads(result.stdout)["orgs"]
    rows = {r["id"]: r for r in org["models"]}
    assert rows[DATED] == {"id": DATED, "tier": "terra", "configured_as": None, "listed": True, "note": rows[DATED]["note"]}
    assert rows[ULTRA]["tier"] == "sol-ultra" and rows["gpt-5.6-sol-2026-06-26"]["tier"] == "sol"
    assert rows[TERRA]["configured_as"] == "terra" and rows[TERRA]["listed"] is False
    assert rows["gpt-5.5"]["listed"] is True and rows["gpt-5.5"]["configured_as"] == "fallback"
    switch = {s["tier"]: s for s in org["switch"]}
    assert switch["terra"]["listed"] == DATED and switch["terra"]["config_line"] == LINE
    assert [(r.method, r.path) for r in sim.requests] == [("GET", "/v1/models")]  # one free listing, nothing sampled


def test_models_table_gives_the_config_lines_to_paste(sim: Any) -> None:
    result = run("models", "--base-url", sim.base_url, "--org", ORG)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    terra_row = next(line for line in lines if line.startswith(ORG) and f" {DATED} " in line)
    assert " terra " in terra_row and " no " in terra_row and " yes " in terra_row
    assert str(config_file()) in result.stdout
    assert "[models.terra]" in lines and f'id = "{DATED}"' in lines


def test_models_shows_a_switched_id_as_configured_and_offers_no_switch(sim: Any) -> None:
    write_config(f'[models.terra]\nid = "{DATED}"\n')
    [org] = json.loads(run("models", "--base-url", sim.base_url, "--org", ORG, "--format", "json").stdout)["orgs"]
    rows = {r["id"]: r for r in org["models"]}
    assert rows[DATED]["configured_as"] == "terra" and TERRA not in rows
    assert "terra" not in {s["tier"] for s in org["switch"]}


def test_models_an_unreadable_list_is_a_row_saying_why_and_exit_1(sim: Any) -> None:
    result = run("models", "--base-url", sim.base_url, "--org", "org-sim-approved", "--org", "org-sim-foreign", "--format", "json")
    assert result.exit_code == 1
    orgs = {o["org"]: o for o in json.loads(result.stdout)["orgs"]}
    assert orgs["org-sim-approved"]["read"] is True
    assert orgs["org-sim-foreign"]["read"] is False and orgs["org-sim-foreign"]["error"]["verdict"] == "wrong_org"


def test_models_without_a_key_is_one_line_exit_3() -> None:
    result = CliRunner().invoke(main, ["models", "--org", ORG, "--no-keyring"], env={"OPENAI_API_KEY": ""})
    assert result.exit_code == 3 and result.stderr.count("\n") == 1 and "Traceback" not in result.output


def test_config_show_says_where_each_model_id_comes_from() -> None:
    path = write_config(f'[models.terra]\nid = "{DATED}"\n')
    result = run("config", "show", "--format", "json", env={"GPT56PROBE_MODEL_LUNA": "gpt-5.6-luna-2026-06-26"})
    rows = {r["setting"]: r for r in json.loads(result.stdout)}
    assert rows["model[sol]"] == {"setting": "model[sol]", "value": "gpt-5.6-sol", "source": "built-in placeholder (gpt56probe/core/models.py)"}
    assert rows["model[terra]"]["value"] == DATED and rows["model[terra]"]["source"] == f"file {path} [models.terra]"
    assert rows["model[luna]"]["source"] == "env GPT56PROBE_MODEL_LUNA"
    assert rows["model[fallbacks]"]["value"] == "gpt-5.5,gpt-5.4-mini"


# --------------------------------------------------------------------------- plan


def test_plan_emit_json_routes_the_balanced_role_to_the_listed_id(sim: Any) -> None:
    result = run("plan", "--base-url", sim.base_url, "--org", ORG, "--emit", "json")
    assert result.exit_code == 0, result.output
    balanced = json.loads(result.stdout)["roles"]["balanced"]
    assert balanced["model"] == DATED and balanced["preferred"] == TERRA
    assert balanced["served_by_listed_id"] is True and balanced["served_by_fallback"] is False
    assert any(LINE in note for note in balanced["notes"])
    assert f"balanced: {DATED} (listed in place of {TERRA}" in result.stderr


def test_plan_header_says_which_roles_a_listed_id_serves(sim: Any, tmp_path: Path) -> None:
    out = tmp_path / "routing.py"
    assert run("plan", "--base-url", sim.base_url, "--org", ORG, "-o", str(out)).exit_code == 0
    text = out.read_text()
    header = [line for line in text.splitlines() if line.startswith("#")]
    assert any(line.startswith("# Roles served by a listed id") and f"balanced ({DATED}, listed in place of {TERRA})" in line for line in header)
    namespace: dict[str, Any] = {}
    exec(compile(text, str(out), "exec"), namespace)  # noqa: S102 - our own generated file
    assert namespace["MODELS"]["balanced"] == DATED and namespace["SERVED_BY_LISTED_ID"] == ("hard", "balanced", "cheap")


def test_plan_uses_the_configured_ids(sim: Any) -> None:
    write_config(f'[models.terra]\nid = "{DATED}"\n')
    balanced = json.loads(run("plan", "--base-url", sim.base_url, "--org", ORG, "--emit", "json").stdout)["roles"]["balanced"]
    assert balanced["preferred"] == DATED and balanced["model"] == DATED and balanced["served_by_listed_id"] is False


# --------------------------------------------------------------------------- demo and simulator


def test_the_demo_shows_the_listed_id_hint() -> None:
    assert ORG in DEMO_ORGS
    result = CliRunner().invoke(main, ["demo", "--format", "json"], env={"OPENAI_API_KEY": ""}, catch_exceptions=False)
    rows = {(r["org"], r["model"]): r for r in json.loads(result.stdout)["results"]}
    assert result.exit_code == 0 and LINE in rows[(ORG, TERRA)]["remediation"]


def test_the_demo_shows_every_org_by_its_id_none_masked_as_a_piece_of_its_key() -> None:
    result = CliRunner().invoke(main, ["demo", "--format", "plain"], env={"OPENAI_API_KEY": ""}, catch_exceptions=False)
    shown = {line.split()[0] for line in result.stdout.splitlines() if line.startswith("org-")}
    assert shown == set(DEMO_ORGS) and "***" not in result.stdout


def test_the_dated_org_lists_dated_ids_only_and_answers_them(sim: Any) -> None:
    import requests

    headers = {"Authorization": f"Bearer {FAKE_KEY}", "OpenAI-Organization": ORG}
    ids = [m["id"] for m in requests.get(f"{sim.base_url}/models", headers=headers, timeout=5).json()["data"]]
    assert DATED in ids and ULTRA in ids and not {TERRA, "gpt-5.6-sol", "gpt-5.6-luna"} & set(ids)
    body = {"model": DATED, "messages": [{"role": "user", "content": "Return ok."}], "max_completion_tokens": 16, "reasoning_effort": "none"}
    assert requests.post(f"{sim.base_url}/chat/completions", headers=headers, json=body, timeout=5).status_code == 200
    refused = requests.post(f"{sim.base_url}/chat/completions", headers=headers, json={**body, "model": TERRA}, timeout=5)
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "model_not_found"
    elsewhere = requests.post(f"{sim.base_url}/chat/completions", headers={**headers, "OpenAI-Organization": "org-sim-approved"},
                              json=body, timeout=5)
    assert elsewhere.status_code == 404  # another org's catalogue does not hold the dated id


@pytest.mark.parametrize("scenario,problem", [
    ('name = "k"\nkey = "sk-x-"\nextra_models = ["gpt-5.6-terra-2026-06-26"]', "belongs to an org scenario"),
    ('name = "o"\norg = "org-x"\nextra_models = ["gpt 5.6"]', "no spaces"),
    ('name = "o"\norg = "org-x"\nextra_models = 5', "must be a string or a non-empty list"),
])
def test_a_scenario_file_with_bad_extra_models_is_refused_naming_the_problem(tmp_path: Path, scenario: str, problem: str) -> None:
    from gpt56probe.simulator.scenarios import ScenarioFileError
    from gpt56probe.simulator.scenario_file import load_scenario_file

    path = tmp_path / "bad.toml"
    path.write_text(f"[[scenario]]\n{scenario}\n")
    with pytest.raises(ScenarioFileError, match=problem):
        load_scenario_file(path)


# --------------------------------------------------------------------------- a hostile list


HOSTILE_IDS = (
    [f"gpt-5.6-terra-2026-{m:02d}-{d:02d}" for m in range(1, 13) for d in range(1, 29)]  # 336 snapshots
    + ["gpt-5.6-\x1b[2J\x1b]0;pwned\x07", "gpt-5.6-" + "x" * 5000, "gpt-5.6-terr\u0430", "gpt-5.6-sol\u202eartlu", "gpt-5.6-a\"b",
       "gpt-5.6-terra\r\nx-injected: 1", "gpt-5.6-sol-ultra", "gpt-5.60", "GPT-5.6-TERRA"]
)


class _HostileList(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    sampled: list[str] = []

    def log_message(self, *args: Any) -> None:
        pass

    def _reply(self, body: dict[str, Any]) -> None:
        raw = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def do_GET(self) -> None:
        self._reply({"object": "list", "data": [{"id": i, "object": "model", "created": 0, "owned_by": "system"} for i in HOSTILE_IDS]})

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        _HostileList.sampled.append(body["model"])
        self._reply({"object": "chat.completion", "model": body["model"],
                     "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}]})


@pytest.fixture()
def hostile() -> Iterator[str]:
    _HostileList.sampled = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _HostileList)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()


def test_a_hostile_list_is_at_most_eight_discovered_probes_and_never_reaches_the_terminal_raw(hostile: str) -> None:
    result = run("check", "--base-url", hostile, "--org", "org-hostile", "--discover", "--format", "plain")
    discovered = [m for m in _HostileList.sampled if m not in ("gpt-5.6-sol", "gpt-5.6-terra", "gpt-5.6-luna", "gpt-5.5", "gpt-5.4-mini")]
    assert sorted(discovered) == [f"gpt-5.6-terra-2026-12-{d:02d}" for d in range(21, 29)]  # the 8 newest, nothing odd, no Ultra
    assert "\x1b" not in result.output and "\u202e" not in result.output and "x-injected: 1\n" not in result.output
    assert "328 more GPT-5.6 id(s)" in result.stdout and "cannot be model ids" in result.stdout


def test_models_shows_a_hostile_list_safely_and_cut_to_size(hostile: str) -> None:
    table = run("models", "--base-url", hostile, "--org", "org-hostile")
    assert table.exit_code == 0 and "\x1b" not in table.output and "\u202e" not in table.output
    assert max(len(line) for line in table.stdout.splitlines()) < 400  # the 5,000-character id is cut
    injected = [line for line in table.stdout.splitlines() if "x-injected: 1" in line]
    assert len(injected) == 1 and "gpt-5.6-terra\\r\\nx-injected: 1" in injected[0]  # a line break in an id adds no row
    assert "gpt-5.6-sol\\u202eartlu" in table.stdout  # a bidi control shown as its escape
    assert "GPT-5.6-TERRA" not in table.stdout and "gpt-5.60" not in table.stdout  # not GPT-5.6 ids
    doc = json.loads(run("models", "--base-url", hostile, "--org", "org-hostile", "--format", "json").stdout)
    rows = {r["id"]: r for r in doc["orgs"][0]["models"]}
    assert rows["gpt-5.6-terr\u0430"]["tier"] == "unknown" and rows["gpt-5.6-sol-ultra"]["tier"] == "sol-ultra"
    assert doc["orgs"][0]["switch"][0]["listed"] == "gpt-5.6-terra-2026-12-28"
