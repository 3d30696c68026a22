"""The scenario a session plays, rebuilt from the version it pinned.

A ScenarioVersion never changes once written, so each worker keeps the rebuilt Scenario
and the stored document in small caches: these cache immutable content, not session
state. The caches belong to the database engine the session is bound to (one per app, so
two apps on two databases, as in tests, never share an entry), not to the Flask app: the
service needs nothing but its arguments.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ...cache import BoundedCache
from ...domain import RuleSet, Scenario, build_scenario
from ...models import ScenarioVersion

CACHE_SIZE = 256


class _Caches:
    def __init__(self) -> None:
        self.scenarios: BoundedCache[Scenario] = BoundedCache(CACHE_SIZE)
        self.documents: BoundedCache[dict[str, Any]] = BoundedCache(CACHE_SIZE)


_BY_ENGINE: weakref.WeakKeyDictionary[Engine, _Caches] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def _caches(session: Session) -> _Caches:
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    with _LOCK:
        caches = _BY_ENGINE.get(engine)
        if caches is None:
            caches = _BY_ENGINE[engine] = _Caches()
        return caches


def scenario_for_version(session: Session, version_id: int, rules: RuleSet) -> Scenario:
    """The Scenario stored in a version (validated against the rule set), cached per worker."""
    return _caches(session).scenarios.get_or_build(
        version_id,
        lambda: build_scenario(
            document_of_version(session, version_id), rules, f"version {version_id}"
        ),
    )


def document_of_version(session: Session, version_id: int) -> dict[str, Any]:
    """A version's stored document, cached per worker (treat it as read-only)."""

    def load() -> dict[str, Any]:
        version = session.get(ScenarioVersion, version_id)
        if version is None:
            raise LookupError(f"no scenario version {version_id}")
        return version.document

    return _caches(session).documents.get_or_build(version_id, load)
