"""What the host sees: live dashboard, leaderboard and the after-class report.

Counts are aggregated in SQL over attempt_answers joined to the attempts of the session's
(not removed) participants, so they are right whichever worker stored the answers. Where a
session lets learners send more than one answer set, only each learner's last one counts.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...domain import PARTIES, RuleSet
from ...domain.grader import Verdict, answer_key
from ...models import Attempt, AttemptAnswer, ClassSession, ClassSessionScenario, Participant
from ..visibility import for_host
from .answers import last_try
from .sessions import active_count, current_scenario, scenario_of

LEADERBOARD_SIZE = 10


def _answers_of_room(cs: ClassSession):
    """attempt_answers of this session's active participants (a select to add columns to)."""
    return (
        select(
            Attempt.class_scenario_id,
            AttemptAnswer.task_id,
            AttemptAnswer.given,
            func.count().label("n"),
        )
        .select_from(AttemptAnswer)
        .join(Attempt, Attempt.id == AttemptAnswer.attempt_id)
        .join(Participant, Participant.id == Attempt.participant_id)
        .where(Participant.session_id == cs.id, Participant.removed.is_(False), last_try())
        .group_by(Attempt.class_scenario_id, AttemptAnswer.task_id, AttemptAnswer.given)
    )


def task_counts(
    session: Session, cs: ClassSession, item: ClassSessionScenario | None = None
) -> dict[tuple[int, str], dict[str, int]]:
    """(class scenario id, task id) -> {party: how many placed it there} (None = unanswered)."""
    query = _answers_of_room(cs)
    if item is not None:
        query = query.where(Attempt.class_scenario_id == item.id)
    counts: dict[tuple[int, str], dict[str, int]] = defaultdict(dict)
    for css_id, task_id, given, n in session.execute(query):
        counts[(css_id, task_id)][given or Verdict.UNANSWERED] = n
    return counts


def answered_count(session: Session, cs: ClassSession, item: ClassSessionScenario) -> int:
    """How many in the room have sent an answer set for this scenario."""
    return session.execute(
        select(func.count())
        .select_from(Attempt)
        .join(Participant, Participant.id == Attempt.participant_id)
        .where(
            Participant.session_id == cs.id,
            Participant.removed.is_(False),
            Attempt.class_scenario_id == item.id,
            last_try(),
        )
    ).scalar_one()


def _task_rows(
    session: Session, item: ClassSessionScenario, rules: RuleSet, counts: dict, room: int
) -> list[dict[str, Any]]:
    scenario = scenario_of(session, item, rules)
    key = answer_key(scenario, item.variant, rules)
    rows = []
    for task in scenario.tasks:
        placed = counts.get((item.id, task.id), {})
        row = {party: placed.get(party, 0) for party in scenario.parties}
        # unanswered: everyone in the room who did not place the card (no answer set, or None)
        row[Verdict.UNANSWERED] = max(room - sum(row.values()), 0)
        rows.append(
            {
                "scenario_id": item.scenario_slug,
                "task_id": task.id,
                "text": task.text,
                "expected": key[task.id],
                "counts": row,
            }
        )
    return rows


