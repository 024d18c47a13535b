"""gpt56probe.store.state: transitions (pure), history bounds, atomic writes, the lock, concurrent runs."""

from __future__ import annotations

import json
import os
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from gpt56probe.core.history import HISTORY_FIELDS, Transition, compute_transitions, current_verdicts, filter_transitions, history_rows, parse_since, transitions_from_history, verdict_key
from gpt56probe.store import state
from gpt56probe.core.observation import Diagnosis, Severity, Target, Verdict


def diag(org: str | None, model: str, verdict: Verdict, tier: str = "sol", surface: str = "chat", stream: bool = False,
         latency_ms: float | None = 12.34) -> Diagnosis:
    return Diagnosis(Target(org, model, tier, surface, stream), verdict, "reason", "next step", http_status=200,
                     request_id="req_1", latency_ms=latency_ms, timestamp="2026-11-23T10:00:00.000+00:00")


def rows(verdict: Verdict, run_id: str = "r", checked_at: str = "2026-11-23T10:00:00+00:00", org: str = "org-a") -> list[dict]:
    return history_rows([diag(org, "gpt-5.6-sol", verdict), diag(org, "gpt-5.6-terra", Verdict.OK, tier="terra")],
                              run_id, checked_at)


def test_history_rows_have_the_documented_fields() -> None:
    (row, _) = rows(Verdict.NOT_PROVISIONED, "run1")
    assert tuple(row) == HISTORY_FIELDS
    assert row["run_id"] == "run1" and row["verdict"] == "not_provisioned" and row["latency_ms"] == 12.3
    json.dumps(row)


def test_compute_transitions_first_run_is_baseline_and_changes_are_reported() -> None:
    first = current_verdicts(rows(Verdict.NOT_PROVISIONED))
    assert compute_transitions({}, first) == []
    assert compute_transitions(first, first) == []
    second = current_verdicts(rows(Verdict.OK))
    (change,) = compute_transitions(first, second, "run2")
    assert change.describe() == "org-a gpt-5.6-sol: not_provisioned -> ok"
    assert change.run_id == "run2" and change.tier == "sol"


def test_transition_describe_names_surface_and_default_org() -> None:
    t = Transition(None, "gpt-5.6-luna", "luna", "responses", True, "ok", "rate_limited", "now")
    assert t.describe() == "default gpt-5.6-luna responses stream: ok -> rate_limited"


def test_stream_and_plain_probes_are_tracked_apart() -> None:
    a = history_rows([diag("o", "m", Verdict.OK), diag("o", "m", Verdict.OK, stream=True)], "r", "t")
    b = history_rows([diag("o", "m", Verdict.OK), diag("o", "m", Verdict.ORG_NOT_ELIGIBLE, stream=True)], "r", "t")
    (change,) = compute_transitions(current_verdicts(a), current_verdicts(b))
    assert change.stream and change.current == "org_not_eligible"


def test_transitions_from_history_replays_in_order() -> None:
    history = (rows(Verdict.NOT_PROVISIONED, "1", "2026-11-20T00:00:00+00:00") + rows(Verdict.PROVISIONING_PENDING, "2", "2026-11-21T00:00:00+00:00")
               + rows(Verdict.PROVISIONING_PENDING, "3", "2026-11-22T00:00:00+00:00") + rows(Verdict.OK, "4", "2026-11-23T00:00:00+00:00"))
    changes = transitions_from_history(history)
    assert [c.describe() for c in changes] == ["org-a gpt-5.6-sol: not_provisioned -> provisioning_pending",
                                              "org-a gpt-5.6-sol: provisioning_pending -> ok"]
    assert [c.run_id for c in changes] == ["2", "4"]
    since = datetime(2026, 11, 22, tzinfo=timezone.utc)
    assert [c.run_id for c in filter_transitions(changes, since=since)] == ["4"]
    assert filter_transitions(changes, org="org-b") == []
    assert len(filter_transitions(changes, model="gpt-5.6-sol")) == 2


def test_parse_since() -> None:
    now = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
    assert parse_since("24h", now) == now - timedelta(hours=24)
    assert parse_since("7d", now) == now - timedelta(days=7)
    assert parse_since("30m", now) == now - timedelta(minutes=30)
    assert parse_since("2026-11-01T08:00:00+00:00", now) == datetime(2026, 11, 1, 8, tzinfo=timezone.utc)
    assert parse_since("2026-11-01", now).tzinfo is not None
    with pytest.raises(ValueError):
        parse_since("yesterday", now)


