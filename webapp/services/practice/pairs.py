"""The scheduler's memory of pairs in the database, read and written with Core statements
of only the columns each step needs.

A learner with thousands of reviews has one row per pair met (a few hundred at most), but
a round needs ten of them: dealing asks for the missed and due pairs in index order with a
LIMIT, and reads the rest only when the round still has room; grading reads the round's own
pairs and writes them back in one upsert. Nothing here builds ORM objects.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Integer,
    and_,
    bindparam,
    case,
    cast,
    extract,
    func,
    or_,
    select,
    tuple_,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ...models import PracticePair
from .scheduler import Key, naive, new_card

PAIRS = PracticePair.__table__


@dataclass(slots=True)
class PairRow:
    """One stored pair, as the scheduler reads it (scheduler.PairState)."""

    area: str
    service: str
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

    @classmethod
    def new(cls, key: Key, now: datetime) -> PairRow:
        """A pair never reviewed: FSRS's new card, due now."""
        card = new_card(now)
        area, service = key
        return cls(
            area=area,
            service=service,
            state=card.state.value,
            step=card.step,
            stability=None,
            difficulty=None,
            due=naive(now),
            last_review=None,
            reviews=0,
            lapses=0,
            last_result=None,
            misconception=None,
        )


ROW_FIELDS = tuple(f.name for f in fields(PairRow))
STATE_FIELDS = ROW_FIELDS[2:]  # what a review changes


_LOAD = select(*(PAIRS.c[name] for name in ROW_FIELDS)).where(
    PAIRS.c.owner == bindparam("owner"),
    PAIRS.c.provider == bindparam("provider"),
    tuple_(PAIRS.c.area, PAIRS.c.service).in_(bindparam("keys", expanding=True)),
)


def load(session: Session, owner: str, provider: str, keys: Collection[Key]) -> dict[Key, PairRow]:
    """The stored rows of these pairs (a pair never met is absent)."""
    if not keys:
        return {}
    params = {"owner": owner, "provider": provider, "keys": list(keys)}
    return {(r.area, r.service): PairRow(*r) for r in session.execute(_LOAD, params).all()}


def save(session: Session, owner: str, provider: str, rows: Iterable[PairRow]) -> None:
    """Insert or update these pairs in one statement (executed once per row set)."""
    values = [
        {"owner": owner, "provider": provider, **{n: getattr(r, n) for n in ROW_FIELDS}}
        for r in rows
    ]
    if not values:
        return
    session.execute(_upsert(session.get_bind().dialect.name), values)


_UPSERTS: dict[str, Any] = {}


def _upsert(dialect: str) -> Any:
    """The pairs' upsert, built once per dialect: its `excluded` alias costs more to make
    than the statement costs to run, and it runs inside every graded attempt."""
    statement = _UPSERTS.get(dialect)
    if statement is None:
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        base = insert(PAIRS)
        statement = base.on_conflict_do_update(
            index_elements=["owner", "provider", "area", "service"],
            set_={name: base.excluded[name] for name in STATE_FIELDS},
        )
        _UPSERTS[dialect] = statement
    return statement


