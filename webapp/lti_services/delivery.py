"""Delivering the score outbox: claim what is due, send it, record how it went.

deliver_due is a job, like a CLI command: it commits its claims before calling out, so any
number of senders (threads, workers, machines) share the due rows without sending one
twice, and a sender that dies mid-send leaves its rows due again once their lease runs out.
"""

from __future__ import annotations

import logging
import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import requests
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..models import ScoreOutbox
from ..models.base import utcnow
from .ags import ActivityProgress, GradingProgress, Score, ensure_lineitem, send_score
from .client import PlatformClient, ServiceError
from .outbox import FAILED, PENDING, SENT, SUPERSEDED, ScoreTarget, target_of
from .tokens import TOKENS, TokenCache

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=120)  # longer than a send can take (four calls of at most 20 s)
FIRST_RETRY = 30.0  # seconds; doubled at every failed try
LONGEST_RETRY = 6 * 3600.0
BATCH = 50
ERROR_MAX = 2000


@dataclass
class Delivery:
    """What one deliver_due run did, by row id."""

    sent: list[int] = field(default_factory=list)
    retried: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    superseded: list[int] = field(default_factory=list)

    @property
    def handled(self) -> int:
        return len(self.sent) + len(self.retried) + len(self.failed) + len(self.superseded)


def retry_delay(tries: int, rng: random.Random | None = None, at_least: float = 0.0) -> float:
    """Seconds before try number tries + 1: doubling from FIRST_RETRY up to LONGEST_RETRY,
    with jitter (between half and all of it) so a platform coming back is not hit by every
    sender at once; at least what the platform asked for (Retry-After)."""
    ceiling = min(FIRST_RETRY * 2 ** max(tries - 1, 0), LONGEST_RETRY)
    delay = ceiling * (rng or random).uniform(0.5, 1.0)
    return min(max(delay, at_least), LONGEST_RETRY)


def deliver_due(
    session: Session,
    resolve_client: Callable[[str], PlatformClient | None],
    http: requests.Session,
    now: datetime | None = None,
    *,
    tokens: TokenCache = TOKENS,
    limit: int = BATCH,
    rng: random.Random | None = None,
) -> Delivery:
    """Claim up to `limit` due scores, send each, and record how it went.

    A job, not a service: it commits (first whatever the session holds, then each claim
    and each outcome), and holds no transaction open while it waits on a platform.
    resolve_client: the registered platform of an issuer, None if there is none any more
    (its scores fail for good). A refusal (4xx other than 401 and 429) fails for good and
    keeps the platform's answer; anything else is retried later with backoff.
    """
    session.commit()
    claim, rows = _claim(session, now or utcnow(), limit)
    done = Delivery()
    for row in rows:
        _deliver_one(session, row, claim, resolve_client, http, tokens, now, rng, done)
    return done


@dataclass(frozen=True)
class _Claimed:
    """A claimed row's values, read once: nothing is read back between send and record."""

    id: int
    target: ScoreTarget
    resolved_url: str | None
    score: Score
    tries: int


