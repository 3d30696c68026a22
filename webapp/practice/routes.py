"""Practice pages: a round on the board (with or without JavaScript), its result, the next
round; the progress map and its exports."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from flask import Response, abort, redirect, render_template, request, url_for
from flask_limiter.util import get_remote_address

from ..edge import CheckedForm
from ..extensions import csrf, db, limiter
from ..learn.forms import answer_field
from ..learn.identity import current_learner_id, current_viewer
from ..learn.pages import DISPLAY_ORDER, verdict_label
from ..models import PracticePairSet
from ..services.practice import progress as progress_service
from ..services.practice.scheduler import DEFAULT_SIZE, MAX_SIZE
from ..services.practice.store import (
    Focus,
    PracticeError,
    answer,
    deal,
    deck_for,
    decks,
    find_round,
    owner_of,
    resume,
)
from ..services.visibility import for_practice_round
from . import bp
from .api import _limit


def zones_of(rules: Any) -> list[tuple[str, str]]:
    """The board's zones for a provider's rule set: its own parties, in display order."""
    return [(p, rules.parties[p]) for p in DISPLAY_ORDER if p in rules.parties]


def provider_names() -> list[tuple[str, str]]:
    """(id, name) of every provider with practice cards, the default first."""
    return [(p, d.rules.name or p.upper()) for p, d in decks().items() if d.cards]


FILTERS = ("provider", "model", "area", "service", "set", "weak", "size")


class RoundForm(CheckedForm):
    """CSRF for a round's answers; the answers are `answer-<card id>` radio groups."""


def _filters() -> dict[str, str]:
    """The round's filters from the query string, kept for the next round's link."""
    return {k: v for k in FILTERS if (v := request.args.get(k, "").strip())}


def _any_provider_knows(name: str, value: str) -> bool:
    """Whether some provider's rule set has a model, area or service of that id."""
    kinds = {"model": "models", "area": "areas", "service": "services"}
    return any(value in getattr(d.rules, kinds[name]) for d in decks().values())


def _focus(filters: dict[str, str]) -> tuple[Any, Focus, str | None, int]:
    """The deck and focus the filters ask for; filters naming another provider's ids are
    dropped from `filters` (the provider was just switched on the form)."""
    pairs, set_id = None, filters.get("set")
    row = None
    if set_id:
        row = db.session.get(PracticePairSet, set_id) if len(set_id) <= 32 else None
        if row is None or filters.setdefault("provider", row.provider) != row.provider:
            abort(404, description="This practice link does not exist (any more).")
        pairs = frozenset((a, s) for a, s in row.pairs)
    deck = deck_for(filters.get("provider")) or abort(404, description="No such provider.")
    rules = deck.rules
    for name, known in (
        ("model", rules.models),
        ("area", rules.areas),
        ("service", rules.services),
    ):
        if name in filters and filters[name] not in known:
            if not _any_provider_knows(name, filters[name]):
                abort(404, description=f"The rule set has no {name} of that name.")
            del filters[name]  # another provider's id: the provider was just switched
    size = filters.get("size", str(DEFAULT_SIZE))
    # ASCII digits only: str.isdigit() also admits "²", which int() refuses
    size_n = int(size) if re.fullmatch("[0-9]{1,3}", size) else 0
    if not 1 <= size_n <= MAX_SIZE:
        size_n = DEFAULT_SIZE
        filters.pop("size", None)  # the form shows the size dealt, not the one refused
    focus = Focus(filters.get("model"), filters.get("area"), filters.get("service"), pairs)
    return deck, focus, set_id, size_n


def _board(round_, deck, filters, *, answers=None, errors=None, form=None, status=200):
    form = form or RoundForm(formdata=None)
    tasks = [{"id": c["id"], "text": c["text"]} for c in round_.cards]
    rules = deck.rules
    return render_template(
        "practice/round.html",
        round=round_,
        tasks=tasks,
        zones=zones_of(rules),
        form=form,
        answers=answers or {},
        errors=errors or {},
        answer_field=answer_field,
        filters=filters,
        providers=provider_names(),
        models=list(rules.models.items()),
        deck=deck,
        max_size=MAX_SIZE,
        services={
            c["service"]: rules.services[c["service"]].name
            for c in round_.cards
            if c["service"] in rules.services
        },
    ), status


@bp.get("/practice")
def practice():
    """A new round of cards chosen for this learner, on the board."""
    filters = _filters()
    deck, focus, set_id, size = _focus(filters)
    current_learner_id()
    owner = owner_of(current_viewer())
    if owner is None:  # current_learner_id() has just given this browser its id
        raise RuntimeError("a practice round is dealt to a learner")
    now = datetime.now(UTC)
    if filters.get("weak") != "1":
        filters.pop("weak", None)
    else:  # the weak spots /progress lists, as they stand now
        weak = progress_service.weak_pairs(db.session, owner, deck, now)
        if focus.pairs is not None:
            weak &= focus.pairs
        if not weak:
            db.session.commit()  # reviews folded in on the way stay folded
            return render_template("practice/empty.html", filters=filters, no_weak=True), 200
        focus = replace(focus, pairs=weak)
    # a reload, Back or a return to /practice shows the round left unanswered (the browser
    # keeps its placements); a round answered or other filters deal a new one
    round_ = resume(db.session, owner, deck, size, now, focus, pair_set=set_id)
    if round_ is None:
        round_ = deal(db.session, owner, deck, size, now, focus, pair_set=set_id)
    db.session.commit()
    if not round_.cards:
        return render_template("practice/empty.html", filters=filters), 200
    return _board(round_, deck, filters)