class StoredSources:
    """scheduler.Sources over one learner's stored pairs, narrowed to a round's pool.

    filters: SQL conditions that the pool implies (an area, a service, a model's services),
    so the index does most of the narrowing; membership of the pool is checked on each key.
    shape: a key naming those filters (with the provider and dialect they were built for):
    the statements are then built once per shape and reused, with the learner, the moment
    and the limit bound, since building one costs more than SQLite takes to run it.
    now: the moment a round is dealt at, when the sources serve one round. Then the missed
    and the due pairs come in one read (missed first), and the pairs met in one read in
    forgetting order, which answers both known() and ahead(); each of those answers what
    the separate reads would, and a read that cannot be sure (a LIMIT reached) is made
    separately.
    """

    def __init__(
        self,
        session: Session,
        owner: str,
        provider: str,
        pool: Sequence[Key],
        filters: Sequence[ColumnElement[bool]] = (),
        shape: Hashable | None = None,
        now: datetime | None = None,
    ):
        self.session = session
        self.params: dict[str, Any] = {"owner": owner, "provider": provider}
        self.order = {key: n for n, key in enumerate(pool)}
        self.now = naive(now) if now is not None else None
        self._due: tuple[list[Key], bool] | None = None  # due pairs read with the missed
        self._met: list[Key] | None = None  # met pairs of the pool, in forgetting order
        dialect = session.get_bind().dialect.name
        if shape is None:
            self.statements = _statements(dialect, filters)
        else:
            cache_key = (dialect, shape)
            self.statements = _SOURCES.get(cache_key) or _SOURCES.setdefault(
                cache_key, _statements(dialect, filters)
            )

    def _rows(self, statement: Any, **params: Any) -> Sequence[Any]:
        return self.session.execute(statement, {**self.params, **params}).all()

    def _keys(self, name: str, limit: int, **params: Any) -> list[Key]:
        limited, unlimited = self.statements[name]
        rows = self._rows(limited, limit=limit, **params)
        keys = [k for r in rows if (k := (r[0], r[1])) in self.order]
        if len(keys) < len(rows) == limit:  # pairs outside the pool took places: read on
            keys = [k for r in self._rows(unlimited, **params) if (k := (r[0], r[1])) in self.order]
        return keys[:limit]

    def again(self, limit: int) -> list[Key]:
        if self.now is None:
            return self._keys("again", limit)
        reach = 2 * limit
        rows = self._rows(self.statements["first"], now=self.now, limit=reach)
        every = len(rows) < reach  # every missed and every due pair was read
        missed: list[Key] = []
        due: list[Key] = []
        for area, service, later in rows:
            if (area, service) in self.order:
                (due if later else missed).append((area, service))
        self._due = (due, every)
        if len(missed) >= limit or every or any(r[2] for r in rows):
            return missed[:limit]
        return self._keys("again", limit)  # the read ended among missed pairs outside the pool

    def due(self, limit: int, now: datetime) -> list[Key]:
        if self._due is not None and naive(now) == self.now:
            due, every = self._due
            if len(due) >= limit or every:
                return due[:limit]
        return self._keys("due", limit, now=naive(now))

    def known(self) -> set[Key]:
        if self.now is not None:
            rows = self._rows(self.statements["ahead"][1], now=self.now)
            self._met = [k for r in rows if (k := (r[0], r[1])) in self.order]
            return set(self._met)
        rows = self._rows(self.statements["known"])
        return {k for r in rows if (k := (r[0], r[1])) in self.order}

    def ahead(self, limit: int, skip: Collection[Key], now: datetime) -> list[Key]:
        if self._met is not None and naive(now) == self.now:
            keys = self._met[:limit]
        else:
            keys = self._keys("ahead", limit, now=naive(now))
        return [k for k in keys if k not in skip]


_SOURCES: dict[tuple[str, Hashable], dict[str, Any]] = {}


def _statements(dialect: str, filters: Sequence[ColumnElement[bool]]) -> dict[str, Any]:
    """StoredSources' statements for one set of filters: "known" alone, the three ordered
    reads each as (with a bound LIMIT, without), and "first": the missed then the due pairs,
    each row with 0 for missed, 1 for due."""
    c = PAIRS.c
    where = [c.owner == bindparam("owner"), c.provider == bindparam("provider"), *filters]
    keys = select(c.area, c.service).where(*where)
    by_due = (c.due, c.area, c.service)
    right = or_(c.last_result.is_(None), c.last_result != "incorrect")
    moment = bindparam("now", type_=DateTime())
    ordered = {
        "again": keys.where(c.last_result == "incorrect").order_by(*by_due),
        "due": keys.where(right, c.due <= moment).order_by(*by_due),
        "ahead": keys.order_by(*forgetting_order(dialect)),
    }
    limit = bindparam("limit", type_=Integer)
    statements: dict[str, Any] = {n: (q.limit(limit), q) for n, q in ordered.items()}
    statements["known"] = keys
    missed = c.last_result == "incorrect"
    later = case((missed, 0), else_=1)
    statements["first"] = (
        select(c.area, c.service, later)
        .where(*where, or_(missed, and_(right, c.due <= moment)))
        .order_by(later, *by_due)
        .limit(limit)
    )
    return statements


_ORDERS: dict[str, list[ColumnElement[Any]]] = {}


def forgetting_order(dialect: str) -> list[ColumnElement[Any]]:
    """ORDER BY least recalled first at the bound moment `now`, as scheduler.recall_of ranks
    pairs: pairs it rates 0 (missed last time, never reviewed) first, then by whole days
    since the last review over stability, highest first (FSRS's recall falls as that ratio
    grows); ties by due date, then area and service. Built once per dialect: it is the most
    expensive part of the statement to make, and a round is dealt per request."""
    order = _ORDERS.get(dialect)
    if order is None:
        order = _ORDERS[dialect] = _forgetting_order(dialect)
    return order


def _forgetting_order(dialect: str) -> list[ColumnElement[Any]]:
    c = PAIRS.c
    moment = bindparam("now", type_=DateTime())
    days: ColumnElement[Any]
    if dialect == "postgresql":
        days = func.floor(extract("epoch", moment - c.last_review) / 86400)
    else:  # SQLite: whole seconds, integer division
        seconds = func.strftime("%s", moment) - func.strftime("%s", c.last_review)
        days = cast(seconds, Integer) // 86400
    forgotten = or_(c.last_review.is_(None), c.stability.is_(None), c.last_result == "incorrect")
    ratio = case((days < 0, 0), else_=days) / c.stability
    return [
        case((forgotten, 0), else_=1),
        case((forgotten, None), else_=ratio).desc(),
        c.due,
        c.area,
        c.service,
    ]
