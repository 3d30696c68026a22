"""What a learner knows: per pair, per area and service model, misconceptions, streak."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...models import PracticePair, PracticeReview
from .cards import Deck
from .scheduler import Key, aware, recall
from .store import settle

PAIR_FIELDS = ("provider", "area", "service", "reviews", "lapses", "last_result", "due", "recall")
WEAK_SPOTS = 8


def _rows(session: Session, owner: str, provider: str | None = None) -> list[PracticePair]:
    settle(session, owner)  # reviews of attempts and class answers not yet folded in
    query = select(PracticePair).where(PracticePair.owner == owner)
    if provider is not None:
        query = query.where(PracticePair.provider == provider)
    order = (PracticePair.provider, PracticePair.area, PracticePair.service)
    return list(session.execute(query.order_by(*order)).scalars())


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() + "Z" if moment is not None else None


def pair_rows(
    session: Session, owner: str, now: datetime, provider: str | None = None
) -> list[dict[str, Any]]:
    """The API's and the export's rows: one per pair the learner has met (of one provider,
    or of every provider)."""
    return [
        {
            "provider": r.provider,
            "area": r.area,
            "service": r.service,
            "reviews": r.reviews,
            "lapses": r.lapses,
            "last_result": r.last_result,
            "due": _iso(r.due),
            "recall": round(recall(r, now), 3),
        }
        for r in _rows(session, owner, provider)
    ]


def as_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=PAIR_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


@dataclass
class Cell:
    """An area on a service model: how many of its cards the learner met, mean recall."""

    area: str
    model: str
    total: int = 0
    met: int = 0
    recall_sum: float = 0.0
    wrong: int = 0

    @property
    def recall(self) -> float | None:
        return self.recall_sum / self.met if self.met else None

    @property
    def shade(self) -> str:
        """A class name: none (not met), low, mid, high."""
        value = self.recall
        if value is None or self.total == 0:
            return "none"
        if self.wrong or value < 0.5:
            return "low"
        return "mid" if value < 0.85 else "high"


@dataclass
class WeakSpot:
    area: str
    service: str
    text: str
    recall: float
    last_result: str | None
    lapses: int


@dataclass
class Misconception:
    number: int
    text: str
    status: str  # cleared | not-yet | not-met


@dataclass
class Progress:
    models: list[tuple[str, str]]
    areas: list[tuple[str, str]]
    grid: dict[tuple[str, str], Cell]
    weak: list[WeakSpot]
    misconceptions: list[Misconception]
    streak: int
    due: int
    met: int
    total: int
    rows: list[dict[str, Any]] = field(default_factory=list)


def streak_days(days: set[date], today: date) -> int:
    """Consecutive days with a review, ending today (or yesterday: today is not over)."""
    day = today if today in days else today - timedelta(days=1)
    count = 0
    while day in days:
        count += 1
        day -= timedelta(days=1)
    return count


def weak_spots(rows: list[PracticePair], deck: Deck, now: datetime) -> list[WeakSpot]:
    """The pairs met that are weakest: missed last time first, then the lowest recall, at most
    WEAK_SPOTS of them, and none that is remembered well (recall 85% and up, last answer right)."""
    rules = deck.rules
    ranked = sorted(
        (
            WeakSpot(
                r.area,
                r.service,
                deck.text((r.area, r.service))
                if (r.area, r.service) in deck.cards
                else f"{rules.areas[r.area].name} on {rules.services[r.service].name}",
                recall(r, now),
                r.last_result,
                r.lapses,
            )
            for r in rows
            if r.area in rules.areas and r.service in rules.services
        ),
        key=lambda w: (w.last_result != "incorrect", w.recall),
    )[:WEAK_SPOTS]
    return [w for w in ranked if w.last_result == "incorrect" or w.recall < 0.85]


def weak_pairs(session: Session, owner: str, deck: Deck, now: datetime) -> frozenset[Key]:
    """The learner's weak spots of this deck as pairs it can deal (what /progress lists)."""
    rows = _rows(session, owner, deck.provider)
    return frozenset(
        k for w in weak_spots(rows, deck, now) if (k := (w.area, w.service)) in deck.cards
    )


def build(session: Session, owner: str | None, deck: Deck, now: datetime) -> Progress:
    """The progress page's content for one learner and one deck."""
    from ...author.misconceptions import MISCONCEPTIONS

    rules = deck.rules
    rows = _rows(session, owner, deck.provider) if owner else []
    known = {(r.area, r.service): r for r in rows}
    grid: dict[tuple[str, str], Cell] = {}
    for (area, service), _card in deck.cards.items():
        model = rules.services[service].model
        cell = grid.setdefault((area, model), Cell(area, model))
        cell.total += 1
        row = known.get((area, service))
        if row is not None:
            cell.met += 1
            cell.recall_sum += recall(row, now)
            cell.wrong += row.last_result == "incorrect"
    weak = weak_spots(rows, deck, now)
    misconceptions = []
    tagged: dict[int, list[tuple[str, str]]] = {}
    for key, card in deck.cards.items():
        for number in card.misconceptions:
            tagged.setdefault(number, []).append(key)
    # the course's numbered misconceptions are about AWS: a deck that lists none has none
    listed = MISCONCEPTIONS if tagged else {}
    for number, text in listed.items():
        met = [known[k] for k in tagged.get(number, []) if k in known]
        met += [r for r in rows if r.misconception == number and r not in met]
        if not met:
            status = "not-met"
        elif any(r.last_result == "incorrect" for r in met):
            status = "not-yet"
        else:
            status = "cleared"
        misconceptions.append(Misconception(number, text, status))
    days = (
        {
            d if isinstance(d, date) else date.fromisoformat(str(d)[:10])
            for (d,) in session.execute(
                select(func.date(PracticeReview.reviewed_at))
                .where(PracticeReview.owner == owner)
                .distinct()
            )
        }
        if owner
        else set()
    )
    today = now.astimezone(UTC).date()
    due = sum(1 for r in rows if aware(r.due) <= aware(now))
    used_models = {rules.services[s].model for _, s in deck.cards}
    used_areas = {a for a, _ in deck.cards}
    return Progress(
        models=[(m, n) for m, n in rules.models.items() if m in used_models],
        areas=[(a, x.name) for a, x in rules.areas.items() if a in used_areas],
        grid=grid,
        weak=weak,
        misconceptions=misconceptions,
        streak=streak_days(days, today),
        due=due,
        met=len(rows),
        total=len(deck.cards),
    )
