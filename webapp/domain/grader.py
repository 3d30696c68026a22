"""The grader: compare a learner's placements with the parties the rule set derives.

Pure and deterministic. The answer key of a (scenario, variant, rule set) is computed once
per worker and kept in a bounded cache keyed by the scenario's content hash and the rule
set's digest (so a reloaded or changed rule set never meets an old key), and grading is a
handful of dictionary look-ups per task.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ..cache import BoundedCache
from .errors import GradingError, Problem, UnknownProviderError
from .rules import PARTIES, RuleSet
from .scenario import Scenario
from .text import quote


class Verdict(StrEnum):
    """What the grader says about one card (compares equal to the stored string)."""

    CORRECT = "correct"
    INCORRECT = "incorrect"
    UNANSWERED = "unanswered"


# the names callers already import
CORRECT = Verdict.CORRECT
INCORRECT = Verdict.INCORRECT
UNANSWERED = Verdict.UNANSWERED


@dataclass(frozen=True, slots=True)
class TaskResult:
    """One card: what the learner chose, what the rule set expects, and why."""

    task_id: str
    text: str
    component: str
    service: str
    area: str
    given: str | None
    expected: str
    verdict: Verdict
    explanation: str  # the rule's explanation
    source: str
    control: str | None = None  # the rule's control type, where the SRM decides it
    task_explanation: str = ""  # the card's own sentence, shown with the rule's

    @property
    def correct(self) -> bool:
        return self.verdict == CORRECT

    @property
    def why(self) -> str:
        """The card's sentence followed by the rule's explanation."""
        return " ".join(p for p in (self.task_explanation, self.explanation) if p)

    def as_dict(self) -> dict[str, Any]:
        return {
            "task_id": self.task_id,
            "text": self.text,
            "component": self.component,
            "service": self.service,
            "area": self.area,
            "given": self.given,
            "expected": self.expected,
            "correct": self.verdict == CORRECT,
            "verdict": str(self.verdict),
            "explanation": self.explanation,
            "task_explanation": self.task_explanation or None,
            "control": self.control,
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class GradeReport:
    """The whole attempt: per-task results in scenario order, totals and a score in [0, 1]."""

    scenario_id: str
    variant: str | None
    results: tuple[TaskResult, ...]
    correct: int
    total: int
    answered: int

    @property
    def score(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "scenario_id": self.scenario_id,
            "variant": self.variant,
            "score": round(self.score, 4),
            "correct": self.correct,
            "total": self.total,
            "answered": self.answered,
            "results": [r.as_dict() for r in self.results],
        }


@dataclass(frozen=True, slots=True)
class _Key:
    task_ids: frozenset[str]
    # per task, the result object for each possible given party (None = unanswered)
    outcomes: tuple[tuple[str, dict[str | None, TaskResult]], ...]


def answer_key(scenario: Scenario, variant: str | None, rules: RuleSet) -> dict[str, str]:
    """Task id -> expected party. Never send this to a browser before grading."""
    key = _key(scenario, variant, rules)
    return {tid: outcomes[None].expected for tid, outcomes in key.outcomes}


def check_variant(scenario: Scenario, variant: str | None) -> str | None:
    """The variant to grade under; raises GradingError for an unknown or missing one."""
    if scenario.variants:
        if variant is None:
            return scenario.default_variant
        if variant not in scenario.variant_ids:
            raise GradingError(
                [
                    Problem(
                        f"unknown variant {quote(variant)} "
                        f"(choose one of {', '.join(scenario.variant_ids)})",
                        code="unknown-variant",
                        variant_id=variant,
                        field="variant",
                    )
                ]
            )
        return variant
    if variant is not None:
        raise GradingError(
            [
                Problem(
                    f"unknown variant {quote(variant)}: this scenario has none",
                    code="unknown-variant",
                    variant_id=variant,
                    field="variant",
                )
            ]
        )
    return None


_KEYS: BoundedCache[_Key] = BoundedCache(512)


def _key(scenario: Scenario, variant: str | None, rules: RuleSet) -> _Key:
    try:
        rules = rules.for_provider(scenario.provider)  # the scenario's provider decides
    except UnknownProviderError as exc:
        raise GradingError(exc.problems) from None
    cache_key = (scenario.id, scenario.content_hash, variant, rules.digest)
    key = _KEYS.get(cache_key)
    if key is not None:
        return key
    services = scenario.services_for(variant)
    names = {c.id: c.name for c in scenario.components}
    outcomes = []
    for task in scenario.tasks:
        service = services[task.component]
        rule = rules.resolve(task.area, service)
        by_given: dict[str | None, TaskResult] = {}
        for given in (None, *scenario.parties):
            verdict = (
                UNANSWERED if given is None else (CORRECT if given == rule.party else INCORRECT)
            )
            by_given[given] = TaskResult(
                task.id,
                task.text,
                names[task.component],
                service,
                task.area,
                given,
                rule.party,
                verdict,
                rule.explanation,
                rule.source,
                rule.control,
                task.explain or "",
            )
        outcomes.append((task.id, by_given))
    return _KEYS.put(cache_key, _Key(frozenset(t.id for t in scenario.tasks), tuple(outcomes)))


def grade(
    scenario: Scenario, variant: str | None, rules: RuleSet, answers: Mapping[str, str | None]
) -> GradeReport:
    """Grade answers ({task id: party}) for the scenario under a variant.

    A task missing from answers (or given None) is unanswered. Unknown task ids, unknown
    parties, parties the scenario does not use and an unknown variant raise GradingError
    listing each problem.
    """
    if not isinstance(answers, Mapping):
        raise GradingError(
            [
                Problem(
                    "answers must be a mapping of task id to party",
                    code="not-mapping",
                    field="answers",
                )
            ]
        )
    problems: list[Problem] = []
    try:
        variant = check_variant(scenario, variant)
    except GradingError as exc:
        problems.extend(exc.problems)
        variant = scenario.default_variant
    key = _key(scenario, variant, rules)
    unknown = answers.keys() - key.task_ids
    parties = scenario.parties
    problems.extend(
        Problem(f"unknown task id {quote(t)}", code="unknown-task", task_id=t)
        for t in sorted(map(str, unknown))
    )
    for task_id, party in answers.items():
        if party is None or party in parties or task_id in unknown:
            continue
        if party in PARTIES:
            problems.append(
                Problem(
                    f"task {quote(task_id)}: party {quote(party)} is not used in "
                    f"this scenario (use {', '.join(parties)})",
                    code="party-not-offered",
                    task_id=task_id,
                    field="party",
                )
            )
        else:
            problems.append(
                Problem(
                    f"task {quote(task_id)}: unknown party {quote(party)} "
                    f"(use {', '.join(parties)})",
                    code="unknown-party",
                    task_id=task_id,
                    field="party",
                )
            )
    if problems:
        raise GradingError(problems)
    get = answers.get
    results = tuple(by_given[get(tid)] for tid, by_given in key.outcomes)
    correct = sum(1 for r in results if r.verdict == CORRECT)
    answered = sum(1 for r in results if r.given is not None)
    return GradeReport(scenario.id, variant, results, correct, len(results), answered)


def compare_variants(
    scenario: Scenario, rules: RuleSet, first: str, second: str
) -> list[tuple[str, TaskResult, TaskResult]]:
    """Per task, the expected result under two variants: the what-if lesson.

    Returns (task id, result under first, result under second); callers highlight the tasks
    whose expected party differs.
    """
    a = _key(scenario, check_variant(scenario, first), rules)
    b = _key(scenario, check_variant(scenario, second), rules)
    return [
        (tid, ra[None], rb[None]) for (tid, ra), (_, rb) in zip(a.outcomes, b.outcomes, strict=True)
    ]
