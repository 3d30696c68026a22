"""Practice in the database: who the learner is, every review of a pair, rounds dealt and
answered. Functions take a session and never commit (the view or the signal's sender does).
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from flask import current_app, has_request_context
from sqlalchemy import bindparam, case, select, update
from sqlalchemy import insert as sa_insert
from sqlalchemy.orm import Session

from ...database import writable
from ...domain.rules import PARTIES
from ...models import PracticePair, PracticeReview, PracticeRound
from ..visibility import Viewer, placements_visible
from . import pairs, scheduler
from .cards import Deck, load_deck
from .pairs import PairRow
from .scheduler import Key, aware, naive

ROUNDS = PracticeRound.__table__
REVIEWS = PracticeReview.__table__

if TYPE_CHECKING:
    from sqlalchemy import CursorResult


class PracticeError(Exception):
    """A round cannot be answered: a status the edge maps (404, 403, 409, 400) and details."""

    def __init__(self, status: int, message: str, details: list[str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details or []


# --- who is practising --------------------------------------------------------------------


def owner_of(viewer: Viewer) -> str | None:
    """The signed-in account, else this browser's learner id, else None (nothing yet)."""
    user_id = getattr(viewer.user, "id", None)
    if user_id is not None:
        return f"user:{user_id}"
    if viewer.learner_id:
        return f"learner:{viewer.learner_id}"
    return None


def adopt(session: Session, learner_id: str | None, user_id: int) -> int:
    """Move a browser's practice history onto the account that signed in on it (once:
    afterwards the browser has none left). Where both know a pair, the later review wins."""
    if not learner_id:
        return 0
    source, target = f"learner:{learner_id}", f"user:{user_id}"
    settle(session, source)
    settle(session, target)
    rows = session.execute(select(PracticePair).where(PracticePair.owner == source)).scalars()
    moved = 0
    for row in list(rows):
        mine = session.execute(
            select(PracticePair).where(
                PracticePair.owner == target,
                PracticePair.provider == row.provider,
                PracticePair.area == row.area,
                PracticePair.service == row.service,
            )
        ).scalar_one_or_none()
        if mine is None:
            row.owner = target
        elif (row.last_review or datetime.min) > (mine.last_review or datetime.min):
            session.delete(mine)
            session.flush()
            row.owner = target
        else:
            session.delete(row)
        moved += 1
    for model in (PracticeReview, PracticeRound):
        session.execute(update(model).where(model.owner == source).values(owner=target))
    session.flush()
    return moved


# --- decks --------------------------------------------------------------------------------


def rule_sets() -> dict[str, Any]:
    """Provider -> rule set, for every rule set the app loaded."""
    from .. import content

    return content.rules().providers


def decks() -> dict[str, Deck]:
    """Provider -> deck of practice cards, built once per app."""
    cache = current_app.extensions.get("srm_practice_decks")
    if cache is None:
        cache = {provider: load_deck(rules) for provider, rules in rule_sets().items()}
        current_app.extensions["srm_practice_decks"] = cache
    return cache


def deck_for(provider: str | None) -> Deck | None:
    all_decks = decks()
    if provider is None:
        return next(iter(all_decks.values()), None)
    return all_decks.get(provider)


# --- reviews ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Placement:
    """One graded placement of a pair."""

    area: str
    service: str
    given: str | None
    expected: str
    misconception: int | None = None

    @property
    def correct(self) -> bool:
        return self.given == self.expected


@dataclass
class Reviews:
    """What grading some placements does to their pairs: the rows after, and the log."""

    rows: dict[Key, PairRow]
    log: list[dict[str, Any]]


def _review(row: PairRow, placement: Placement, number: int | None, moment: datetime) -> None:
    """One review of a pair at `moment`: its FSRS card and counts after."""
    right_before = 0 if row.last_result != "correct" else min(row.reviews, 2)
    rating = scheduler.rating_for(placement.correct, number is not None, right_before)
    moment = aware(moment)  # stored times are naive UTC
    if row.last_review is not None and moment < aware(row.last_review):
        moment = aware(row.last_review)  # a review stored late never goes back in time
    after = scheduler.review(scheduler.to_card(row), rating, moment)
    row.state, row.step = after.state.value, after.step
    row.stability, row.difficulty = after.stability, after.difficulty
    row.due, row.last_review = naive(after.due), naive(moment)
    if not placement.correct and row.last_result == "correct":
        row.lapses += 1
    row.reviews += 1
    row.last_result = "correct" if placement.correct else "incorrect"
    row.misconception = None if placement.correct else number


