"""The shared verdict words: every verdict has one, short enough for an 80-column matrix."""

from gpt56probe.core.observation import Verdict
from gpt56probe.views.vocabulary import CELL_WORDS, cell_word, colour_class, counted


def test_every_verdict_has_a_distinct_cell_word_of_at_most_ten_characters() -> None:
    assert set(CELL_WORDS) == set(Verdict)
    words = [cell_word(v) for v in Verdict]
    assert all(1 <= len(w) <= 10 for w in words)
    assert len(set(words)) == len(words)


def test_colour_class_follows_monitoring_severity() -> None:
    assert colour_class(Verdict.OK) == "ok"
    assert colour_class(Verdict.NOT_PROVISIONED) == "crit"
    assert colour_class(Verdict.SAFETY_CHECK) == "warn"
    assert colour_class(Verdict.UNKNOWN) == "unknown"


def test_a_count_reads_singular_only_for_exactly_one() -> None:
    assert [counted(n, "run") for n in (0, 1, 2)] == ["0 runs", "1 run", "2 runs"]
    assert counted(1, "older change") == "1 older change" and counted(3, "older change") == "3 older changes"
    assert counted(1, "entry", "entries") == "1 entry" and counted(2, "entry", "entries") == "2 entries"
    assert counted(None, "task") == "None tasks" and counted(True, "org") == "True orgs"  # a malformed field is shown as given
