"""The terminal summary (gpt56probe.views.summary): pure, width-aware, hostile input included.

Every test renders at several widths and holds each line to the width in display
columns (textwidth.display_width), the way a terminal draws it.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gpt56probe.core import style
from gpt56probe.views import summary
from gpt56probe.core.models import DEFAULT_TABLE
from gpt56probe.core.observation import Diagnosis, Exchange, Failure, Observation, Severity, Target, Verdict
from gpt56probe.views.summary import SummaryView, render_summary
from gpt56probe.views.textwidth import display_width, fit, wrap_text, wrap_units
from gpt56probe.views.vocabulary import cell_word

WIDTHS = (60, 61, 72, 79, 80, 81, 100, 119, 120, 160, 200)

DEMO = {
    "org-sim-approved": (Verdict.OK,) * 5,
    "org-sim-unprovisioned": (Verdict.NOT_PROVISIONED,) * 3 + (Verdict.OK,) * 2,
    "org-sim-pending": (Verdict.PROVISIONING_PENDING,) * 3 + (Verdict.OK,) * 2,
    "org-sim-foreign": (Verdict.WRONG_ORG,) * 5,
    "org-sim-project": (Verdict.PROJECT_NO_ACCESS,) + (Verdict.OK,) * 4,
    "org-sim-region": (Verdict.REGION_VPN,) * 5,
    "org-sim-safety": (Verdict.SAFETY_CHECK,) * 2 + (Verdict.OK,) * 3,
    "org-sim-quota": (Verdict.QUOTA_EXHAUSTED,) * 5,
    "org-sim-ratelimited": (Verdict.RATE_LIMITED,) * 5,
    "org-sim-unverified": (Verdict.ORG_NOT_ELIGIBLE,) + (Verdict.OK,) * 4,
}


def rid(n: int) -> str:
    return f"req_{n:032x}"


def diagnosis(org: str | None, model: str, verdict: Verdict, n: int = 0, surface: str = "chat", stream: bool = False,
              remediation: str | None = None) -> Diagnosis:
    tier = DEFAULT_TABLE.tier_of(model)
    step = remediation if remediation is not None else ("Nothing to do." if verdict is Verdict.OK else f"Fix {verdict.value} for {org} on {model}.")
    return Diagnosis(Target(org, model, tier, surface, stream), verdict, "reason", step, request_id=rid(n))


def grid(orgs: dict[str, tuple[Verdict, ...]], surfaces: tuple[str, ...] = ("chat",), stream: bool = False) -> list[Diagnosis]:
    out, n = [], 0
    for org, verdicts in orgs.items():
        for model, verdict in zip(DEFAULT_TABLE.ids, verdicts):
            for surface in surfaces:
                for streamed in ((False, True) if stream else (False,)):
                    n += 1
                    out.append(diagnosis(org, model, verdict, n, surface, streamed))
    return out


def view(diagnoses: list[Diagnosis], **extra: object) -> SummaryView:
    """The --details summary unless ``details=False`` is given (tests of the default one-line problems)."""
    fields: dict[str, object] = {"base_url": "https://api.openai.com/v1", "cost_note": "the probes cost $0.0001",
                                 "status_line": "GPT56 CRITICAL - 8/30 expected tiers reachable; " + "x " * 80,
                                 "severity": Severity.CRITICAL, "details": True}
    fields.update(extra)
    return SummaryView(diagnoses, **fields)  # type: ignore[arg-type]


def assert_fits(text: str, width: int) -> None:
    for line in text.splitlines():
        assert display_width(style.plain(line)) <= max(width, summary.MIN_WIDTH), (width, line)


# --------------------------------------------------------------------------- widths


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("surfaces,stream", [(("chat",), False), (("chat", "responses"), False), (("chat", "responses"), True)])
def test_no_line_is_wider_than_the_terminal(width: int, surfaces: tuple[str, ...], stream: bool) -> None:
    text = render_summary(view(grid(DEMO, surfaces, stream)), width)
    assert_fits(text, width)


@pytest.mark.parametrize("width", [-5, 0, 1, 20, 59])
def test_a_narrower_terminal_is_drawn_at_sixty_columns(width: int) -> None:
    text = render_summary(view(grid(DEMO)), width)
    assert_fits(text, 60)
    assert text == render_summary(view(grid(DEMO)), 60)


def test_the_demo_matrix_fits_eighty_columns_in_one_panel_with_every_org_whole() -> None:
    lines = summary.render_matrix(grid(DEMO), {}, 80)
    assert len(lines) == 1 + len(DEMO)
    for org in DEMO:
        assert any(line.startswith(org + " ") for line in lines), org


@pytest.mark.parametrize("width", WIDTHS)
def test_every_org_and_every_verdict_word_appear(width: int) -> None:
    text = render_summary(view(grid(DEMO)), width)
    for org, verdicts in DEMO.items():
        assert org in text
        for verdict in verdicts:
            assert cell_word(verdict) in text
            if verdict is not Verdict.OK:
                assert verdict.value in text  # the problem entry names the verdict itself


def test_a_row_reads_its_org_and_its_cells_in_model_order() -> None:
    lines = summary.render_matrix(grid(DEMO), {}, 120)
    assert lines[0].split() == ["org", "sol", "terra", "luna", "gpt-5.5", "gpt-5.4-mini"]
    row = next(line for line in lines if line.startswith("org-sim-pending"))
    assert re.split(r"\s{2,}", row) == ["org-sim-pending", "pending", "pending", "pending", "ok", "ok"]


def test_the_config_label_is_shown_beside_the_org_id() -> None:
    lines = summary.render_matrix(grid({"org-a": (Verdict.OK,) * 5}), {"org-a": "prod"}, 80)
    assert lines[1].startswith("org-a (prod) ")


def test_the_default_org_has_a_row_too() -> None:
    lines = summary.render_matrix([diagnosis(None, "gpt-5.6-sol", Verdict.OK)], {}, 80)
    assert lines[1].startswith("(default org)")


def test_a_pair_that_was_not_probed_shows_a_dash() -> None:
    diagnoses = [diagnosis("org-a", "gpt-5.6-sol", Verdict.OK), diagnosis("org-b", "gpt-5.6-luna", Verdict.OK)]
    lines = summary.render_matrix(diagnoses, {}, 80)
    assert lines[1].split() == ["org-a", "ok", "-"] and lines[2].split() == ["org-b", "-", "ok"]


def test_both_surfaces_get_a_column_each_under_their_model() -> None:
    lines = summary.render_matrix(grid(DEMO, ("chat", "responses")), {}, 200)
    assert lines[0].split() == ["org", "sol", "terra", "luna", "gpt-5.5", "gpt-5.4-mini"]
    assert lines[1].split() == ["chat", "resp"] * 5
    assert lines[0].index("terra") == lines[1].index("chat", lines[0].index("terra") - 1)


def test_a_narrow_terminal_splits_the_matrix_into_panels_keeping_each_model_whole() -> None:
    lines = summary.render_matrix(grid(DEMO, ("chat", "responses")), {}, 60)
    headers = [line.split() for line in lines if line.startswith("org ")]
    assert [h[1:] for h in headers] == [["sol"], ["terra"], ["luna"], ["gpt-5.5"], ["gpt-5.4-mini"]]
    assert all(display_width(line) <= 60 for line in lines)


def test_the_fallback_headers_lose_their_gpt_prefix_before_an_org_is_cut() -> None:
    lines = summary.render_matrix(grid({"org-" + "x" * 17: (Verdict.REGION_VPN,) * 5}), {}, 80)
    assert lines[0].split()[-2:] == ["5.5", "5.4-mini"]
    assert "org-" + "x" * 17 in lines[1]


# --------------------------------------------------------------------------- hostile input


def test_a_very_long_org_id_and_label_are_cut_in_the_middle() -> None:
    org = "org-" + "a" * 150 + "-tail"
    text = render_summary(view(grid({org: (Verdict.NOT_PROVISIONED,) * 5}), labels={org: "L" * 300}), 80)
    assert_fits(text, 80)
    matrix_row = text.splitlines()[1]
    assert matrix_row.startswith("org-aaa") and "\u2026" in matrix_row


def test_a_very_long_model_id_fits() -> None:
    diagnoses = [diagnosis("org-a", "gpt-" + "9" * 200, Verdict.UNKNOWN), diagnosis("org-a", "gpt-5.6-sol", Verdict.OK)]
    for width in WIDTHS:
        assert_fits(render_summary(view(diagnoses), width), width)


@pytest.mark.parametrize("width", [60, 80, 120])
def test_wide_characters_are_measured_in_display_columns(width: int) -> None:
    org = "org-\u672c\u756a\u74b0\u5883-\U0001f680"  # CJK and an emoji: two columns each
    labels = {org: "\u672c\u756a" * 30, "org-e\u0301": "cafe\u0301"}
    diagnoses = grid({org: (Verdict.WRONG_ORG,) * 5, "org-e\u0301": (Verdict.OK,) * 5})
    text = render_summary(view(diagnoses, labels=labels), width)
    assert_fits(text, width)
    assert any(display_width(line) > len(line) for line in text.splitlines())  # len() would have under-counted
    matrix = summary.render_matrix(diagnoses, labels, width)
    starts = [display_width(line[: line.index(word)]) for line, word in zip(matrix[1:], ("wrong org", "ok"))]
    assert starts[0] == starts[1]  # the cells line up after a row of wide characters


def test_control_characters_from_config_or_server_are_shown_not_obeyed() -> None:
    org = "org-\x1b[2Jevil\r\x07"
    diagnoses = [diagnosis(org, "gpt-5.6-sol", Verdict.REGION_VPN, remediation="step \x1b]0;title\x07 done")]
    text = render_summary(view(diagnoses, labels={org: "lab\x1b[31mel\ttab"}), 80)
    assert "\x1b" not in text and "\r" not in text and "\x07" not in text
    assert "\u241b[2Jevil" in text  # redact's visible stand-in for ESC
    assert_fits(text, 80)


def test_a_key_in_a_label_is_masked_before_it_is_measured() -> None:
    key = "sk-proj-" + "Q" * 40
    text = render_summary(view([diagnosis("org-a", "gpt-5.6-sol", Verdict.OK)], labels={"org-a": key}), 80)
    assert key not in text


def test_two_hundred_orgs_fit_and_each_problem_counts_the_orgs_it_does_not_list() -> None:
    verdict_cycle = [Verdict.OK, Verdict.REGION_VPN, Verdict.QUOTA_EXHAUSTED, Verdict.NOT_PROVISIONED]
    orgs = {f"org-{n:04d}": (verdict_cycle[n % 4],) * 5 for n in range(200)}
    diagnoses = grid(orgs)
    for n, d in enumerate(diagnoses):  # the same next step for every org
        diagnoses[n] = Diagnosis(d.target, d.verdict, d.reason, f"Fix {d.verdict.value}.", request_id=d.request_id)
    for width in (60, 80, 120):
        text = render_summary(view(diagnoses), width)
        assert_fits(text, width)
        for org in orgs:
            assert org in text
    problems = summary.group_problems(diagnoses)
    assert [p.verdict for p in problems] == [Verdict.REGION_VPN, Verdict.QUOTA_EXHAUSTED, Verdict.NOT_PROVISIONED]
    text = "\n".join(summary.render_problems(diagnoses, {}, 120))
    assert "and 42 more org(s), 210 cell(s)" in text


@settings(max_examples=150, deadline=None)
@given(orgs=st.lists(st.text(min_size=1, max_size=60), min_size=1, max_size=6, unique=True),
       labels=st.lists(st.text(max_size=40), min_size=6, max_size=6),
       verdicts=st.lists(st.sampled_from(list(Verdict)), min_size=5, max_size=5),
       step=st.text(max_size=300), width=st.integers(min_value=-10, max_value=220))
def test_any_text_at_any_width_fits(orgs: list[str], labels: list[str], verdicts: list[Verdict], step: str, width: int) -> None:
    diagnoses = [Diagnosis(Target(org, model, DEFAULT_TABLE.tier_of(model)), v, "r", step, request_id=rid(1))
                 for org in orgs for model, v in zip(DEFAULT_TABLE.ids, verdicts)]
    text = render_summary(view(diagnoses, labels=dict(zip(orgs, labels)), notes=[step]), width)
    assert_fits(text, width)
    assert "\x1b" not in text


# --------------------------------------------------------------------------- problems, grouped


def test_the_same_next_step_for_many_cells_is_one_entry_naming_every_cell_and_request_id() -> None:
    diagnoses = [diagnosis("org-p", model, Verdict.PROVISIONING_PENDING, n, remediation=f"org-p lists {model} but cannot use it yet.")
                 for n, model in enumerate(DEFAULT_TABLE.ids[:3])]
    problems = summary.group_problems(diagnoses)
    assert len(problems) == 1 and problems[0].next_step == "org-p lists the model but cannot use it yet."
    text = "\n".join(summary.render_problems(diagnoses, {}, 200))
    assert text.count("pending (provisioning_pending)") == 1
    for n, tier in enumerate(("sol", "terra", "luna")):
        assert f"{tier} {rid(n)}" in text


def test_one_cell_keeps_its_own_org_and_model_in_the_next_step() -> None:
    d = diagnosis("org-p", "gpt-5.6-sol", Verdict.PROJECT_NO_ACCESS, remediation="Allow gpt-5.6-sol for this project.")
    assert summary.group_problems([d])[0].next_step == "Allow gpt-5.6-sol for this project."


def test_different_next_steps_are_different_problems_and_the_worst_comes_first() -> None:
    diagnoses = [diagnosis("org-a", "gpt-5.6-sol", Verdict.SAFETY_CHECK, 1), diagnosis("org-b", "gpt-5.6-sol", Verdict.REGION_VPN, 2,
                 remediation="Disconnect the VPN."), diagnosis("org-c", "gpt-5.6-sol", Verdict.REGION_VPN, 3, remediation="Disconnect the VPN."),
                 diagnosis("org-d", "gpt-5.6-sol", Verdict.UNKNOWN, 4), diagnosis("org-e", "gpt-5.6-sol", Verdict.OK, 5)]
    problems = summary.group_problems(diagnoses)
    assert [p.verdict for p in problems] == [Verdict.REGION_VPN, Verdict.UNKNOWN, Verdict.SAFETY_CHECK]
    assert [len(p.cells) for p in problems] == [2, 1, 1]


def test_a_cell_without_a_request_id_says_so() -> None:
    d = Diagnosis(Target("org-a", "gpt-5.6-sol", "sol"), Verdict.NETWORK_ERROR, "r", "Check DNS.")
    assert "sol (no request id)" in "\n".join(summary.render_problems([d], {}, 80))


def test_a_cell_on_another_surface_is_named_with_it() -> None:
    diagnoses = [diagnosis("org-a", "gpt-5.6-sol", Verdict.OK, 1), diagnosis("org-a", "gpt-5.6-sol", Verdict.KEY_PERMISSIONS, 2, "responses")]
    assert f"sol resp {rid(2)}" in "\n".join(summary.render_problems(diagnoses, {}, 120))


def test_nothing_wrong_means_no_problem_section() -> None:
    text = render_summary(view(grid({"org-a": (Verdict.OK,) * 5}), status_line="GPT56 OK - 3/3", severity=Severity.OK), 80)
    lines = text.splitlines()
    assert lines[2] == "" and lines[3].startswith("base URL: ")


def test_the_footer_has_notes_base_url_cost_and_status_line_last() -> None:
    text = render_summary(view(grid(DEMO), notes=["org-a gpt-5.6-sol chat: answered as org-b"]), 80)
    tail = text.splitlines()
    footer = tail[tail.index("note: org-a gpt-5.6-sol chat: answered as org-b"):]
    assert footer[1] == "base URL: https://api.openai.com/v1"
    assert footer[2] == "note: the probes cost $0.0001"
    assert footer[3].startswith("GPT56 CRITICAL - 8/30")


# --------------------------------------------------------------------------- colour


def test_colour_paints_the_word_and_never_replaces_it() -> None:
    plain = render_summary(view(grid(DEMO)), 100, colour=False)
    painted = render_summary(view(grid(DEMO)), 100, colour=True)
    assert not style.MARKS.search(plain)
    assert style.plain(painted) == plain
    assert style.paint("ok", "green") in painted and style.paint("pending", "red") in painted
    assert style.paint("safety", "yellow") in painted and style.paint("GPT56 CRITICAL", "red") in painted
    assert "\x1b" not in painted  # marks only: the gate alone turns them into terminal codes


def test_style_marks_in_config_or_server_text_are_dropped_not_honoured() -> None:
    org = "org-" + style.paint("x", "red") + style.ERASE_LINE + "y"
    text = render_summary(view([diagnosis(org, "gpt-5.6-sol", Verdict.OK)]), 80, colour=False)
    assert not style.MARKS.search(text) and "org-xy" in text


# --------------------------------------------------------------------------- one cause when the network is down


def observations(kinds: list[Failure], detail: str = "NameResolutionError: Failed to resolve 'api.openai.com'") -> list[Observation]:
    out = []
    for n, kind in enumerate(kinds):
        target = Target(f"org-{n % 10}", DEFAULT_TABLE.ids[n % 5], DEFAULT_TABLE.tiers[0].tier)
        out.append(Observation(target, sample=Exchange(failure=kind, failure_detail=detail)))
    return out


def network_diagnoses(obs: list[Observation], verdict: Verdict = Verdict.NETWORK_ERROR) -> list[Diagnosis]:
    return [Diagnosis(o.target, verdict, "r", "Could not reach the API.") for o in obs]


def test_every_probe_failing_on_dns_is_said_once_with_host_cause_and_next_step() -> None:
    obs = observations([Failure.DNS] * 50)
    text = render_summary(view(network_diagnoses(obs), observations=obs, base_url="https://api.openai.com/v1",
                               proxy="http://proxy.corp:3128 (HTTPS_PROXY)"), 80)
    assert "all 50 probe(s) (10 org(s) x 5 model(s)) failed the same way" in text
    assert "api.openai.com port 443" in text and "DNS: the host name does not resolve" in text
    assert "NameResolutionError" in text and "proxy.corp:3128" in text and "HTTPS_PROXY or --proxy" in text
    assert "org-3" not in text  # not N rows
    assert len(text.splitlines()) < 20
    assert_fits(text, 80)


@pytest.mark.parametrize("kinds,cause", [
    ([Failure.REFUSED] * 4, "refused"),
    ([Failure.TLS] * 4, "TLS"),
    ([Failure.PROXY] * 4, "proxy"),
    ([Failure.CONNECT_TIMEOUT, Failure.DEADLINE, Failure.READ_TIMEOUT], "timeout"),
])
def test_each_transport_cause_has_its_own_words(kinds: list[Failure], cause: str) -> None:
    found = summary.transport_cause(observations(kinds))
    assert found is not None
    assert summary.CAUSES[found.kind][0].startswith(cause)


def test_different_causes_or_one_answer_mean_no_single_cause() -> None:
    assert summary.transport_cause(observations([Failure.DNS, Failure.REFUSED])) is None
    answered = observations([Failure.DNS])
    answered.append(Observation(Target("org-a", "gpt-5.6-sol", "sol"), sample=Exchange(status=200)))
    assert summary.transport_cause(answered) is None
    assert summary.transport_cause(observations([Failure.INVALID_URL] * 2)) is None
    assert summary.transport_cause([]) is None


def test_the_host_of_a_base_url_names_its_port() -> None:
    assert summary.host_of("https://api.openai.com/v1") == "api.openai.com port 443"
    assert summary.host_of("http://127.0.0.1:8080/v1") == "127.0.0.1 port 8080"
    assert summary.host_of("http://[::1]/v1") == "::1 port 80"


# --------------------------------------------------------------------------- progress and text width


@pytest.mark.parametrize("width", [10, 40, 60, 80, 200])
def test_the_progress_line_stays_one_column_short_of_the_width(width: int) -> None:
    line = summary.progress_line(12, 50, 3.42, width)
    assert display_width(line) <= max(width, 20) - 1
    if width >= 60:
        assert line == "checking: 12/50 probes done, 3.4 s"


def test_display_width_counts_wide_and_zero_width_characters() -> None:
    assert display_width("abc") == 3
    assert display_width("\u672c\u756a") == 4
    assert display_width("e\u0301") == 1
    assert display_width("\U0001f680") == 2
    assert display_width("a\u200bb") == 2


def test_fit_keeps_both_ends_of_a_long_id() -> None:
    assert fit("org-0123456789abcdef", 10) == "org-01\u2026def"
    assert fit("short", 10) == "short"
    assert display_width(fit("\u672c" * 20, 9)) <= 9


def test_wrap_never_breaks_a_unit_that_fits_and_cuts_one_that_cannot() -> None:
    lines = wrap_units(["aaaa", "bbbb", "cccc"], 10, "", "  ")
    assert lines == ["aaaa bbbb", "  cccc"]
    lines = wrap_units(["x" * 25], 10, "> ", "  ")
    assert all(display_width(line) <= 10 for line in lines) and "".join(line.strip("> ") for line in lines) == "x" * 25
    assert wrap_text("", 10) == [""]


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=400), width=st.integers(min_value=8, max_value=200))
def test_wrapped_text_never_exceeds_the_width(text: str, width: int) -> None:
    cleaned = summary.clean(text)
    for line in wrap_text(cleaned, width, "note: ", "  "):
        assert display_width(line) <= width


def test_the_detail_of_a_transport_failure_is_what_it_was_caused_by() -> None:
    raw = ("HTTPSConnectionPool(host='api.openai.com', port=443): Max retries exceeded with url: /v1/models/gpt-5.6-sol "
           "(Caused by NameResolutionError(\"HTTPSConnection(host='api.openai.com', port=443): Failed to resolve "
           "'api.openai.com' ([Errno -2] Name or service not known)\"))")
    assert summary.failure_detail(raw).startswith("NameResolutionError(")
    assert summary.failure_detail("x" * 500).count("\u2026") == 1 and display_width(summary.failure_detail("x" * 500)) == 200


# --------------------------------------------------------------------------- the default: one line per problem


def brief(diagnoses: list[Diagnosis], width: int = 80, **extra: object) -> list[str]:
    return render_summary(view(diagnoses, details=False, **extra), width).splitlines()


def test_by_default_each_distinct_problem_is_one_line_naming_its_word_cells_and_next_step() -> None:
    lines = brief(grid(DEMO))
    safety = [line for line in lines if line.startswith("safety ")]
    assert len(safety) == 1
    assert "org-sim-safety (sol, terra):" in safety[0]
    quota = next(line for line in lines if line.startswith("quota "))
    assert "org-sim-quota:" in quota  # every column: the org alone names the cells


def test_by_default_no_request_id_is_shown_and_the_summary_says_how_to_get_them() -> None:
    lines = brief(grid(DEMO))
    assert not any("req_" in line for line in lines)
    assert summary.DETAILS_HINT in lines
    assert not any(line.startswith("base URL:") for line in lines)


def test_the_default_summary_of_the_demo_orgs_fits_30_lines_at_80_columns() -> None:
    lines = brief(grid(DEMO), status_line="GPT56 CRITICAL - 8/30 expected tiers reachable; org-sim-unprovisioned gpt-5.6-sol: "
                                          "not_provisioned (+24 more)")
    assert len(lines) <= 30
    assert_fits("\n".join(lines), 80)


def test_a_problem_whose_cells_share_a_short_next_step_shows_that_step_itself() -> None:
    cells = [diagnosis("org-a", "gpt-5.6-sol", Verdict.REGION_VPN, remediation="Disconnect the VPN and retry.")]
    assert "region/vpn  org-a: Disconnect the VPN and retry." in brief(cells)


def test_a_next_step_too_long_for_the_line_becomes_the_verdicts_few_words() -> None:
    long_step = "Go " + "very " * 40 + "far."
    cells = [diagnosis("org-a", "gpt-5.6-sol", Verdict.REGION_VPN, remediation=long_step)]
    line = next(line for line in brief(cells) if line.startswith("region/vpn"))
    assert line.endswith(summary.next_step_words(Verdict.REGION_VPN))


@pytest.mark.parametrize("width", WIDTHS)
def test_the_default_summary_fits_every_width_even_with_many_long_orgs(width: int) -> None:
    orgs = {f"org-{'x' * 40}-{n}": (Verdict.NOT_PROVISIONED,) * 5 for n in range(6)}
    text = render_summary(view(grid(orgs), details=False), width)
    assert_fits(text, width)
    assert "and 3 more orgs:" in " ".join(text.split())
