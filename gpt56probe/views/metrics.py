"""Prometheus text exposition for node_exporter's textfile collector (or a Pushgateway). Pure: diagnoses in, text out.

Series (labels org, model, tier, surface, stream, and vantage when the run has one; a probe
without an org is org="default")::

    gpt56probe_up                          1 when the verdict is ok, else 0
    gpt56probe_latency_seconds             latency of the deciding request (when one answered)
    gpt56probe_verdict{...,verdict="..."}  1 for the current verdict
    gpt56probe_expected                    1 when the target's tier is expected (--expect, config), else 0
    gpt56probe_down_runs                   runs in a row, this one included, the target was not ok (0 when ok)

per org and model whose list announces a retirement (labels org, model, tier, vantage)::

    gpt56probe_model_shutdown_timestamp_seconds  the model's shutdown_date (00:00 UTC) as unix time

and per run (label vantage only)::

    gpt56probe_last_run_timestamp_seconds  when the run started (unix time)
    gpt56probe_run_interval_seconds        the usual time between runs: the median of the last gaps
    gpt56probe_exit_status                 the check's exit status (0 OK .. 3 UNKNOWN)
    gpt56probe_unknown_runs                runs in a row, this one included, that ended UNKNOWN (0 otherwise)

The streaks and the interval need the runs before: the file keeps them. ``previous`` is the
text of the file this one replaces (the CLI reads it); its streak series and a comment line with
the last gaps between runs (``# gpt56probe-gaps: 900 900 60``) carry over, so alerting rules
(deploy/prometheus/gpt56probe-rules.yml) can say "for 2 runs" and "3 intervals" without knowing
the schedule. ``stream`` is a label of its own so that a streamed and a plain probe of the same
model and surface stay distinct series.
"""

from __future__ import annotations

import re
import statistics
from typing import Callable, Mapping, Sequence

from gpt56probe.core.expectations import ExpectedTiers, expected_for
from gpt56probe.core.models import TIERS
from gpt56probe.core.observation import Diagnosis

_HELP = {
    "gpt56probe_up": "1 when the probe got an answer (verdict ok), 0 otherwise.",
    "gpt56probe_latency_seconds": "Latency of the request that decided the verdict, in seconds.",
    "gpt56probe_verdict": "1 for the current verdict of the probe.",
    "gpt56probe_expected": "1 when the probe's tier is expected to be reachable for its org (--expect, config), else 0.",
    "gpt56probe_down_runs": "Runs in a row, this one included, in which the probe was not ok (0 when ok).",
    "gpt56probe_last_run_timestamp_seconds": "Unix time the last gpt56probe check started.",
    "gpt56probe_run_interval_seconds": "The usual time between two checks: the median of the last gaps between their starts.",
    "gpt56probe_exit_status": "Exit status of the last check: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.",
    "gpt56probe_unknown_runs": "Checks in a row, this one included, that ended UNKNOWN (exit status 3); 0 otherwise.",
    "gpt56probe_model_shutdown_timestamp_seconds": "The model's shutdown_date as the org's model list announces it (00:00 UTC, unix time).",
}
GAPS_COMMENT = "# gpt56probe-gaps:"
GAPS_KEPT = 5
"""Gaps between runs remembered: the median of five ignores one extra run by hand and one outage."""
EXIT_UNKNOWN = 3

Labels = tuple[tuple[str, str], ...]


