"""The scenario a session plays, rebuilt from the version it pinned.

A ScenarioVersion never changes once written, so each worker keeps the rebuilt Scenario
in a small per-app cache: this is a cache of immutable content, not session state.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from flask import current_app
from sqlalchemy.orm import Session

from ..domain import RuleSet, Scenario, build_scenario
from ..models import ScenarioVersion

_LOCK = threading.Lock()
_MAX = 256


def scenario_for_version(session: Session, version_id: int, rules: RuleSet) -> Scenario:
    """The Scenario stored in a version (validated against the rule set), cached per worker."""
    cache: OrderedDict[int, Scenario] = current_app.extensions.setdefault(
        "srm_class_versions", OrderedDict())
    with _LOCK:
        cached = cache.get(version_id)
        if cached is not None:
            cache.move_to_end(version_id)
            return cached
    version = session.get(ScenarioVersion, version_id)
    scenario = build_scenario(version.document, rules, f"version {version_id}")
    with _LOCK:
        cache[version_id] = scenario
        while len(cache) > _MAX:
            cache.popitem(last=False)
    return scenario
