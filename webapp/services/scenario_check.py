"""The editor's live check: the same validation as `srm-trainer lint`, plus derived answers.

Problems come from the domain's build_scenario (the code path lint uses); the party shown
for each task under each variant comes from the rule set's lookup, the same one the grader
and build_scenario use. Authors see the answers here; learners never do before grading.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from ..domain import Problem, RuleSet, ScenarioError, build_scenario
from ..domain.rules import CONTROL_NAMES, PARTY_NAMES
from ..domain.scenario import services_under


@dataclass(frozen=True)
class Derived:
    """What the rule set says about one task under one variant."""

    variant: str | None
    variant_title: str | None
    service: str | None
    service_name: str | None
    party: str | None  # None: no rule decides this pair
    explanation: str = ""
    source: str = ""
    outside_parties: bool = False  # the rule's party is not one of the scenario's zones
    control: str | None = None  # the rule's control type, where the SRM decides it
    task_explanation: str = ""  # the card's own sentence, shown before the rule's

    def as_dict(self) -> dict[str, Any]:
        return {
            "variant": self.variant,
            "variant_title": self.variant_title,
            "service": self.service,
            "service_name": self.service_name,
            "party": self.party,
            "party_name": PARTY_NAMES.get(self.party or "", "No rule"),
            "explanation": self.explanation,
            "source": self.source,
            "outside_parties": self.outside_parties,
            "control": self.control,
            "control_name": CONTROL_NAMES.get(self.control or ""),
            "task_explanation": self.task_explanation or None,
        }


# problems the task's own "who owns it" list already shows beside the task
SHOWN_WITH_DERIVED = frozenset({"no-rule", "party-not-offered"})


@dataclass
class CheckReport:
    """Problems that block publishing, and per-task derived answers (in task order)."""

    problems: list[Problem] = field(default_factory=list)
    tasks: list[list[Derived]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def flagged(self, index: int) -> bool:
        """Whether some variant leaves this task without a usable rule."""
        return any(d.party is None or d.outside_parties for d in self.tasks[index])

    def for_task(self, task_id: str) -> list[Problem]:
        """The problems about one task that its row shows itself (not the derived ones)."""
        return [
            p for p in self.problems if p.task_id == task_id and p.code not in SHOWN_WITH_DERIVED
        ]

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "problems": [p.as_dict() for p in self.problems],
            "tasks": [
                {"flagged": self.flagged(i), "derived": [d.as_dict() for d in ds]}
                for i, ds in enumerate(self.tasks)
            ],
        }


def _service_maps(doc: dict[str, Any]) -> list[tuple[str | None, str | None, dict[str, str]]]:
    # ids and services as the document holds them (possibly missing while it is edited)
    own: dict[Any, Any] = {
        c.get("id"): c.get("service") for c in doc.get("components") or [] if isinstance(c, dict)
    }
    variants = [v for v in doc.get("variants") or [] if isinstance(v, dict)]
    if not variants:
        return [(None, None, own)]
    return [(v.get("id"), v.get("title"), services_under(own, _swaps(v))) for v in variants]


def _swaps(variant: dict[str, Any]) -> dict[str, str] | None:
    swaps = variant.get("services")
    return swaps if isinstance(swaps, dict) else None


def derive(doc: dict[str, Any], rules: RuleSet) -> list[list[Derived]]:
    """For each task, the rule set's answer under each variant (or under none)."""
    maps = _service_maps(doc)
    parties = set(doc.get("parties") or [])
    out = []
    for task in doc.get("tasks") or []:
        row = []
        for vid, vtitle, services in maps:
            service = services.get(task.get("component"))
            known = rules.services.get(service or "")
            name = known.name if known else service
            rule = rules.lookup(task.get("area") or "", service or "") if service else None
            if rule is None:
                row.append(Derived(vid, vtitle, service, name, None))
            else:
                own = task.get("explain")
                row.append(
                    Derived(
                        vid,
                        vtitle,
                        service,
                        name,
                        rule.party,
                        rule.explanation,
                        rule.source,
                        bool(parties) and rule.party not in parties,
                        rule.control,
                        own.strip() if isinstance(own, str) else "",
                    )
                )
        out.append(row)
    return out


def check_document(doc: dict[str, Any], rules: RuleSet, filename: str = "editor") -> CheckReport:
    """Validate with build_scenario (as lint does) and derive every task's answer.

    The problems are the domain's, reworded with the names the editor shows (so no longer
    located at a file line); a rule problem said once for several variants names no single
    variant.
    """
    provider = doc.get("provider") if isinstance(doc, dict) else None
    rules = rules.providers.get(str(provider or rules.provider), rules)  # the doc's provider
    problems: list[Problem] = []
    try:
        build_scenario(doc, rules, filename)
    except ScenarioError as exc:
        words = _Words(doc, rules)
        problems = [
            replace(
                p,
                message=words.describe(p, under),
                code=p.code or "other",
                variant_id=under[0] if len(under) == 1 else None,
                file=None,
                line=None,
            )
            for p, under in words.merged(exc.problems)
        ]
    return CheckReport(problems, derive(doc, rules))


