"""``rollout``'s terminal view: one block per checklist step, wrapped to the terminal's width. Pure.

Drawn with the summary's width rules (views/textwidth: display columns, wide characters count
double, a unit wider than the line is cut), so no line is wider than the terminal.
"""

from __future__ import annotations

from typing import Sequence

from gpt56probe.migrate.rollout import DONE, Evidence, Step
from gpt56probe.views.textwidth import fit, wrap_text

STATE_WIDTH = 8  # "not yet", "unknown", "done"
INDENT = " " * (3 + STATE_WIDTH + 1)


def render_rollout(ev: Evidence, steps: Sequence[Step], width: int) -> str:
    """The checklist as text no wider than ``width``: per step its number, state and title, the evidence, and
    for a step that does not hold yet the one command that moves it forward."""
    width = max(40, width)
    done = sum(1 for s in steps if s.state == DONE)
    lines = wrap_text(f"rollout of {ev.org} to {ev.table.family.name}: {done}/{len(steps)} steps hold", width)
    lines.append("")
    for step in steps:
        lines += wrap_text(step.title, width, first=f"{step.number:>2} {step.state.ljust(STATE_WIDTH)} ", rest=INDENT)
        for fact in step.evidence:
            lines += wrap_text(fact, width, first=INDENT, rest=INDENT + "  ")
        if step.state != DONE:
            lines += wrap_text(f"next: {step.command}", width, first=INDENT, rest=INDENT + "  ")
    nxt = next((s for s in steps if s.state != DONE), None)
    lines.append("")
    if nxt is None:
        lines += wrap_text("every step holds: the rollout is complete", width)
    else:
        lines += wrap_text(f"next: step {nxt.number} ({nxt.key}): {nxt.command}", width, rest="  ")
    return "\n".join(fit(line, width) for line in lines)