def dashboard(session: Session, cs: ClassSession, rules: RuleSet) -> dict[str, Any]:
    """Live numbers for the host's screen.

    Whether the expected parties are in is visibility.for_host's call (not while answering is
    open: the screen may be projected); with them, misplaced tasks come first.
    """
    room = active_count(session, cs)
    item = current_scenario(cs)
    body: dict[str, Any] = {
        "code": cs.code,
        "phase": cs.phase,
        "version": cs.state_version,
        "joined": room,
        "answered": 0,
        "scenario": None,
        "tasks": [],
        "show_leaderboard": cs.show_leaderboard,
    }
    if item is not None:
        scenario = scenario_of(session, item, rules)
        body["scenario"] = {
            "id": item.scenario_slug,
            "title": scenario.title,
            "variant": item.variant,
            "variant_title": (scenario.variant(item.variant).title if item.variant else None),
            "position": item.position + 1,
            "count": len(cs.scenarios),
            "parties": list(scenario.parties),
        }
        body["answered"] = answered_count(session, cs, item)
        rows = _task_rows(session, item, rules, task_counts(session, cs, item), room)
        show_key = for_host(cs, item)
        for row in rows:
            placed = sum(n for p, n in row["counts"].items() if p != Verdict.UNANSWERED)
            wrong = placed - row["counts"].get(row["expected"], 0)
            row["placed"] = placed
            row["misplaced"] = wrong if show_key else None
            row["misplaced_share"] = (wrong / placed if placed else 0.0) if show_key else None
            if not show_key:
                row["expected"] = None
        if show_key:
            rows.sort(key=lambda r: -(r["misplaced_share"] or 0))
        body["tasks"] = rows
    body["leaderboard"] = leaderboard(session, cs) if cs.show_leaderboard else []
    return body


def leaderboard(
    session: Session, cs: ClassSession, limit: int = LEADERBOARD_SIZE
) -> list[dict[str, Any]]:
    """Nicknames and correct placements so far, best first."""
    rows = session.execute(
        select(Participant.nickname, func.sum(Attempt.correct), func.sum(Attempt.total))
        .join(Attempt, Attempt.participant_id == Participant.id)
        .where(Participant.session_id == cs.id, Participant.removed.is_(False), last_try())
        .group_by(Participant.id, Participant.nickname)
        .order_by(func.sum(Attempt.correct).desc(), func.min(Attempt.created_at), Participant.id)
        .limit(limit)
    ).all()
    return [
        {"rank": i + 1, "nickname": nick, "correct": int(correct or 0), "total": int(total or 0)}
        for i, (nick, correct, total) in enumerate(rows)
    ]


def _report_scenario(
    session: Session,
    item: ClassSessionScenario,
    rules: RuleSet,
    counts: dict,
    room: int,
) -> dict[str, Any]:
    """One scenario of the report: its variant, its parties, its tasks most missed first.

    A miss is any learner in the room who did not place the card with the expected party
    (placed elsewhere, or not placed); the share correct is out of the whole room.
    """
    scenario = scenario_of(session, item, rules)
    rows = _task_rows(session, item, rules, counts, room)
    for row in rows:
        counted = sum(row["counts"].values())
        row["variant"] = item.variant
        row["correct"] = row["counts"].get(row["expected"], 0)
        row["missed"] = counted - row["correct"]
        row["percent_correct"] = round(row["correct"] / counted * 100, 1) if counted else None
    rows.sort(key=lambda r: -r["missed"])  # stable: ties keep the scenario's order
    return {
        "position": item.position + 1,
        "scenario_id": item.scenario_slug,
        "title": scenario.title,
        "variant": item.variant,
        "variant_title": scenario.variant(item.variant).title if item.variant else None,
        "parties": list(scenario.parties),
        "tasks": rows,
    }