def _log_row(
    owner: str,
    provider: str,
    placement: Placement,
    number: int | None,
    origin: str,
    now: datetime,
    attempt_id: str | None,
    round_id: str | None,
    pending: bool,
    held: bool = False,
) -> dict[str, Any]:
    """A practice_reviews row; a pending one keeps the misconception whatever the result."""
    return {
        "owner": owner,
        "provider": provider,
        "area": placement.area,
        "service": placement.service,
        "given": placement.given,
        "expected": placement.expected,
        "correct": placement.correct,
        "misconception": number if pending or not placement.correct else None,
        "origin": origin,
        "attempt_id": attempt_id,
        "round_id": round_id,
        "reviewed_at": naive(now),
        "pending": pending,
        "held": held,
    }


def _number(placement: Placement, tags: Mapping[Key, tuple[int, ...]]) -> int | None:
    """The listed misconception a placement is tied to: its task's, else its card's."""
    return placement.misconception or next(
        iter(tags.get((placement.area, placement.service), ())), None
    )


def plan_reviews(
    session: Session,
    owner: str,
    provider: str,
    placements: Iterable[Placement],
    origin: str,
    now: datetime,
    attempt_id: str | None = None,
    round_id: str | None = None,
    tags: Mapping[Key, tuple[int, ...]] | None = None,
    unplaced_missed: bool = False,
) -> Reviews:
    """Review each placed pair (a pair placed twice is reviewed twice), writing nothing but
    the owner's pending reviews, which are folded in first. unplaced_missed: a card left
    unplaced is reviewed as missed (a practice round's card the learner did not know)."""
    settle(session, owner)
    placed = [p for p in placements if unplaced_missed or p.given is not None]
    keys = list(dict.fromkeys((p.area, p.service) for p in placed))
    rows = pairs.load(session, owner, provider, keys)
    for key in keys:
        if key not in rows:
            rows[key] = PairRow.new(key, now)
    tags = tags or {}
    log: list[dict[str, Any]] = []
    for placement in placed:
        number = _number(placement, tags)
        _review(rows[(placement.area, placement.service)], placement, number, now)
        log.append(
            _log_row(owner, provider, placement, number, origin, now, attempt_id, round_id, False)
        )
    return Reviews(rows, log)


def journal_reviews(
    session: Session,
    owner: str,
    provider: str,
    placements: Iterable[Placement],
    origin: str,
    now: datetime,
    attempt_id: str | None = None,
    tags: Mapping[Key, tuple[int, ...]] | None = None,
    held: bool = False,
) -> int:
    """Store each placed pair's review pending, in one multi-row insert and with no
    scheduler work: what every graded attempt and class answer set does. settle() folds
    them into the pairs when the learner's pairs are next read; held ones (an attempt whose
    feedback may be held back from the learner) only once the learner may see it."""
    tags = tags or {}
    log = [
        _log_row(owner, provider, p, _number(p, tags), origin, now, attempt_id, None, True, held)
        for p in placements
        if p.given is not None
    ]
    if log:
        session.execute(sa_insert(REVIEWS), log)
    return len(log)


_PENDING = (
    select(
        REVIEWS.c.id,
        REVIEWS.c.provider,
        REVIEWS.c.area,
        REVIEWS.c.service,
        REVIEWS.c.given,
        REVIEWS.c.expected,
        REVIEWS.c.misconception,
        REVIEWS.c.reviewed_at,
        REVIEWS.c.attempt_id,
        REVIEWS.c.held,
    )
    .where(REVIEWS.c.owner == bindparam("owner"), REVIEWS.c.pending)
    .order_by(REVIEWS.c.id)
)


def _shown(session: Session, owner: str, pending: Sequence[Any]) -> set[str]:
    """The attempts of these pending reviews whose held reviews may be folded now: those
    whose feedback the owner may see (visibility decides, for the owner)."""
    held = {r.attempt_id for r in pending if r.held}
    return placements_visible(session, viewer_of(session, owner), held) if held else set()


