"""Dealing from the database picks what the in-memory scheduler picks, and the scheduler's
behaviour (a miss comes back first, right answers drift apart) holds on stored pairs."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from fsrs import Card, Scheduler, State

from webapp.extensions import db
from webapp.services.practice import pairs, scheduler
from webapp.services.practice.pairs import PairRow
from webapp.services.practice.store import (
    Focus,
    Placement,
    _narrowing,
    answer,
    deal,
    deck_for,
    pool_of,
    record_reviews,
)

NOW = datetime(2026, 6, 1, 9, 30, tzinfo=UTC)
OWNER = "learner:sources"


def test_recall_from_the_columns_is_fsrs_retrievability():
    fsrs = Scheduler(enable_fuzzing=False)
    for stability in (0.2, 1.0, 3.7, 40.0):
        for days in (0, 1, 2, 9, 30, 400):
            last = NOW - timedelta(days=days, hours=5)
            card = Card(state=State.Review, stability=stability, difficulty=5.0, last_review=last)
            expected = fsrs.get_card_retrievability(card, current_datetime=NOW)
            assert scheduler.recall_of(stability, last, "correct", NOW) == pytest.approx(expected)
    assert scheduler.recall_of(3.0, NOW, "incorrect", NOW) == 0.0
    assert scheduler.recall_of(None, None, None, NOW) == 0.0


def _history(deck, rng: random.Random) -> dict:
    """A learner's stored pairs with many ties: missed, due, ahead, and one outside every
    pool (an attempt's pair that has no card)."""
    rows = {}
    for key in list(deck.cards)[::2][:120]:
        kind = rng.choice(("missed", "due", "ahead", "ahead"))
        days = rng.choice((0, 0, 1, 3, 12))
        due = (
            NOW + timedelta(minutes=rng.choice((-90, -10, 10)))
            if kind != "ahead"
            else (NOW + timedelta(days=rng.choice((2, 5, 5, 30))))
        )
        rows[key] = PairRow(
            *key,
            state=State.Review.value,
            step=None,
            stability=rng.choice((0.5, 2.0, 2.0, 8.0)),
            difficulty=5.0,
            due=scheduler.naive(due if kind != "due" else NOW - timedelta(hours=1)),
            last_review=scheduler.naive(NOW - timedelta(days=days, minutes=7)),
            reviews=3,
            lapses=0,
            last_result="incorrect" if kind == "missed" else "correct",
            misconception=None,
        )
    return rows


@pytest.mark.parametrize("dealing", [False, True], ids=["each-read", "dealing-reads"])
@pytest.mark.parametrize(
    "focus",
    [Focus(), Focus(model="managed"), Focus(area="db-engine-patching"), Focus(service="ec2")],
    ids=["all", "model", "area", "service"],
)
def test_the_database_deals_what_the_scheduler_chooses_in_memory(app, focus, dealing):
    """Each source read on its own, and the fewer reads of one round being dealt (missed
    with due, met with ahead), answer what the in-memory sources answer; two missed pairs
    outside every pool come first in the missed read, so a short read must read on."""
    with app.app_context():
        deck = deck_for("aws")
        rows = _history(deck, random.Random(3))
        outside = []
        for days, key in ((9, ("customer-data", "eks-auto-mode")), (8, ("hardware", "saas"))):
            assert key not in deck.cards
            row = PairRow.new(key, NOW)
            row.last_result, row.due = "incorrect", scheduler.naive(NOW - timedelta(days=days))
            outside.append(row)
        pairs.save(db.session, OWNER, "aws", [*rows.values(), *outside])
        pool = pool_of(deck, focus)
        memory = scheduler.MemorySources(pool, rows)

        def stored() -> pairs.StoredSources:
            return pairs.StoredSources(
                db.session,
                OWNER,
                "aws",
                pool,
                _narrowing(deck, focus),
                now=NOW if dealing else None,
            )

        for size in (1, 3, 10, 30):
            sources = stored()
            assert sources.again(size) == memory.again(size)
            assert sources.due(size, NOW) == memory.due(size, NOW)
            assert set(sources.known()) == set(memory.known())
            assert sources.ahead(size, set(), NOW) == memory.ahead(size, set(), NOW)
            for seed in (1, 2):
                got = scheduler.choose_from(
                    pool, stored(), deck.siblings, size, NOW, random.Random(seed)
                )
                want = scheduler.choose(pool, rows, deck.siblings, size, NOW, random.Random(seed))
                assert got == want


def _right(deck, key):
    return Placement(*key, given=deck.cards[key].rule.party, expected=deck.cards[key].rule.party)


def test_a_stored_pair_answered_right_again_and_again_comes_back_later_each_time(app):
    with app.app_context():
        deck = deck_for("aws")
        key = ("hardware", "ec2")
        now, gaps = NOW, []
        for _ in range(6):
            record_reviews(db.session, OWNER, "aws", [_right(deck, key)], "practice", now)
            due = scheduler.aware(pairs.load(db.session, OWNER, "aws", [key])[key].due)
            gaps.append(due - now)
            now = due
        assert all(later > earlier for earlier, later in zip(gaps[1:], gaps[2:], strict=False))
        assert gaps[-1] > timedelta(days=30)


def test_a_miss_comes_back_first_and_right_answers_wait_behind_new_pairs(app):
    with app.app_context():
        deck = deck_for("aws")
        rng = random.Random(5)
        first = deal(db.session, OWNER, deck, 10, NOW, rng=rng)
        keys = [(c["area"], c["service"]) for c in first.cards]
        missed = keys[2]
        answers = {
            c["id"]: deck.cards[k].rule.party for c, k in zip(first.cards, keys, strict=True)
        }
        answers[first.cards[2]["id"]] = (
            "shared" if deck.cards[missed].rule.party != "shared" else "aws"
        )
        results = answer(db.session, first, answers, deck, NOW)
        assert sum(not r["correct"] for r in results) == 1
        later = NOW + timedelta(minutes=5)  # a right first answer waits 10 minutes, a miss 1
        second = deal(db.session, OWNER, deck, 10, later, rng=rng)
        again = [(c["area"], c["service"]) for c in second.cards]
        assert again[0] == missed
        # pairs answered right are not due yet: they only fill the round's end, after the
        # miss and the new pairs
        right = [n for n, k in enumerate(again) if k in set(keys) - {missed}]
        fresh = [n for n, k in enumerate(again) if k not in keys]
        assert fresh
        assert all(n > max(fresh) for n in right)