def _quoted(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return f"“{text if len(text) <= limit else text[: limit - 1].rstrip() + '…'}”"


class _Words:
    """Says a domain problem with the names the editor shows (component, area, service)."""

    def __init__(self, doc: dict[str, Any], rules: RuleSet):
        self.rules = rules
        self.tasks = _by_id(doc.get("tasks"))
        self.components = _by_id(doc.get("components"))
        self.variants = _by_id(doc.get("variants"))
        self.services: dict[str | None, dict[Any, Any]] = {
            vid: services for vid, _, services in _service_maps(doc)
        }

    def task(self, task_id: str) -> str:
        number, task = self.tasks.get(task_id, (0, {}))
        text = str(task.get("text") or "").strip()
        return f"Task {number}" + (f", {_quoted(text)}" if text else "")

    def component(self, component_id: str) -> str:
        number, component = self.components.get(component_id, (0, {}))
        name = str(component.get("name") or "").strip()
        return _quoted(name) if name else f"Component {number}"

    def variant(self, variant_id: str | None) -> str:
        number, variant = self.variants.get(variant_id or "", (0, {}))
        title = str(variant.get("title") or "").strip()
        return _quoted(title) if title else f"Variant {number}"

    def _area(self, area_id: str) -> str:
        area = self.rules.areas.get(area_id)
        return _quoted(area.name) if area else _quoted(area_id)

    def _service(self, service_id: str) -> str:
        service = self.rules.services.get(service_id)
        return service.name if service else service_id

    def _service_of(self, p: Problem) -> str:
        task = self.tasks.get(p.task_id or "", (0, {}))[1]
        return self.services.get(p.variant_id, {}).get(task.get("component"), "")

    def merged(self, problems: list[Problem]) -> list[tuple[Problem, list[str | None]]]:
        """Problems with the variants they arise under: a task's rule problem on the same
        service in several variants is said once."""
        out: list[tuple[Problem, list[str | None]]] = []
        seen: dict[tuple, list[str | None]] = {}
        for p in problems:
            if p.code not in SHOWN_WITH_DERIVED:
                out.append((p, [p.variant_id]))
                continue
            key = (p.code, p.task_id, self._service_of(p))
            if key in seen:
                seen[key].append(p.variant_id)
            else:
                seen[key] = [p.variant_id]
                out.append((p, seen[key]))
        return out

    def describe(self, p: Problem, under: list[str | None] | None = None) -> str:
        """The problem's message for the editor; the domain's wording when none fits."""
        if p.task_id:
            return f"{self.task(p.task_id)}: {self._about_task(p, under or [p.variant_id])}"
        if p.component_id and p.code == "missing":
            what = "give it a name" if p.field == "name" else "choose the service it runs on"
            return f"{self.component(p.component_id)}: {what}."
        if p.variant_id and p.code == "missing":
            if p.field == "title":
                return f"{self.variant(p.variant_id)}: give it a title."
            return (
                f"{self.variant(p.variant_id)}: choose another service for at least one component."
            )
        if p.code == "one-variant":
            return "One variant is no choice: add a second one, or remove this one."
        if p.code == "missing" and p.field in _MISSING:
            return _MISSING[p.field]
        if p.code == "too-many":
            return "A scenario can have at most 100 tasks."
        return p.message[:1].upper() + p.message[1:]

    def _under(self, variant_ids: list[str | None]) -> str:
        named = [self.variant(v) for v in variant_ids if v]
        if not named or len(named) == len(self.variants) > 1:
            return ""  # no variants, or every one of them
        if len(named) == 1:
            return f" in the variant {named[0]}"
        return f" in the variants {', '.join(named[:-1])} and {named[-1]}"

    def _about_task(self, p: Problem, variant_ids: list[str | None]) -> str:
        task = self.tasks.get(p.task_id or "", (0, {}))[1]
        under = self._under(variant_ids)
        if p.code in SHOWN_WITH_DERIVED:
            service = self._service_of(p)
            area = self._area(str(task.get("area") or ""))
            where = f"{self.component(str(task.get('component')))} on {self._service(service)}"
            if p.code == "no-rule":
                return (
                    f"the rule set does not decide {area} for {where}{under}. "
                    "Pick another area or component."
                )
            rule = self.rules.lookup(str(task.get("area") or ""), service)
            party = PARTY_NAMES.get(rule.party, rule.party) if rule else "?"
            return (
                f"the rule set gives {party} for {area} on {where}{under}, and this "
                "scenario has no such zone. Tick “Offer a Shared zone” or change the task."
            )
        if p.code == "missing":
            return _TASK_MISSING.get(p.field or "", f"fill in its {p.field}.")
        return p.message.split(": ", 1)[-1]


_MISSING = {
    "title": "Give the scenario a title.",
    "summary": "Write the one-sentence summary for the catalogue.",
    "components": "Add at least one component.",
    "tasks": "Add at least one task.",
}
_TASK_MISSING = {
    "text": "write the text of the card.",
    "component": "choose a component.",
    "area": "choose a responsibility area.",
}


def _by_id(items: Any) -> dict[str, tuple[int, dict[str, Any]]]:
    """Rows by id with their position from 1, as the editor numbers them."""
    found: dict[str, tuple[int, dict[str, Any]]] = {}
    for n, item in enumerate([i for i in items or [] if isinstance(i, dict)], start=1):
        found.setdefault(str(item.get("id")), (n, item))
    return found