def test_record_run_tracks_baseline_changes_and_each_targets_access_streak(tmp_path: Path) -> None:
    sol = verdict_key({"org": "org-a", "model": "gpt-5.6-sol", "surface": "chat", "stream": False})
    terra = verdict_key({"org": "org-a", "model": "gpt-5.6-terra", "surface": "chat", "stream": False})
    first = state.record_run(tmp_path, rows(Verdict.NOT_PROVISIONED, "1"), "1", "t1", failing=True)
    assert first.first_run and first.transitions == () and first.streaks[sol] == 1 and first.streaks[terra] == 0
    second = state.record_run(tmp_path, rows(Verdict.PROVISIONING_PENDING, "2"), "2", "t2", failing=True)
    assert not second.first_run and second.streaks[sol] == 2
    assert [t.describe() for t in second.transitions] == ["org-a gpt-5.6-sol: not_provisioned -> provisioning_pending"]
    third = state.record_run(tmp_path, rows(Verdict.OK, "3"), "3", "t3", failing=False)
    assert third.streaks[sol] == 0
    saved = json.loads((tmp_path / state.STATE_FILE).read_text())
    assert saved["streaks"] == {sol: 0, terra: 0} and saved["last_run"]["run_id"] == "3"
    assert {v["verdict"] for v in saved["verdicts"].values()} == {"ok"}
    assert len(state.read_history(tmp_path)) == 6


def test_history_is_bounded_and_trimmed_to_the_newest(tmp_path: Path) -> None:
    for i in range(7):
        state.append_history(tmp_path, [{"n": i}], limit=5)
    lines = (tmp_path / state.HISTORY_FILE).read_text().splitlines()
    assert [json.loads(line)["n"] for line in lines] == [2, 3, 4, 5, 6]
    assert state.HISTORY_LIMIT == 5000


def test_read_history_skips_garbage_and_load_state_survives_corruption(tmp_path: Path) -> None:
    (tmp_path / state.HISTORY_FILE).write_text('{"a": 1}\nnot json\n\n[1]\n{"b": 2}\n')
    assert state.read_history(tmp_path) == [{"a": 1}, {"b": 2}]
    (tmp_path / state.STATE_FILE).write_text("{truncated")
    assert state.load_state(tmp_path) == {}
    assert state.read_history(tmp_path / "missing") == []


def test_atomic_write_leaves_no_temporary_files_and_sets_mode(tmp_path: Path) -> None:
    from gpt56probe.store.files import write_output

    target = tmp_path / "sub" / "m.prom"
    write_output(target, "x 1\n", mode=0o644)
    write_output(target, "x 2\n", mode=0o644)
    assert target.read_text() == "x 2\n"
    assert os.listdir(target.parent) == ["m.prom"]
    assert target.stat().st_mode & 0o777 == 0o644


def test_lock_times_out_while_another_holder_has_it(tmp_path: Path) -> None:
    with state.locked(tmp_path):
        with pytest.raises(state.StateLockTimeout, match="another gpt56probe run"):
            with state.locked(tmp_path, timeout_s=0.2):
                pass
    with state.locked(tmp_path, timeout_s=0.2):  # released again
        pass


def test_twenty_concurrent_runs_keep_state_and_history_intact(tmp_path: Path) -> None:
    errors: list[BaseException] = []
    verdicts = [Verdict.OK, Verdict.NOT_PROVISIONED, Verdict.RATE_LIMITED, Verdict.PROVISIONING_PENDING]

    def run(i: int) -> None:
        try:
            r = rows(verdicts[i % 4], f"run{i}")
            state.record_run(tmp_path, r, f"run{i}", f"t{i}", failing=i % 4 != 0, lock_timeout_s=30)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    lines = (tmp_path / state.HISTORY_FILE).read_text().splitlines()
    assert len(lines) == 40
    parsed = [json.loads(line) for line in lines]
    assert {p["run_id"] for p in parsed} == {f"run{i}" for i in range(20)}
    saved = json.loads((tmp_path / state.STATE_FILE).read_text())
    assert saved["version"] == state.STATE_VERSION and len(saved["verdicts"]) == 2
    assert sorted(os.listdir(tmp_path)) == ["history.jsonl", "lock", "state.json"]


