"""Per-card feedback: one placed card checked on the server, where the scenario allows it.

Nothing is stored: the score of an attempt still comes from grading the whole board.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from flask import jsonify
from flask.typing import ResponseReturnValue

from ..domain import GradingError, Scenario, grade
from ..domain.text import quote
from ..extensions import db
from ..learn.identity import current_viewer
from ..services import content
from ..services.visibility import for_card_check
from . import bp
from .errors import ApiError, json_body
from .routes import _find

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, scoped_session

CHECK_FIELDS = {"variant", "task_id", "party"}


def parse_check_request(data: dict[str, Any], scenario: Scenario) -> tuple[str | None, str, str]:
    """(variant, task id, party) of a check request; 400 naming each problem otherwise."""
    problems = [f"unknown field {quote(k)}" for k in sorted(set(data) - CHECK_FIELDS)]
    variant = data.get("variant")
    if variant is not None and not isinstance(variant, str):
        problems.append("'variant' must be a string or null")
    task_id, party = data.get("task_id"), data.get("party")
    if not isinstance(task_id, str) or not task_id:
        problems.append("'task_id' must be the id of one of the scenario's tasks")
    if not isinstance(party, str) or not party:
        problems.append(f"'party' must be one of {', '.join(scenario.parties)}")
    if problems:
        raise ApiError(400, "invalid check request", problems)
    return variant or None, str(task_id), str(party)


@bp.post("/scenarios/<scenario_id>/check")
def check_card(scenario_id: str) -> ResponseReturnValue:
    """Is one placed card right, and why? Practice boards only; stores nothing."""
    scenario = _find(scenario_id).scenario
    # the request's Session behind the scoped proxy (typed as a Session in extensions)
    session = cast("scoped_session[Session]", db.session)()
    allowed = for_card_check(session, current_viewer(), scenario.id, scenario.settings)
    if not allowed.key:
        raise ApiError(403, allowed.note)
    variant, task_id, party = parse_check_request(json_body(), scenario)
    try:
        report = grade(scenario, variant, content.rules(), {task_id: party})
    except GradingError as exc:
        raise ApiError(400, "the card cannot be checked", exc.details) from None
    result = next(r for r in report.results if r.task_id == task_id)
    return jsonify(
        {
            "task_id": task_id,
            "party": party,
            "correct": result.correct,
            "explanation": result.explanation,
            "source": result.source,
        }
    )
