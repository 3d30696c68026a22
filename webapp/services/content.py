"""The scenarios learners can play: built-in files plus (later) published authored ones.

Built-in scenarios come from the scenario folder at start-up and live in memory; a broken
file is logged and skipped. When an attempt is graded, the scenario's document is kept as a
ScenarioVersion (once per content hash) so the result page always shows what was graded.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..domain import Library, RuleSet, Scenario, load_library, load_rules, to_document
from ..models import ScenarioRecord, ScenarioVersion

log = logging.getLogger(__name__)


@dataclass
class Content:
    rules: RuleSet
    library: Library


def load_content(app: Flask) -> Content:
    """Load the rule set (a broken one raises) and the built-in scenarios (broken ones logged)."""
    rules = load_rules(app.config["SRM_RULES_FILE"])
    library = load_library(app.config["SRM_SCENARIOS_DIR"], rules)
    for problem in library.problems:
        log.error("scenario skipped: %s", problem)
    content = Content(rules, library)
    app.extensions["srm_content"] = content
    return content


def content() -> Content:
    return current_app.extensions["srm_content"]


def rules() -> RuleSet:
    return content().rules


@dataclass(frozen=True)
class Playable:
    """A scenario a learner can play, with where it comes from."""

    scenario: Scenario
    origin: str = "builtin"  # builtin | authored
    version_id: int | None = None  # known for authored scenarios


def published(session: Session) -> list[Playable]:
    """Every scenario in the catalogue and the API, in title order."""
    items = [Playable(s) for s in content().library.scenarios.values()]
    items.extend(_authored_published(session))
    items.sort(key=lambda p: p.scenario.title.lower())
    return items


def find_published(session: Session, slug: str) -> Playable | None:
    """A published scenario by id, or None."""
    builtin = content().library.get(slug)
    if builtin is not None:
        return Playable(builtin)
    for item in _authored_published(session, slug):
        return item
    return None


def _authored_published(session: Session, slug: str | None = None) -> list[Playable]:
    """Published authored scenarios, at their current version."""
    from .authoring import published_playables  # authoring builds on this module

    return published_playables(session, slug)


def snapshot_version(session: Session, playable: Playable) -> ScenarioVersion:
    """The ScenarioVersion an attempt on this scenario points at (created once per content)."""
    if playable.version_id is not None:
        return session.get(ScenarioVersion, playable.version_id)
    scenario = playable.scenario
    digest = scenario.content_hash
    version = session.execute(
        select(ScenarioVersion).join(ScenarioRecord)
        .where(ScenarioRecord.slug == scenario.id, ScenarioVersion.content_hash == digest)
    ).scalar_one_or_none()
    if version is not None:
        return version
    try:
        with session.begin_nested():  # another worker may be creating the same row
            record = session.execute(
                select(ScenarioRecord).where(ScenarioRecord.slug == scenario.id)
            ).scalar_one_or_none()
            if record is None:
                record = ScenarioRecord(slug=scenario.id, origin="builtin", status="published")
                session.add(record)
                session.flush()
            number = len(record.versions) + 1
            version = ScenarioVersion(scenario_id=record.id, number=number,
                                      content_hash=digest, document=to_document(scenario))
            session.add(version)
            session.flush()
        return version
    except IntegrityError:
        return session.execute(
            select(ScenarioVersion).join(ScenarioRecord)
            .where(ScenarioRecord.slug == scenario.id, ScenarioVersion.content_hash == digest)
        ).scalar_one()
