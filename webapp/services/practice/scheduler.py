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
from collections.abc import Callable, Iterable, Mapping
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
    if pair.last_review is None or pair.last_result == "incorrect":
        return 0.0
    value = _scheduler.get_card_retrievability(to_card(pair), current_datetime=aware(now))
    return float(value)


@dataclass(frozen=True)
class Choice:
    key: Key
    reason: str  # again | due | new | contrast | ahead


def choose(
    candidates: Iterable[Key],
    known: Mapping[Key, PairState],
    siblings: Mapping[Key, tuple[Key, ...]],
    size: int,
    now: datetime,
    rng: random.Random | None = None,
) -> list[Choice]:
    """The cards of a round, in the order shown: pairs answered wrong first, then due
    pairs, then a few new pairs each followed by a contrasting sibling, then pairs ahead of
    schedule (least recalled first), then more new pairs if the round is still short."""
    rng = rng or random.Random()
    pool = list(dict.fromkeys(candidates))
    allowed = set(pool)
    picked: dict[Key, Choice] = {}

    def take(key: Key, reason: str) -> None:
        if len(picked) < size and key not in picked:
            picked[key] = Choice(key, reason)

    def with_contrast(key: Key, reason: str) -> None:
        take(key, reason)
        for other in siblings.get(key, ()):
            if other in allowed and other not in picked:
                take(other, "contrast")
                break

    seen = [k for k in pool if k in known]
    again = sorted(
        (k for k in seen if known[k].last_result == "incorrect"), key=lambda k: known[k].due
    )
    due = sorted(
        (
            k
            for k in seen
            if known[k].last_result != "incorrect" and aware(known[k].due) <= aware(now)
        ),
        key=lambda k: known[k].due,
    )
    fresh = [k for k in pool if k not in known]
    rng.shuffle(fresh)
    for key in again:
        with_contrast(key, "again")
    for key in due:
        take(key, "due")
    budget = NEW_PER_ROUND if seen else size
    start = len(picked)
    for key in list(fresh):
        if len(picked) - start >= budget:
            break
        with_contrast(key, "new")
    ahead = sorted((k for k in seen if k not in picked), key=_weakest(known, now))
    for key in ahead:
        take(key, "ahead")
    for key in fresh:
        with_contrast(key, "new")
    return list(picked.values())


def _weakest(known: Mapping[Key, PairState], now: datetime) -> Callable[[Key], float]:
    return lambda key: recall(known[key], now)