def _foldable(pending: Sequence[Any], shown: set[str]) -> list[Any]:
    """The pending reviews that may be folded: every one not held, and those of `shown`."""
    return [r for r in pending if not r.held or r.attempt_id in shown]


def viewer_of(session: Session, owner: str) -> Viewer:
    """The practice history's owner as a viewer: this request's, when it is theirs (it
    knows a launched learner's id stands for one person), else the account or the browser
    the owner names."""
    if has_request_context():
        from ...learn.identity import current_viewer

        viewer = current_viewer()
        if owner_of(viewer) == owner:
            return viewer
    kind, _, ident = owner.partition(":")
    if kind == "user" and ident.isdecimal():
        from ...models import User

        user = session.get(User, int(ident))
        return Viewer(user if user is not None and getattr(user, "active", True) else None)
    if kind == "learner":
        return Viewer(learner_id=ident)
    return Viewer()


class _Lost(Exception):
    """Another request folded these reviews first."""


def settle(session: Session, owner: str) -> int:
    """Fold the owner's pending reviews into their pairs, in the order stored and each at
    its own time; returns how many. Held reviews wait until the owner may see their
    attempt's feedback. Of two requests settling at once, one folds each review: the
    reviews are claimed by a conditional update, and a claim that finds fewer than it read
    is undone (the other request folded them)."""
    read = session.execute(_PENDING, {"owner": owner}).all()
    shown = _shown(session, owner, read)  # asked once: a re-read below keeps the answer
    pending = _foldable(read, shown)
    if not pending:
        return 0
    if writable(session):  # a GET (progress) folds too, in a transaction begun afresh
        pending = _foldable(session.execute(_PENDING, {"owner": owner}).all(), shown)
        if not pending:  # folded meanwhile by another request
            return 0
    ids = [r.id for r in pending]
    try:
        with session.begin_nested():
            claimed = cast(
                "CursorResult[Any]",
                session.execute(
                    update(REVIEWS)
                    .where(REVIEWS.c.id.in_(ids), REVIEWS.c.pending)
                    .values(
                        pending=False,
                        misconception=case(
                            (REVIEWS.c.correct, None), else_=REVIEWS.c.misconception
                        ),
                    )
                ),
            ).rowcount
            if claimed != len(ids):
                raise _Lost
            by_provider: dict[str, list[Any]] = {}
            for r in pending:
                by_provider.setdefault(r.provider, []).append(r)
            for provider, reviews in by_provider.items():
                keys = {(r.area, r.service) for r in reviews}
                rows = pairs.load(session, owner, provider, keys)
                for r in reviews:
                    key = (r.area, r.service)
                    row = rows.get(key) or rows.setdefault(key, PairRow.new(key, r.reviewed_at))
                    placement = Placement(r.area, r.service, r.given, r.expected)
                    _review(row, placement, r.misconception, r.reviewed_at)
                pairs.save(session, owner, provider, rows.values())
    except _Lost:
        return 0
    return len(ids)


def write_reviews(session: Session, owner: str, provider: str, reviews: Reviews) -> None:
    """Store the pairs in one upsert and the log in one multi-row insert."""
    if not reviews.log:
        return
    pairs.save(session, owner, provider, reviews.rows.values())
    session.execute(sa_insert(REVIEWS), reviews.log)


def record_reviews(
    session: Session,
    owner: str,
    provider: str,
    placements: Iterable[Placement],
    origin: str,
    now: datetime,
    attempt_id: str | None = None,
    round_id: str | None = None,
    tags: Mapping[Key, tuple[int, ...]] | None = None,
) -> dict[Key, PairRow]:
    """Review each placed pair and store it: this runs inside every graded attempt."""
    reviews = plan_reviews(
        session, owner, provider, placements, origin, now, attempt_id, round_id, tags
    )
    write_reviews(session, owner, provider, reviews)
    return reviews.rows


# --- rounds -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Focus:
    """What a round may draw from: a service model, an area, a service, a set of pairs."""

    model: str | None = None
    area: str | None = None
    service: str | None = None
    pairs: frozenset[Key] | None = None

    def admits(self, deck: Deck, key: Key) -> bool:
        area, service = key
        if self.pairs is not None and key not in self.pairs:
            return False
        if self.area and area != self.area:
            return False
        if self.service and service != self.service:
            return False
        return not self.model or deck.rules.services[service].model == self.model


