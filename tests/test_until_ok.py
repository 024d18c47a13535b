"""``check --until-ok`` (issue 14, item 6): probe on an interval until every expected target is ok."""

from __future__ import annotations

import random
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
from click.testing import CliRunner

from gpt56probe.cli import main
from gpt56probe.core.models import DEFAULT_TABLE
from gpt56probe.core.observation import Diagnosis, Target, Verdict
from gpt56probe.core.waiting import (all_expected_ok, changed_lines, duration_forms, format_span, next_wait, parse_duration,
                                     verdicts_of)
from tests.conftest import FAKE_KEY

LANDING = """
[[scenario]]
name = "landing"
org = "org-landing"
description = "provisioning lands after the first sampling request"
[[scenario.rules]]
models = ["gpt-5.6-sol"]
endpoints = ["sampling"]
times = 1
error = { status = 403, message = "Access to `{model}` is pending for {org}", code = "model_access_pending" }
"""


@pytest.fixture(scope="module")
def landing_sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from gpt56probe.simulator import start_simulator

    path = tmp_path_factory.mktemp("scen") / "landing.toml"
    path.write_text(LANDING)
    with start_simulator(port=0, scenarios_file=path) as handle:
        yield handle


def run(*args: str) -> Any:
    return CliRunner().invoke(main, ["check", "--no-keyring", *args], env={"OPENAI_API_KEY": FAKE_KEY}, catch_exceptions=False)


# --------------------------------------------------------------------------- pure


@pytest.mark.parametrize("text,seconds", [("30s", 30), ("10m", 600), ("1.5h", 5400), ("7d", 604800), ("2w", 1209600),
                                          ("45", 45), (" 3 min ", 180), ("1 hour", 3600), ("500ms", 0.5), ("1.5s", 1.5),
                                          ("2m", 120), ("1.5", 1.5), ("250 msec", 0.25)])
def test_durations_as_people_write_them(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "10x", "-5m", "1e3s", "m", "nan", "inf", "5 mss"])
def test_a_duration_that_is_not_one_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)


def test_the_example_durations_an_error_gives_fit_the_range_it_names() -> None:
    assert duration_forms() == "seconds (20, 1.5) or a number and a unit: 500ms, 3s, 1.5s, 2m, 1h, 7d"
    assert duration_forms(0.5, 3600) == "seconds (20, 1.5) or a number and a unit: 500ms, 3s, 1.5s, 2m, 1h"
    assert duration_forms(0.1, 600) == "seconds (20, 1.5) or a number and a unit: 500ms, 3s, 1.5s, 2m"
    assert duration_forms(1.0) == "seconds (20, 1.5) or a number and a unit: 3s, 1.5s, 2m, 1h, 7d"
    assert duration_forms(30, 40) == "seconds (30) or a number and a unit: 30s"  # no example fits: the least is one


@pytest.mark.parametrize("option,examples,outside", [("--deadline", "500ms, 3s, 1.5s, 2m, 1h", "7d"),
                                                     ("--timeout", "500ms, 3s, 1.5s, 2m", "1h"),
                                                     ("--every", "3s, 1.5s, 2m, 1h, 7d", "500ms")])
def test_a_bad_duration_option_names_only_examples_within_its_range(option: str, examples: str, outside: str) -> None:
    extra = ["--until-ok"] if option == "--every" else []
    result = run("--base-url", "http://127.0.0.1:9/v1", *extra, option, "5x")
    said = " ".join(result.stderr.split())
    assert result.exit_code == 3 and f"a number and a unit: {examples} (see" in said, said
    assert outside not in said.split("(see")[0].split("unit:")[1]


def test_each_wait_is_the_interval_give_or_take_ten_percent_and_never_past_giving_up() -> None:
    rng = random.Random(7)
    waits = [next_wait(600, 10**9, rng) for _ in range(500)]
    assert all(540 <= w <= 660 for w in waits) and max(waits) - min(waits) > 60
    assert next_wait(600, 42, rng) == 42
    assert next_wait(600, -1, rng) == 0


def d(org: str, model: str, verdict: Verdict, surface: str = "chat") -> Diagnosis:
    return Diagnosis(Target(org, model, DEFAULT_TABLE.tier_of(model), surface), verdict, "r", "s")


def test_only_changed_verdicts_make_a_line() -> None:
    before = verdicts_of([d("org-a", "gpt-5.6-sol", Verdict.PROVISIONING_PENDING), d("org-a", "gpt-5.6-luna", Verdict.OK)])
    now = [d("org-a", "gpt-5.6-sol", Verdict.OK), d("org-a", "gpt-5.6-luna", Verdict.OK), d("org-b", "gpt-5.6-sol", Verdict.OK)]
    assert changed_lines(before, now, "T") == ["T org-a gpt-5.6-sol: provisioning_pending -> ok"]
    both = [d("org-a", "gpt-5.6-sol", Verdict.OK), d("org-a", "gpt-5.6-sol", Verdict.OK, "responses")]
    previous = verdicts_of([d("org-a", "gpt-5.6-sol", Verdict.OK), d("org-a", "gpt-5.6-sol", Verdict.NOT_PROVISIONED, "responses")])
    assert changed_lines(previous, both, "T") == ["T org-a gpt-5.6-sol responses: not_provisioned -> ok"]


