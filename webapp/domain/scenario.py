"""Scenarios: components, variants and tasks. The expected party is derived, never stored.

A scenario names the parties it uses, its components (each running on a service), optional
variants (each swapping the service of some components) and tasks (text, component, area).
Under a variant, a task's expected party is the rule set's answer for (area, service).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .rules import DEFAULT_PROVIDER
from .schema import (
    DEFAULT_SETTINGS,
    FEEDBACK,
    ID_PATTERN,
    MODES,
    Feedback,
    Mode,
    Settings,
)

__all__ = [
    "FEEDBACK",
    "ID_PATTERN",
    "MODES",
    "Component",
    "Feedback",
    "Mode",
    "Scenario",
    "Settings",
    "Task",
    "Variant",
    "build_scenario",
    "load_scenario",
    "parse_scenario",
    "services_under",
    "to_document",
]


def services_under(
    own: Mapping[str, str], swaps: Mapping[str, str] | Iterable[tuple[str, str]] | None = None
) -> dict[str, str]:
    """Component id -> service id under a variant: the components' own services with the
    variant's swaps applied (no swaps: the components' own)."""
    services = dict(own)
    if swaps:
        services.update(swaps)
    return services


@dataclass(frozen=True, slots=True)
class Component:
    id: str
    name: str
    service: str
    inside: str | None = None  # the component it sits in (a VPC holding an instance)


@dataclass(frozen=True, slots=True)
class Variant:
    id: str
    title: str
    services: tuple[tuple[str, str], ...]  # (component id, service id)


@dataclass(frozen=True, slots=True)
class Task:
    id: str
    text: str
    component: str
    area: str
    misconception: int | None = None
    explain: str | None = None  # the card's own sentence, added to the rule's explanation


@dataclass(frozen=True)
class Scenario:
    id: str
    title: str
    summary: str
    description: str
    parties: tuple[str, ...]
    components: tuple[Component, ...]
    variants: tuple[Variant, ...]
    tasks: tuple[Task, ...]
    settings: Settings = DEFAULT_SETTINGS
    provider: str = DEFAULT_PROVIDER  # whose rule set decides the tasks
    _cache: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False, hash=False)

    # --- look-ups ---------------------------------------------------------------------
    def component(self, component_id: str) -> Component:
        return {c.id: c for c in self.components}[component_id]

    def variant(self, variant_id: str) -> Variant:
        for v in self.variants:
            if v.id == variant_id:
                return v
        raise KeyError(variant_id)

    @property
    def variant_ids(self) -> tuple[str, ...]:
        return tuple(v.id for v in self.variants)

    @property
    def default_variant(self) -> str | None:
        return self.variants[0].id if self.variants else None

    def services_for(self, variant_id: str | None) -> dict[str, str]:
        """Component id -> service id under the variant (None: the components' own)."""
        own = {c.id: c.service for c in self.components}
        return services_under(own, self.variant(variant_id).services if variant_id else None)

    @property
    def content_hash(self) -> str:
        """A stable hash of the scenario's content: identifies the version an attempt saw."""
        cached = self._cache.get("hash")
        if cached is None:
            blob = json.dumps(to_document(self), sort_keys=True, ensure_ascii=False)
            cached = hashlib.sha256(blob.encode("utf-8")).hexdigest()
            self._cache["hash"] = cached
        return cached


# --- documents (the YAML shape) --------------------------------------------------------


def to_document(scenario: Scenario) -> dict[str, Any]:
    """The scenario as a plain dict in exactly the shape of a scenario file."""
    doc: dict[str, Any] = {
        "id": scenario.id,
        "title": scenario.title,
        "summary": scenario.summary,
        "description": scenario.description,
    }
    if scenario.provider != DEFAULT_PROVIDER:  # AWS scenarios keep their content hash
        doc["provider"] = scenario.provider
    doc |= {
        "parties": list(scenario.parties),
        "components": [
            {
                "id": c.id,
                "name": c.name,
                "service": c.service,
                **({"inside": c.inside} if c.inside else {}),
            }
            for c in scenario.components
        ],
    }
    if scenario.variants:
        doc["variants"] = [
            {"id": v.id, "title": v.title, "services": dict(v.services)} for v in scenario.variants
        ]
    tasks = []
    for t in scenario.tasks:
        item: dict[str, Any] = {
            "id": t.id,
            "text": t.text,
            "component": t.component,
            "area": t.area,
        }
        if t.misconception is not None:
            item["misconception"] = t.misconception
        if t.explain:
            item["explain"] = t.explain
        tasks.append(item)
    doc["tasks"] = tasks
    s = scenario.settings
    if s != DEFAULT_SETTINGS:
        settings: dict[str, Any] = {"mode": str(s.mode)}
        if s.max_attempts is not None:
            settings["max_attempts"] = s.max_attempts
        if s.feedback != DEFAULT_SETTINGS.feedback:
            settings["feedback"] = str(s.feedback)
        if s.pass_score != DEFAULT_SETTINGS.pass_score:
            settings["pass_score"] = s.pass_score
        if s.feedback_per_card:
            settings["feedback_per_card"] = True
        doc["settings"] = settings
    return doc


# validation lives in scenario_build.py; these names stay importable from here
from .scenario_build import build_scenario, load_scenario, parse_scenario  # noqa: E402
