"""The practice API: deal a round, answer it once, read the learner's progress."""

from __future__ import annotations

from collections.abc import Container
from datetime import UTC, datetime
from typing import Any

from flask import current_app, jsonify, request
from flask_limiter.util import get_remote_address

from ..api.errors import ApiError, error_body, json_body
from ..extensions import db, limiter
from ..learn.identity import current_learner_id, current_viewer
from ..services.practice import progress as progress_service
from ..services.practice.scheduler import DEFAULT_SIZE, MAX_SIZE
from ..services.practice.store import (
    Focus,
    PracticeError,
    answer,
    check_answers,
    deal,
    deck_for,
    decks,
    find_round,
    owner_of,
    parties_of,
    public_cards,
)
from ..services.visibility import for_practice_round
from . import api_bp


class PracticeApiError(ApiError):
    """An API error of the practice endpoints."""


@api_bp.errorhandler(ApiError)
def _api_error(exc: ApiError):
    """{"error", "message", "details"}: the API's shape."""
    return jsonify(error_body(exc.description or "", exc.details)), exc.code


def _limit() -> str:
    return current_app.config.get("SRM_PRACTICE_LIMIT") or current_app.config["SRM_GRADE_LIMIT"]


_limited = limiter.limit(_limit, key_func=get_remote_address, methods=["POST"])


def _owner(create: bool) -> str | None:
    if create:
        current_learner_id()  # a new browser gets its learner cookie with its first round
    return owner_of(current_viewer())


def read_deal_request(data: dict[str, Any]) -> tuple[int, str | None, Focus]:
    """Check a deal request: size 1..MAX_SIZE, a provider the rule sets offer, a model."""
    problems = [
        f"unknown field '{k[:40]}'"
        for k in sorted(set(data) - {"size", "provider", "model", "area", "service"})
    ]
    size = data.get("size", DEFAULT_SIZE)
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_SIZE:
        problems.append(f"'size' must be a whole number from 1 to {MAX_SIZE}")
        size = DEFAULT_SIZE
    provider = data.get("provider")
    if provider is not None and (not isinstance(provider, str) or provider not in decks()):
        problems.append(f"'provider' must be one of {', '.join(decks())}")
        provider = None
    deck = deck_for(provider)
    values: dict[str, str | None] = {}
    for name in ("model", "area", "service"):
        value = data.get(name)
        ids: dict[str, Container[str]] = (
            {"model": deck.rules.models, "area": deck.rules.areas, "service": deck.rules.services}
            if deck
            else {}
        )
        known = ids[name] if deck else {}
        if value is not None and (not isinstance(value, str) or value not in known):
            problems.append(f"'{name}' must be one of the rule set's {name} ids")
            value = None
        values[name] = value
    if problems:
        raise PracticeApiError(400, "invalid practice request", problems)
    return (
        size,
        provider,
        Focus(model=values["model"], area=values["area"], service=values["service"]),
    )


@api_bp.post("/practice/rounds")
@_limited
def deal_round():
    """Deal a round of cards chosen by the scheduler: text and service, never the answer."""
    size, provider, focus = read_deal_request(json_body())
    deck = deck_for(provider)
    if deck is None or not deck.cards:
        raise PracticeApiError(503, "no practice cards are available", [])
    owner = _owner(create=True)
    if owner is None:  # current_learner_id() has just given this browser its id
        raise RuntimeError("a practice round is dealt to a learner")
    round_ = deal(db.session, owner, deck, size, datetime.now(UTC), focus)
    db.session.commit()
    return jsonify(
        {"round_id": round_.id, "provider": deck.provider, "cards": public_cards(round_, deck)}
    ), 201


@api_bp.post("/practice/rounds/<round_id>/answers")
@_limited
def answer_round(round_id: str):
    """Grade a round once, for the learner it was dealt to: per card the reason and source."""
    data = json_body()
    try:
        round_ = find_round(db.session, round_id, _owner(create=False))
        unknown = sorted(set(data) - {"answers"})
        if unknown:
            raise PracticeError(
                400, "invalid answers", [f"unknown field '{k[:40]}'" for k in unknown]
            )
        deck = deck_for(round_.provider)
        if deck is None:
            raise PracticeError(409, "this round's rule set is no longer offered")
        answers = check_answers(round_, data.get("answers", {}), parties_of(deck.rules))
        results = answer(db.session, round_, answers, deck, datetime.now(UTC))
    except PracticeError as exc:
        db.session.rollback()
        raise PracticeApiError(exc.status, exc.message, exc.details) from None
    db.session.commit()
    keys = (
        "card_id",
        "area",
        "service",
        "given",
        "expected",
        "correct",
        "explanation",
        "source",
        "due",
    )
    return jsonify(
        {
            "round_id": round_id,
            "correct": sum(1 for r in results if r["correct"]),
            "total": len(results),
            "results": [{k: r[k] for k in keys} for r in results],
        }
    )


@api_bp.get("/progress")
def progress():
    """Per pair this learner has met (?provider= for one provider's): reviews, lapses, last
    result, due date and recall."""
    provider = request.args.get("provider")
    if provider is not None and provider not in decks():
        raise PracticeApiError(
            400, "invalid progress request", [f"'provider' must be one of {', '.join(decks())}"]
        )
    owner = _owner(create=False)
    now = datetime.now(UTC)
    pairs = progress_service.pair_rows(db.session, owner, now, provider) if owner else []
    db.session.commit()  # pending reviews it folded into the pairs
    return jsonify({"pairs": pairs})


@api_bp.get("/practice/rounds/<round_id>")
def show_round(round_id: str):
    """A round as its learner sees it: the cards, and once answered, the results."""
    try:
        round_ = find_round(db.session, round_id, _owner(create=False))
    except PracticeError as exc:
        raise PracticeApiError(exc.status, exc.message, exc.details) from None
    deck = deck_for(round_.provider)
    body: dict[str, Any] = {
        "round_id": round_.id,
        "provider": round_.provider,
        "answered": round_.answered_at is not None,
    }
    body["cards"] = public_cards(round_, deck) if deck else []
    if (
        round_.answered_at is not None
        and for_practice_round(round_, owner_of(current_viewer())).key
    ):
        body["results"] = round_.results or []
    return jsonify(body)