def pool_of(deck: Deck, focus: Focus) -> tuple[Key, ...]:
    """The pairs a round with this focus may draw from, in deck order (cached per deck)."""
    return deck.pools.get_or_build(
        focus, lambda: tuple(k for k in deck.cards if focus.admits(deck, k))
    )


def _narrowing(deck: Deck, focus: Focus) -> list[Any]:
    """SQL conditions the focus implies, so the index narrows before the pool is checked."""
    columns = pairs.PAIRS.c
    where: list[Any] = []
    if focus.area:
        where.append(columns.area == focus.area)
    if focus.service:
        where.append(columns.service == focus.service)
    if focus.model:
        services = [s for s, x in deck.rules.services.items() if x.model == focus.model]
        where.append(columns.service.in_(services))
    return where


def deal(
    session: Session,
    owner: str,
    deck: Deck,
    size: int,
    now: datetime,
    focus: Focus | None = None,
    pair_set: str | None = None,
    rng: random.Random | None = None,
) -> PracticeRound:
    """Choose the round's cards with the scheduler and store the round (never its answers)."""
    focus = focus or Focus()
    rng = rng or random.Random()
    pool = pool_of(deck, focus)
    settle(session, owner)
    shape = (deck.provider, focus.model, focus.area, focus.service) if focus.pairs is None else None
    sources = pairs.StoredSources(
        session, owner, deck.provider, pool, _narrowing(deck, focus), shape, now
    )
    chosen = scheduler.choose_from(pool, sources, deck.siblings, size, now, rng)
    cards = [
        {
            "id": f"c{n}",
            "area": c.key[0],
            "service": c.key[1],
            "text": deck.text(c.key, rng.randrange(3)),
        }
        for n, c in enumerate(chosen, 1)
    ]
    values = {
        "id": secrets.token_hex(16),
        "owner": owner,
        "provider": deck.provider,
        "cards": cards,
        "pair_set": pair_set,
        "created_at": naive(now),
    }
    session.execute(_INSERT_ROUND, values)
    return PracticeRound(**values)  # not added to the session: the row is stored already


_NEWEST_ROUND = (
    select(ROUNDS)
    .where(ROUNDS.c.owner == bindparam("owner"))
    .order_by(ROUNDS.c.created_at.desc(), ROUNDS.c.id.desc())
    .limit(1)
)
RESUME_WITHIN = timedelta(hours=12)


def resume(
    session: Session,
    owner: str,
    deck: Deck,
    size: int,
    now: datetime,
    focus: Focus | None = None,
    pair_set: str | None = None,
) -> PracticeRound | None:
    """The round a learner left unanswered, to show again instead of dealing anew (a reload,
    Back, or coming back to /practice): their newest round, if it is not answered, was dealt
    in the last RESUME_WITHIN from this deck and pair set, and is what these filters would
    deal (every card in the focus, as many cards as they ask for). None otherwise."""
    focus = focus or Focus()
    row = session.execute(_NEWEST_ROUND, {"owner": owner}).one_or_none()
    if row is None or row.answered_at is not None or row.provider != deck.provider:
        return None
    if row.pair_set != pair_set or aware(row.created_at) < aware(now) - RESUME_WITHIN:
        return None
    keys = [(c.get("area"), c.get("service")) for c in row.cards or []]
    pool = pool_of(deck, focus)
    if not keys or len(keys) != min(size, len(pool)) or not set(keys) <= set(pool):
        return None
    return PracticeRound(**row._asdict())


def public_cards(round_: PracticeRound, deck: Deck) -> list[dict[str, Any]]:
    """The round as a browser may see it before answering: no party, reason or source."""
    services = deck.rules.services
    return [
        {
            "id": c["id"],
            "text": c["text"],
            "service": c["service"],
            "service_name": services[c["service"]].name
            if c["service"] in services
            else c["service"],
            "parties": parties_of(deck.rules),
        }
        for c in round_.cards
    ]


def parties_of(rules: Any) -> list[str]:
    """A provider's parties (aws or microsoft, customer, shared) in the canonical order."""
    return [p for p in PARTIES if p in rules.parties]


