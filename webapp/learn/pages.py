"""What the learner's pages show, built from the domain: never an expected party before grading."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from ..domain import PARTY_NAMES, RuleSet, Scenario, TaskResult
from ..domain.grader import CORRECT, INCORRECT

DISPLAY_ORDER = ("aws", "microsoft", "shared", "customer")  # Shared sits between the owners
_shuffler = random.SystemRandom()


@dataclass(frozen=True)
class ComponentView:
    name: str
    service: str
    model: str
    varies: bool  # the service changes with the variant


@dataclass(frozen=True)
class CatalogueEntry:
    scenario: Scenario
    models: tuple[str, ...]
    best: float | None


def zones(scenario: Scenario) -> list[tuple[str, str]]:
    """(party id, name) of the scenario's zones in the order the board shows them."""
    return [(p, PARTY_NAMES[p]) for p in DISPLAY_ORDER if p in scenario.parties]


def variant_links(scenario: Scenario, url: Callable[[str], str]) -> list[tuple]:
    """(variant, address of the board under it) for a variant switch; empty without variants."""
    return [(v, url(v.id)) for v in scenario.variants]


def models_of(scenario: Scenario, rules: RuleSet) -> tuple[str, ...]:
    """Names of the service models the scenario touches under any variant (catalogue tags)."""
    services = set(scenario.services_for(None).values())
    for variant in scenario.variants:
        services.update(scenario.services_for(variant.id).values())
    rules = rules.providers.get(scenario.provider, rules)
    ids = {rules.services[s].model for s in services if s in rules.services}
    return tuple(rules.models.get(m, m) for m in rules.models if m in ids)


def catalogue(
    scenarios: list[Scenario], rules: RuleSet, best: dict[str, float]
) -> list[CatalogueEntry]:
    """Catalogue rows with the learner's best score."""
    return [CatalogueEntry(s, models_of(s, rules), best.get(s.id)) for s in scenarios]


def components(scenario: Scenario, variant: str | None, rules: RuleSet) -> list[ComponentView]:
    """The architecture under a variant: each component, its service and service model."""
    services = scenario.services_for(variant)
    varying = {comp for v in scenario.variants for comp, _ in v.services}
    rules = rules.providers.get(scenario.provider, rules)
    views = []
    for c in scenario.components:
        service = rules.services.get(services[c.id])
        views.append(
            ComponentView(
                c.name,
                service.name if service else services[c.id],
                rules.models.get(service.model, service.model) if service else "",
                c.id in varying,
            )
        )
    return views


def prepare_board(form, scenario, variant: str | None, order: list[str] | None) -> list:
    """The board's cards in their tray order, with the form's hidden variant and order set
    to match, so that checking grades the board as it was shown."""
    tasks = shuffled_tasks(scenario, order)
    form.variant.data = variant or ""
    form.task_order.data = ",".join(t.id for t in tasks)
    return tasks


def shuffled_tasks(scenario: Scenario, order: list[str] | None = None) -> list:
    """The tasks in the given order, or freshly shuffled (a new order for every attempt)."""
    by_id = {t.id: t for t in scenario.tasks}
    if order and sorted(order) == sorted(by_id):
        return [by_id[i] for i in order]
    tasks = list(scenario.tasks)
    _shuffler.shuffle(tasks)
    return tasks


def misplaced_first(results: tuple[TaskResult, ...]) -> list[TaskResult]:
    """Wrong and unanswered cards first, then the correct ones, each in scenario order."""
    return sorted(results, key=lambda r: r.verdict == CORRECT)


@dataclass(frozen=True)
class Comparison:
    """One task under two variants."""

    text: str
    component: str
    first: TaskResult
    second: TaskResult

    @property
    def moves(self) -> bool:
        return self.first.expected != self.second.expected


def comparison(rows: list[tuple[str, TaskResult, TaskResult]]) -> list[Comparison]:
    """The what-if rows, tasks whose owner moves first."""
    items = [Comparison(a.text, a.component, a, b) for _, a, b in rows]
    return sorted(items, key=lambda c: not c.moves)


def verdict_label(verdict: str) -> str:
    """Text shown with the verdict icon: colour is never the only signal."""
    labels: dict[str, str] = {CORRECT: "Correct", INCORRECT: "Incorrect"}  # str enum keys
    return labels.get(verdict, "Not placed")
