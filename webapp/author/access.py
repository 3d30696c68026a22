"""Finding the scenario a page is about, and whether this user may use it that way."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort
from flask_login import current_user

from ..extensions import db
from ..models import ScenarioRecord
from ..services import authoring


@dataclass
class Target:
    """A scenario as the author pages see it: its document and, if authored, its record."""

    slug: str
    document: dict[str, Any]
    record: ScenarioRecord | None  # None: a built-in

    @property
    def builtin(self) -> bool:
        return self.record is None

    @property
    def authored(self) -> ScenarioRecord:
        """The record of an authored scenario (what load(edit=True) lets through)."""
        if self.record is None:
            raise LookupError(f"{self.slug} is a built-in scenario")
        return self.record


def load(slug: str, *, edit: bool = False) -> Target:
    """The scenario, or 404 (unknown) / 403 (someone else's, or a built-in when editing)."""
    try:
        document, record = authoring.source_document(db.session, slug)
    except LookupError:
        abort(404, "There is no scenario with that id.")
    if record is None:
        if edit:
            abort(403, "Built-in scenarios are read-only. Duplicate one to change it.")
    elif not authoring.can_edit(current_user, record):
        abort(403, "This scenario belongs to another instructor.")
    return Target(slug, document, record)