def test_recording_a_run_in_place_gives_the_changes_and_verdicts_a_second_copy_would() -> None:
    from gpt56probe.core.history import advance_verdicts

    def row(org: str, verdict: str, stream: bool = False) -> dict[str, object]:
        return {"org": org, "model": "gpt-5.6-sol", "tier": "sol", "surface": "chat", "stream": stream, "verdict": verdict,
                "checked_at": "2026-12-07T08:00:00+00:00", "request_id": "req_1"}

    before = state.current_verdicts([row("org-a", "ok"), row("org-b", "not_provisioned"), row("org-c", "ok", True)])
    rows = [row("org-a", "not_provisioned"), row("org-b", "not_provisioned"), row("org-d", "ok"), row("org-a", "ok")]
    expected_changes = state.compute_transitions(before, state.current_verdicts(rows), "run-2")
    expected_verdicts = {**before, **state.current_verdicts(rows)}
    verdicts = dict(before)
    assert advance_verdicts(verdicts, rows, "run-2") == expected_changes
    assert verdicts == expected_verdicts and list(verdicts) == list(expected_verdicts)


def test_a_run_larger_than_the_history_bound_is_written_without_reading_the_old_rows(tmp_path: Path, monkeypatch) -> None:
    """Streaming: the new rows are encoded one at a time; old lines are read only as far as the bound leaves room."""
    from gpt56probe.core.history import RunRows
    from gpt56probe.core.observation import Diagnosis, Target, Verdict

    diagnoses = [Diagnosis(Target(f"org-{n}", "gpt-5.6-luna", "luna"), Verdict.OK, "ok", "none") for n in range(30)]
    state.record_run(tmp_path, RunRows(diagnoses[:12], "run-1", "2026-12-07T08:00:00+00:00"), "run-1", "2026-12-07T08:00:00+00:00",
                     False, limit=20)
    read: list[tuple[int, bool]] = []
    real = state.read_history_file
    monkeypatch.setattr(state, "read_history_file", lambda path, limit=state.HISTORY_LIMIT, keep_rows=True:
                        read.append((limit, keep_rows)) or real(path, limit, keep_rows))
    record = state.record_run(tmp_path, RunRows(diagnoses, "run-2", "2026-12-07T09:00:00+00:00"), "run-2",
                              "2026-12-07T09:00:00+00:00", False, limit=20)
    assert read == [(1, False)]  # state.json holds the verdicts: no old row parsed, no old line kept
    lines = (tmp_path / state.HISTORY_FILE).read_text().splitlines()
    assert len(lines) == 20 and [json.loads(x)["org"] for x in lines] == [f"org-{n}" for n in range(10, 30)]
    assert record.transitions == () and len(state.load_state(tmp_path)["verdicts"]) == 30


def test_a_state_file_written_a_piece_at_a_time_is_byte_for_byte_the_one_written_whole(tmp_path: Path) -> None:
    big = {"version": 2, "verdicts": {f"org-{n}|m|chat|plain": {"org": f"org-{n}", "verdict": "ok", "note": "é\u2028"}
                                      for n in range(3000)}, "streaks": {f"k{n}": n for n in range(3000)}}
    state.save_state(tmp_path, big)
    whole = (tmp_path / state.STATE_FILE).read_text()
    from gpt56probe.store.files import stage_output_from

    staged = stage_output_from(tmp_path / "other.json", lambda write: state._write_state(write, big))
    staged.commit()
    assert (tmp_path / "other.json").read_text() == whole == json.dumps(big, indent=2, sort_keys=True) + "\n"


def test_a_streamed_output_file_passes_the_gate_as_if_scrubbed_whole_even_with_a_secret_across_batches(tmp_path: Path) -> None:
    from gpt56probe.core.gate import GATE
    from gpt56probe.store.files import GatedWriter

    secret = "sk-test-fake-streamed-0123456789abcdef"
    GATE.add_secret(secret)
    text = "".join(f'{{"n": {n}, "error_message": "key {secret} refused", "cookie": "sid=abc123456"}}\n' for n in range(4000))
    for size in (7, 64, 4096):
        out: list[str] = []
        writer = GatedWriter(out.append, batch=size * 16)
        for start in range(0, len(text), size):  # pieces that cut the secret and the lines anywhere
            writer.write(text[start:start + size])
        writer.close()
        assert "".join(out) == GATE.scrub(text) and secret not in "".join(out)


