"""The scenarios learners can play: built-in files plus published authored ones.

Built-in scenarios come from the scenario folder at start-up and live in memory; a broken
file is logged and skipped. When an attempt is graded, the scenario's document is kept as a
ScenarioVersion (once per content hash) so the result page always shows what was graded.

Each worker keeps what it reads of published content in its Content object:
- the ScenarioVersion ids (and documents) of built-ins, once committed, keyed by content
  hash: a version row never changes under its hash, so these are never invalidated;
- the published authored scenarios, with a "generation" (how many authored records there
  are and when one last changed). Publishing, archiving or restoring marks the session
  (mark_changed); once that transaction commits, this worker drops its list at once. Other
  workers read the generation again at most every `check_every` seconds
  (SRM_CONTENT_CHECK_SECONDS) and reload the list when it moved.
- the learner views' JSON bytes and entity tags, keyed by the scenario's content hash, the
  variant and the rule set's digest.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..cache import BoundedCache
from ..domain import Library, RuleSet, Scenario, load_library, load_rules, to_document
from ..models import ScenarioRecord, ScenarioVersion

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Playable:
    """A scenario a learner can play, with where it comes from."""

    scenario: Scenario
    origin: str = "builtin"  # builtin | authored
    version_id: int | None = None  # known for authored scenarios


@dataclass(frozen=True)
class VersionRef:
    """What an attempt needs of the ScenarioVersion it points at."""

    id: int
    document: dict[str, Any]


@dataclass(frozen=True)
class _Authored:
    generation: tuple[Any, ...]
    items: dict[str, Playable]


@dataclass(eq=False)
class Content:
    """The rule set, the built-in library and this worker's caches of published content."""

    rules: RuleSet
    library: Library
    check_every: float = 1.0  # seconds between two reads of the authored generation
    clock: Callable[[], float] = time.monotonic
    versions: BoundedCache[VersionRef] = field(default_factory=lambda: BoundedCache(512))
    scenarios: BoundedCache[Any] = field(default_factory=lambda: BoundedCache(512))
    views: BoundedCache[tuple[bytes, str]] = field(default_factory=lambda: BoundedCache(512))
    _authored: _Authored | None = None
    _checked_at: float = float("-inf")
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def authored(self, session: Session) -> dict[str, Playable]:
        """Published authored scenarios by id, re-read when their generation moved."""
        state, now = self._authored, self.clock()
        if state is not None and now - self._checked_at < self.check_every:
            return state.items
        generation = authored_generation(session)
        if state is None or state.generation != generation:
            from .authoring import published_playables  # authoring builds on this module

            found = published_playables(session, self)
            state = _Authored(generation, {p.scenario.id: p for p in found})
        with self._lock:
            self._authored, self._checked_at = state, now
        return state.items

    def invalidate(self) -> None:
        """Forget the published authored scenarios (the next request reads them again)."""
        with self._lock:
            self._authored = None


def authored_generation(session: Session) -> tuple[Any, ...]:
    """Changes whenever an authored scenario is added, published, archived or restored."""
    count, changed = session.execute(
        select(func.count(ScenarioRecord.id), func.max(ScenarioRecord.updated_at)).where(
            ScenarioRecord.origin == "authored"
        )
    ).one()
    return (count, changed)


def mark_changed(session: Session) -> None:
    """What learners can play changes when this session's transaction commits."""
    session.info["srm_content_changed"] = True


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    for source, key, ref in session.info.pop("srm_versions", ()):
        source.versions.put(key, ref)
    if session.info.pop("srm_content_changed", False) and has_app_context():
        source = current_app.extensions.get("srm_content")
        if source is not None:
            source.invalidate()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop("srm_versions", None)
    session.info.pop("srm_content_changed", None)


def load_content(app: Flask) -> Content:
    """Load the rule set (a broken one raises) and the built-in scenarios (broken ones logged)."""
    rules = load_rules(app.config["SRM_RULES_FILE"])
    library = load_library(app.config["SRM_SCENARIOS_DIR"], rules)
    for problem in library.problems:
        log.error("scenario skipped: %s", problem)
    loaded = Content(
        rules, library, check_every=float(app.config.get("SRM_CONTENT_CHECK_SECONDS", 1.0))
    )
    app.extensions["srm_content"] = loaded
    return loaded


def content() -> Content:
    """The app's content (for views; services take a Content as an argument)."""
    return current_app.extensions["srm_content"]


def rules() -> RuleSet:
    return content().rules


def published(session: Session, source: Content | None = None) -> list[Playable]:
    """Every scenario in the catalogue and the API, in title order."""
    source = source or content()
    items = [Playable(s) for s in source.library.scenarios.values()]
    items.extend(source.authored(session).values())
    items.sort(key=lambda p: p.scenario.title.lower())
    return items


def find_published(session: Session, slug: str, source: Content | None = None) -> Playable | None:
    """A published scenario by id, or None."""
    source = source or content()
    builtin = source.library.get(slug)
    if builtin is not None:
        return Playable(builtin)
    return source.authored(session).get(slug)


def snapshot(session: Session, playable: Playable, source: Content) -> VersionRef:
    """The id and document of the version an attempt on this scenario points at, from this
    worker's cache when that version is known to be committed."""
    scenario = playable.scenario
    key = (scenario.id, playable.version_id, scenario.content_hash)
    cached = source.versions.get(key)
    if cached is not None:
        return cached
    version = snapshot_version(session, playable)
    ref = VersionRef(version.id, version.document)
    # kept once the transaction commits: a row created here may yet be rolled back
    session.info.setdefault("srm_versions", []).append((source, key, ref))
    return ref


def snapshot_version(session: Session, playable: Playable) -> ScenarioVersion:
    """The ScenarioVersion an attempt on this scenario points at (created once per content)."""
    if playable.version_id is not None:
        return session.get_one(ScenarioVersion, playable.version_id)  # a stored version
    scenario = playable.scenario
    digest = scenario.content_hash
    version = session.execute(
        select(ScenarioVersion)
        .join(ScenarioRecord)
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
            version = ScenarioVersion(
                scenario_id=record.id,
                number=number,
                content_hash=digest,
                document=to_document(scenario),
            )
            session.add(version)
            session.flush()
        return version
    except IntegrityError:
        return session.execute(
            select(ScenarioVersion)
            .join(ScenarioRecord)
            .where(ScenarioRecord.slug == scenario.id, ScenarioVersion.content_hash == digest)
        ).scalar_one()