def test_done_means_every_expected_target_is_ok() -> None:
    assert all_expected_ok([d("org-a", "gpt-5.6-sol", Verdict.OK), d("org-a", "gpt-5.5", Verdict.REGION_VPN)], ("sol",))
    assert not all_expected_ok([d("org-a", "gpt-5.6-sol", Verdict.OK), d("org-a", "gpt-5.6-terra", Verdict.SAFETY_CHECK)], ("sol", "terra"))
    assert not all_expected_ok([d("org-a", "gpt-5.5", Verdict.OK)], ("sol",))


def test_spans_read_like_a_person_says_them() -> None:
    assert [format_span(s) for s in (0, 12, 598, 3725, 2 * 86400 + 3 * 3600)] == ["0s", "12s", "9m 58s", "1h 2m", "2d 3h"]


# --------------------------------------------------------------------------- the CLI


def test_it_exits_0_as_soon_as_provisioning_lands_printing_only_the_change(landing_sim: Any) -> None:
    started = time.monotonic()
    result = run("--base-url", landing_sim.base_url, "--org", "org-landing", "--tier", "sol", "--until-ok", "--every", "1s")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 3, lines
    assert lines[0].endswith("GPT56 CRITICAL - 0/1 expected tiers reachable; org-landing gpt-5.6-sol: provisioning_pending")
    assert lines[1].endswith(" org-landing gpt-5.6-sol: provisioning_pending -> ok")
    assert lines[2].endswith(" GPT56 OK - 1/1 expected tiers reachable")
    assert time.monotonic() - started < 15


def test_it_exits_2_when_it_gives_up(sim: Any) -> None:
    started = time.monotonic()
    result = run("--base-url", sim.base_url, "--org", "org-sim-pending", "--tier", "sol", "--until-ok", "--every", "1s",
                 "--give-up-after", "2s")
    assert result.exit_code == 2, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and "gave up after" in lines[1] and "provisioning_pending" in lines[1]
    assert 2 <= time.monotonic() - started < 15


def test_already_ok_is_one_line_and_exit_0(sim: Any) -> None:
    result = run("--base-url", sim.base_url, "--org", "org-sim-approved", "--tier", "luna", "--until-ok")
    assert result.exit_code == 0 and result.stdout.splitlines() == [result.stdout.strip()]
    assert "GPT56 OK - 1/1" in result.stdout


def test_quiet_waits_silently(sim: Any) -> None:
    result = run("--base-url", sim.base_url, "--org", "org-sim-pending", "--tier", "sol", "--until-ok", "--every", "1s",
                 "--give-up-after", "0s", "--quiet")
    assert result.exit_code == 2 and result.stdout == ""


@pytest.mark.parametrize("args,message", [(["--every", "soon"], "not a duration"), (["--every", "0.5s"], "at least 1s"),
                                          (["--give-up-after", "x"], "not a duration")])
def test_a_bad_duration_is_one_line_and_exit_3(args: list[str], message: str) -> None:
    result = run("--base-url", "http://127.0.0.1:9/v1", "--until-ok", *args)
    assert result.exit_code == 3 and message in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("command", [["check", "--no-keyring", "--org", "org-abc", "--dry-run"], ["report"], ["merge", "-"],
                                     ["eval", "--compare", "-", "-"]])
def test_every_option_that_takes_seconds_reads_a_duration_too(command: list[str]) -> None:
    """--timeout and --deadline (check's connection options, report, merge, eval) read 20, 1.5, 500ms, 3s, 1.5s or 2m,
    the one duration parser --every and --give-up-after use: 500ms is --deadline's least, 2d is past its most."""
    def invoke(*args: str) -> Any:
        return CliRunner().invoke(main, [*command, *args], env={"OPENAI_API_KEY": FAKE_KEY}, input="", catch_exceptions=False)

    for value in ("3s", "1.5s", "2m", "500ms", "20", "1.5"):
        result = invoke("--deadline", value)
        assert "--deadline" not in result.stderr, (value, result.stderr)  # any later trouble is the empty input's
        if command[0] == "check":
            assert result.exit_code == 0, (value, result.output)
    for value, says in (("5x", "not a duration: give seconds (20, 1.5) or a number and a unit: 500ms, 3s, 1.5s, 2m"),
                        ("400ms", "out of range: give from 0.5s to"), ("nan", "not a duration"), ("2d", "out of range")):
        result = invoke("--deadline", value)
        assert result.exit_code == 3, (value, result.output)
        assert says in " ".join(result.stderr.split()) and "Usage:" not in result.output, (value, result.stderr)
    if command[0] in ("check", "eval"):
        assert invoke("--timeout", "500ms").exit_code == (0 if command[0] == "check" else 3)
        bad = invoke("--timeout", "20 sec0nds")
        assert bad.exit_code == 3 and "--timeout" in bad.stderr and "not a duration" in bad.stderr