def test_a_streamed_output_file_that_cannot_be_written_raises_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    from gpt56probe.store.files import stage_output_from

    def produce(write) -> None:
        write("line\n" * 1000)
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        stage_output_from(tmp_path / "history.jsonl", produce)
    assert list(tmp_path.iterdir()) == []


UNSHAPED_KEY = "Zq7vLm3pXw9tRb2KfH4s"  # a gateway key or proxy password of no known shape


def test_a_key_spread_over_two_delta_fields_batches_apart_is_masked_as_scrubbing_whole_would() -> None:
    """The gate joins every delta value (content, text...) of a whole text; a streamed file must not cut between
    two of them, or each half of the key is scrubbed alone and stays readable (found by the hostile review)."""
    from gpt56probe.core.gate import GATE
    from gpt56probe.store.files import GatedWriter

    GATE.add_secret(UNSHAPED_KEY)
    pad = "".join(f'{{"n": {i}}},\n' for i in range(40_000))  # ~500 KB between the two halves
    text = f'{{"text": "{UNSHAPED_KEY[:10]}"}},\n' + pad + f'{{"text": "{UNSHAPED_KEY[10:]}"}}\n'
    out: list[str] = []
    writer = GatedWriter(out.append)
    for i in range(0, len(text), 4096):
        writer.write(text[i:i + 4096])
    writer.close()
    assert "".join(out) == GATE.scrub(text)
    assert UNSHAPED_KEY[:10] not in "".join(out) and UNSHAPED_KEY[10:] not in "".join(out)


def test_a_foreign_state_file_carrying_a_split_key_is_rewritten_with_the_key_masked(tmp_path: Path) -> None:
    from gpt56probe.core.gate import GATE

    GATE.add_secret(UNSHAPED_KEY)
    verdicts = {f"org-{i:05d}|m|chat|plain": {"org": f"org-{i:05d}", "verdict": "ok"} for i in range(6000)}
    verdicts["org-00000|m|chat|plain"]["text"] = UNSHAPED_KEY[:10]
    verdicts["org-05999|m|chat|plain"]["text"] = UNSHAPED_KEY[10:]
    (tmp_path / state.STATE_FILE).write_text(json.dumps({"version": 1, "verdicts": verdicts, "streaks": {}}))
    row = {"org": "org-new", "model": "m", "surface": "chat", "stream": False, "verdict": "ok"}
    state.record_run(tmp_path, [row], "run-2", "2026-12-07T09:00:00+00:00", False)
    written = (tmp_path / state.STATE_FILE).read_text()
    assert UNSHAPED_KEY[:10] not in written and UNSHAPED_KEY[10:] not in written and "org-new" in written


@pytest.mark.parametrize("filler", [b"\xff not a row\n", b"\n"], ids=["bad-byte-lines", "blank-lines"])
def test_a_run_keeps_as_many_old_rows_as_the_bound_leaves_when_the_tail_holds_lines_that_are_not_rows(
        tmp_path: Path, filler: bytes) -> None:
    """Over a history of several MiB whose newest lines alternate with blank or unreadable ones, a 3000-row run
    keeps the newest 2000 old rows (5000 - 3000): the window read is the bound's, not the room left."""
    verdicts = {f"org-{i}|gpt-5.6-sol|chat|plain": {"org": f"org-{i}", "model": "gpt-5.6-sol", "surface": "chat",
                                                   "stream": False, "verdict": "ok"} for i in range(3000)}
    (tmp_path / state.STATE_FILE).write_text(json.dumps({"version": 2, "verdicts": verdicts, "streaks": {}}))
    with open(tmp_path / state.HISTORY_FILE, "wb") as fh:
        for i in range(6000):
            fh.write(json.dumps({"org": f"old-{i}", "verdict": "ok", "error_message": "x" * 900}).encode() + b"\n")
            if i >= 3000:
                fh.write(filler)
    rows = [{"org": f"org-{i}", "model": "gpt-5.6-sol", "surface": "chat", "stream": False, "verdict": "ok"} for i in range(3000)]
    state.record_run(tmp_path, rows, "run-2", "2026-12-07T09:00:00+00:00", False)
    orgs = [json.loads(line)["org"] for line in (tmp_path / state.HISTORY_FILE).read_text().splitlines()]
    assert orgs == [f"old-{i}" for i in range(4000, 6000)] + [f"org-{i}" for i in range(3000)]
