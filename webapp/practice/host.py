"""For a class host: per scenario of a session, the pairs the room still gets wrong (each
learner's last answer set), and a practice link built from them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from flask import abort, redirect, render_template, url_for
from sqlalchemy import select

from ..classroom.access import hosted_session, instructor_page
from ..edge import CheckedForm
from ..extensions import db
from ..learn.identity import current_viewer
from ..models import Attempt, ClassSessionScenario, PracticeReview
from ..services.classroom.sessions import scenario_of
from ..services.content import rules
from ..services.practice.store import deck_for
from ..services.practice.weak_pairs import WrongPair, make_pair_set, named
from ..services.visibility import for_host
from . import bp


class PairSetForm(CheckedForm):
    """CSRF for making a practice link."""


@dataclass(frozen=True)
class RoomScenario:
    """One scenario of the session on the host's page: its title, whether its pairs may be
    shown yet (once answering has closed on it, as the dashboard's key), and the pairs."""

    title: str
    shown: bool
    pairs: list[WrongPair]


def room_wrong_pairs(cs) -> list[RoomScenario]:
    """Per class scenario, the pairs some learner got wrong in their last answer set, most
    learners wrong first. A learner counts once per pair (a scenario may place one pair on
    several tasks): wrong if any of their placements of it was. A scenario still open for
    answering shows none: the page may be on the room's screen (see visibility.for_host)."""
    items = (
        db.session.execute(
            select(ClassSessionScenario)
            .where(ClassSessionScenario.session_id == cs.id)
            .order_by(ClassSessionScenario.position)
        )
        .scalars()
        .all()
    )
    shown = [i.id for i in items if for_host(cs, i)]
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
        .where(Attempt.class_scenario_id.in_(shown))
    ).all()
    last: dict[tuple[int | None, int | None], int] = {}  # query columns are nullable
    for item_id, participant, try_, *_ in rows:
        last[(item_id, participant)] = max(try_ or 0, last.get((item_id, participant), 0))
    # (item, pair) -> participant -> wrong in any placement of their last set
    learners: dict[tuple[Any, ...], dict[int | None, bool]] = {}
    for item_id, participant, try_, provider, area, service, correct in rows:
        if (try_ or 0) != last[(item_id, participant)]:
            continue
        seen = learners.setdefault((item_id, provider, area, service), {})
        seen[participant] = seen.get(participant, False) or not correct
    result = []
    for item in items:
        counts = [
            (sum(who.values()), len(who), key[1:])
            for key, who in learners.items()
            if key[0] == item.id and any(who.values())
        ]
        counts.sort(key=lambda c: (-c[0], c[2]))
        pairs = [named(deck_for(p), a, s, w, n, provider=p) for w, n, (p, a, s) in counts]
        title = scenario_of(db.session, item, rules()).title
        result.append(RoomScenario(title, item.id in shown, pairs))
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
    found = [p for room in room_wrong_pairs(cs) for p in room.pairs]
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
