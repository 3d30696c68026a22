"""The editor form: rows of components, variants and tasks <-> a scenario document.

Field names are indexed (``tasks-3-text``) so the page works as one plain HTML form and
JavaScript only adds and removes rows. Values that cannot be stored (an unknown service, a
text too long, a malformed number) are errors next to their field and nothing is saved;
missing pieces are kept in the draft and reported by the check as blocking publication.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import MultiDict

from ..domain import RuleSet
from ..domain.scenario import FEEDBACK, ID_PATTERN, MODES
from ..domain.text import text_problem
from ..services.authoring import slugify

LIMITS = {"title": 200, "summary": 500, "description": 20000, "name": 200, "text": 300}
_ROW = re.compile(r"^(components|variants|tasks)-(\d{1,4})-")


@dataclass
class Row:
    """One row of the editor: its form index and its values."""

    index: int
    values: dict[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.values.get(key)


@dataclass
class EditorState:
    """What the editor shows: the document's fields as rows, and errors by field name."""

    fields: dict[str, Any]
    components: list[Row]
    variants: list[Row]
    tasks: list[Row]
    settings: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)

    def next_index(self, kind: str) -> int:
        rows = getattr(self, kind)
        return max((r.index for r in rows), default=-1) + 1


def state_from_document(doc: dict[str, Any]) -> EditorState:
    """Rows for a stored document (a draft or a built-in's file content)."""
    settings = dict(doc.get("settings") or {})
    return EditorState(
        fields={k: doc.get(k) or "" for k in ("id", "title", "summary", "description")}
        | {"shared": "shared" in (doc.get("parties") or [])},
        components=[Row(i, dict(c)) for i, c in enumerate(doc.get("components") or [])],
        variants=[Row(i, {"id": v.get("id"), "title": v.get("title"),
                          "services": dict(v.get("services") or {})})
                  for i, v in enumerate(doc.get("variants") or [])],
        tasks=[Row(i, dict(t)) for i, t in enumerate(doc.get("tasks") or [])],
        settings={"mode": settings.get("mode", "practice"),
                  "max_attempts": settings.get("max_attempts") or "",
                  "feedback": settings.get("feedback", "always"),
                  "pass_score": round(float(settings.get("pass_score", 0.8)) * 100)},
    )


def _indices(form: MultiDict, kind: str) -> list[int]:
    found = {int(m.group(2)) for key in form for m in [_ROW.match(key)] if m and m.group(1) == kind}
    return sorted(found)


def _unique(base: str, taken: set[str], fallback: str) -> str:
    base = (slugify(base, 40) or fallback)
    candidate, n = base, 2
    while candidate in taken:
        candidate = f"{base}-{n}"
        n += 1
    taken.add(candidate)
    return candidate


class _Reader:
    def __init__(self, form: MultiDict, rules: RuleSet):
        self.form = form
        self.rules = rules
        self.errors: dict[str, str] = {}

    def text(self, name: str, limit_key: str) -> str:
        value = (self.form.get(name) or "").replace("\r\n", "\n").strip()
        limit = LIMITS[limit_key]
        problem = text_problem(value)
        if problem:
            self.errors[name] = f"This {problem}. Remove it and try again."
        elif len(value) > limit:
            self.errors[name] = f"Keep this under {limit} characters (it has {len(value)})."
        return value

    def ident(self, name: str) -> str:
        value = (self.form.get(name) or "").strip()
        if value and not ID_PATTERN.match(value):
            self.errors[name] = "This id must use lowercase letters, digits and hyphens."
        return value

    def choice(self, name: str, allowed, message: str) -> str:
        value = (self.form.get(name) or "").strip()
        if value and value not in allowed:
            self.errors[name] = message
        return value

    def number(self, name: str, low: int, high: int, message: str) -> int | None:
        raw = (self.form.get(name) or "").strip()
        if not raw:
            return None
        if not raw.isdigit() or not low <= int(raw) <= high:
            self.errors[name] = message
            return None
        return int(raw)


