"""The (area, service) pairs learners still get wrong on one scenario, from the reviews its
stored attempts left (every graded placement is a review of its pair), and the practice
links an instructor makes from them."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Integer, case, cast, func, select
from sqlalchemy.orm import Session

from ...models import Attempt, PracticePairSet, PracticeReview
from ..analytics import LEARNER, Scope, attempt_filters
from .cards import Deck
from .scheduler import Key


@dataclass(frozen=True)
class WrongPair:
    """A pair of a scenario: how many learners placed it, and how many of them got it wrong
    the last time they did."""

    area: str
    service: str
    area_name: str
    service_name: str
    wrong: int
    placed: int
    provider: str | None = None

    @property
    def key(self) -> Key:
        return (self.area, self.service)

    @property
    def wrong_share(self) -> float:
        return self.wrong / self.placed if self.placed else 0.0


def named(
    deck: Deck | None,
    area: str,
    service: str,
    wrong: int,
    placed: int,
    provider: str | None = None,
) -> WrongPair:
    """A WrongPair with the area's and service's names from the deck's rule set."""
    rules = deck.rules if deck else None
    return WrongPair(
        area,
        service,
        rules.areas[area].name if rules and area in rules.areas else area,
        rules.services[service].name if rules and service in rules.services else service,
        wrong,
        placed,
        provider,
    )


def scenario_wrong_pairs(session: Session, scope: Scope, deck: Deck | None) -> list[WrongPair]:
    """Per pair of the scenario's attempts in scope (the analytics page's own filters), each
    learner's latest placement of it: the pairs some learner still gets wrong, the largest
    share wrong first. Counted in SQL, one row per pair."""
    # an attempt nobody can be traced from counts as a learner of its own
    who = func.coalesce(LEARNER, Attempt.id)
    latest = (
        select(
            who.label("who"),
            PracticeReview.area,
            PracticeReview.service,
            PracticeReview.correct,
            # every placement of the learner's latest attempt at the pair ranks first (a
            # scenario may place one pair in two tasks)
            func.dense_rank()
            .over(
                partition_by=(who, PracticeReview.area, PracticeReview.service),
                order_by=(Attempt.created_at.desc(), Attempt.id.desc()),
            )
            .label("nth"),
        )
        .join(Attempt, Attempt.id == PracticeReview.attempt_id)
        .where(*attempt_filters(scope))
        .subquery()
    )
    per_learner = (
        select(
            latest.c.area,
            latest.c.service,
            func.max(case((latest.c.correct, 0), else_=1)).label("missed"),
        )
        .where(latest.c.nth == 1)
        .group_by(latest.c.who, latest.c.area, latest.c.service)
        .subquery()
    )
    wrong = func.sum(per_learner.c.missed)
    rows = session.execute(
        select(per_learner.c.area, per_learner.c.service, cast(wrong, Integer), func.count())
        .group_by(per_learner.c.area, per_learner.c.service)
        .having(wrong > 0)
    ).all()
    pairs = [named(deck, area, service, int(w), int(n)) for area, service, w, n in rows]
    return sorted(pairs, key=lambda p: (-p.wrong_share, -p.wrong, p.area, p.service))


def make_pair_set(
    session: Session, deck: Deck, keys: Iterable[Key], title: str, user_id: int | None
) -> PracticePairSet | None:
    """A practice link for the pairs the deck can deal (None when it can deal none)."""
    pairs = sorted({k for k in keys if k in deck.cards})
    if not pairs:
        return None
    row = PracticePairSet(
        id=secrets.token_hex(8),
        provider=deck.provider,
        title=title[:200],
        pairs=[list(p) for p in pairs],
        created_by=user_id,
    )
    session.add(row)
    session.flush()
    return row
