"""Practice cards: generated from the rule set, so each one agrees with its rule."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import RULES
from webapp.domain import load_rules
from webapp.services.practice import scheduler
from webapp.services.practice.cards import build_deck, load_deck


@pytest.fixture(scope="module")
def rules():
    return load_rules(RULES)


@pytest.fixture(scope="module")
def deck(rules):
    return load_deck(rules)


def test_the_shipped_card_file_has_no_problems_and_covers_the_decided_pairs(deck, rules):
    assert deck.problems == ()
    decided = {(a, s) for a in rules.areas for s in rules.services if rules.lookup(a, s)}
    assert set(deck.cards) <= decided
    assert set(deck.cards) | set(deck.uncovered) == decided
    assert len(deck.cards) >= 200
    # every area the rule set decides somewhere can be practised
    assert {a for a, _ in deck.cards} == {a for a, _ in decided}


def test_every_card_carries_its_rules_party_explanation_and_source(deck, rules):
    for (area, service), card in deck.cards.items():
        rule = rules.resolve(area, service)
        assert card.rule == rule
        assert card.rule.explanation
        assert card.rule.source.startswith("https://")
        for text in card.texts:
            assert "{service}" not in text
            assert text[0].isupper()


def test_shared_cards_never_name_only_one_sides_step(deck):
    # a shared pair's card must read as the whole task: none says "AWS ..." or "your ..."
    # alone; the control families name both layers
    for card in deck.cards.values():
        if card.rule.party == "shared" and card.area in (
            "patch-management",
            "configuration-management",
            "awareness-training",
        ):
            assert all(
                ("AWS" in t or "physical" in t) and ("your" in t or "software" in t)
                for t in card.texts
            ), card.texts


def test_siblings_differ_in_owner_only_by_service(deck):
    pair = ("db-engine-patching", "ec2")
    assert ("db-engine-patching", "rds") in deck.siblings[pair]
    for key, others in deck.siblings.items():
        for other in others:
            assert other[0] == key[0]
            assert other[1] != key[1]
            assert deck.cards[other].rule.party != deck.cards[key].rule.party


@pytest.mark.parametrize(
    ("doc", "problem"),
    [
        ({"areas": {"no-such-area": {"tasks": ["Do {service}"]}}}, "unknown area"),
        (
            {
                "services": {"ec2": "x"},
                "areas": {"k8s-control-plane": {"tasks": ["Run {service}"], "services": ["ec2"]}},
            },
            "no rule decides",
        ),
        ({"areas": {"hardware": {"tasks": ["Fix the servers"]}}}, "must hold {service} once"),
        ({"areas": {"hardware": {"tasks": []}}}, "one to 3 task phrasings"),
        (
            {"services": {}, "areas": {"k8s-control-plane": {"tasks": ["Run {service}"]}}},
            "no phrase for service 'eks'",
        ),
        (
            {"areas": {"hardware": {"tasks": ["Fix {service}"], "colour": "red"}}},
            "unknown field 'colour'",
        ),
        (
            {"areas": {"hardware": {"tasks": ["Fix {service}"]}}, "misconceptions": {3: ["x/y"]}},
            "unknown pair",
        ),
    ],
)
def test_the_card_checks_name_each_problem(rules, doc, problem):
    deck = build_deck(doc, rules, "cards.yaml")
    assert any(problem in p for p in deck.problems), deck.problems


def test_cli_lint_checks_the_card_file_and_lists_uncovered_pairs(runner_cli):
    from webapp.cli import main

    result = runner_cli.invoke(main, ["lint"])
    assert result.exit_code == 0, result.output
    assert "practice cards" in result.output
    assert "without a card" in result.output


@pytest.fixture
def runner_cli():
    from click.testing import CliRunner

    return CliRunner()


# --- the scheduler on plain data ----------------------------------------------------------


class Pair:
    """A stored pair as the scheduler reads it (the model's fields)."""

    def __init__(self, now):
        card = scheduler.new_card(now)
        self.state, self.step = card.state.value, card.step
        self.stability = self.difficulty = None
        self.due, self.last_review = now, None
        self.reviews = self.lapses = 0
        self.last_result = None
        self.misconception = None

    def review(self, correct, now, misconception=False):
        rating = scheduler.rating_for(correct, misconception, self.reviews)
        after = scheduler.review(scheduler.to_card(self), rating, now)
        self.state, self.step = after.state.value, after.step
        self.stability, self.difficulty = after.stability, after.difficulty
        self.due, self.last_review = after.due, now
        self.reviews += 1
        self.last_result = "correct" if correct else "incorrect"


def test_a_pair_answered_right_again_and_again_is_spaced_further_apart():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    pair = Pair(now)
    gaps = []
    for _ in range(6):
        pair.review(True, now)
        gaps.append(pair.due - now)
        now = pair.due
    assert gaps[-1] > timedelta(days=30)
    assert all(later > earlier for earlier, later in zip(gaps[1:], gaps[2:], strict=False))


def test_a_wrong_answer_comes_back_within_minutes_and_a_misconception_sooner_than_a_plain_pair():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    plain, trap = Pair(now), Pair(now)
    for p, flag in ((plain, False), (trap, True)):
        for _ in range(3):
            p.review(True, now, misconception=flag)
    assert trap.due <= plain.due
    plain.review(False, now)
    assert plain.due - now <= timedelta(minutes=10)


def test_choose_puts_missed_pairs_first_with_their_contrast_and_few_new_ones(deck):
    now = datetime(2026, 1, 1, tzinfo=UTC)
    known = {}
    for key in list(deck.cards)[:40]:
        p = Pair(now - timedelta(days=1))
        p.review(True, now - timedelta(days=1))
        p.due = now + timedelta(days=5)
        known[key] = p
    missed = ("db-engine-patching", "ec2")
    known[missed] = Pair(now)
    known[missed].review(False, now)
    chosen = scheduler.choose(deck.cards, known, deck.siblings, 10, now, random.Random(1))
    keys = [c.key for c in chosen]
    assert keys[0] == missed
    assert chosen[0].reason == "again"
    assert keys[1][0] == "db-engine-patching"
    assert chosen[1].reason == "contrast"
    # new pairs: the missed pair's contrast, then a few more, each maybe with its contrast
    new = [c for c in chosen if c.key not in known]
    assert 1 <= len(new) <= 1 + scheduler.NEW_PER_ROUND + 1
    assert any(c.reason == "ahead" for c in chosen)  # the rest of the round: known pairs
    assert len(chosen) == 10
    assert len(set(keys)) == 10