def read_editor(form: MultiDict, rules: RuleSet, slug: str) -> tuple[EditorState, dict[str, Any]]:
    """Parse the editor form: the state to show again, and the document to store."""
    r = _Reader(form, rules)
    fields = {"id": slug, "title": r.text("title", "title"),
              "summary": r.text("summary", "summary"),
              "description": r.text("description", "description"),
              "shared": form.get("shared") == "on"}

    components: list[Row] = []
    taken: set[str] = set()
    for i in _indices(form, "components"):
        p = f"components-{i}-"
        values = {"id": r.ident(p + "id"), "name": r.text(p + "name", "name"),
                  "service": r.choice(p + "service", rules.services,
                                      "Choose a service from the list.")}
        if form.get(p + "remove") or not (values["id"] or values["name"] or values["service"]):
            continue
        if values["id"] in taken:
            r.errors[p + "id"] = "Two components have the same id."
        values["id"] = values["id"] or _unique(values["name"], taken, f"component-{i + 1}")
        taken.add(values["id"])
        components.append(Row(i, values))
    component_ids = [c["id"] for c in components]

    variants: list[Row] = []
    vtaken: set[str] = set()
    for i in _indices(form, "variants"):
        p = f"variants-{i}-"
        values = {"id": r.ident(p + "id"), "title": r.text(p + "title", "title"), "services": {}}
        for cid in component_ids:
            svc = r.choice(f"{p}service-{cid}", rules.services, "Choose a service from the list.")
            if svc:
                values["services"][cid] = svc
        if form.get(p + "remove") or not (values["id"] or values["title"] or values["services"]):
            continue
        values["id"] = values["id"] or _unique(values["title"], vtaken, f"variant-{i + 1}")
        vtaken.add(values["id"])
        variants.append(Row(i, values))

    tasks: list[Row] = []
    ttaken: set[str] = set()
    for i in _indices(form, "tasks"):
        p = f"tasks-{i}-"
        values = {"id": r.ident(p + "id"), "text": r.text(p + "text", "text"),
                  "component": r.choice(p + "component", component_ids,
                                        "Choose one of this scenario's components."),
                  "area": r.choice(p + "area", rules.areas, "Choose an area from the list."),
                  "misconception": r.number(
                      p + "misconception", 1, 999,
                      "Give a whole number from 1 to 999, or leave it empty.")}
        if form.get(p + "remove") or not (values["id"] or values["text"]):
            continue
        if values["id"] in ttaken:
            r.errors[p + "id"] = "Two tasks have the same id."
        values["id"] = values["id"] or _unique(values["text"], ttaken, f"task-{i + 1}")
        ttaken.add(values["id"])
        tasks.append(Row(i, values))

    settings = {
        "mode": r.choice("mode", MODES, "Choose practice or assessment.") or "practice",
        "max_attempts": r.number("max_attempts", 1, 100,
                                 "Give a whole number from 1 to 100, or leave it empty."),
        "feedback": r.choice("feedback", FEEDBACK, "Choose when feedback is shown.") or "always",
        "pass_score": r.number("pass_score", 0, 100, "Give a percentage from 0 to 100."),
    }
    state = EditorState(fields, components, variants, tasks,
                        {**settings, "max_attempts": settings["max_attempts"] or "",
                         "pass_score": 80 if settings["pass_score"] is None
                         else settings["pass_score"]},
                        r.errors)
    return state, _document(fields, components, variants, tasks, settings)


def _document(fields, components, variants, tasks, settings) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": fields["id"], "title": fields["title"], "summary": fields["summary"],
        "description": fields["description"],
        "parties": ["aws", "customer"] + (["shared"] if fields["shared"] else []),
        "components": [{k: c[k] for k in ("id", "name", "service") if c[k]} for c in components],
    }
    if variants:
        doc["variants"] = [{"id": v["id"], "title": v["title"], "services": v["services"]}
                           for v in variants]
    doc["tasks"] = [{k: t[k] for k in ("id", "text", "component", "area", "misconception")
                     if t[k] not in (None, "")} for t in tasks]
    out: dict[str, Any] = {"mode": settings["mode"]}
    if settings["max_attempts"] is not None:
        out["max_attempts"] = settings["max_attempts"]
    if settings["feedback"] != "always":
        out["feedback"] = settings["feedback"]
    if settings["pass_score"] is not None and settings["pass_score"] != 80:
        out["pass_score"] = settings["pass_score"] / 100
    if out != {"mode": "practice"}:
        doc["settings"] = out
    return doc