def escape_label_value(value: str) -> str:
    """Backslash, double quote and newline escaped, as the text format wants."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _labels(pairs: Sequence[tuple[str, str]]) -> str:
    return "{" + ",".join(f'{k}="{escape_label_value(v)}"' for k, v in pairs) + "}" if pairs else ""


def _target_labels(d: Diagnosis, vantage: str | None, label_text: Callable[[str], str] = str) -> list[tuple[str, str]]:
    t = d.target
    labels = [("org", t.org or "default"), ("model", t.model), ("tier", t.tier), ("surface", t.surface),
              ("stream", "true" if t.stream else "false")]
    labels += [("vantage", vantage)] if vantage is not None else []
    return [(k, label_text(v)) for k, v in labels]


def _number(value: float) -> str:
    return repr(float(value)) if value != int(value) else str(int(value))


# --------------------------------------------------------------------------- reading the file it replaces

_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\S+)?$')
_LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?')
_UNESCAPE = re.compile(r"\\(.)")


def _unescape(value: str) -> str:
    return _UNESCAPE.sub(lambda m: "\n" if m.group(1) == "n" else m.group(1), value)


def parse_samples(text: str) -> dict[tuple[str, Labels], float]:
    """The samples of a text exposition, keyed by (name, sorted labels). Lines it cannot read are skipped:
    a file another tool or an older version wrote only loses its memory, never the run."""
    samples: dict[tuple[str, Labels], float] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        found = _SAMPLE.match(line.strip())
        if found is None:
            continue
        name, raw_labels, raw_value = found.groups()
        labels: list[tuple[str, str]] = []
        if raw_labels:
            pos = 0
            while pos < len(raw_labels):
                pair = _LABEL.match(raw_labels, pos)
                if pair is None or pair.end() == pos:
                    break
                labels.append((pair.group(1), _unescape(pair.group(2))))
                pos = pair.end()
            if pos < len(raw_labels.rstrip()):
                continue
        try:
            value = float(raw_value)
        except ValueError:
            continue
        samples[(name, tuple(sorted(labels)))] = value
    return samples


def parse_gaps(text: str) -> list[float]:
    """The gaps between runs the file remembers (its ``# gpt56probe-gaps:`` line)."""
    for line in text.splitlines():
        if line.startswith(GAPS_COMMENT):
            gaps = []
            for word in line[len(GAPS_COMMENT):].split()[-GAPS_KEPT:]:
                try:
                    gap = float(word)
                except ValueError:
                    continue
                if 0 < gap < float("inf"):
                    gaps.append(gap)
            return gaps
    return []


def _previous(samples: Mapping[tuple[str, Labels], float], name: str, labels: Sequence[tuple[str, str]]) -> float | None:
    return samples.get((name, tuple(sorted(labels))))


# --------------------------------------------------------------------------- the file


def render_metrics(diagnoses: Sequence[Diagnosis], exit_status: int, run_timestamp: float, *, vantage: str | None = None,
                   expected: ExpectedTiers = TIERS, previous: str | None = None, label_text: Callable[[str], str] = str) -> str:
    """The whole .prom file: HELP and TYPE once per metric family, then its samples; ``previous`` is
    the text of the file it replaces (streaks and gaps carry over from it).

    ``label_text`` is what the file's sink does to a label value (the output gate's scrub):
    series are told apart by the values as written, never a duplicate series (node_exporter
    refuses a file with one). The same target twice is one series (the first result wins);
    two targets whose labels come out the same are both kept: the second one's org gets
    ``#2``, and so on.
    """
    before = parse_samples(previous or "")
    cache: dict[str, str] = {}

    def shown(value: str) -> str:
        if value not in cache:
            cache[value] = label_text(value)
        return cache[value]

    run_labels = [("vantage", shown(vantage))] if vantage is not None else []
    up, latency, verdict, expect, down, shutdown = [], [], [], [], [], []  # type: ignore[var-annotated]
    seen: set[str] = set()
    targets: set[str] = set()
    for d in diagnoses:
        raw = _labels(_target_labels(d, vantage))
        if raw in targets:  # the same target twice: the first result wins
            continue
        targets.add(raw)
        labels = _target_labels(d, vantage, shown)
        key = _labels(labels)
        n = 1
        while key in seen:
            n += 1
            labels[0] = ("org", f"{shown(d.target.org or 'default')}#{n}")
            key = _labels(labels)
        seen.add(key)
        up.append(f"gpt56probe_up{key} {1 if d.ok else 0}")
        if d.latency_ms is not None:
            latency.append(f"gpt56probe_latency_seconds{key} {_number(round(d.latency_ms / 1000, 4))}")
        verdict.append(f"gpt56probe_verdict{_labels(labels + [('verdict', d.verdict.value)])} 1")
        expect.append(f"gpt56probe_expected{key} {1 if d.target.tier in expected_for(expected, d.target.org) else 0}")
        streak = 0 if d.ok else int(_previous(before, "gpt56probe_down_runs", labels) or 0) + 1
        down.append(f"gpt56probe_down_runs{key} {streak}")
        when = shutdown_seconds(d.shutdown_date)
        if when is not None:
            model_labels = [(k, v) for k, v in labels if k in ("org", "model", "tier", "vantage")]
            sample = f"gpt56probe_model_shutdown_timestamp_seconds{_labels(model_labels)} {_number(when)}"
            if sample not in shutdown:
                shutdown.append(sample)
    gaps = parse_gaps(previous or "")
    last = _previous(before, "gpt56probe_last_run_timestamp_seconds", run_labels)
    if last is not None and run_timestamp > last:
        gaps = (gaps + [round(run_timestamp - last, 3)])[-GAPS_KEPT:]
    unknown_streak = int(_previous(before, "gpt56probe_unknown_runs", run_labels) or 0) + 1 if exit_status == EXIT_UNKNOWN else 0
    run = _labels(run_labels)
    families = [
        ("gpt56probe_up", up),
        ("gpt56probe_latency_seconds", latency),
        ("gpt56probe_verdict", verdict),
        ("gpt56probe_expected", expect),
        ("gpt56probe_down_runs", down),
        ("gpt56probe_last_run_timestamp_seconds", [f"gpt56probe_last_run_timestamp_seconds{run} {_number(round(run_timestamp, 3))}"]),
        ("gpt56probe_run_interval_seconds",
         [f"gpt56probe_run_interval_seconds{run} {_number(round(statistics.median(gaps), 3))}"] if gaps else []),
        ("gpt56probe_exit_status", [f"gpt56probe_exit_status{run} {int(exit_status)}"]),
        ("gpt56probe_unknown_runs", [f"gpt56probe_unknown_runs{run} {unknown_streak}"]),
        ("gpt56probe_model_shutdown_timestamp_seconds", shutdown),
    ]
    lines: list[str] = []
    for name, samples in families:
        if not samples and name == "gpt56probe_model_shutdown_timestamp_seconds":
            continue  # no list announced a retirement: no empty family
        lines.append(f"# HELP {name} {_HELP[name]}")
        lines.append(f"# TYPE {name} gauge")
        lines.extend(samples)
    if gaps:
        lines.append(f"{GAPS_COMMENT} " + " ".join(_number(g) for g in gaps))
    return "\n".join(lines) + "\n"


def shutdown_seconds(shutdown_date: str | None) -> float | None:
    """``2026-12-21`` as the unix time of 00:00 UTC that day; None when there is no such date."""
    from datetime import datetime, timezone

    from gpt56probe.core.retirement import as_date

    day = as_date(shutdown_date)
    if day is None:
        return None
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc).timestamp()