def _claim(session: Session, now: datetime, limit: int) -> tuple[str, list[_Claimed]]:
    """Take due rows for this sender in one committed UPDATE: their next try moves past a
    lease and they carry this sender's claim, so each row is taken by one sender only.

    One statement, so SQLite takes its write lock at once (a read first could not wait for
    another writer); on PostgreSQL rows another sender is taking are skipped, not waited for.
    """
    due = (
        select(ScoreOutbox.id)
        .where(ScoreOutbox.status == PENDING, ScoreOutbox.next_try_at <= now)
        .order_by(ScoreOutbox.next_try_at, ScoreOutbox.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    claim = secrets.token_hex(16)
    session.execute(
        update(ScoreOutbox)
        .where(
            ScoreOutbox.id.in_(due.scalar_subquery()),
            ScoreOutbox.status == PENDING,
            ScoreOutbox.next_try_at <= now,
        )
        .values(claim=claim, next_try_at=now + LEASE)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    rows = [
        _Claimed(row.id, target_of(row), row.resolved_url, _score_of(row), row.tries)
        for row in session.execute(
            select(ScoreOutbox)
            .where(ScoreOutbox.claim == claim)
            .order_by(ScoreOutbox.attempted_at, ScoreOutbox.id)
        ).scalars()
    ]
    session.commit()
    return claim, rows


def _deliver_one(
    session: Session,
    row: _Claimed,
    claim: str,
    resolve_client: Callable[[str], PlatformClient | None],
    http: requests.Session,
    tokens: TokenCache,
    now: datetime | None,
    rng: random.Random | None,
    done: Delivery,
) -> None:
    superseded = _superseded(session, row)
    client = None if superseded else resolve_client(row.target.issuer)
    session.commit()  # the reads end here: no transaction waits on the platform
    if superseded:
        _finish(session, row, claim, status=SUPERSEDED)
        done.superseded.append(row.id)
        return
    if client is None:
        _finish(
            session,
            row,
            claim,
            status=FAILED,
            error=f"no platform {row.target.issuer} is registered",
        )
        done.failed.append(row.id)
        return
    resolved = row.resolved_url
    try:
        resolved = resolved or _lineitem(row, client, tokens, http)
        send_score(client, tokens, http, resolved, row.score)
    except ServiceError as exc:
        if exc.retry:
            delay = retry_delay(row.tries + 1, rng, exc.retry_after or 0.0)
            when = (now or utcnow()) + timedelta(seconds=delay)
            _finish(
                session,
                row,
                claim,
                status=PENDING,
                error=str(exc),
                next_try_at=when,
                resolved_url=resolved,
            )
            done.retried.append(row.id)
            log.info("lti: score %s not delivered, next try at %s: %s", row.id, when, exc)
        else:
            _finish(session, row, claim, status=FAILED, error=str(exc), resolved_url=resolved)
            done.failed.append(row.id)
            log.warning("lti: score %s refused by the platform: %s", row.id, exc)
        return
    _finish(session, row, claim, status=SENT, sent_at=utcnow(), resolved_url=resolved)
    done.sent.append(row.id)


def _superseded(session: Session, row: _Claimed) -> bool:
    """A newer score for the same learner and line item has already reached the platform:
    sending this older one now could only be refused (the platform keeps the newest)."""
    newer = session.execute(
        select(ScoreOutbox.id)
        .where(
            ScoreOutbox.issuer == row.target.issuer,
            ScoreOutbox.lineitem_url == row.target.lineitem_url,
            ScoreOutbox.user_sub == row.target.user_sub,
            ScoreOutbox.status == SENT,
            ScoreOutbox.attempted_at > row.score.timestamp,
        )
        .limit(1)
    ).first()
    return newer is not None


def _lineitem(
    row: _Claimed, client: PlatformClient, tokens: TokenCache, http: requests.Session
) -> str:
    """The line item URL to post to; for a container, the one found or made in it."""
    if not row.target.container:
        return row.target.lineitem_url
    return ensure_lineitem(
        client,
        tokens,
        http,
        row.target.lineitem_url,
        resource_link_id=row.target.resource_link_id,
        label=row.target.label or "Shared Responsibility Trainer",
        score_maximum=row.score.score_maximum,
    )


def _score_of(row: ScoreOutbox) -> Score:
    return Score(
        user_id=row.user_sub,
        score_given=row.score_given,
        score_maximum=row.score_maximum,
        timestamp=row.attempted_at,
        activity=ActivityProgress(row.activity_progress),
        grading=GradingProgress(row.grading_progress),
    )


def _finish(
    session: Session,
    row: _Claimed,
    claim: str,
    *,
    status: str,
    error: str | None = None,
    **values: Any,
) -> None:
    """Record a try's outcome (committed), only while this sender still holds the row."""
    session.execute(
        update(ScoreOutbox)
        .where(ScoreOutbox.id == row.id, ScoreOutbox.claim == claim)
        .values(
            status=status,
            tries=row.tries + (0 if status == SUPERSEDED else 1),
            claim=None,
            last_error=error[:ERROR_MAX] if error else None,
            **values,
        )
        .execution_options(synchronize_session=False)
    )
    session.commit()
