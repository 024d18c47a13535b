"""The probe plan: org x model x surface (x stream), in a stable, readable order. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from gpt56probe.core.models import ModelSpec
from gpt56probe.core.observation import Target

SURFACE_CHOICES = {"chat": ("chat",), "responses": ("responses",), "both": ("chat", "responses")}


@dataclass(frozen=True)
class OrgPlan:
    """One org to probe, with the project and the id of the key it uses."""

    org: str | None
    key_id: str
    project: str | None = None


def build_targets(orgs: Sequence[OrgPlan], models: Iterable[ModelSpec], surface: str = "chat", stream: bool = False) -> list[Target]:
    """Every target, org by org, models in table order, each surface, then its streamed twin."""
    specs = tuple(models)
    surfaces = SURFACE_CHOICES[surface]
    targets: list[Target] = []
    for org in orgs:
        for spec in specs:
            for name in surfaces:
                for streamed in ((False, True) if stream else (False,)):
                    targets.append(Target(org.org, spec.id, spec.tier, name, streamed, org.project, org.key_id))
    return targets
