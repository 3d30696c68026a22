"""Provider comparisons: the same tasks on AWS and on Azure, side by side, server-rendered."""

from __future__ import annotations

from flask import abort, render_template

from ..domain.comparison import compare
from ..extensions import db
from ..services import comparisons, content
from ..services.visibility import for_comparison
from . import bp

CONTROL_LABELS = {
    "inherited": "Inherited control",
    "shared": "Shared control",
    "customer-specific": "Customer-specific control",
}


def control_label(control: str) -> str:
    """The control type as the page names it."""
    return CONTROL_LABELS.get(control, control)


@bp.get("/compare")
def comparison_index():
    """Every provider comparison."""
    return render_template(
        "learn/compare_index.html", comparisons=list(comparisons.comparisons().values())
    )


@bp.get("/compare/<comparison_id>")
def comparison(comparison_id: str):
    """One comparison: each task with each provider's owner, control type, reason and source."""
    found = comparisons.find(comparison_id)
    if found is None:
        abort(404, description="There is no comparison with that address.")
    rules = content.rules()
    playables = content.published(db.session)
    feedback = for_comparison(found, [p.scenario for p in playables])
    rows = compare(found, rules) if feedback.key else []
    titles = {p: rules.for_provider(p).title for p in found.providers}
    names = {p: rules.for_provider(p).name for p in found.providers}
    playable_ids = {p.scenario.id: p.scenario for p in playables}
    practice = [(titles[p], playable_ids[sid]) for p, sid in found.practice if sid in playable_ids]
    return render_template(
        "learn/compare.html",
        comparison=found,
        rows=rows,
        feedback=feedback,
        titles=titles,
        names=names,
        practice=practice,
        control_label=control_label,
        differs=sum(1 for r in rows if r.differs),
    )
