"""The provider comparisons learners can read: files in the scenario folder's comparisons/."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import current_app

from ..domain.comparison import Comparison, load_comparisons
from . import content

log = logging.getLogger(__name__)


def comparisons() -> dict[str, Comparison]:
    """Every comparison that loaded, by id in title order (broken files logged, left out)."""
    app = current_app
    loaded = app.extensions.get("srm_comparisons")
    if loaded is None:
        folder = Path(app.config["SRM_SCENARIOS_DIR"]) / "comparisons"
        loaded, problems = load_comparisons(folder, content.rules())
        for problem in problems:
            log.error("comparison skipped: %s", problem)
        app.extensions["srm_comparisons"] = loaded
    return loaded


def find(comparison_id: str) -> Comparison | None:
    return comparisons().get(comparison_id)
