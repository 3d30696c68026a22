"""The pages after grading: the result, retry the wrong ones, the solution on the board,
the what-if comparison and the learner's list of attempts.

What of an attempt's answer key a page may show is decided in services/visibility.py; the
diagram's responsibility stacks are part of that key and follow the same answer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask import abort, render_template
from sqlalchemy.orm import Session

from ..domain import ScenarioError, build_scenario, compare_variants
from ..domain.grader import CORRECT
from ..extensions import db
from ..models import Attempt
from ..services import content
from ..services.attempts import StoredResult, get_attempt, stored_result
from ..services.learner_attempts import list_for, owns
from ..services.policy import AttemptStatus, attempt_status, settings_from_document
from ..services.visibility import Feedback, for_attempt
from . import bp, diagram_view, pages
from .forms import BoardForm, answer_field
from .identity import current_viewer


def _db() -> Session:
    return db.session  # typed as the Session it hands every call to


@dataclass(frozen=True)
class Verdict:
    """The one line at the top of a result: passed or not, and the best so far."""

    passed: bool
    pct: int
    pass_pct: int
    best_pct: int | None


def _status(settings, scenario_id: str) -> AttemptStatus:
    viewer = current_viewer()
    return attempt_status(
        _db(), settings, scenario_id, viewer.learner_id, getattr(viewer.user, "id", None)
    )


def _attempt(attempt_id: str) -> tuple[Attempt, StoredResult, Feedback]:
    """The attempt, its stored result and what the person looking may see of it (403 for a
    class answer set they may not see at all)."""
    attempt = get_attempt(_db(), attempt_id)
    if attempt is None:
        abort(404, description="There is no attempt with that address.")
    stored = stored_result(_db(), attempt, content.rules())
    feedback = for_attempt(_db(), current_viewer(), attempt, stored.document)
    if not feedback.score:
        abort(403, description=feedback.note or "These answers are not yours to see.")
    return attempt, stored, feedback


def _diagram(stored: StoredResult, variant: str | None, uid: str, results=None, caption=""):
    nodes = diagram_view.nodes_from_document(stored.document, variant, content.rules())
    stacks = diagram_view.stacks_from(stored.document, results) if results is not None else None
    return diagram_view.build(nodes, uid, caption or "Architecture", stacks)


@bp.app_template_global("board_diagram")
def board_diagram(scenario, variant: str | None):
    """The board's diagram: components and containment only, never a stack (no key)."""
    nodes = diagram_view.nodes_from_scenario(scenario, variant, content.rules())
    return diagram_view.build(nodes, "board-diagram", f"Architecture of “{scenario.title}”")


@bp.get("/attempts")
def attempts():
    """This learner's own attempts (the account's when signed in), newest first."""
    rows = list_for(_db(), current_viewer())
    return render_template("learn/attempts.html", rows=rows)


@bp.get("/attempts/<attempt_id>")
def result(attempt_id: str):
    """A graded attempt: verdict, score, then every card (misplaced first) unless feedback is
    held back; the diagram with its stacks when the key may be shown."""
    attempt, stored, feedback = _attempt(attempt_id)
    settings = settings_from_document(stored.document)
    viewer = current_viewer()
    mine = owns(viewer, attempt)
    status = _status(settings, attempt.scenario_slug)
    playable = content.find_published(_db(), attempt.scenario_slug)
    variants = stored.document.get("variants") or []  # the graded version's, like what-if
    others = []
    if any(v.get("id") == attempt.variant for v in variants):
        others = [v for v in variants if v.get("id") != attempt.variant]
    pct = round(attempt.score * 100)
    best = status.best if mine else None
    verdict = Verdict(
        attempt.score >= settings.pass_score,
        pct,
        round(settings.pass_score * 100),
        round(best * 100) if best is not None else None,
    )
    wrong = sum(1 for v in attempt.verdicts if not v.correct)
    can_retry = bool(
        feedback.key
        and mine
        and playable is not None
        and status.can_attempt
        and wrong
        and (attempt.variant is None or attempt.variant in playable.scenario.variant_ids)
    )
    diagram = None
    if feedback.key:
        diagram = _diagram(
            stored,
            attempt.variant,
            "result-diagram",
            stored.results,
            "Architecture with who carries each component's tasks",
        )
    return render_template(
        "learn/result.html",
        attempt=attempt,
        stored=stored,
        status=status,
        feedback=feedback,
        results=pages.misplaced_first(stored.results),
        playable=playable,
        others=others,
        verdict_label=pages.verdict_label,
        verdict=verdict,
        mine=mine,
        can_retry=can_retry,
        diagram=diagram,
    )


