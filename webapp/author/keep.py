"""What the editor form cannot carry: the stored scenario's values it has no field for.

A save replaces the draft with what the form sent. Anything a scenario may hold that the
page does not show (a key the domain knows and the editor does not edit yet, a pass mark
finer than a whole percent) is taken over from the stored draft,
matched by row id, so saving a scenario unchanged never loses a part of it.
"""

from __future__ import annotations

import copy
from typing import Any

from ..domain.scenario_build import (
    COMPONENT_KEYS,
    SCENARIO_KEYS,
    SETTINGS_KEYS,
    TASK_KEYS,
    VARIANT_KEYS,
)
from ..domain.schema import DEFAULT_SETTINGS

# what the form edits, per part of the document; every other known key is carried over
EDITED: dict[str, set[str]] = {
    # About (with the provider it keeps), the Shared box, the three lists, Settings
    "scenario": {"id", "title", "summary", "description", "provider", "parties"}
    | {"components", "variants", "tasks", "settings"},
    "components": {"id", "name", "service", "inside"},
    "variants": {"id", "title", "services"},
    "tasks": {"id", "text", "component", "area", "misconception", "explain"},
    "settings": {"mode", "max_attempts", "feedback", "pass_score", "feedback_per_card"},
}
KNOWN: dict[str, set[str]] = {
    "scenario": SCENARIO_KEYS,
    "components": COMPONENT_KEYS,
    "variants": VARIANT_KEYS,
    "tasks": TASK_KEYS,
    "settings": SETTINGS_KEYS,
}


def _carried(part: str, old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """The known keys of `old` the form has no field for and `new` does not hold."""
    return {
        k: copy.deepcopy(v)
        for k, v in old.items()
        if k in KNOWN[part] and k not in EDITED[part] and k not in new
    }


def keep_unedited(doc: dict[str, Any], stored: dict[str, Any] | None) -> dict[str, Any]:
    """The document the form made, with what only the stored draft holds put back."""
    if not isinstance(stored, dict):
        return doc
    out = dict(doc) | _carried("scenario", stored, doc)
    for kind in ("components", "variants", "tasks"):
        before = {
            r.get("id"): r for r in stored.get(kind) or [] if isinstance(r, dict) and r.get("id")
        }
        rows = []
        for row in out.get(kind) or []:
            old = before.get(row.get("id"))
            rows.append(row | _carried(kind, old, row) if old else row)
        if kind in out:
            out[kind] = rows
    settings = _settings(out.get("settings"), stored.get("settings"))
    if settings:
        out["settings"] = settings
    return out


def _settings(new: dict[str, Any] | None, old: Any) -> dict[str, Any] | None:
    if not isinstance(old, dict):
        return new
    out = dict(new or {"mode": str(DEFAULT_SETTINGS.mode)})
    out |= _carried("settings", old, out)
    score = old.get("pass_score")
    shown = out.get("pass_score", DEFAULT_SETTINGS.pass_score)
    if (
        isinstance(score, int | float)
        and not isinstance(score, bool)
        and round(score * 100) == round(shown * 100)
        and score != shown
    ):
        out["pass_score"] = score  # the form shows whole percents: 0.755 stays 0.755
    if new is None and out == {"mode": str(DEFAULT_SETTINGS.mode)}:
        return None
    return out
