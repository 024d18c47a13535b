"""`gpt56probe served LOG...`: the shares, rates, reasons and the retire verdict a tier-served log
says, read from files, globs, stdin, rotated and gzip'd logs, whatever bytes they hold."""

from __future__ import annotations

import gzip
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import openai
import pytest
from click.testing import CliRunner, Result

from gpt56probe.cli import main
from gpt56probe.views.textwidth import display_width
from tests.router_harness import FAKE_KEY, emit, load_python

NOW = datetime.now(timezone.utc)


def record(role: str = "hard", asked: str = "gpt-5.6-sol", served: str | None = "gpt-5.6-sol", first_class: str | None = None,
           ago: timedelta = timedelta(minutes=5), latency: float = 100.0) -> dict[str, Any]:
    attempts = [] if first_class is None else [{"model": asked, "error_class": first_class, "request_id": "req_1", "latency_ms": 5.0}]
    if served is not None:
        attempts.append({"model": served, "error_class": None, "request_id": "req_2", "latency_ms": latency})
    return {"schema": "gpt56probe.served/1", "ts": (NOW - ago).isoformat(timespec="milliseconds"), "role": role, "asked": asked,
            "served": served, "org": "org-a", "request_id": "req_2", "attempts": attempts,
            "fallback": served is not None and served != asked, "latency_ms": latency + 5}


def write(path: Path, records: list[dict[str, Any]], extra: bytes = b"") -> Path:
    path.write_bytes(b"".join(json.dumps(r).encode() + b"\n" for r in records) + extra)
    return path


def served(*args: str, input: bytes | None = None, columns: int = 80) -> Result:
    return CliRunner().invoke(main, ["served", *args], input=input, env={"COLUMNS": str(columns)})


def doc(*args: str, input: bytes | None = None) -> dict[str, Any]:
    result = served(*args, "--format", "json", input=input)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_a_role_mostly_served_by_its_fallback_is_said_plainly_with_the_reason(tmp_path: Path) -> None:
    log = write(tmp_path / "served.log", [record(served="gpt-5.5", first_class="provisioning_pending")] * 62 + [record()] * 38)
    result = served(str(log))
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert "hard: served by gpt-5.5 for 62 % of requests in the last 7 days, mostly provisioning_pending" in text
    assert "keep the fallback" in text


def test_shares_fallback_rate_reasons_and_latency_per_model_in_json(tmp_path: Path) -> None:
    log = write(tmp_path / "served.log",
                [record(served="gpt-5.5", first_class="timeout", latency=300)] * 3 + [record(latency=100)] * 6
                + [record(served=None, first_class="region_vpn")] + [record("cheap", "gpt-5.6-luna", "gpt-5.6-luna")] * 2)
    hard = doc(str(log))["roles"]["hard"]
    assert (hard["calls"], hard["served_by_tier"], hard["served_by_fallback"], hard["failed"]) == (10, 6, 3, 1)
    assert hard["fallback_rate"] == pytest.approx(0.4)
    assert {m["model"]: (m["share"], m["p50_ms"]) for m in hard["models"]} == {
        "gpt-5.6-sol": (0.6, 100.0), "gpt-5.5": (0.3, 300.0), "(none)": (0.1, None)}
    assert hard["fallback_reasons"] == {"timeout": 3, "region_vpn": 1}
    assert [d["calls"] for d in hard["days"]] == [10] and hard["mostly_fallback"] is False


