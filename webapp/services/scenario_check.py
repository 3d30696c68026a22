"""The editor's live check: the same validation as `srm-trainer lint`, plus derived answers.

Problems come from the domain's build_scenario (the code path lint uses); the party shown
for each task under each variant comes from the rule set's lookup, the same one the grader
and build_scenario use. Authors see the answers here; learners never do before grading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..domain import RuleSet, ScenarioError, build_scenario
from ..domain.rules import PARTY_NAMES


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

    def as_dict(self) -> dict[str, Any]:
        return {"variant": self.variant, "variant_title": self.variant_title,
                "service": self.service, "service_name": self.service_name,
                "party": self.party,
                "party_name": PARTY_NAMES.get(self.party or "", "No rule"),
                "explanation": self.explanation, "source": self.source,
                "outside_parties": self.outside_parties}


@dataclass
class CheckReport:
    """Problems that block publishing, and per-task derived answers (in task order)."""

    problems: list[str] = field(default_factory=list)
    tasks: list[list[Derived]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def flagged(self, index: int) -> bool:
        """Whether some variant leaves this task without a usable rule."""
        return any(d.party is None or d.outside_parties for d in self.tasks[index])

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "problems": self.problems,
                "tasks": [{"flagged": self.flagged(i), "derived": [d.as_dict() for d in ds]}
                          for i, ds in enumerate(self.tasks)]}


def _service_maps(doc: dict[str, Any]) -> list[tuple[str | None, str | None, dict[str, str]]]:
    own = {c.get("id"): c.get("service") for c in doc.get("components") or []
           if isinstance(c, dict)}
    variants = [v for v in doc.get("variants") or [] if isinstance(v, dict)]
    if not variants:
        return [(None, None, own)]
    return [(v.get("id"), v.get("title"), {**own, **(v.get("services") or {})})
            for v in variants]


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
                row.append(Derived(vid, vtitle, service, name, rule.party, rule.explanation,
                                   rule.source, bool(parties) and rule.party not in parties))
        out.append(row)
    return out


def check_document(doc: dict[str, Any], rules: RuleSet, filename: str = "editor") -> CheckReport:
    """Validate with build_scenario (as lint does) and derive every task's answer."""
    problems: list[str] = []
    try:
        build_scenario(doc, rules, filename)
    except ScenarioError as exc:
        problems = [p.message for p in exc.problems]
    return CheckReport(problems, derive(doc, rules))


_QUOTED = re.compile(r"task '([^']+)'")


def problems_by_task(report: CheckReport) -> dict[str, list[str]]:
    """Problems that name a task, keyed by the task id (to show beside the task)."""
    found: dict[str, list[str]] = {}
    for message in report.problems:
        match = _QUOTED.search(message)
        if match:
            found.setdefault(match.group(1), []).append(message)
    return found
