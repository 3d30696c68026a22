"""For a class host: per scenario of a session, the pairs the room still gets wrong (each
learner's last answer set), and a practice link built from them."""

from __future__ import annotations

from collections import Counter

from flask import abort, redirect, render_template, url_for
from sqlalchemy import select

from ..classroom.access import hosted_session, instructor_page
from ..edge import CheckedForm
from ..extensions import db
from ..learn.identity import current_viewer
from ..models import Attempt, ClassSessionScenario, PracticeReview
from ..services.practice.store import deck_for
from ..services.practice.weak_pairs import WrongPair, make_pair_set, named
from . import bp


class PairSetForm(CheckedForm):
    """CSRF for making a practice link."""


def room_wrong_pairs(cs) -> list[tuple[str, list[WrongPair]]]:
    """Per class scenario (title), the pairs some learner got wrong in their last set,
    most often wrong first."""
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
            PracticeReview.provider,
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
    for item_id, participant, try_, provider, area, service, correct in rows:
        if (try_ or 0) != last[(item_id, participant)]:
            continue
        placed.setdefault(item_id, Counter())[(provider, area, service)] += 1
        if not correct:
            wrong.setdefault(item_id, Counter())[(provider, area, service)] += 1
    result = []
    for item in items:
        pairs = [
            named(deck_for(p), a, s, n, placed[item.id][(p, a, s)], provider=p)
            for (p, a, s), n in wrong.get(item.id, Counter()).most_common()
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
    found = [p for _, ps in room_wrong_pairs(cs) for p in ps]
    # a link deals one provider's cards: the one most of the room's wrong pairs are from
    provider = Counter(p.provider for p in found).most_common(1)[0][0] if found else None
    deck = deck_for(provider) if provider else None
    keys = [p.key for p in found if p.provider == provider]
    user_id = getattr(current_viewer().user, "id", None)
    row = make_pair_set(db.session, deck, keys, f"Session {cs.code}", user_id) if deck else None
    if row is None:
        return redirect(url_for("practice.host_pairs", code=code), code=303)
    db.session.commit()
    return redirect(url_for("practice.host_pairs", code=code, link=row.id), code=303)