def _own_round(round_id: str):
    try:
        return find_round(db.session, round_id, owner_of(current_viewer()))
    except PracticeError as exc:
        abort(
            exc.status,
            description="This practice round is not yours to see."
            if exc.status == 403
            else "There is no practice round with that address.",
        )


def _read_answers(round_, rules) -> tuple[dict[str, str | None], dict[str, str]]:
    parties = {p for p, _ in zones_of(rules)}
    answers: dict[str, str | None] = {}
    errors: dict[str, str] = {}
    for card in round_.cards:
        value = (request.form.get(answer_field(card["id"])) or "").strip() or None
        if value is not None and value not in parties:
            names = [name for _, name in zones_of(rules)]
            errors[card["id"]] = f"Choose {', '.join(names[:-1])} or {names[-1]}."
            value = None
        answers[card["id"]] = value
    return answers, errors


@bp.post("/practice/rounds/<round_id>")
@csrf.exempt  # RoundForm checks the token itself, so a stale one keeps the learner's choices
@limiter.limit(_limit, key_func=get_remote_address, methods=["POST"])
def submit(round_id: str):
    """Grade a round (form post, with or without JavaScript) and show its result."""
    round_ = _own_round(round_id)
    deck = deck_for(round_.provider) or abort(404)
    filters = {k: v for k, v in request.form.items() if k in FILTERS and v}
    form = RoundForm()
    answers, errors = _read_answers(round_, deck.rules)
    if not form.validate_on_submit():
        errors["_form"] = "The form had expired; your choices are kept, please check again."
    if errors:
        return _board(round_, deck, filters, answers=answers, errors=errors, form=form, status=400)
    if round_.answered_at is None:
        try:
            answer(db.session, round_, answers, deck, datetime.now(UTC))
        except PracticeError:  # answered at the same moment elsewhere: show that result
            db.session.rollback()
        else:
            db.session.commit()
    values: dict[str, Any] = {"round_id": round_id, **filters}  # filters are not url_for's options
    return redirect(url_for("practice.result", **values), code=303)


@bp.get("/practice/rounds/<round_id>")
def result(round_id: str):
    """A round's result with the reason and source of every card; an open round's board."""
    round_ = _own_round(round_id)
    deck = deck_for(round_.provider) or abort(404)
    filters = _filters()
    feedback = for_practice_round(round_, owner_of(current_viewer()))
    if not feedback.key:
        return _board(round_, deck, filters)
    names = deck.rules.services
    results = [
        {
            **r,
            "verdict": "correct" if r["correct"] else ("incorrect" if r["given"] else "unanswered"),
            "component": names[r["service"]].name if r["service"] in names else "",
        }
        for r in round_.results or []
    ]
    results.sort(key=lambda r: r["verdict"] == "correct")
    return render_template(
        "practice/result.html",
        round=round_,
        results=results,
        correct=sum(1 for r in results if r["correct"]),
        filters=filters,
        verdict_label=verdict_label,
    )


@bp.get("/progress")
def progress():
    """The learner's map: areas by service model shaded by recall, weak spots, misconceptions."""
    filters = _filters()
    deck = deck_for(filters.get("provider")) or abort(404, description="No such provider.")
    owner = owner_of(current_viewer())
    data = progress_service.build(db.session, owner, deck, datetime.now(UTC))
    db.session.commit()  # pending reviews it folded into the pairs
    return render_template(
        "practice/progress.html",
        p=data,
        deck=deck,
        rules=deck.rules,
        providers=provider_names(),
        filters=filters,
    )


@bp.get("/progress.csv")
def progress_csv():
    """Every pair this learner has met, as CSV."""
    return _export("csv")


@bp.get("/progress.json")
def progress_json():
    """Every pair this learner has met, as JSON."""
    return _export("json")


def _export(fmt: str) -> Response:
    owner = owner_of(current_viewer())
    provider = request.args.get("provider")
    provider = provider if provider in decks() else None  # else every provider's pairs
    now = datetime.now(UTC)
    rows = progress_service.pair_rows(db.session, owner, now, provider) if owner else []
    db.session.commit()  # pending reviews it folded into the pairs
    if fmt == "json":
        body, mimetype = json.dumps({"pairs": rows}, indent=2), "application/json"
    else:
        body, mimetype = progress_service.as_csv(rows), "text/csv"
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f"attachment; filename=progress.{fmt}"},
    )
