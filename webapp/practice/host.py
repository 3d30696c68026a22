"""For a class host: per scenario of a session, the pairs the room still gets wrong (each
learner's last answer set), and a practice link built from them."""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass

from flask import abort, redirect, render_template, url_for
from sqlalchemy import select

from ..classroom.access import hosted_session, instructor_page
from ..edge import CheckedForm
from ..extensions import db
from ..learn.identity import current_viewer
from ..models import Attempt, ClassSessionScenario, PracticePairSet, PracticeReview
from ..services.practice.store import deck_for
from . import bp


class PairSetForm(CheckedForm):
    """CSRF for making a practice link."""


@dataclass
class WrongPair:
    area: str
    service: str
    area_name: str
    service_name: str
    wrong: int
    placed: int


def room_wrong_pairs(cs) -> list[tuple[str, list[WrongPair]]]:
    """Per class scenario (title), the pairs some learner got wrong in their last set,
    most often wrong first."""
    deck = deck_for(None)
    rules = deck.rules if deck else None
    items = (
        db.session.execute(
            select(ClassSessionScenario)
            .where(ClassSessionScenario.session_id == cs.id)
            .order_by(ClassSessionScenario.position)
        )
        .scalars()
        .all()
    )
    rows = db.session.execute(
        select(
            Attempt.class_scenario_id,
            Attempt.participant_id,
            Attempt.class_try,
            PracticeReview.area,
            PracticeReview.service,
            PracticeReview.correct,
        )
        .join(PracticeReview, PracticeReview.attempt_id == Attempt.id)
        .where(Attempt.class_scenario_id.in_([i.id for i in items]))
    ).all()
    last: dict[tuple[int | None, int | None], int] = {}  # query columns are nullable
    for item_id, participant, try_, *_ in rows:
        last[(item_id, participant)] = max(try_ or 0, last.get((item_id, participant), 0))
    wrong: dict[int | None, Counter] = {}
    placed: dict[int | None, Counter] = {}
    for item_id, participant, try_, area, service, correct in rows:
        if (try_ or 0) != last[(item_id, participant)]:
            continue
        placed.setdefault(item_id, Counter())[(area, service)] += 1
        if not correct:
            wrong.setdefault(item_id, Counter())[(area, service)] += 1
    result = []
    for item in items:
        pairs = [
            WrongPair(
                a,
                s,
                rules.areas[a].name if rules and a in rules.areas else a,
                rules.services[s].name if rules and s in rules.services else s,
                n,
                placed[item.id][(a, s)],
            )
            for (a, s), n in wrong.get(item.id, Counter()).most_common()
        ]
        result.append((item.scenario_slug, pairs))
    return result


@bp.get("/host/<code>/practice")
@instructor_page
def host_pairs(code: str):
    """What the room still gets wrong, per scenario, with a practice link to share."""
    cs = hosted_session(code)
    return render_template(
        "practice/host.html", cs=cs, scenarios=room_wrong_pairs(cs), form=PairSetForm()
    )


@bp.post("/host/<code>/practice")
@instructor_page
def host_make_link(code: str):
    """Make a practice link from every pair the room still gets wrong."""
    cs = hosted_session(code)
    form = PairSetForm()
    if not form.validate_on_submit():
        abort(400, description="The form had expired. Reload the page and try again.")
    deck = deck_for(None) or abort(404)
    pairs = sorted(
        {
            (p.area, p.service)
            for _, ps in room_wrong_pairs(cs)
            for p in ps
            if (p.area, p.service) in deck.cards
        }
    )
    if not pairs:
        return redirect(url_for("practice.host_pairs", code=code), code=303)
    row = PracticePairSet(
        id=secrets.token_hex(8),
        provider=deck.provider,
        title=f"Session {cs.code}",
        pairs=[list(p) for p in pairs],
        created_by=getattr(current_viewer().user, "id", None),
    )
    db.session.add(row)
    db.session.commit()
    return redirect(url_for("practice.host_pairs", code=code, link=row.id), code=303)
