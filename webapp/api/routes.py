"""Scenario listing, the learner's view of a scenario, grading, and rule look-ups."""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Response, current_app, jsonify, request, url_for

from ..domain import GradingError, RuleSet, Scenario
from ..domain.grader import check_variant
from ..domain.text import quote
from ..extensions import db
from ..learn.identity import current_viewer, record_attempt
from ..services import content
from ..services.attempts import get_attempt, stored_result
from ..services.grading import AttemptLimitReached
from ..services.visibility import for_attempt
from . import bp
from .errors import ApiError, json_body
from .providers import provider_rules


def scenario_summary(scenario: Scenario) -> dict[str, Any]:
    """What a catalogue needs: never an expected party."""
    return {
        "id": scenario.id,
        "title": scenario.title,
        "summary": scenario.summary,
        "provider": scenario.provider,
        "parties": list(scenario.parties),
        "variants": [{"id": v.id, "title": v.title} for v in scenario.variants],
        "task_count": len(scenario.tasks),
        "mode": scenario.settings.mode,
    }


def learner_view(
    scenario: Scenario, variant: str | None, rules: RuleSet | None = None
) -> dict[str, Any]:
    """The scenario as a learner sees it before grading: no party, rule or explanation."""
    services = scenario.services_for(variant)
    rules = (rules or content.rules()).for_provider(scenario.provider)
    return {
        **scenario_summary(scenario),
        "description": scenario.description,
        "variant": variant,
        "components": [
            {
                "id": c.id,
                "name": c.name,
                "service": services[c.id],
                "service_name": rules.services[services[c.id]].name,
            }
            for c in scenario.components
        ],
        "tasks": [{"id": t.id, "text": t.text, "component": t.component} for t in scenario.tasks],
    }


def _find(scenario_id: str):
    playable = content.find_published(db.session, scenario_id)
    if playable is None:
        raise ApiError(404, f"no scenario {quote(scenario_id)}")
    return playable


@bp.get("/scenarios")
def list_scenarios():
    """Every published scenario."""
    return jsonify(
        {"scenarios": [scenario_summary(p.scenario) for p in content.published(db.session)]}
    )


@bp.get("/scenarios/<scenario_id>")
def show_scenario(scenario_id: str):
    """One scenario as a learner sees it, under a variant."""
    scenario = _find(scenario_id).scenario
    try:
        variant = check_variant(scenario, request.args.get("variant") or None)
    except GradingError as exc:
        raise ApiError(400, "unknown variant", exc.details) from None
    source = content.content()
    body, etag = source.views.get_or_build(
        (scenario.id, scenario.content_hash, variant, source.rules.digest),
        lambda: _prebuilt(learner_view(scenario, variant, source.rules)),
    )
    if etag in request.if_none_match:
        return Response(status=304, headers={"ETag": f'"{etag}"'})
    return Response(body, mimetype="application/json", headers={"ETag": f'"{etag}"'})


def _prebuilt(view: dict[str, Any]) -> tuple[bytes, str]:
    """A learner view's JSON bytes and their entity tag, built once per content."""
    body = current_app.json.dumps(view).encode() + b"\n"
    return body, hashlib.blake2b(body, digest_size=12).hexdigest()


def parse_grade_request(
    data: dict[str, Any], scenario: Scenario
) -> tuple[str | None, dict[str, str | None], list[str] | None]:
    """Check the shape of a grading request: types first, then ids against the scenario."""
    problems: list[str] = []
    unknown = sorted(set(data) - {"variant", "answers", "task_order"})
    problems.extend(f"unknown field {quote(k)}" for k in unknown)
    variant = data.get("variant")
    if variant is not None and not isinstance(variant, str):
        problems.append("'variant' must be a string")
    answers = data.get("answers", {})
    if not isinstance(answers, dict):
        problems.append("'answers' must be an object mapping task ids to parties")
        answers = {}
    for task_id, party in answers.items():
        if party is not None and not isinstance(party, str):
            problems.append(f"task {quote(task_id)}: the party must be a string or null")
    order = data.get("task_order")
    if order is not None:
        task_ids = {t.id for t in scenario.tasks}
        if (
            not isinstance(order, list)
            or sorted(map(str, order)) != sorted(task_ids)
            or not all(isinstance(x, str) for x in order)
        ):
            problems.append("'task_order' must list every task id once")
    if problems:
        raise ApiError(400, "invalid grading request", problems)
    return variant or None, answers, order


@bp.post("/scenarios/<scenario_id>/grade")
def grade_scenario(scenario_id: str):
    """Grade a learner's placements, store the attempt, return the per-task breakdown."""
    playable = _find(scenario_id)
    data = json_body()
    variant, answers, order = parse_grade_request(data, playable.scenario)
    try:
        graded = record_attempt(playable, variant, answers, order)
    except GradingError as exc:
        raise ApiError(400, "the answers cannot be graded", exc.details) from None
    except AttemptLimitReached as exc:
        raise ApiError(403, str(exc)) from None
    db.session.commit()
    attempt = graded.attempt
    body = {
        "attempt_id": attempt.id,
        "result_url": url_for("api.show_attempt", attempt_id=attempt.id),
        **graded.public_dict(),
    }
    return jsonify(body)


@bp.get("/attempts/<attempt_id>")
def show_attempt(attempt_id: str):
    """A graded attempt, as stored; per-card results only where this viewer may see them."""
    attempt = get_attempt(db.session, attempt_id)
    if attempt is None:
        raise ApiError(404, f"no attempt {quote(attempt_id)}")
    stored = stored_result(db.session, attempt, content.rules())
    feedback = for_attempt(db.session, current_viewer(), attempt, stored.document)
    body = {
        "attempt_id": attempt.id,
        "scenario_id": attempt.scenario_slug,
        "variant": attempt.variant,
        "score": round(attempt.score, 4),
        "correct": attempt.correct,
        "total": attempt.total,
        "created_at": attempt.created_at.isoformat() + "Z",
        "results": [r.as_dict() for r in stored.results] if feedback.key else [],
    }
    if not feedback.key:
        body.update(feedback_withheld=True, note=feedback.note)
    if not feedback.score:
        body.update(score=None, correct=None)
    return jsonify(body)


@bp.get("/responsibility")
def responsibility():
    """Who owns an area on a service, why, and the source."""
    area = request.args.get("area", "")
    service = request.args.get("service", "")
    rules = provider_rules()
    problems = rules.unknown_ids(area, service)
    if problems:
        raise ApiError(400, "unknown area or service", problems)
    rule = rules.lookup(area, service)
    if rule is None:
        raise ApiError(
            404,
            f"no rule decides who owns area {quote(area)} on service {quote(service)}",
            [{"area": area, "service": service}],
        )
    return jsonify(
        {
            "provider": rules.provider,
            "area": area,
            "service": service,
            "party": rule.party,
            "party_label": rules.parties.get(rule.party, rule.party),
            "control": rule.control,
            "since": rule.since,
            "explanation": rule.explanation,
            "source": rule.source,
        }
    )


@bp.get("/rules")
def rule_catalogue():
    """The ids of areas, services and models of a provider (for editors and scripts)."""
    rules = provider_rules()
    return jsonify(
        {
            "provider": rules.provider,
            "areas": [
                {"id": a.id, "name": a.name, "description": a.description}
                for a in rules.areas.values()
            ],
            "services": [
                {"id": s.id, "name": s.name, "model": s.model} for s in rules.services.values()
            ],
            "models": [{"id": k, "name": v} for k, v in rules.models.items()],
        }
    )
