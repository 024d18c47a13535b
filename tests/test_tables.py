"""views.tables and textwidth.fit_prose: a table or a paragraph no wider than the screen, words never cut."""

from __future__ import annotations

import pytest

from gpt56probe.views.tables import render, with_notes
from gpt56probe.views.textwidth import display_width, fit_prose

HEADERS = ["org", "tier", "model", "verdict", "request id", "next step"]
RID = "req_0123456789abcdef0123456789abcdef"
ROW = ["org-sim-dated", "sol", "gpt-5.6-sol", "not_provisioned", RID,
       "org-sim-dated does not list gpt-5.6-sol but lists gpt-5.6-sol-2026-06-26 (sol): the id is the likely problem, not access."]


def widest(text: str) -> int:
    return max(display_width(line) for line in text.split("\n"))


@pytest.mark.parametrize("width", [60, 80, 100, 120, 200])
def test_a_table_never_passes_the_width_and_never_cuts_a_request_id(width: int) -> None:
    text = render([ROW, ROW], HEADERS, "table", width)
    assert widest(text) <= width
    assert text.count(RID) == 2


def test_a_table_that_fits_is_tabulates_own() -> None:
    from tabulate import tabulate

    rows = [["org-a", "sol"], ["org-b", "luna"]]
    assert render(rows, ["org", "tier"], "table", 80) == tabulate(rows, headers=["org", "tier"], tablefmt="simple", disable_numparse=True)


def test_prose_columns_wrap_first_and_rows_become_records_only_when_wrapping_cannot_fit() -> None:
    wrapped = render([ROW], HEADERS, "table", 150)
    assert wrapped.splitlines()[0].split()[:2] == ["org", "tier"] and widest(wrapped) <= 150
    records = render([ROW], HEADERS, "table", 80)
    assert records.splitlines()[0].split() == ["org", "org-sim-dated"] and f"request id  {RID}" in records


def test_wide_characters_count_double() -> None:
    text = render([["組織" * 20, "sol", "x " * 40]], ["org", "tier", "note"], "table", 60)
    assert widest(text) <= 60


def test_document_formats_are_left_as_they_are() -> None:
    github = render([ROW], HEADERS, "github", 60)
    assert widest(github) > 60 and github.count("\n") == 2  # a Markdown table stays one line per row


def test_no_width_draws_the_table_as_wide_as_it_is() -> None:
    assert render([ROW], HEADERS, "table", None).count("\n") == 2


def test_fit_prose_wraps_under_the_lines_own_indent_and_keeps_urls_whole() -> None:
    url = "https://gateway.example.com/openai/deployments/abc/v1"
    text = fit_prose("  note: the proxy " + "is slow " * 8 + url + " today", 60)
    lines = text.split("\n")
    assert all(display_width(line) <= 60 for line in lines)
    assert all(line.startswith("    ") for line in lines[1:]) and any(url in line for line in lines)


def test_notes_under_a_table_are_fitted_too() -> None:
    text = with_notes("t", ["word " * 30], 60)
    assert widest(text) <= 60 and text.startswith("t\n\nnote: ")


def test_colour_marks_take_no_column_so_a_painted_line_that_fits_is_left_alone() -> None:
    """A matrix line painted for a colour terminal measured its style marks as characters: at 80 columns
    fit_prose then re-wrapped the merge matrix into single-spaced words."""
    from gpt56probe.core import style

    line = "org-sim-…ion @ office " + "  ".join(style.paint("region/vpn", "red") for _ in range(5))
    assert display_width(line) == display_width(style.plain(line)) == 80
    assert fit_prose(line, 80) == line
