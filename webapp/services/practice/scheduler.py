"""When each pair comes back: FSRS (the `fsrs` library) per learner and pair, and the choice
of the cards of a round.

A wrong answer is rated Again, so the pair comes back within minutes (and first in the next
round); a right answer is Good, or Hard while the pair is tied to a listed misconception the
learner has not yet got right twice, so those come back sooner. New pairs enter a few at a
time, each with a pair of the same area on another service whose owner differs, shown next
to it (the course's Oracle-on-EC2 against Oracle-on-RDS lesson).
"""

from __future__ import annotations

import random
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol, overload

from fsrs import Card, Rating, Scheduler, State

NEW_PER_ROUND = 4  # new pairs (siblings included) per round, once there is anything to review
DEFAULT_SIZE = 10
MAX_SIZE = 30

Key = tuple[str, str]

_scheduler = Scheduler(enable_fuzzing=False)  # same answers, same dates: testable, explainable


class PairState(Protocol):
    """What the scheduler reads of a stored pair (models.PracticePair has these fields)."""

    state: int
    step: int | None
    stability: float | None
    difficulty: float | None
    due: datetime
    last_review: datetime | None
    reviews: int
    lapses: int
    last_result: str | None
    misconception: int | None


@overload
def aware(moment: datetime) -> datetime: ...
@overload
def aware(moment: None) -> None: ...
def aware(moment: datetime | None) -> datetime | None:
    """Stored datetimes are naive UTC; fsrs wants aware ones."""
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def to_card(pair: PairState) -> Card:
    return Card(
        card_id=1,
        state=State(pair.state),
        step=pair.step,
        stability=pair.stability,
        difficulty=pair.difficulty,
        due=aware(pair.due),
        last_review=aware(pair.last_review),
    )


def new_card(now: datetime) -> Card:
    return Card(card_id=1, due=aware(now))


def rating_for(correct: bool, misconception_pair: bool, right_before: int) -> Rating:
    """Again for a wrong answer; Hard for a right one on a misconception pair not yet right
    twice; Good otherwise."""
    if not correct:
        return Rating.Again
    if misconception_pair and right_before < 2:
        return Rating.Hard
    return Rating.Good


def review(card: Card, rating: Rating, now: datetime) -> Card:
    """The card after one review at `now`."""
    reviewed, _ = _scheduler.review_card(card, rating, review_datetime=aware(now))
    return reviewed


def recall(pair: PairState, now: datetime) -> float:
    """How likely the learner recalls the pair now: FSRS's retrievability, and 0 for a
    pair never reviewed or missed at its last review (it is being learnt again)."""
    return recall_of(pair.stability, pair.last_review, pair.last_result, now)


# FSRS's forgetting curve, R = (1 + F * days / S) ** D, from the scheduler's own parameters:
# the same figure as Scheduler.get_card_retrievability without building a Card per pair.
_DECAY = -_scheduler.parameters[20]
_FACTOR = 0.9 ** (1 / _DECAY) - 1


def recall_of(
    stability: float | None,
    last_review: datetime | None,
    last_result: str | None,
    now: datetime,
) -> float:
    """recall() from the stored columns alone (whole days since the last review, as fsrs)."""
    if last_review is None or stability is None or last_result == "incorrect":
        return 0.0
    days = max(0, (aware(now) - aware(last_review)).days)
    return float((1 + _FACTOR * days / stability) ** _DECAY)


@dataclass(frozen=True)
class Choice:
    key: Key
    reason: str  # again | due | new | contrast | ahead