def test_the_fallback_can_be_retired_only_after_d_days_under_the_limit(tmp_path: Path) -> None:
    week = [record(ago=timedelta(days=d, minutes=1)) for d in range(7) for _ in range(50)]
    assert doc(str(write(tmp_path / "a.log", week)), "--retire-below", "1", "--retire-days", "7")["roles"]["hard"]["retire"] is True
    one_bad_day = week + [record(served="gpt-5.5", first_class="timeout", ago=timedelta(days=3, minutes=1))] * 2
    kept = doc(str(write(tmp_path / "b.log", one_bad_day)), "--retire-below", "1", "--retire-days", "7")["roles"]["hard"]
    assert kept["retire"] is False and "fell back on" in kept["retire_why"]
    gap = [r for r in week if not r["ts"].startswith((NOW - timedelta(days=2, minutes=1)).date().isoformat())]
    missing = doc(str(write(tmp_path / "c.log", gap)), "--retire-days", "7")["roles"]["hard"]
    assert missing["retire"] is False and "no calls on 1 of the last 7 days" in missing["retire_why"]


def test_calls_before_since_are_left_out_and_counted(tmp_path: Path) -> None:
    log = write(tmp_path / "s.log", [record(ago=timedelta(days=10))] * 4 + [record()] * 2)
    out = doc(str(log), "--since", "7d")
    assert out["calls"] == 2 and out["reading"]["outside_window"] == 4


def test_globs_rotated_and_gzipped_logs_and_stdin_are_all_read(tmp_path: Path) -> None:
    write(tmp_path / "served.log", [record()] * 3)
    write(tmp_path / "served.log.1", [record(served="gpt-5.5", first_class="timeout")] * 2)
    (tmp_path / "served.log.2.gz").write_bytes(gzip.compress(json.dumps(record()).encode() + b"\n"))
    (tmp_path / "rotated-without-suffix").write_bytes(gzip.compress(json.dumps(record()).encode() + b"\n"))
    out = doc(str(tmp_path / "served.log*"), str(tmp_path / "rotated-without-suffix"))
    assert out["calls"] == 7 and len(out["reading"]["sources"]) == 4
    piped = doc("-", input=gzip.compress((json.dumps(record()) + "\n").encode() * 5))
    assert piped["calls"] == 5 and piped["reading"]["sources"] == ["stdin"]


def test_bad_bytes_cut_lines_huge_lines_and_a_cut_gzip_are_counted_and_skipped(tmp_path: Path) -> None:
    good = json.dumps(record()).encode()
    hostile = (b"\xff\xfe not json \x00\n" + good[:40] + b"\n" + b'{"schema": "gpt56probe.served/1", "role": "' + b"x" * 300_000
               + b'"}\n' + good.replace(b"org-a", b"org-\xe9") + b"\n" + good + b"\n" + b"[1,2,3]\n" + good[:-10])
    (tmp_path / "hostile.log").write_bytes(hostile)
    (tmp_path / "cut.log.gz").write_bytes(gzip.compress(good + b"\n" + good + b"\n")[:-12])
    result = served(str(tmp_path / "hostile.log"), str(tmp_path / "cut.log.gz"), "--format", "json")
    assert result.exit_code == 0, result.output
    reading = json.loads(result.stdout)["reading"]
    assert (reading["long_lines"], reading["lines_with_bad_bytes"]) == (1, 2)
    assert reading["bad_lines"] == 4  # garbage, the cut line, the JSON array, the line cut at the end
    assert json.loads(result.stdout)["calls"] >= 3  # the valid line, the Latin-1 org line (replaced), and the gzip's first line
    assert any("read stopped early" in u for u in reading["unreadable"])
    summary = served(str(tmp_path / "hostile.log")).stdout
    assert "note: 5 of" in " ".join(summary.split())


def test_no_readable_log_is_one_error_line_and_exit_3(tmp_path: Path) -> None:
    result = served(str(tmp_path / "missing.log"), str(tmp_path / "nothing-*.log"))
    assert result.exit_code == 3
    assert result.output.count("\n") == 1 and result.output.startswith("Error: no served log could be read")


