"""The editor form: rows of components, variants and tasks <-> a scenario document.

Field names are indexed (``tasks-3-text``) so the page works as one plain HTML form and
JavaScript only adds, removes and reorders rows. The index only ties a row's fields
together: rows are stored in the order the form sends them, which is the page's order.
Values that cannot be stored (an unknown service, a text too long, a malformed number) are
errors next to their field and nothing is saved; missing pieces are kept in the draft and
reported by the check as blocking publication. A form whose rows cannot be told apart (two
rows under one index, a field name that is not the editor's) is refused as a whole rather
than losing a row; the page shows again every row that was sent, each under its own index.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import MultiDict

from ..domain import DEFAULT_PROVIDER, PARTY_NAMES, Problem, RuleSet
from ..domain.schema import (
    DEFAULT_PASS_PERCENT,
    DEFAULT_SETTINGS,
    FEEDBACK,
    ID_PATTERN,
    LIMITS,
    MAX_ATTEMPTS,
    MODES,
)
from ..domain.text import text_problem
from ..services.authoring import slugify
from ..services.scenario_check import Derived

KINDS = ("components", "variants", "tasks")
SETTING_FIELDS = ("mode", "max_attempts", "feedback", "pass_score", "feedback_per_card")
PER_CARD_IN_ASSESSMENT = (
    "Checking single cards is for practice only: an assessment never shows a card's "
    "answer before the attempt is graded. Untick this, or choose Practice."
)
NOT_INSIDE_ITSELF = "A component cannot sit inside itself."
KINDS_PREFIXES = tuple(f"{kind}-" for kind in KINDS)
_ROW = re.compile(r"^(components|variants|tasks)-(\d{1,4})-(.+)$")
ROW_FIELDS = {
    "components": {"id", "name", "service", "inside", "remove"},
    "variants": {"id", "title", "remove"},
    "tasks": {"id", "text", "component", "area", "misconception", "explain", "remove"},
}
# fields of the page outside the rows that a check problem can point at
PAGE_FIELDS = ("title", "summary", "description", *SETTING_FIELDS)
_VARIANT_SERVICE = re.compile(r"^service-[a-z0-9][a-z0-9-]{0,79}$")
SAME_INDEX = (
    "Two {kind} were sent under the same number, so nothing was saved. Both are "
    "shown below; check them and save again."
)
UNREADABLE = (
    "Part of the form could not be read, so nothing was saved. What could be read "
    "is shown below; check it and save again."
)


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
    form_errors: list[str] = field(default_factory=list)  # about the form, not one field

    @property
    def invalid(self) -> bool:
        return bool(self.errors or self.form_errors)

    def errors_in(self, prefix: str) -> list[str]:
        """Names of the fields with an error in one row (``tasks-3-``)."""
        return [name for name in self.errors if name.startswith(prefix)]

    def next_index(self, kind: str) -> int:
        rows = getattr(self, kind)
        return max((r.index for r in rows), default=-1) + 1

    def field_for(self, problem: Problem) -> str | None:
        """The id of the form field a check problem is about (to link to), if any."""
        if problem.task_id:
            row = _find(self.tasks, problem.task_id)
            name = problem.field if problem.field in ROW_FIELDS["tasks"] else "text"
            return f"tasks-{row.index}-{name}" if row else None
        if problem.variant_id:
            row = _find(self.variants, problem.variant_id)
            if row and problem.field == "services" and self.components:
                return f"variants-{row.index}-service-{self.components[0]['id']}"
            return f"variants-{row.index}-title" if row else None
        if problem.component_id:
            row = _find(self.components, problem.component_id)
            name = problem.field if problem.field in ("service", "inside") else "name"
            return f"components-{row.index}-{name}" if row else None
        return problem.field if problem.field in PAGE_FIELDS else None


def _find(rows: list[Row], row_id: str) -> Row | None:
    return next((r for r in rows if r["id"] == row_id), None)


def state_from_document(doc: dict[str, Any]) -> EditorState:
    """Rows for a stored document (a draft or a built-in's file content)."""
    settings = dict(doc.get("settings") or {})
    return EditorState(
        fields={k: doc.get(k) or "" for k in ("id", "title", "summary", "description")}
        | {
            "shared": "shared" in (doc.get("parties") or []),
            "provider": str(doc.get("provider") or DEFAULT_PROVIDER),
        },
        components=[Row(i, dict(c)) for i, c in enumerate(doc.get("components") or [])],
        variants=[
            Row(
                i,
                {
                    "id": v.get("id"),
                    "title": v.get("title"),
                    "services": dict(v.get("services") or {}),
                },
            )
            for i, v in enumerate(doc.get("variants") or [])
        ],
        tasks=[Row(i, dict(t)) for i, t in enumerate(doc.get("tasks") or [])],
        settings={
            "mode": settings.get("mode", DEFAULT_SETTINGS.mode),
            "max_attempts": settings.get("max_attempts") or "",
            "feedback": settings.get("feedback", DEFAULT_SETTINGS.feedback),
            "pass_score": round(
                float(settings.get("pass_score", DEFAULT_SETTINGS.pass_score)) * 100
            ),
            "feedback_per_card": settings.get("feedback_per_card") is True,
        },
    )


def _known_field(kind: str, name: str) -> bool:
    return name in ROW_FIELDS[kind] or (kind == "variants" and bool(_VARIANT_SERVICE.match(name)))


def _split_rows(form: MultiDict) -> tuple[MultiDict, dict[str, list[int]], list[str]]:
    """The form with each row under an index of its own, the rows' order, and form errors.

    Rows come in the order their first field was sent. When a field comes more than once
    under one index, its n-th value belongs to the n-th row there; every row after the first
    gets a fresh index, the collision is reported, and the page shows all of them.
    """
    flat: MultiDict = MultiDict()
    order: dict[str, list[int]] = {kind: [] for kind in KINDS}
    rows: dict[tuple[str, int], list[dict[str, str]]] = {}
    problems: list[str] = []
    for key, value in form.items(multi=True):
        if not key.startswith(KINDS_PREFIXES):
            flat.add(key, value)
            continue
        m = _ROW.match(key)
        if not m or not _known_field(m.group(1), m.group(3)):
            if UNREADABLE not in problems:
                problems.append(UNREADABLE)
            continue
        kind, index, name = m.group(1), int(m.group(2)), m.group(3)
        copies = rows.setdefault((kind, index), [])
        target = next((c for c in copies if name not in c), None)  # n-th value, n-th row
        if target is None:
            target = {}
            copies.append(target)
        target[name] = value
    taken = {kind: {i for k, i in rows if k == kind} for kind in KINDS}
    for (kind, index), copies in rows.items():
        for n, values in enumerate(copies):
            if n:
                index = max(taken[kind]) + 1
                taken[kind].add(index)
                message = SAME_INDEX.format(kind=kind)
                if message not in problems:
                    problems.append(message)
            order[kind].append(index)
            for name, value in values.items():
                flat.add(f"{kind}-{index}-{name}", value)
    return flat, order, problems


def _unique(base: str, taken: set[str], fallback: str) -> str:
    base = slugify(base, 40) or fallback
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

    def kept(self, prefix: str, values: dict[str, Any]) -> bool:
        """A row is kept unless it is marked for removal or left empty."""
        return not self.form.get(prefix + "remove") and any(values.values())

    def components(self, indexes: list[int]) -> list[Row]:
        rows: list[Row] = []
        taken: set[str] = set()
        for i in indexes:
            p = f"components-{i}-"
            values: dict[str, Any] = {
                "id": self.ident(p + "id"),
                "name": self.text(p + "name", "name"),
                "service": self.choice(
                    p + "service", self.rules.services, "Choose a service from the list."
                ),
            }
            if not self.kept(p, values):
                continue
            if values["id"] in taken:
                self.errors[p + "id"] = "Two components have the same id."
            values["id"] = values["id"] or _unique(values["name"], taken, f"component-{i + 1}")
            taken.add(values["id"])
            rows.append(Row(i, values))
        self.containers(rows)
        return rows

    def containers(self, rows: list[Row]) -> None:
        """Each component sits inside another one of this form, or in nothing (a going
        round in a circle is the check's to report: it can be fixed in any of the rows)."""
        ids = [r["id"] for r in rows]
        for row in rows:
            name = f"components-{row.index}-inside"
            inside = self.choice(name, ids, "Choose one of this scenario's components.")
            if inside and inside == row["id"]:
                self.errors[name] = NOT_INSIDE_ITSELF
            row.values["inside"] = inside

    def variants(self, indexes: list[int], component_ids: list[str]) -> list[Row]:
        rows: list[Row] = []
        taken: set[str] = set()
        for i in indexes:
            p = f"variants-{i}-"
            services: dict[str, str] = {}
            values: dict[str, Any] = {
                "id": self.ident(p + "id"),
                "title": self.text(p + "title", "title"),
                "services": services,
            }
            for cid in component_ids:
                svc = self.choice(
                    f"{p}service-{cid}", self.rules.services, "Choose a service from the list."
                )
                if svc:
                    services[cid] = svc
            if not self.kept(p, values):
                continue
            values["id"] = values["id"] or _unique(values["title"], taken, f"variant-{i + 1}")
            taken.add(values["id"])
            rows.append(Row(i, values))
        return rows

    def tasks(self, indexes: list[int], component_ids: list[str]) -> list[Row]:
        rows: list[Row] = []
        taken: set[str] = set()
        for i in indexes:
            p = f"tasks-{i}-"
            values: dict[str, Any] = {
                "id": self.ident(p + "id"),
                "text": self.text(p + "text", "text"),
                "component": self.choice(
                    p + "component", component_ids, "Choose one of this scenario's components."
                ),
                "area": self.choice(p + "area", self.rules.areas, "Choose an area from the list."),
                "misconception": self.number(
                    p + "misconception",
                    1,
                    999,
                    "Give a whole number from 1 to 999, or leave it empty.",
                ),
                "explain": self.text(p + "explain", "explain"),
            }
            if not self.kept(p, values):
                continue
            if values["id"] in taken:
                self.errors[p + "id"] = "Two tasks have the same id."
            values["id"] = values["id"] or _unique(values["text"], taken, f"task-{i + 1}")
            taken.add(values["id"])
            rows.append(Row(i, values))
        return rows

    def settings(self) -> dict[str, Any]:
        return {
            "mode": self.choice("mode", MODES, "Choose practice or assessment.")
            or str(DEFAULT_SETTINGS.mode),
            "max_attempts": self.number(
                "max_attempts",
                1,
                MAX_ATTEMPTS,
                f"Give a whole number from 1 to {MAX_ATTEMPTS}, or leave it empty.",
            ),
            "feedback": self.choice("feedback", FEEDBACK, "Choose when feedback is shown.")
            or str(DEFAULT_SETTINGS.feedback),
            "pass_score": self.number("pass_score", 0, 100, "Give a percentage from 0 to 100."),
            "feedback_per_card": self.per_card(),
        }

    def per_card(self) -> bool:
        """Whether practice boards check each card as it is placed (refused in assessment)."""
        ticked = bool(self.form.get("feedback_per_card"))
        if ticked and self.form.get("mode") == "assessment":
            self.errors["feedback_per_card"] = PER_CARD_IN_ASSESSMENT
        return ticked


def read_editor(form: MultiDict, rules: RuleSet, slug: str) -> tuple[EditorState, dict[str, Any]]:
    """Parse the editor form: the state to show again, and the document to store."""
    form, order, form_errors = _split_rows(form)
    # the scenario keeps its provider (a hidden field); its rule set offers the choices
    provider = str(form.get("provider") or DEFAULT_PROVIDER)
    if provider not in rules.providers:
        provider = DEFAULT_PROVIDER
    own = rules.for_provider(provider)
    r = _Reader(form, own)
    fields = {
        "id": slug,
        "title": r.text("title", "title"),
        "summary": r.text("summary", "summary"),
        "description": r.text("description", "description"),
        "shared": form.get("shared") == "on",
        "provider": provider,
        "provider_party": own.provider_party,
    }
    components = r.components(order["components"])
    component_ids = [c["id"] for c in components]
    variants = r.variants(order["variants"], component_ids)
    tasks = r.tasks(order["tasks"], component_ids)
    settings = r.settings()
    state = EditorState(
        fields,
        components,
        variants,
        tasks,
        {
            **settings,
            "max_attempts": _shown(form, "max_attempts", ""),
            "pass_score": _shown(form, "pass_score", DEFAULT_PASS_PERCENT),
        },
        r.errors,
        form_errors,
    )
    return state, _document(fields, components, variants, tasks, settings)


def _shown(form: MultiDict, name: str, default: Any) -> Any:
    """A setting as the page shows it again: what was typed, or the default when empty."""
    return (form.get(name) or "").strip() or default


def _document(fields, components, variants, tasks, settings) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": fields["id"],
        "title": fields["title"],
        "summary": fields["summary"],
        "description": fields["description"],
        "parties": [fields.get("provider_party") or "aws", "customer"]
        + (["shared"] if fields["shared"] else []),
        "components": [
            {k: c[k] for k in ("id", "name", "service", "inside") if c[k]} for c in components
        ],
    }
    if fields.get("provider", DEFAULT_PROVIDER) != DEFAULT_PROVIDER:
        doc["provider"] = fields["provider"]
    if variants:
        doc["variants"] = [
            {"id": v["id"], "title": v["title"], "services": v["services"]} for v in variants
        ]
    doc["tasks"] = [
        {
            k: t[k]
            for k in ("id", "text", "component", "area", "misconception", "explain")
            if t[k] not in (None, "")
        }
        for t in tasks
    ]
    out: dict[str, Any] = {"mode": settings["mode"]}
    if settings["max_attempts"] is not None:
        out["max_attempts"] = settings["max_attempts"]
    if settings["feedback"] != DEFAULT_SETTINGS.feedback:
        out["feedback"] = settings["feedback"]
    if settings["pass_score"] is not None and settings["pass_score"] != DEFAULT_PASS_PERCENT:
        out["pass_score"] = settings["pass_score"] / 100
    if settings["feedback_per_card"]:
        out["feedback_per_card"] = True
    if out != {"mode": DEFAULT_SETTINGS.mode}:
        doc["settings"] = out
    return doc


def owner_summary(derived: list[Derived]) -> str:
    """Who owns a task, in a few words for its collapsed row (every variant at once)."""
    if not derived:
        return "Owner not decided yet"
    if any(d.party is None for d in derived):
        return "⚠ No rule decides it"
    names = [PARTY_NAMES.get(d.party or "", d.party or "") for d in derived]
    if len(set(names)) == 1:
        return names[0]
    return " · ".join(
        f"{d.variant_title or d.variant}: {name}" for d, name in zip(derived, names, strict=True)
    )
