"""Live class sessions: join codes, joining, pacing and answers.

Every piece of session state lives in the database, so any number of worker processes
(on one machine or several) serve the same class. Changes a learner's screen must follow
bump ``ClassSession.state_version``, the ETag of the state endpoint. Host actions are
conditional UPDATEs, so two clicks racing in two workers cannot both win.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from sqlalchemy import Row, Select, bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ...domain import GradingError, RuleSet, Scenario
from ...domain.grader import check_variant
from ...domain.phases import LIVE_PHASES, Phase
from ...domain.text import quote
from ...models import ClassSession, ClassSessionScenario, Participant, User
from ...models.base import utcnow
from .. import content
from .content import scenario_for_version
from .errors import ClassError, Conflict, Forbidden, Invalid, NotFound

# no 0/O, 1/I/L: a code read off a projector is typed right the first time
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
NICKNAME_MAX = 24
MAX_SCENARIOS = 20
MAX_ANSWER_SETS = 10  # answer sets a learner may send per scenario, at most
MAX_PARTICIPANTS_RANKED = 5000  # a learner's own place is looked up among this many
_NICKNAME = re.compile(r"[^\W_][\w .'\-]*")

if TYPE_CHECKING:
    from sqlalchemy import CursorResult


class Transition(NamedTuple):
    """A host action: the phases it may start from, the phase it leads to, and its words
    (the verb in messages, the button's label, what is announced once it is done)."""

    sources: tuple[Phase, ...]
    target: Phase
    verb: str
    label: str
    done: str


# the one table of host actions: the routes, the buttons and host.js all derive from it
TRANSITIONS: dict[str, Transition] = {
    "open": Transition(
        (Phase.LOBBY, Phase.CLOSED),
        Phase.OPEN,
        "open answering",
        "Open answering",
        "Answering is open.",
    ),
    "close": Transition(
        (Phase.OPEN,), Phase.CLOSED, "close answering", "Close answering", "Answering is closed."
    ),
    "reveal": Transition(
        (Phase.OPEN, Phase.CLOSED),
        Phase.REVEALED,
        "reveal the answers",
        "Reveal answers",
        "Answers revealed.",
    ),
    "next": Transition(
        (Phase.CLOSED, Phase.REVEALED),
        Phase.LOBBY,
        "move to the next scenario",
        "Next scenario",
        "Moved to the next scenario.",
    ),
    "end": Transition(
        LIVE_PHASES, Phase.ENDED, "end the session", "End session", "The session has ended."
    ),
}
HOST_ACTIONS: tuple[str, ...] = tuple(TRANSITIONS)
ACTION_VERBS = {action: t.verb for action, t in TRANSITIONS.items()}
ACTION_LABELS = {action: t.label for action, t in TRANSITIONS.items()}


@dataclass(frozen=True)
class Pick:
    """A scenario chosen for a session, under the variant the host chose."""

    playable: content.Playable
    variant: str | None


# --- codes and look-ups ---------------------------------------------------------------


def normalise_code(raw: Any) -> str:
    """A typed code in canonical form: upper case, spaces and dashes dropped."""
    if not isinstance(raw, str):
        return ""
    return re.sub(r"[\s\-]", "", raw).upper()[: CODE_LENGTH * 2]


def new_code(session: Session) -> str:
    """A fresh random join code, never used by another session (live or ended)."""
    for _ in range(20):
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        taken = session.execute(
            select(ClassSession.id).where(ClassSession.code == code).limit(1)
        ).first()
        if taken is None:
            return code
    raise RuntimeError("could not find a free join code")  # 31**6 codes: not in practice


def newest(query: Select) -> Select:
    """A query over ClassSession narrowed to the newest session with the code bound as
    :code. Built once, at import, for each query: setting a statement up costs more than
    running it, and every learner's request looks its session up."""
    return (
        query.where(ClassSession.code == bindparam("code"))
        .order_by(ClassSession.id.desc())
        .limit(1)
    )


def latest_by_code(session: Session, statement: Select, code: Any, **params: Any) -> Row:
    """The row of a statement made by newest() for the newest session with this code (and
    any other parameters it binds); NotFound if there is none."""
    code = normalise_code(code)
    row = session.execute(statement, {"code": code, **params}).first() if code else None
    if row is None:
        raise ClassError.no_session()
    return row


_FIND_SESSION = newest(select(ClassSession))


def find_session(session: Session, code: Any) -> ClassSession:
    """The session with this code; NotFound if there is none."""
    return latest_by_code(session, _FIND_SESSION, code)[0]


def live_session(session: Session, code: Any) -> ClassSession:
    """The session with this code if it has not ended (NotFound, or Ended)."""
    cs = find_session(session, code)
    if cs.phase == Phase.ENDED:
        raise ClassError.ended()
    return cs


def may_host(user: Any, cs: ClassSession) -> bool:
    """The session's host, or an admin, may see and run it."""
    return bool(
        user is not None and user.is_authenticated and (user.id == cs.host_id or user.is_admin)
    )


def sessions_for(session: Session, user: User) -> list[ClassSession]:
    """The sessions a host sees on their list, newest first (an admin sees all)."""
    query = select(ClassSession).order_by(ClassSession.id.desc()).limit(200)
    if not user.is_admin:
        query = query.where(ClassSession.host_id == user.id)
    return list(session.execute(query).scalars())


# --- creating a session ---------------------------------------------------------------


def parse_picks(session: Session, items: Any) -> list[Pick]:
    """Scenario choices from a request: ids, or {"id", "variant"} objects."""
    if not isinstance(items, list) or not items:
        raise Invalid(
            "choose at least one scenario", ["'scenarios' must be a non-empty list of scenario ids"]
        )
    if len(items) > MAX_SCENARIOS:
        raise Invalid(f"a session holds at most {MAX_SCENARIOS} scenarios")
    picks, problems, seen = [], [], set()
    for item in items:
        sid, variant = (
            (item, None)
            if isinstance(item, str)
            else ((item.get("id"), item.get("variant")) if isinstance(item, dict) else (None, None))
        )
        if not isinstance(sid, str) or (variant is not None and not isinstance(variant, str)):
            problems.append(f"not a scenario choice: {quote(item)}")
            continue
        if sid in seen:
            problems.append(f"scenario {quote(sid)} is chosen twice")
            continue
        seen.add(sid)
        playable = content.find_published(session, sid)
        if playable is None:
            problems.append(f"no published scenario {quote(sid)}")
            continue
        try:
            variant = check_variant(playable.scenario, variant or None)
        except GradingError as exc:
            problems.extend(f"scenario {quote(sid)}: {d}" for d in exc.details)
            continue
        picks.append(Pick(playable, variant))
    if problems:
        raise Invalid("some scenarios cannot be used", problems)
    return picks


def check_answer_sets(raw: Any) -> int:
    """How many answer sets per scenario a host asked for; Invalid if not 1-10."""
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= MAX_ANSWER_SETS:
        raise Invalid(
            "invalid session request",
            [f"'answer_sets' must be a whole number from 1 to {MAX_ANSWER_SETS}"],
        )
    return raw


def create_session(
    session: Session,
    host: User,
    picks: list[Pick],
    feedback_after_reveal: bool = True,
    answer_sets: int = 1,
) -> ClassSession:
    """A new session in the lobby, with the chosen scenarios pinned to their versions.

    answer_sets: how many times a learner may send answers for each scenario while it is
    open; the last set sent is the one that counts.
    """
    cs = ClassSession(
        code=new_code(session),
        host_id=host.id,
        phase=Phase.LOBBY,
        current_index=0,
        state_version=1,
        feedback_after_reveal=feedback_after_reveal,
        answer_sets=check_answer_sets(answer_sets),
    )
    for position, pick in enumerate(picks):
        version = content.snapshot_version(session, pick.playable)
        cs.scenarios.append(
            ClassSessionScenario(
                position=position,
                scenario_slug=pick.playable.scenario.id,
                version_id=version.id,
                variant=pick.variant,
            )
        )
    session.add(cs)
    session.flush()
    return cs


# --- learners -------------------------------------------------------------------------


def check_nickname(raw: Any) -> tuple[str, str]:
    """A nickname trimmed and checked, with its case-folded key; Invalid otherwise."""
    if not isinstance(raw, str):
        raise Invalid("enter a nickname", ["'nickname' must be text"])
    nickname = " ".join(unicodedata.normalize("NFKC", raw).split())
    if not nickname:
        raise Invalid("enter a nickname")
    if len(nickname) > NICKNAME_MAX:
        raise Invalid(
            f"a nickname has at most {NICKNAME_MAX} characters", [f"yours has {len(nickname)}"]
        )
    if not _NICKNAME.fullmatch(nickname):
        raise Invalid(
            "use letters, digits, spaces and . ' - _ only, starting with a letter or digit"
        )
    return nickname, nickname.casefold()


def hash_token(token: str) -> str:
    """What is stored of a participant token: its SHA-256."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_hash_of(token: Any) -> str | None:
    """The stored hash of a well-formed participant token; None for anything else."""
    return hash_token(token) if isinstance(token, str) and 20 <= len(token) <= 100 else None


_JOIN_LOCK = (
    select(ClassSession.phase, ClassSession.join_locked)
    .where(ClassSession.id == bindparam("id"))
    .with_for_update(read=True)
)


def join(session: Session, cs: ClassSession, raw_nickname: Any) -> tuple[Participant, str]:
    """Add a participant; returns it and its secret token (only the hash is stored)."""
    nickname, key = check_nickname(raw_nickname)
    # the session row is share-locked first: a join cannot slip in after the session ends.
    # Joining does not bump state_version: every learner's poll would then get a full body
    # at every join; the lobby's room count travels in the polls' X-Room-Count instead.
    phase, locked = session.execute(_JOIN_LOCK, {"id": cs.id}).one()
    if phase == Phase.ENDED:
        raise ClassError.ended()
    if locked:
        raise Forbidden(
            "the host has locked this session: nobody new can join",
            ["ask the host to unlock joining"],
        )
    token = secrets.token_urlsafe(32)
    participant = Participant(
        session_id=cs.id,
        nickname=nickname,
        nickname_key=key,
        token_hash=hash_token(token),
        joined_at=utcnow(),
    )
    session.add(participant)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(
            f"the nickname {quote(nickname)} is taken in this session", ["choose another nickname"]
        ) from None
    return participant, token


def participant_for(session: Session, cs: ClassSession, token: Any) -> Participant:
    """The participant holding this token in this session; Forbidden otherwise."""
    participant, key = None, token_hash_of(token)
    if key is not None:
        participant = session.execute(
            select(Participant).where(
                Participant.token_hash == key, Participant.session_id == cs.id
            )
        ).scalar_one_or_none()
    if participant is None:
        raise ClassError.bad_token()
    if participant.removed:
        raise ClassError.removed()
    return participant


_SESSION_AND_PARTICIPANT = newest(
    select(ClassSession, Participant).outerjoin(
        Participant,
        (Participant.session_id == ClassSession.id)
        & (Participant.token_hash == bindparam("token")),
    )
)


def session_and_participant(
    session: Session, code: Any, token: Any
) -> tuple[ClassSession, Participant | None]:
    """The session with this code (404 if none) and, in the same query, the participant
    holding this token in it: None for a missing, foreign or removed one."""
    cs, participant = latest_by_code(
        session, _SESSION_AND_PARTICIPANT, code, token=token_hash_of(token)
    )
    return cs, (participant if participant is not None and not participant.removed else None)


def active_count(session: Session, cs: ClassSession) -> int:
    """Participants in the room (joined and not removed)."""
    return active_count_of(session, cs.id)


def active_count_of(session: Session, session_id: int) -> int:
    """Participants in the room of the session with this id."""
    return session.execute(
        select(func.count())
        .select_from(Participant)
        .where(Participant.session_id == session_id, Participant.removed.is_(False))
    ).scalar_one()


# --- host actions ---------------------------------------------------------------------


def act(
    session: Session,
    cs: ClassSession,
    action: str,
    expect: tuple[str, int] | None = None,
    closes_at: datetime | None = None,
) -> ClassSession:
    """Apply a pacing action (open, close, reveal, next, end); Conflict if it can't.

    expect: the (phase, scenario position from 1) the host's screen showed when the button
    was pressed. A repeated click or a resent request finds the session moved on and is
    refused (Conflict "moved-on") rather than taking the next step. closes_at: with "open", the
    moment a countdown closes answering.
    """
    if action not in TRANSITIONS:
        raise NotFound(f"no host action '{action}'")
    if cs.phase == Phase.ENDED:
        raise ClassError.ended()
    if expect is not None and expect != (cs.phase, cs.current_index + 1):
        raise moved_on(action, cs)
    sources, target = TRANSITIONS[action].sources, TRANSITIONS[action].target
    values: dict[str, Any] = {
        "phase": target.value,
        "state_version": ClassSession.state_version + 1,
        "closes_at": closes_at if action == "open" else None,
    }
    if action == "next":
        if cs.current_index + 1 >= len(cs.scenarios):
            raise Conflict("this is the last scenario: end the session instead")
        values["current_index"] = cs.current_index + 1
    if action == "end":
        values["ended_at"] = utcnow()
    if cs.phase not in sources:
        raise _wrong_phase(action, cs.phase)
    if action == "open" and not may_reopen(session, cs):
        raise Conflict(
            "cannot open answering again: learners have seen the answers of this scenario",
            ["reveal the answers to the room, or move to the next scenario"],
        )
    index = cs.current_index
    changed = cast(
        "CursorResult[Any]",
        session.execute(
            update(ClassSession)
            .where(
                ClassSession.id == cs.id,
                ClassSession.phase == cs.phase,
                ClassSession.current_index == cs.current_index,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    if changed and action == "reveal":  # the room has seen this scenario's key for good
        session.execute(
            update(ClassSessionScenario)
            .where(ClassSessionScenario.session_id == cs.id, ClassSessionScenario.position == index)
            .values(revealed_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        session.expire_all()  # the revealed scenario, loaded with the session, is stale
    session.refresh(cs)
    if not changed:  # someone else (another tab, another worker) acted first
        raise moved_on(action, cs) if expect is not None else _wrong_phase(action, cs.phase)
    return cs


def may_reopen(session: Session, cs: ClassSession) -> bool:
    """Answering may open for the current scenario: always from the lobby; after "close"
    only while nobody in the room has seen its key (a learner who has would tell the room)."""
    from ..visibility import key_seen  # visibility asks this module who hosts a session

    item = current_scenario(cs)
    return cs.phase != Phase.CLOSED or item is None or not key_seen(session, cs, item)


def host_actions(session: Session, cs: ClassSession) -> list[str]:
    """The pacing actions the host may take now, in button order."""
    return [
        a
        for a, t in TRANSITIONS.items()
        if cs.phase in t.sources
        and not (a == "next" and cs.current_index + 1 >= len(cs.scenarios))
        and not (a == "open" and not may_reopen(session, cs))
    ]


def moved_on(action: str, cs: ClassSession) -> Conflict:
    """The 409 for a pacing request made for a moment that has passed (a double click)."""
    return Conflict(
        f"nothing changed: the session had already moved on when you "
        f"asked to {ACTION_VERBS[action]} (it is {cs.phase}, scenario "
        f"{cs.current_index + 1})",
        ["moved-on"],
    )


def check_expect(raw: Any) -> tuple[str, int] | None:
    """The (phase, position) a pacing request expects, from its "expect_phase" and
    "expect_position" fields; None when neither is sent. Invalid if malformed."""
    phase, position = raw.get("expect_phase"), raw.get("expect_position")
    if phase is None and position is None:
        return None
    if (
        phase not in LIVE_PHASES
        or isinstance(position, bool)
        or not isinstance(position, int)
        or not 1 <= position <= MAX_SCENARIOS
    ):
        raise Invalid(
            "invalid pacing request",
            [
                "'expect_phase' must be a live phase and 'expect_position' the "
                "scenario's number (from 1), both together"
            ],
        )
    return phase, position


def _wrong_phase(action: str, phase: str) -> Conflict:
    return Conflict(
        f"cannot {ACTION_VERBS[action]} now: the session is {phase}",
        [f"'{action}' works when the session is {' or '.join(TRANSITIONS[action].sources)}"],
    )


def remove_participant(session: Session, cs: ClassSession, participant_id: Any) -> Participant:
    """Remove a participant: their token stops working and they leave counts and reports."""
    if cs.phase == Phase.ENDED:
        raise ClassError.ended()
    participant = (
        session.get(Participant, participant_id) if isinstance(participant_id, int) else None
    )
    if participant is None or participant.session_id != cs.id:
        raise NotFound("no such participant in this session")
    if not participant.removed:
        participant.removed = True
        _bump(session, cs)
    return participant


def set_leaderboard(session: Session, cs: ClassSession, show: bool) -> None:
    """Show or hide the leaderboard on the room's screens."""
    _set_flag(session, cs, show_leaderboard=bool(show))


def set_join_locked(session: Session, cs: ClassSession, locked: bool) -> None:
    """Lock or unlock joining: a locked session refuses new learners, not those in it."""
    _set_flag(session, cs, join_locked=bool(locked))


def set_show_live(session: Session, cs: ClassSession, show: bool) -> None:
    """Show the room's placements on the host's screen while answering is open, or not."""
    _set_flag(session, cs, show_live=bool(show))


def _set_flag(session: Session, cs: ClassSession, **values: bool) -> None:
    if cs.phase == Phase.ENDED:
        raise ClassError.ended()
    session.execute(
        update(ClassSession)
        .where(ClassSession.id == cs.id)
        .values(**values, state_version=ClassSession.state_version + 1)
        .execution_options(synchronize_session=False)
    )
    session.refresh(cs)


def _bump(session: Session, cs: ClassSession) -> None:
    session.execute(
        update(ClassSession)
        .where(ClassSession.id == cs.id)
        .values(state_version=ClassSession.state_version + 1)
        .execution_options(synchronize_session=False)
    )


# --- the scenario being played ------------------------------------------------------


def current_scenario(cs: ClassSession) -> ClassSessionScenario | None:
    """The session's scenario at the current position (None if the session has none)."""
    for item in cs.scenarios:
        if item.position == cs.current_index:
            return item
    return None


def scenario_of(session: Session, item: ClassSessionScenario, rules: RuleSet) -> Scenario:
    """The scenario as pinned for this session (its stored version)."""
    return scenario_for_version(session, item.version_id, rules)
