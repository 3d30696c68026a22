"""Practice cards generated from a rule set: one card per (area, service) pair a card file
phrases and the rule set decides. The expected party, explanation and source of a card are
always the rule's; the card file only says how the task reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ...cache import BoundedCache
from ...domain.rules import Rule, RuleSet

SLOT = "{service}"
MAX_TASKS = 3


@dataclass(frozen=True, slots=True)
class PairCard:
    """Everything needed to deal and grade one (area, service) pair."""

    area: str
    service: str
    texts: tuple[str, ...]
    rule: Rule
    misconceptions: tuple[int, ...] = ()

    @property
    def key(self) -> tuple[str, str]:
        return (self.area, self.service)


@dataclass(frozen=True)
class Deck:
    """The cards of one provider's rule set, in rule-set order (areas, then services)."""

    provider: str
    rules: RuleSet
    cards: dict[tuple[str, str], PairCard]
    problems: tuple[str, ...] = ()
    uncovered: tuple[tuple[str, str], ...] = ()  # decided pairs without a card
    siblings: dict[tuple[str, str], tuple[tuple[str, str], ...]] = field(default_factory=dict)
    # focus -> the pairs a round with that focus may draw from, in deck order
    pools: BoundedCache[tuple[tuple[str, str], ...]] = field(
        default_factory=lambda: BoundedCache(128), compare=False, repr=False
    )

    def text(self, key: tuple[str, str], choice: int = 0) -> str:
        texts = self.cards[key].texts
        return texts[choice % len(texts)]


def cards_file_for(rules: RuleSet) -> Path:
    """Where a rule set's card file lives: in the cards/ folder beside it, named after its
    provider (cards/aws.yaml), so it is not taken for another provider's rule set."""
    return Path(rules.source_file).parent / "cards" / f"{rules.provider}.yaml"


def load_deck(rules: RuleSet, path: str | Path | None = None) -> Deck:
    """Read a card file and build the deck; problems are kept on the deck, never raised,
    so a broken card file leaves practice empty instead of stopping the app."""
    path = Path(path) if path is not None else cards_file_for(rules)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        return Deck(rules.provider, rules, {}, (f"{path}: cannot read: {exc.strerror}",))
    except yaml.YAMLError as exc:
        return Deck(rules.provider, rules, {}, (f"{path}: not valid YAML: {exc}",))
    return build_deck(doc, rules, str(path))


def _strings(value: Any) -> list[str] | None:
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        return None
    return value


def build_deck(doc: Any, rules: RuleSet, filename: str = "<cards>") -> Deck:
    """Check a card document against the rule set and generate every card it phrases."""
    problems: list[str] = []

    def problem(text: str) -> None:
        problems.append(f"{filename}: {text}")

    if not isinstance(doc, dict):
        problem("the card file must be a YAML mapping")
        return Deck(rules.provider, rules, {}, tuple(problems))
    if doc.get("provider", rules.provider) != rules.provider:
        problem(f"provider '{doc.get('provider')}' is not the rule set's '{rules.provider}'")
    phrases = doc.get("services") or {}
    if not isinstance(phrases, dict):
        problem("'services' must map service ids to phrases")
        phrases = {}
    for sid, phrase in phrases.items():
        if sid not in rules.services:
            problem(f"services: unknown service '{sid}'")
        elif not isinstance(phrase, str) or not phrase.strip():
            problem(f"services: '{sid}' needs a phrase")
    areas = doc.get("areas") or {}
    if not isinstance(areas, dict) or not areas:
        problem("'areas' must be a non-empty mapping of area ids")
        areas = {}
    tagged = _misconceptions(doc.get("misconceptions"), rules, problem)
    cards: dict[tuple[str, str], PairCard] = {}
    for area in rules.areas:  # rule-set order, so the deck reads like the rule set
        entry = areas.get(area)
        if entry is None:
            continue
        cards.update(_area_cards(area, entry, rules, phrases, tagged, problem))
    for area in areas:
        if area not in rules.areas:
            problem(f"areas: unknown area '{area}'")
    decided = [
        (a, s) for a in rules.areas for s in rules.services if rules.lookup(a, s) is not None
    ]
    uncovered = tuple(k for k in decided if k not in cards)
    return Deck(rules.provider, rules, cards, tuple(problems), uncovered, _siblings(cards))


