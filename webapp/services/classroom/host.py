"""What the host's screens show: the live dashboard, gated for a projector.

The host console and the presenter view may be projected to the room, so while answering
is open they show who has sent and who is still placing (names, never their placements),
and the room's placements only when the host deliberately turns on the live distribution.
The expected party comes from report.dashboard (from "closed" on); each card's
reason and source join it once the answers are revealed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...domain import RuleSet, grade
from ...domain.phases import Phase
from ...models import Attempt, ClassDraft, ClassSession, Participant
from . import report as reports
from . import sessions as svc
from .answers import last_try
from .pacing import seconds_left
from .roster import not_arrived


def reasons_shown(cs: ClassSession) -> bool:
    """The host's screens show each card's reason and source: after the reveal."""
    return cs.phase in (Phase.REVEALED, Phase.ENDED)


def distribution_shown(cs: ClassSession) -> bool:
    """The room's placements: after answering closes, or live if the host chose so."""
    return cs.phase != Phase.OPEN or cs.show_live


def people(session: Session, cs: ClassSession) -> list[dict[str, Any]]:
    """Everyone in the room with where they are on the current scenario: "sent" (with
    who sent: the learner, the timer or the close), "placing" (cards placed so far) or
    "waiting" (nothing placed yet)."""
    item = svc.current_scenario(cs)
    sent: dict[int | None, tuple[int | None, str | None]] = {}  # nullable query columns
    drafts: dict[int, int] = {}
    if item is not None:
        for pid, tries, by in session.execute(
            select(Attempt.participant_id, Attempt.class_try, Attempt.class_sent_by).where(
                Attempt.class_scenario_id == item.id, last_try()
            )
        ):
            sent[pid] = (tries, by)
        for pid, answers in session.execute(
            select(ClassDraft.participant_id, ClassDraft.answers).where(
                ClassDraft.class_scenario_id == item.id
            )
        ):
            drafts[pid] = sum(1 for v in (answers or {}).values() if v)
    rows = []
    for p in session.execute(
        select(Participant)
        .where(Participant.session_id == cs.id, Participant.removed.is_(False))
        .order_by(Participant.joined_at, Participant.id)
    ).scalars():
        row = {
            "id": p.id,
            "nickname": p.nickname,
            "name": p.shown_name,  # the LMS name of a learner from the course roster
            "status": "waiting",
            "placed": 0,
            "answer_sets": 0,
            "sent_by": None,
        }
        if p.id in sent:
            row.update(status="sent", answer_sets=sent[p.id][0], sent_by=sent[p.id][1] or "learner")
        if p.id in drafts and cs.phase == Phase.OPEN:
            row["placed"] = drafts[p.id]
            if p.id not in sent and drafts[p.id]:
                row["status"] = "placing"
        rows.append(row)
    return rows


def host_dashboard(session: Session, cs: ClassSession, rules: RuleSet) -> dict[str, Any]:
    """The dashboard for the host's screens and the dashboard API.

    Adds: "people" (see people()), "not_arrived" (names of the course roster's learners
    not in the room yet, when one was imported), "distribution" ("shown" or "hidden":
    while answering is open the per-card counts are left out unless the host turned on
    the live view),
    "seconds_left" of a countdown, "join_locked", and per card "not_sent" (no answer set)
    apart from "left_in_tray" (sent, but the card was not placed), plus "explanation" and
    "source" once the answers are revealed.
    """
    body = reports.dashboard(session, cs, rules)
    body.update(
        people=people(session, cs),
        not_arrived=not_arrived(session, cs),
        join_locked=cs.join_locked,
        show_live=cs.show_live,
        seconds_left=seconds_left(cs),
        distribution="shown" if distribution_shown(cs) else "hidden",
    )
    not_sent = max(body["joined"] - body["answered"], 0)
    for row in body["tasks"]:
        unanswered = row["counts"].get("unanswered", 0)
        row["not_sent"] = min(not_sent, unanswered)
        row["left_in_tray"] = max(unanswered - not_sent, 0)
    if body["distribution"] == "hidden":
        body["tasks"] = []
    item = svc.current_scenario(cs)
    if reasons_shown(cs) and item is not None and body["tasks"]:
        scenario = svc.scenario_of(session, item, rules)
        why = {r.task_id: r for r in grade(scenario, item.variant, rules, {}).results}
        for row in body["tasks"]:
            row["explanation"] = why[row["task_id"]].why
            row["source"] = why[row["task_id"]].source
    return body
