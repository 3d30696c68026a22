"""Reviews from attempts and class answers are stored pending in the attempt's transaction
and folded into the pairs when the learner's pairs are next read: the pairs end exactly as
if each review had been applied at once, and each review is folded once."""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.helpers.api import GRADE, ORACLE
from tests.helpers.keys import key_for
from webapp.extensions import db
from webapp.models import PracticePair, PracticeReview
from webapp.services.practice import pairs
from webapp.services.practice.store import (
    Placement,
    deck_for,
    journal_reviews,
    record_reviews,
    settle,
)

NOW = datetime(2026, 6, 1, 9, 30, tzinfo=UTC)
PROGRESS = "/api/v1/progress"


def _placements(deck, n: int, wrong_every: int = 3) -> list[Placement]:
    """n placements over a few pairs, some wrong, one pair tagged with a misconception."""
    keys = list(deck.cards)[:4]
    out = []
    for i in range(n):
        key = keys[i % len(keys)]
        party = deck.cards[key].rule.party
        given = party if i % wrong_every else ("shared" if party != "shared" else "aws")
        out.append(Placement(*key, given, party, 17 if key == keys[0] else None))
    return out


def _state(owner: str) -> dict:
    rows = db.session.execute(select(PracticePair).where(PracticePair.owner == owner)).scalars()
    fields = ("state", "step", "stability", "difficulty", "due", "last_review")
    return {
        (r.area, r.service): (
            *(getattr(r, f) for f in fields),
            r.reviews,
            r.lapses,
            r.last_result,
            r.misconception,
        )
        for r in rows
    }


def test_folded_reviews_leave_the_pairs_as_reviews_applied_at_once(app):
    with app.app_context():
        deck = deck_for("aws")
        steps = _placements(deck, 12)
        for n, placement in enumerate(steps):
            moment = NOW + timedelta(minutes=7 * n)
            record_reviews(db.session, "learner:at-once", "aws", [placement], "attempt", moment)
            journal_reviews(db.session, "learner:later", "aws", [placement], "attempt", moment)
        db.session.commit()
        assert _state("learner:later") == {}  # nothing folded yet
        assert settle(db.session, "learner:later") == len(steps)
        db.session.commit()
        assert _state("learner:later") == _state("learner:at-once")
        logs = {
            owner: [
                (r.area, r.service, r.given, r.correct, r.misconception, r.pending)
                for r in db.session.execute(
                    select(PracticeReview)
                    .where(PracticeReview.owner == owner)
                    .order_by(PracticeReview.id)
                ).scalars()
            ]
            for owner in ("learner:at-once", "learner:later")
        }
        assert logs["learner:later"] == logs["learner:at-once"]
        assert not any(row[-1] for row in logs["learner:later"])


def test_each_pending_review_is_folded_once(app):
    with app.app_context():
        deck = deck_for("aws")
        journal_reviews(db.session, "learner:once", "aws", _placements(deck, 5), "class", NOW)
        db.session.commit()
        assert settle(db.session, "learner:once") == 5
        assert settle(db.session, "learner:once") == 0
        db.session.commit()
        reviews = sum(r[6] for r in _state("learner:once").values())
        assert reviews == 5


def test_a_fold_that_lost_the_race_changes_nothing(app, monkeypatch):
    """Two requests read the same pending reviews; the one whose claim finds them taken
    folds nothing (the other already did)."""
    with app.app_context():
        deck = deck_for("aws")
        journal_reviews(db.session, "learner:race", "aws", _placements(deck, 4), "attempt", NOW)
        db.session.commit()
        from webapp.services.practice import store

        stale = db.session.execute(store._PENDING, {"owner": "learner:race"}).all()
        assert settle(db.session, "learner:race") == 4
        db.session.commit()
        before = _state("learner:race")
        real_execute = db.session.execute

        def replay(statement, *args, **kwargs):  # the other request's stale read
            if statement is store._PENDING:
                return type("R", (), {"all": lambda self: stale})()
            return real_execute(statement, *args, **kwargs)

        monkeypatch.setattr(db.session, "execute", replay)
        assert settle(db.session, "learner:race") == 0
        monkeypatch.undo()
        db.session.commit()
        assert _state("learner:race") == before


def test_a_review_stored_late_does_not_go_back_in_time(app):
    with app.app_context():
        deck = deck_for("aws")
        key = next(iter(deck.cards))
        right = Placement(*key, deck.cards[key].rule.party, deck.cards[key].rule.party)
        record_reviews(db.session, "learner:late", "aws", [right], "practice", NOW)
        journal_reviews(
            db.session, "learner:late", "aws", [right], "attempt", NOW - timedelta(hours=1)
        )
        db.session.commit()
        assert settle(db.session, "learner:late") == 1
        row = pairs.load(db.session, "learner:late", "aws", [key])[key]
        assert row.reviews == 2
        assert row.last_review == NOW.replace(tzinfo=None)


def test_an_attempt_stores_pending_reviews_that_progress_folds_in(app, client):
    key = key_for(app, ORACLE, "oracle-on-rds")
    assert client.post(GRADE, json={"variant": "oracle-on-rds", "answers": key}).status_code == 200
    with app.app_context():
        pending = (
            db.session.execute(select(PracticeReview).where(PracticeReview.pending)).scalars().all()
        )
        assert pending
        assert all(r.origin == "attempt" for r in pending)
        assert db.session.execute(select(PracticePair)).first() is None
    pairs_seen = client.get(PROGRESS).get_json()["pairs"]
    assert len(pairs_seen) == len({(r.area, r.service) for r in pending})
    assert all(p["last_result"] == "correct" and p["reviews"] >= 1 for p in pairs_seen)
    with app.app_context():  # folded and kept: the GET committed what it folded
        assert not db.session.execute(select(PracticeReview).where(PracticeReview.pending)).first()
        assert db.session.execute(select(PracticePair)).first() is not None
    again = client.get(PROGRESS).get_json()["pairs"]
    assert again == pairs_seen


@pytest.mark.skipif(
    bool(os.environ.get("TEST_DATABASE_URL")), reason="SQLite's read-then-write refusal"
)
def test_a_read_transaction_folds_even_after_another_process_wrote(app):
    """On SQLite a transaction begun to read that then writes fails at once when another
    connection wrote since (busy timeout or not): a progress page (a GET) must still fold."""
    with app.app_context():
        deck = deck_for("aws")
        journal_reviews(db.session, "learner:get", "aws", _placements(deck, 3), "attempt", NOW)
        db.session.commit()
        assert db.session.execute(select(PracticeReview.id)).first()  # a read: deferred
        path = db.engine.url.database
        other = sqlite3.connect(path, isolation_level=None)
        other.execute(
            "INSERT INTO practice_reviews (owner, provider, area, service, given, "
            "expected, correct, origin, reviewed_at, pending) VALUES ('learner:x', "
            "'aws', 'a', 's', 'aws', 'aws', 1, 'attempt', '2026-06-01', 0)"
        )
        other.close()
        assert settle(db.session, "learner:get") == 3
        db.session.commit()
        assert sum(r[6] for r in _state("learner:get").values()) == 3
