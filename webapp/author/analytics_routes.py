"""Per-scenario analytics for its author and admins, on the page and as CSV."""

from __future__ import annotations

from flask import Response, abort, render_template, request
from flask_login import current_user

from ..auth.access import instructor_required
from ..extensions import db
from ..services import authoring
from ..services.analytics import scenario_stats, stats_csv
from ..services.content import content
from . import bp


def _allowed(slug: str):
    """The record (None for a built-in) if this user may see the analytics; 404/403 otherwise."""
    record = authoring.get_record(db.session, slug)
    builtin = slug in content().library.scenarios
    if not builtin and (record is None or record.origin != "authored"):
        abort(404, "There is no scenario with that id.")
    if not authoring.can_see_analytics(current_user, None if builtin else record, slug):
        abort(403, "Only the scenario's author and admins see its analytics.")
    return None if builtin else record


def _version_filter(record) -> tuple[int | None, list]:
    versions = list(record.versions) if record is not None else []
    raw = request.args.get("version", "")
    chosen = next((v for v in versions if str(v.number) == raw), None)
    return (chosen.id if chosen else None), versions


@bp.get("/scenarios/<slug>/analytics")
@instructor_required
def analytics(slug: str):
    """Attempts, learners, median, score bars and tasks most missed first."""
    record = _allowed(slug)
    version_id, versions = _version_filter(record)
    if record is not None:
        title = (record.draft or {}).get("title") or slug
    else:
        title = content().library.get(slug).title
    stats = scenario_stats(db.session, slug, version_id)
    peak = max(stats.distribution) or 1
    return render_template("author/analytics.html", slug=slug, title=title, stats=stats,
                           peak=peak, versions=versions, version_id=version_id,
                           record=record)


@bp.get("/scenarios/<slug>/analytics.csv")
@instructor_required
def analytics_csv(slug: str):
    """The per-task table as a CSV download."""
    record = _allowed(slug)
    version_id, _ = _version_filter(record)
    body = stats_csv(scenario_stats(db.session, slug, version_id))
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition":
                             f'attachment; filename="{slug}-analytics.csv"'})
