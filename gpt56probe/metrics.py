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

from typing import Sequence

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


def _target_labels(d: Diagnosis) -> list[tuple[str, str]]:
    t = d.target
    return [("org", t.org or "default"), ("model", t.model), ("tier", t.tier), ("surface", t.surface),
            ("stream", "true" if t.stream else "false")]


def _number(value: float) -> str:
    return repr(float(value)) if value != int(value) else str(int(value))


def render_metrics(diagnoses: Sequence[Diagnosis], exit_status: int, run_timestamp: float) -> str:
    """The whole .prom file: HELP and TYPE once per metric family, then its samples."""
    up, latency, verdict = [], [], []
    seen: set[str] = set()
    for d in diagnoses:
        labels = _target_labels(d)
        key = _labels(labels)
        if key in seen:  # never emit a duplicate series; the first result wins
            continue
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