_INSERT_ROUND = sa_insert(ROUNDS)
_FIND_ROUND = select(ROUNDS).where(ROUNDS.c.id == bindparam("id"))
# marks a round answered, with its results, only if nothing answered it first
_ANSWER_ROUND = (
    update(ROUNDS)
    .where(ROUNDS.c.id == bindparam("round_id"), ROUNDS.c.answered_at.is_(None))
    .values(answered_at=bindparam("answered_at"), results=bindparam("results"))
)


def find_round(session: Session, round_id: str, owner: str | None) -> PracticeRound:
    """The round, if this owner was dealt it: PracticeError 404 or 403 otherwise."""
    row = None
    if len(round_id) <= 32:
        row = session.execute(_FIND_ROUND, {"id": round_id}).one_or_none()
    if row is None:
        raise PracticeError(404, "no such practice round", [f"round '{round_id[:40]}'"])
    if owner is None or row.owner != owner:
        raise PracticeError(403, "this practice round was dealt to another learner")
    return PracticeRound(**row._asdict())  # read as a row; changed only by answer()


def check_answers(round_: PracticeRound, answers: Any, parties: list[str]) -> dict[str, str | None]:
    """Card id -> party (None: left unplaced); PracticeError 400 naming every problem.

    parties: the round's provider's parties (parties_of its rule set)."""
    if not isinstance(answers, dict):
        raise PracticeError(
            400, "invalid answers", ["'answers' must be an object mapping card ids to parties"]
        )
    ids = {c["id"] for c in round_.cards}
    problems = [f"unknown card id '{k[:40]}'" for k in answers if k not in ids]
    for card_id, party in answers.items():
        if party is not None and party not in parties:
            problems.append(f"card '{str(card_id)[:40]}': unknown party (use {', '.join(parties)})")
    if problems:
        raise PracticeError(400, "invalid answers", problems)
    return {c["id"]: answers.get(c["id"]) for c in round_.cards}


def answer(
    session: Session,
    round_: PracticeRound,
    answers: Mapping[str, str | None],
    deck: Deck,
    now: datetime,
) -> list[dict[str, Any]]:
    """Grade a round once: PracticeError 409 when it was answered already (also when two
    answers race: one update wins, the other finds answered_at set and writes nothing)."""
    rules = deck.rules
    placements, rows = [], []
    for card in round_.cards:
        rule = rules.lookup(card["area"], card["service"])
        if rule is None:  # the rule set changed since dealing: the card cannot be graded
            continue
        tag = deck.cards.get((card["area"], card["service"]))
        number = tag.misconceptions[0] if tag and tag.misconceptions else None
        placement = Placement(
            card["area"], card["service"], answers.get(card["id"]), rule.party, number
        )
        placements.append(placement)
        rows.append((card, placement, rule))
    owner, provider = round_.owner, round_.provider
    # a card left unplaced comes back like a missed one, as the result page says
    reviews = plan_reviews(
        session, owner, provider, placements, "practice", now, None, round_.id, None, True
    )
    results = [_result(card, placement, rule, reviews.rows) for card, placement, rule in rows]
    # the round is marked answered with its results in one conditional update, before any
    # pair is written: of two answers sent at once, only the one that wins writes
    won = cast(
        "CursorResult[Any]",
        session.execute(
            _ANSWER_ROUND,
            {"round_id": round_.id, "answered_at": naive(now), "results": results},
        ),
    ).rowcount
    if won != 1:
        raise PracticeError(
            409,
            "this practice round was answered already",
            ["deal a new round: POST /api/v1/practice/rounds"],
        )
    write_reviews(session, owner, provider, reviews)
    round_.answered_at, round_.results = naive(now), results
    return results


def _result(
    card: dict[str, Any], placement: Placement, rule: Any, pairs_after: Mapping[Key, PairRow]
) -> dict[str, Any]:
    """One card's result: the placement, the rule's party, reason and source, the next due."""
    pair = pairs_after.get((card["area"], card["service"]))
    return {
        "card_id": card["id"],
        "text": card["text"],
        "area": card["area"],
        "service": card["service"],
        "given": placement.given,
        "expected": rule.party,
        "correct": placement.correct,
        "explanation": rule.explanation,
        "source": rule.source,
        "due": pair.due.isoformat() + "Z" if pair is not None else None,
    }
