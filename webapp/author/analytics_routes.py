"""Per-scenario analytics on the page and as CSV: for its author and admins, and for
instructors on built-in scenarios (their own class sessions only)."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, redirect, render_template, request, url_for
from flask_login import current_user

from ..auth.access import instructor_required
from ..extensions import db
from ..lti.launches import course_learner_ids
from ..lti.routes import course_link
from ..services import authoring
from ..services.analytics import Scope, scenario_stats, stats_csv
from ..services.content import content
from ..services.practice.store import deck_for
from ..services.practice.weak_pairs import make_pair_set, scenario_wrong_pairs
from . import bp
from .forms import PracticeLinkForm


def _allowed(slug: str):
    """The record (None for a built-in) if this user may see the analytics; 404/403 otherwise."""
    record = authoring.get_record(db.session, slug)
    builtin = slug in content().library.scenarios
    if not builtin and (record is None or record.origin != "authored"):
        abort(404, "There is no scenario with that id.")
    if not authoring.can_see_analytics(current_user, None if builtin else record, slug):
        abort(403, "Only the scenario's author and admins see its analytics.")
    return None if builtin else record


def _scope(slug: str, record) -> tuple[Scope, list]:
    """The attempts this page counts: ?version= and ?variant= as chosen, and only the
    viewer's own class sessions where that is all they may see (with, for an instructor
    launched from a course, that course's learners)."""
    versions = list(record.versions) if record is not None else []
    raw = request.args.get("version", "")
    chosen = next((v for v in versions if str(v.number) == raw), None)
    variant = request.args.get("variant")
    host_id = authoring.analytics_host(current_user, record)
    launched = course_link(slug) if host_id is not None else None
    scope = Scope(
        slug,
        chosen.id if chosen else None,
        variant=variant if variant in _variant_ids(slug, record) else None,
        host_id=host_id,
        course_learners=course_learner_ids(launched.id) if launched else None,
    )
    return scope, versions


def _variant_ids(slug: str, record) -> dict[str, str]:
    """Variant id -> title, of the built-in or of the authored scenario's working copy."""
    if record is None:
        return {v.id: v.title for v in content().library.scenarios[slug].variants}
    return {
        str(v.get("id")): str(v.get("title") or v.get("id"))
        for v in (record.draft or {}).get("variants") or []
        if isinstance(v, dict)
    }


@bp.get("/scenarios/<slug>/analytics")
@instructor_required
def analytics(slug: str):
    """Attempts, learners, median, score bars, per variant, and tasks most missed first."""
    record = _allowed(slug)
    scope, versions = _scope(slug, record)
    if record is not None:
        title = (record.draft or {}).get("title") or slug
    else:
        title = content().library.scenarios[slug].title
    stats = scenario_stats(db.session, scope)
    peak = max(stats.distribution) or 1
    deck = deck_for(_provider(slug, record))
    return render_template(
        "author/analytics.html",
        slug=slug,
        title=title,
        stats=stats,
        peak=peak,
        versions=versions,
        version_id=scope.version_id,
        record=record,
        scope=scope,
        variants=_variant_ids(slug, record),
        wrong_pairs=scenario_wrong_pairs(db.session, scope, deck),
        can_practise=deck is not None and bool(deck.cards),
        link=request.args.get("link", "")[:32],
        link_form=PracticeLinkForm(),
    )


def _provider(slug: str, record) -> str:
    """Whose rule set grades the scenario: the built-in's, or the authored draft's."""
    if record is None:
        return content().library.scenarios[slug].provider
    return str((record.draft or {}).get("provider") or "aws")


@bp.post("/scenarios/<slug>/analytics/practice")
@instructor_required
def analytics_practice(slug: str):
    """A practice link built from the pairs learners still get wrong on this scenario (in
    the page's scope), shown on the analytics page to share."""
    record = _allowed(slug)
    scope, _ = _scope(slug, record)
    back: dict[str, Any] = {"version": request.args.get("version") or None}
    back["variant"] = scope.variant
    if not PracticeLinkForm().validate_on_submit():
        abort(400, description="The form had expired. Reload the page and try again.")
    deck = deck_for(_provider(slug, record)) or abort(404)
    pairs = [p.key for p in scenario_wrong_pairs(db.session, scope, deck)]
    made = make_pair_set(db.session, deck, pairs, f"Scenario {slug}", current_user.id)
    if made is not None:
        db.session.commit()
        back["link"] = made.id
    return redirect(url_for("author.analytics", slug=slug, **back) + "#practice-heading", code=303)


@bp.get("/scenarios/<slug>/analytics.csv")
@instructor_required
def analytics_csv(slug: str):
    """The per-task table as a CSV download."""
    record = _allowed(slug)
    scope, _ = _scope(slug, record)
    body = stats_csv(scenario_stats(db.session, scope))
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{slug}-analytics.csv"'},
    )
