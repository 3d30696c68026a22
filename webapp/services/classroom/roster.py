"""A course roster from the LMS in a class session: the names the host's screens show.

An instructor pulls the course's members (LTI Names and Role Provisioning) into a session;
a learner who then comes in from the LMS takes the seat of their roster entry, so the
dashboard and the report name them as the course does, not by a nickname. Only the name,
roles and status are kept (no email address): that is all the host's screens use.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ...models import ClassSession, Participant, RosterEntry
from ...models.base import utcnow
from .errors import ClassError
from .sessions import NICKNAME_MAX, hash_token

NAME_MAX = 200
_NOT_NICKNAME = re.compile(r"[^\w .'\-]")
FALLBACK_NICKNAME = "Learner"


class RosterMember(Protocol):
    """What a roster import reads of a course member (nrps.Member has it)."""

    @property
    def user_id(self) -> str: ...
    @property
    def full_name(self) -> str | None: ...
    @property
    def roles(self) -> tuple[str, ...]: ...
    @property
    def learner(self) -> bool: ...
    @property
    def active(self) -> bool: ...


@dataclass(frozen=True)
class RosterImport:
    added: int
    updated: int
    left: int  # on the session's roster before, missing from the course now
    learners: int  # active learners on the roster now


def import_roster(
    session: Session, cs: ClassSession, members: Iterable[RosterMember], *, issuer: str
) -> RosterImport:
    """Bring the course's members into the session's roster (the caller commits).

    Imported again, names and roles are brought up to date and anyone no longer in the
    course is marked inactive; learners already in the room take their LMS name at once.
    """
    if cs.phase == "ended":
        raise ClassError.ended()
    kept = {
        e.user_id: e
        for e in session.execute(
            select(RosterEntry).where(RosterEntry.session_id == cs.id, RosterEntry.issuer == issuer)
        ).scalars()
    }
    added = updated = 0
    seen: set[str] = set()
    for member in members:
        if member.user_id in seen:
            continue
        seen.add(member.user_id)
        name = (member.full_name or FALLBACK_NICKNAME)[:NAME_MAX]
        entry = kept.get(member.user_id)
        if entry is None:
            entry = RosterEntry(session_id=cs.id, issuer=issuer, user_id=member.user_id)
            session.add(entry)
            added += 1
        else:
            updated += 1
        entry.name, entry.roles = name, list(member.roles)
        entry.learner, entry.active = member.learner, member.active
        entry.imported_at = utcnow()
    left = 0
    for user_id, entry in kept.items():
        if user_id not in seen and entry.active:
            entry.active = False
            left += 1
    session.flush()
    _rename_seated(session, cs, issuer)
    learners = sum(1 for e in session.execute(_roster_of(cs)).scalars() if e.learner and e.active)
    return RosterImport(added, updated, left, learners)


def _roster_of(cs: ClassSession):
    return select(RosterEntry).where(RosterEntry.session_id == cs.id).order_by(RosterEntry.name)


def _rename_seated(session: Session, cs: ClassSession, issuer: str) -> None:
    names = {
        e.user_id: e.name
        for e in session.execute(
            select(RosterEntry).where(RosterEntry.session_id == cs.id, RosterEntry.issuer == issuer)
        ).scalars()
    }
    for p in session.execute(
        select(Participant).where(Participant.session_id == cs.id, Participant.lms_issuer == issuer)
    ).scalars():
        if p.lms_user_id in names:
            p.display_name = names[p.lms_user_id]


def nickname_from(name: str | None) -> str:
    """A nickname the join rules accept, made from an LMS name."""
    text = " ".join(unicodedata.normalize("NFKC", name or "").split())
    text = _NOT_NICKNAME.sub("", text).strip(" .'-_")
    return text[:NICKNAME_MAX].rstrip() or FALLBACK_NICKNAME


def seat_lms_learner(
    session: Session, cs: ClassSession, issuer: str, user_id: str, name: str | None = None
) -> tuple[Participant, str]:
    """The participant of a learner who came in from the LMS, with a fresh token (only its
    hash is stored): their earlier seat in this session, or a new one named as the roster
    (or the launch: name) says. A removed learner stays removed."""
    if cs.phase == "ended":
        raise ClassError.ended()
    entry = session.execute(
        select(RosterEntry).where(
            RosterEntry.session_id == cs.id,
            RosterEntry.issuer == issuer,
            RosterEntry.user_id == user_id,
        )
    ).scalar_one_or_none()
    shown = entry.name if entry is not None else name
    token = secrets.token_urlsafe(32)
    seat = _seat_of(session, cs, issuer, user_id)
    if seat is not None:
        if seat.removed:
            raise ClassError.removed()
        seat.token_hash, seat.display_name = hash_token(token), shown or seat.display_name
        session.flush()
        return seat, token
    if cs.join_locked and entry is None:  # the course's own learners are expected: let them in
        raise ClassError("the host has locked this session: nobody new can join")
    base = nickname_from(shown)
    for n in range(1, 50):
        nickname = base if n == 1 else f"{base[: NICKNAME_MAX - len(str(n)) - 1]} {n}"
        seat = Participant(
            session_id=cs.id,
            nickname=nickname,
            nickname_key=nickname.casefold(),
            token_hash=hash_token(token),
            joined_at=utcnow(),
            lms_issuer=issuer,
            lms_user_id=user_id,
            display_name=shown,
        )
        try:
            with session.begin_nested():
                session.add(seat)
        except IntegrityError:  # the nickname is taken (or the learner was seated just now)
            again = _seat_of(session, cs, issuer, user_id)
            if again is not None:
                return seat_lms_learner(session, cs, issuer, user_id, name)
            continue
        return seat, token
    raise ClassError("no free nickname for this learner", [base])


def _seat_of(session: Session, cs: ClassSession, issuer: str, user_id: str) -> Participant | None:
    return session.execute(
        select(Participant).where(
            Participant.session_id == cs.id,
            Participant.lms_issuer == issuer,
            Participant.lms_user_id == user_id,
        )
    ).scalar_one_or_none()


def not_arrived(session: Session, cs: ClassSession) -> list[str]:
    """Names of the roster's active learners who have no seat in the room yet."""
    seated = {
        (issuer, uid)
        for issuer, uid in session.execute(
            select(Participant.lms_issuer, Participant.lms_user_id).where(
                Participant.session_id == cs.id, Participant.lms_user_id.is_not(None)
            )
        )
    }
    return [
        e.name
        for e in session.execute(_roster_of(cs)).scalars()
        if e.learner and e.active and (e.issuer, e.user_id) not in seated
    ]