class Sources(Protocol):
    """Where a round's cards come from, each asked only when the round still has room.

    Every method answers keys of the round's pool only (the candidates, in their order)."""

    def again(self, limit: int) -> Iterable[Key]:
        """Pairs answered wrong last time, earliest due first (ties by area, service)."""
        ...

    def due(self, limit: int, now: datetime) -> Iterable[Key]:
        """Pairs answered right last time and due by now, earliest due first."""
        ...

    def known(self) -> Collection[Key]:
        """Every pair of the pool the learner has met."""
        ...

    def ahead(self, limit: int, skip: Collection[Key], now: datetime) -> Iterable[Key]:
        """Met pairs not in skip, least recalled first (ties: earliest due, area, service);
        `limit` keys before skipping are enough."""
        ...


def choose(
    candidates: Iterable[Key],
    known: Mapping[Key, PairState],
    siblings: Mapping[Key, tuple[Key, ...]],
    size: int,
    now: datetime,
    rng: random.Random | None = None,
) -> list[Choice]:
    """choose_from() over pairs held in memory (what the database sources answer)."""
    pool = list(dict.fromkeys(candidates))
    return choose_from(pool, MemorySources(pool, known), siblings, size, now, rng)


def choose_from(
    pool: Sequence[Key],
    sources: Sources,
    siblings: Mapping[Key, tuple[Key, ...]],
    size: int,
    now: datetime,
    rng: random.Random | None = None,
) -> list[Choice]:
    """The cards of a round, in the order shown: pairs answered wrong first (each with a
    contrasting sibling), then due pairs, then a few new pairs each followed by a contrasting
    sibling, then pairs ahead of schedule (least recalled first), then more new pairs if the
    round is still short. A source is asked only while the round has room."""
    rng = rng or random.Random()
    allowed = set(pool)
    picked: dict[Key, Choice] = {}

    def full() -> bool:
        return len(picked) >= size

    def take(key: Key, reason: str) -> None:
        if not full() and key not in picked:
            picked[key] = Choice(key, reason)

    def with_contrast(key: Key, reason: str) -> None:
        take(key, reason)
        for other in siblings.get(key, ()):
            if other in allowed and other not in picked:
                take(other, "contrast")
                break

    # each key a source answers adds a card or was added before as a contrast, so `size`
    # keys always fill what is left of the round
    for key in sources.again(size):
        with_contrast(key, "again")
    for key in sources.due(size, now) if not full() else ():
        take(key, "due")
    if full():
        return list(picked.values())
    known = sources.known()
    fresh = [k for k in pool if k not in known]
    rng.shuffle(fresh)
    budget = NEW_PER_ROUND if known else size
    start = len(picked)
    for key in fresh:
        if len(picked) - start >= budget:
            break
        with_contrast(key, "new")
    for key in sources.ahead(size, picked, now) if not full() else ():
        take(key, "ahead")
    for key in fresh:
        with_contrast(key, "new")
    return list(picked.values())


class MemorySources:
    """Sources over a mapping of pairs already loaded (tests, and the reference ordering
    the database sources follow)."""

    def __init__(self, pool: Sequence[Key], known: Mapping[Key, PairState]):
        self.pool = pool
        self.pairs = {k: known[k] for k in pool if k in known}

    def _by_due(self, keys: Iterable[Key]) -> list[Key]:
        return sorted(keys, key=lambda k: (aware(self.pairs[k].due), k))

    def again(self, limit: int) -> list[Key]:
        missed = (k for k, p in self.pairs.items() if p.last_result == "incorrect")
        return self._by_due(missed)[:limit]

    def due(self, limit: int, now: datetime) -> list[Key]:
        keys = (
            k
            for k, p in self.pairs.items()
            if p.last_result != "incorrect" and aware(p.due) <= aware(now)
        )
        return self._by_due(keys)[:limit]

    def known(self) -> Collection[Key]:
        return self.pairs.keys()

    def ahead(self, limit: int, skip: Collection[Key], now: datetime) -> list[Key]:
        def weakest(key: Key) -> tuple[float, datetime, Key]:
            return recall(self.pairs[key], now), aware(self.pairs[key].due), key

        return [k for k in sorted(self.pairs, key=weakest)[:limit] if k not in skip]
