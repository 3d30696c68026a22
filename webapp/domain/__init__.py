"""The domain core: rule set, scenarios and grading. Pure Python: no Flask, no SQLAlchemy."""

from .errors import (
    DomainError,
    GradingError,
    NoRuleError,
    Problem,
    RuleSetError,
    ScenarioError,
    UnknownProviderError,
)
from .grader import GradeReport, TaskResult, Verdict, answer_key, compare_variants, grade
from .library import Library, lint, load_library
from .rules import (
    DEFAULT_PROVIDER,
    PARTIES,
    PARTY_NAMES,
    Party,
    Rule,
    RuleSet,
    load_rules,
    parse_rules,
)
from .scenario import Scenario, build_scenario, parse_scenario, services_under, to_document
from .schema import Feedback, Mode, Settings

__all__ = [
    "DEFAULT_PROVIDER",
    "PARTIES",
    "PARTY_NAMES",
    "DomainError",
    "Feedback",
    "GradeReport",
    "GradingError",
    "Library",
    "Mode",
    "NoRuleError",
    "Party",
    "Problem",
    "Rule",
    "RuleSet",
    "RuleSetError",
    "Scenario",
    "ScenarioError",
    "Settings",
    "TaskResult",
    "UnknownProviderError",
    "Verdict",
    "answer_key",
    "build_scenario",
    "compare_variants",
    "grade",
    "lint",
    "load_library",
    "load_rules",
    "parse_rules",
    "parse_scenario",
    "services_under",
    "to_document",
]