def report(session: Session, cs: ClassSession, rules: RuleSet) -> dict[str, Any]:
    """Per participant (score and answers per scenario) and per task (counts per zone).

    "scenarios" holds each scenario with its tasks, most missed first; "tasks" is the same
    rows in one list.
    """
    room = active_count(session, cs)
    counts = task_counts(session, cs)
    scenarios = [_report_scenario(session, item, rules, counts, room) for item in cs.scenarios]
    tasks = [row for sc in scenarios for row in sc["tasks"]]
    # keyed for the nullable class_scenario_id column of the rows below
    slugs: dict[int | None, ClassSessionScenario] = {item.id: item for item in cs.scenarios}
    people = (
        session.execute(
            select(Participant)
            .where(Participant.session_id == cs.id, Participant.removed.is_(False))
            .order_by(Participant.joined_at, Participant.id)
        )
        .scalars()
        .all()
    )
    by_person: dict[int | None, dict[int | None, dict[str, Any]]] = defaultdict(dict)
    rows = session.execute(
        select(
            Attempt.participant_id,
            Attempt.class_scenario_id,
            Attempt.variant,
            Attempt.score,
            Attempt.correct,
            Attempt.total,
            Attempt.class_try,
            AttemptAnswer.task_id,
            AttemptAnswer.given,
            Attempt.class_sent_by,
        )
        .join(AttemptAnswer, AttemptAnswer.attempt_id == Attempt.id)
        .join(Participant, Participant.id == Attempt.participant_id)
        .where(Participant.session_id == cs.id, Participant.removed.is_(False), last_try())
        .order_by(Attempt.class_scenario_id, AttemptAnswer.position)
    )
    for pid, css_id, variant, score, correct, total, tries, task_id, given, by in rows:
        entry = by_person[pid].setdefault(
            css_id,
            {
                "scenario_id": slugs[css_id].scenario_slug,
                "variant": variant,
                "score": round(score, 4),
                "correct": correct,
                "total": total,
                "answer_sets": tries,
                "sent_by": by or "learner",
                "answers": {},
            },
        )
        entry["answers"][task_id] = given
    participants = []
    for p in people:
        done = by_person.get(p.id, {})
        participants.append(
            {
                "nickname": p.nickname,
                "name": p.shown_name,
                "joined_at": p.joined_at.isoformat() + "Z",
                "scenarios": [done[item.id] for item in cs.scenarios if item.id in done],
            }
        )
    return {
        "code": cs.code,
        "phase": cs.phase,
        "answer_sets_allowed": cs.answer_sets,
        "created_at": cs.created_at.isoformat() + "Z",
        "ended_at": cs.ended_at.isoformat() + "Z" if cs.ended_at else None,
        "participants": participants,
        "scenarios": scenarios,
        "tasks": tasks,
    }


def _cell(value: Any) -> Any:
    """Neutralise spreadsheet formulas in text cells (=, +, -, @ at the start)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def report_csv(data: dict[str, Any], table: str) -> str:
    """The report as CSV: table "answers" (one row per participant and task) or "tasks"."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    texts = {(t["scenario_id"], t["task_id"]): t for t in data["tasks"]}
    if table == "tasks":
        # a column per party some scenario of the session uses: none empty throughout
        used = {p for sc in data["scenarios"] for p in sc["parties"]}
        parties = [p for p in PARTIES if p in used]
        writer.writerow(
            [
                "scenario_id",
                "variant",
                "task_id",
                "task",
                "expected",
                *parties,
                "unanswered",
                "correct",
                "percent_correct",
            ]
        )
        for t in data["tasks"]:
            writer.writerow(
                [
                    _cell(t["scenario_id"]),
                    _cell(t["variant"] or ""),
                    _cell(t["task_id"]),
                    _cell(t["text"]),
                    t["expected"],
                    *(t["counts"].get(p, "") for p in parties),
                    t["counts"]["unanswered"],
                    t["correct"],
                    "" if t["percent_correct"] is None else t["percent_correct"],
                ]
            )
        return out.getvalue()
    writer.writerow(
        [
            "nickname",
            "name",
            "joined_at",
            "scenario_id",
            "variant",
            "score",
            "answer_sets",
            "task_id",
            "task",
            "given",
            "expected",
            "correct",
        ]
    )
    for person in data["participants"]:
        for sc in person["scenarios"]:
            for task_id, given in sc["answers"].items():
                task = texts.get((sc["scenario_id"], task_id), {})
                expected = task.get("expected")
                writer.writerow(
                    [
                        _cell(person["nickname"]),
                        _cell(person["name"]),
                        person["joined_at"],
                        _cell(sc["scenario_id"]),
                        _cell(sc["variant"] or ""),
                        sc["score"],
                        sc["answer_sets"],
                        _cell(task_id),
                        _cell(task.get("text", "")),
                        given or "",
                        expected or "",
                        "yes" if given is not None and given == expected else "no",
                    ]
                )
    return out.getvalue()