def _area_cards(
    area: str,
    entry: Any,
    rules: RuleSet,
    phrases: dict[str, Any],
    tagged: dict[tuple[str, str], list[int]],
    problem: Any,
) -> dict[tuple[str, str], PairCard]:
    where = f"area '{area}'"
    if not isinstance(entry, dict):
        problem(f"{where} must be a mapping with 'tasks'")
        return {}
    unknown = set(entry) - {"tasks", "services", "phrases"}
    for key in sorted(unknown):
        problem(f"{where}: unknown field '{key}'")
    tasks = _strings(entry.get("tasks"))
    if not tasks or len(tasks) > MAX_TASKS:
        problem(f"{where} needs one to {MAX_TASKS} task phrasings (a list of text)")
        return {}
    for text in tasks:
        if text.count(SLOT) != 1:
            problem(f"{where}: phrasing must hold {SLOT} once: '{text}'")
            return {}
    overrides = entry.get("phrases") or {}
    if not isinstance(overrides, dict):
        problem(f"{where}: 'phrases' must map service ids to phrases")
        overrides = {}
    listed = entry.get("services")
    if listed is None:
        services = [s for s in rules.services if rules.lookup(area, s) is not None]
    else:
        services = _strings(listed) or []
        if not services:
            problem(f"{where}: 'services' must be a list of service ids")
    cards = {}
    for service in services:
        if service not in rules.services:
            problem(f"{where}: unknown service '{service}'")
            continue
        rule = rules.lookup(area, service)
        if rule is None:
            problem(f"{where}: no rule decides the pair ({area}, {service})")
            continue
        phrase = overrides.get(service) or phrases.get(service)
        if not isinstance(phrase, str) or not phrase.strip():
            problem(f"{where}: no phrase for service '{service}'")
            continue
        texts = tuple(_sentence(t.replace(SLOT, phrase.strip())) for t in tasks)
        key = (area, service)
        cards[key] = PairCard(area, service, texts, rule, tuple(tagged.get(key, ())))
    for service in overrides:
        if service not in services:
            problem(f"{where}: a phrase for service '{service}', which gets no card here")
    return cards


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _misconceptions(value: Any, rules: RuleSet, problem: Any) -> dict[tuple[str, str], list[int]]:
    tagged: dict[tuple[str, str], list[int]] = {}
    if value is None:
        return tagged
    if not isinstance(value, dict):
        problem("'misconceptions' must map numbers to lists of area/service")
        return tagged
    for number, pairs in value.items():
        if not isinstance(number, int) or not _strings(pairs):
            problem(f"misconceptions: {number} must be a number with a list of area/service")
            continue
        for item in pairs:
            area, _, service = item.partition("/")
            if area not in rules.areas or (service != "*" and service not in rules.services):
                problem(f"misconceptions: {number}: unknown pair '{item}'")
                continue
            for sid in rules.services if service == "*" else [service]:
                tagged.setdefault((area, sid), []).append(number)
    return tagged


def _siblings(
    cards: dict[tuple[str, str], PairCard],
) -> dict[tuple[str, str], tuple[tuple[str, str], ...]]:
    """Per pair, the pairs of the same area on other services whose owner differs: the
    contrast the course teaches with Oracle on EC2 against Oracle on RDS."""
    by_area: dict[str, list[PairCard]] = {}
    for card in cards.values():
        by_area.setdefault(card.area, []).append(card)
    result = {}
    for card in cards.values():
        result[card.key] = tuple(
            other.key for other in by_area[card.area] if other.rule.party != card.rule.party
        )
    return result


def lint_cards(rules: RuleSet, list_uncovered: bool = True) -> list[str]:
    """`srm-trainer lint` for a rule set's card file: its problems (returned), and on the
    console how many pairs can be dealt and which decided pairs have no card."""
    import click

    path = cards_file_for(rules)
    if not path.exists():
        return []
    deck = load_deck(rules, path)
    if deck.problems:
        return list(deck.problems)
    click.echo(
        f"ok: practice cards ({rules.provider}): {len(deck.cards)} pair(s) can be dealt, "
        f"{len(deck.uncovered)} decided pair(s) without a card",
        err=True,
    )
    if list_uncovered:
        for area, service in deck.uncovered:
            click.echo(f"{path}: no card for the decided pair ({area}, {service})", err=True)
    return []
