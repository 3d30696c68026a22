"""The catalogue as a path: the course's own activity first, a time estimate per scenario,
and filters by service model and provider that work as plain links and GET forms."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..domain import RuleSet, Scenario

START_HERE = "s3-vpc-ec2-oracle"  # the course's own activity
SECONDS_PER_TASK = 30  # reading a card, deciding, placing it
SECONDS_TO_READ = 90  # the situation and the architecture
DEFAULT_PROVIDER = "aws"
PROVIDER_NAMES = {"aws": "AWS", "azure": "Microsoft Azure", "gcp": "Google Cloud"}


@dataclass(frozen=True)
class Entry:
    """One scenario in the catalogue, with what the learner needs to choose it."""

    scenario: Scenario
    models: tuple[tuple[str, str], ...]  # (model id, name) of the services it touches
    provider: str
    minutes: int
    best: float | None
    start_here: bool = False

    @property
    def model_names(self) -> tuple[str, ...]:
        return tuple(name for _, name in self.models)

    @property
    def provider_name(self) -> str:
        return provider_name(self.provider)


@dataclass(frozen=True)
class Filters:
    """The filters asked for, each checked against the values the catalogue holds."""

    model: str = ""
    provider: str = ""

    @property
    def active(self) -> bool:
        return bool(self.model or self.provider)


@dataclass(frozen=True)
class Catalogue:
    entries: list[Entry]  # after filtering, the start-here scenario first
    total: int  # before filtering
    filters: Filters
    models: list[tuple[str, str]]  # every (id, name) the catalogue's scenarios touch
    providers: list[tuple[str, str]]  # every (id, name)

    @property
    def start(self) -> Entry | None:
        return next((e for e in self.entries if e.start_here), None)

    @property
    def others(self) -> list[Entry]:
        return [e for e in self.entries if not e.start_here]


def provider_name(provider: str) -> str:
    """A provider's name as the catalogue shows it."""
    return PROVIDER_NAMES.get(provider, provider.upper())


def provider_of(scenario: Scenario) -> str:
    """The cloud provider a scenario is about (scenario files may say; AWS otherwise)."""
    value = getattr(scenario, "provider", None)
    return value if isinstance(value, str) and value else DEFAULT_PROVIDER


def minutes_for(task_count: int) -> int:
    """A rough time to finish a scenario once, in whole minutes."""
    return max(1, math.ceil((SECONDS_TO_READ + SECONDS_PER_TASK * task_count) / 60))


def models_of(scenario: Scenario, rules: RuleSet) -> tuple[tuple[str, str], ...]:
    """(id, name) of the service models a scenario touches under any variant, in the rule
    set's order."""
    services = set(scenario.services_for(None).values())
    for variant in scenario.variants:
        services.update(scenario.services_for(variant.id).values())
    ids = {rules.services[s].model for s in services if s in rules.services}
    return tuple((m, rules.models.get(m, m)) for m in rules.models if m in ids)


def entry(scenario: Scenario, rules: RuleSet, best: float | None) -> Entry:
    """A catalogue entry for one scenario."""
    return Entry(
        scenario,
        models_of(scenario, rules),
        provider_of(scenario),
        minutes_for(len(scenario.tasks)),
        best,
        scenario.id == START_HERE,
    )


def read_filters(args: Mapping[str, str], entries: Iterable[Entry]) -> Filters:
    """The filters of a query string; a value no scenario has counts as no filter."""
    entries = list(entries)
    models = {m for e in entries for m, _ in e.models}
    providers = {e.provider for e in entries}
    model = args.get("model", "")
    provider = args.get("provider", "")
    return Filters(model if model in models else "", provider if provider in providers else "")


def matches(e: Entry, filters: Filters) -> bool:
    """Does an entry pass the filters?"""
    if filters.model and filters.model not in {m for m, _ in e.models}:
        return False
    return not (filters.provider and e.provider != filters.provider)


def build(
    scenarios: list[Scenario], rules: RuleSet, best: dict[str, float], args: Mapping[str, str]
) -> Catalogue:
    """The catalogue: every scenario as an entry, filtered, the start-here one first."""
    everything = [entry(s, rules, best.get(s.id)) for s in scenarios]
    filters = read_filters(args, everything)
    shown = sorted((e for e in everything if matches(e, filters)), key=lambda e: not e.start_here)
    seen_models = {m for e in everything for m, _ in e.models}
    models = [(m, name) for m, name in rules.models.items() if m in seen_models]
    providers = sorted(
        {e.provider for e in everything}, key=lambda p: (p != DEFAULT_PROVIDER, provider_name(p))
    )
    return Catalogue(
        shown, len(everything), filters, models, [(p, provider_name(p)) for p in providers]
    )
