"""Prometheus text exposition for node_exporter's textfile collector. Pure: diagnoses in, text out.

Series (labels org, model, tier, surface, stream; a probe without an org is org="default")::

    gpt56probe_up                          1 when the verdict is ok, else 0
    gpt56probe_latency_seconds             latency of the deciding request (when one answered)
    gpt56probe_verdict{...,verdict="..."}  1 for the current verdict
    gpt56probe_last_run_timestamp_seconds  when the run started (unix time)
    gpt56probe_exit_status                 the check's exit status (0 OK .. 3 UNKNOWN)

``stream`` is a label of its own so that a streamed and a plain probe of the same
model and surface stay distinct series.
"""

from __future__ import annotations

from typing import Callable, Sequence

from gpt56probe.observation import Diagnosis

_HELP = {
    "gpt56probe_up": "1 when the probe got an answer (verdict ok), 0 otherwise.",
    "gpt56probe_latency_seconds": "Latency of the request that decided the verdict, in seconds.",
    "gpt56probe_verdict": "1 for the current verdict of the probe.",
    "gpt56probe_last_run_timestamp_seconds": "Unix time the last gpt56probe check started.",
    "gpt56probe_exit_status": "Exit status of the last check: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.",
}


def escape_label_value(value: str) -> str:
    """Backslash, double quote and newline escaped, as the text format wants."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _labels(pairs: Sequence[tuple[str, str]]) -> str:
    return "{" + ",".join(f'{k}="{escape_label_value(v)}"' for k, v in pairs) + "}"


def _target_labels(d: Diagnosis, label_text: Callable[[str], str] = str) -> list[tuple[str, str]]:
    t = d.target
    return [(k, label_text(v)) for k, v in (("org", t.org or "default"), ("model", t.model), ("tier", t.tier), ("surface", t.surface),
                                            ("stream", "true" if t.stream else "false"))]


def _number(value: float) -> str:
    return repr(float(value)) if value != int(value) else str(int(value))


def render_metrics(diagnoses: Sequence[Diagnosis], exit_status: int, run_timestamp: float,
                   label_text: Callable[[str], str] = str) -> str:
    """The whole .prom file: HELP and TYPE once per metric family, then its samples.

    ``label_text`` is what the file's sink does to a label value (the output gate's scrub):
    series are told apart by the values as written, never a duplicate series (node_exporter
    refuses a file with one). The same target twice is one series (the first result wins);
    two targets whose labels come out the same are both kept: the second one's org gets
    ``#2``, and so on.
    """
    up, latency, verdict = [], [], []
    seen: set[str] = set()
    targets: set[str] = set()
    cache: dict[str, str] = {}

    def shown(value: str) -> str:
        if value not in cache:
            cache[value] = label_text(value)
        return cache[value]

    for d in diagnoses:
        raw = _labels(_target_labels(d))
        if raw in targets:
            continue
        targets.add(raw)
        labels = _target_labels(d, shown)
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
    families = [
        ("gpt56probe_up", up),
        ("gpt56probe_latency_seconds", latency),
        ("gpt56probe_verdict", verdict),
        ("gpt56probe_last_run_timestamp_seconds", [f"gpt56probe_last_run_timestamp_seconds {_number(round(run_timestamp, 3))}"]),
        ("gpt56probe_exit_status", [f"gpt56probe_exit_status {int(exit_status)}"]),
    ]
    lines: list[str] = []
    for name, samples in families:
        lines.append(f"# HELP {name} {_HELP[name]}")
        lines.append(f"# TYPE {name} gauge")
        lines.extend(samples)
    return "\n".join(lines) + "\n"
