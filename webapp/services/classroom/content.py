"""The scenario a session plays, rebuilt from the version it pinned.

A ScenarioVersion never changes once written, so each worker keeps the rebuilt Scenario
and the stored document in small per-app caches: these cache immutable content, not session
state.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from ...domain import RuleSet, Scenario, build_scenario
from ...models import ScenarioVersion

_LOCK = threading.Lock()
_MAX = 256


def _cached(name: str, version_id: int, build: Callable[[], Any]) -> Any:
    cache: OrderedDict[int, Any] = current_app.extensions.setdefault(name, OrderedDict())
    with _LOCK:
        cached = cache.get(version_id)
        if cached is not None:
            cache.move_to_end(version_id)
            return cached
    value = build()
    with _LOCK:
        cache[version_id] = value
        while len(cache) > _MAX:
            cache.popitem(last=False)
    return value


def scenario_for_version(session: Session, version_id: int, rules: RuleSet) -> Scenario:
    """The Scenario stored in a version (validated against the rule set), cached per worker."""
    return _cached("srm_class_versions", version_id, lambda: build_scenario(
        document_of_version(session, version_id), rules, f"version {version_id}"))


def document_of_version(session: Session, version_id: int) -> dict[str, Any]:
    """A version's stored document, cached per worker (treat it as read-only)."""
    return _cached("srm_class_documents", version_id,
                   lambda: session.get(ScenarioVersion, version_id).document)