def test_the_summary_fits_the_width_and_shows_no_escapes_or_keys_from_a_hostile_log(tmp_path: Path) -> None:
    roles = ["\x1b[2J\x1b]0;pwned\x07hard", "角色-" * 30, "sk-test-fake-key-not-real-0000"]
    log = write(tmp_path / "s.log", [record(role=r, asked="gpt-5.6-sol\x1b[31m", served="gpt-5.5", first_class="timeout\r") for r in roles])
    for columns in (60, 80, 120):
        result = served(str(log), columns=columns)
        assert result.exit_code == 0, result.output
        assert "\x1b" not in result.stdout and "\r" not in result.stdout and "\x07" not in result.stdout
        assert "sk-test-fake-key-not-real-0000" not in result.stdout
        assert max(display_width(line) for line in result.stdout.splitlines()) <= columns


def test_served_over_the_python_routers_own_log_shows_the_shares_it_should(sim: Any, tmp_path: Path) -> None:
    router = load_python(Path(emit(sim, "python", tmp_path / "r.py", tmp_path / "home") and tmp_path / "r.py"), "served_router_under_test")
    log = tmp_path / "served.log"
    for org, times in (("org-sim-pending", 6), ("org-sim-approved", 2), ("org-sim-unprovisioned", 2)):
        c = openai.OpenAI(api_key=FAKE_KEY, base_url=sim.base_url, organization=org)
        for _ in range(times):
            router.route("Return ok.", "hard", client=c, log_path=str(log))
            router.route("Return ok.", "cheap", client=c, log_path=str(log))
    out = doc(str(log))
    hard = out["roles"]["hard"]
    assert {m["model"]: m["calls"] for m in hard["models"]} == {"gpt-5.5": 8, "gpt-5.6-sol": 2}
    assert hard["fallback_reasons"] == {"provisioning_pending": 6, "not_provisioned": 2}
    assert hard["headline"] == "hard: served by gpt-5.5 for 80 % of requests in the last 7 days, mostly provisioning_pending"
    assert out["roles"]["cheap"]["fallback_rate"] == pytest.approx(0.8) and out["roles"]["cheap"]["retire"] is False


def test_prom_file_is_written_with_escaped_labels_and_the_summary_still_prints(tmp_path: Path) -> None:
    from gpt56probe.views.metrics import parse_samples

    hostile = 'ha"rd\\x'
    log = write(tmp_path / "s.log", [record(role=hostile, served="gpt-5.5", first_class="timeout")] * 3 + [record(role=hostile)])
    prom = tmp_path / "served.prom"
    result = served(str(log), "--prom-file", str(prom))
    assert result.exit_code == 0 and "served: 4 calls" in result.stdout
    samples = parse_samples(prom.read_text())
    assert samples[("gpt56probe_served_role_calls", (("role", 'ha"rd\\x'),))] == 4
    assert samples[("gpt56probe_served_fallback_ratio", (("asked", "gpt-5.6-sol"), ("role", hostile)))] == 0.75
    assert prom.stat().st_mode & 0o777 == 0o644


def test_report_carries_a_tier_served_section_in_markdown_and_html(tmp_path: Path) -> None:
    log = write(tmp_path / "s.log", [record(served="gpt-5.5", first_class="provisioning_pending")] * 3
                + [record(role="<b>x</b>", asked="gpt-5.6-luna", served="gpt-5.6-luna")])
    md = CliRunner().invoke(main, ["report", "--format", "markdown", "--served", str(log)])
    assert md.exit_code == 0, md.output
    assert "## Tier served" in md.stdout
    assert "hard: served by gpt-5.5 for 100 % of requests in the last 7 days, mostly provisioning_pending" in md.stdout
    page = tmp_path / "status.html"
    html = CliRunner().invoke(main, ["report", "--html", str(page), "--served", str(log)])
    assert html.exit_code == 0, html.output
    text = page.read_text()
    assert '<section id="served"><h2>Tier served</h2>' in text and text.index('id="served"') < text.index("</main>")
    assert "<b>x</b>" not in text and "&lt;b&gt;x&lt;/b&gt;" in text
