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
from .grader import GradeReport, TaskResult, answer_key, compare_variants, grade
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
from .scenario import Scenario, Settings, build_scenario, parse_scenario, to_document

__all__ = [
    "PARTIES", "PARTY_NAMES", "DomainError", "GradeReport", "GradingError", "Library",
    "NoRuleError", "Problem", "Rule", "RuleSet", "RuleSetError", "Scenario", "ScenarioError",
    "Settings", "TaskResult", "answer_key", "build_scenario", "compare_variants", "grade",
    "lint", "load_library", "load_rules", "parse_rules", "parse_scenario", "to_document",
    "DEFAULT_PROVIDER", "Party", "UnknownProviderError",
]