@bp.get("/attempts/<attempt_id>/retry")
def retry(attempt_id: str):
    """A new board holding this attempt's correct placements, the misplaced cards back in
    the tray; it is sent and graded like any board, as a new attempt. Only the learner who
    made the attempt, and only once they may see which cards were right."""
    attempt, stored, feedback = _attempt(attempt_id)
    viewer = current_viewer()
    if not owns(viewer, attempt):
        abort(403, description="Only the learner who made this attempt can retry it.")
    if not feedback.key:
        abort(403, description=feedback.note)
    playable = content.find_published(_db(), attempt.scenario_slug)
    if playable is None:
        abort(404, description="This scenario is no longer published.")
    scenario = playable.scenario
    if attempt.variant is not None and attempt.variant not in scenario.variant_ids:
        abort(404, description="This scenario no longer has the variant you answered.")
    variant = attempt.variant if attempt.variant is not None else scenario.default_variant
    status = _status(scenario.settings, scenario.id)
    if not status.can_attempt:
        abort(
            403,
            description="You have no attempts left at this scenario; your results are "
            "on the page that lists your attempts.",
        )
    task_ids = {t.id for t in scenario.tasks}
    kept = {
        v.task_id: v.given
        for v in attempt.verdicts
        if v.correct and v.given and v.task_id in task_ids and v.given in scenario.parties
    }
    form = BoardForm(formdata=None)
    tasks = pages.prepare_board(form, scenario, variant, attempt.task_order)
    return render_template(
        "learn/retry.html",
        attempt=attempt,
        scenario=scenario,
        variant=variant,
        tasks=tasks,
        form=form,
        zones=pages.zones(scenario),
        status=status,
        answers=kept,
        errors={},
        answer_field=answer_field,
        variant_links=[],
        components=pages.components(scenario, variant, content.rules()),
        board_attrs={"initial-placements": json.dumps(kept, separators=(",", ":"))},
        kept=len(kept),
        left=len(scenario.tasks) - len(kept),
    )


@bp.get("/attempts/<attempt_id>/solution")
def solution(attempt_id: str):
    """The expected placements laid out as a board, with the learner's own choice beside
    every misplaced card; only where the key may be seen."""
    attempt, stored, feedback = _attempt(attempt_id)
    if not feedback.key:
        abort(403, description=feedback.note)
    parties = [p for p in pages.DISPLAY_ORDER if p in (stored.document.get("parties") or [])]
    columns: dict[str, list[Any]] = {p: [] for p in parties}
    for r in pages.misplaced_first(stored.results):
        columns.setdefault(r.expected, []).append(r)
    diagram = _diagram(
        stored,
        attempt.variant,
        "solution-diagram",
        stored.results,
        "Architecture with who carries each component's tasks",
    )
    return render_template(
        "learn/solution.html",
        attempt=attempt,
        stored=stored,
        columns=columns,
        diagram=diagram,
        verdict_label=pages.verdict_label,
        correct=CORRECT,
    )


@bp.get("/attempts/<attempt_id>/what-if/<variant>")
def what_if(attempt_id: str, variant: str):
    """Side by side, from the version the attempt was graded against: who owns each task under
    the attempt's variant and under another one."""
    attempt, stored, feedback = _attempt(attempt_id)
    rules = content.rules()
    variants = {v.get("id"): v for v in stored.document.get("variants") or []}
    if attempt.variant not in variants or variant not in variants or variant == attempt.variant:
        abort(404, description="There is no such variant to compare with.")
    if not feedback.key:
        abort(403, description=feedback.note)
    playable = content.find_published(_db(), attempt.scenario_slug)
    diagrams = []
    try:
        scenario = build_scenario(stored.document, rules, attempt.scenario_slug)
    except ScenarioError:  # the rule set changed under that version: say so, never a 500
        rows = None
    else:
        raw = compare_variants(scenario, rules, str(attempt.variant), variant)
        rows = pages.comparison(raw)
        for i, (v, side) in enumerate(((attempt.variant, 1), (variant, 2))):
            results = [r[side] for r in raw]
            title = variants[v].get("title") or v
            diagrams.append(
                (
                    title,
                    _diagram(
                        stored,
                        v,
                        f"whatif-diagram-{i}",
                        results,
                        f"Who carries each component's tasks: {title}",
                    ),
                )
            )
    return render_template(
        "learn/what_if.html",
        attempt=attempt,
        title=stored.title,
        rows=rows,
        first=variants[attempt.variant],
        second=variants[variant],
        moved=sum(1 for r in rows if r.moves) if rows else 0,
        diagrams=diagrams,
        can_try=playable is not None and variant in playable.scenario.variant_ids,
    )
