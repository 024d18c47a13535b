"""Eval calls over the probe's own HTTP machinery: one task on one model -> an Observation.

An eval call is a probe with the task's messages, output cap and reasoning effort instead of "Return
ok.": it goes through the same session, per-org slots, deadline, retry and adaptation rules
(retrypolicy.decide) and secret scrubbing as ``check``, and it fans out through ``runner.run_plan``
(bounded concurrency, a hard deadline, the progress callback). Only the request body and the shape it
starts from differ, so ``EvalProber`` overrides exactly those.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

from gpt56probe.core.models import ModelTable
from gpt56probe.core.observation import Target
from gpt56probe.core.retrypolicy import RequestShape
from gpt56probe.net.probe import Deadline, HttpSettings, Prober
from gpt56probe.net.runner import RunResult, run_plan


@dataclass(frozen=True)
class EvalTarget(Target):
    """A probe target that is one eval task at one effort level."""

    task_id: str = ""
    messages: tuple[tuple[str, str], ...] = ()
    cap: int = 1024
    effort: str | None = None
    effort_label: str = "current"


class EvalProber(Prober):
    """A Prober whose request is the task's, starting at the task's effort. What a model is taught (a
    renamed cap, an effort it refused) is kept per model and effort, so one run's lesson never changes
    another run's effort."""

    def __init__(self, session: Any, settings: HttpSettings, table: ModelTable, deadline: Deadline) -> None:
        super().__init__(session, settings, table, deadline)
        self._taught: dict[tuple[str, str | None], RequestShape] = {}
        self._taught_lock = threading.Lock()

    def _shape_for(self, target: Target) -> RequestShape:
        if not isinstance(target, EvalTarget):
            return super()._shape_for(target)
        with self._taught_lock:
            taught = self._taught.get((target.model, target.effort))
        return taught or RequestShape(self.shapes.get(target.model, target.surface).token_param, target.effort)

    def _learn(self, target: Target, shape: RequestShape) -> None:
        if not isinstance(target, EvalTarget):
            super()._learn(target, shape)
            return
        with self._taught_lock:
            self._taught[(target.model, target.effort)] = shape

    def _sample_body(self, target: Target, shape: RequestShape) -> tuple[str, dict[str, Any]]:
        if not isinstance(target, EvalTarget):
            return super()._sample_body(target, shape)
        body: dict[str, Any] = {"model": target.model, "messages": [{"role": r, "content": c} for r, c in target.messages],
                                shape.token_param: target.cap}
        if shape.reasoning_effort:
            body["reasoning_effort"] = shape.reasoning_effort
        return "/chat/completions", body


def _eval_prober(session: Any, settings: HttpSettings, table: ModelTable, deadline: Deadline) -> Prober:
    return EvalProber(session, settings, table, deadline)


def run_calls(targets: Sequence[EvalTarget], keys: Mapping[str, str], settings: HttpSettings, table: ModelTable, *,
              concurrency: int, deadline_s: float, proxy: str | None, trust_env: bool = True,
              progress: Callable[[int, int], None] | None = None) -> RunResult:
    """Every call, concurrently, under one deadline; results keep the targets' order."""
    return run_plan(targets, keys, settings, table, concurrency=concurrency, deadline_s=deadline_s, proxy=proxy,
                    precheck=False, trust_env=trust_env, progress=progress, make_prober=_eval_prober)

