"""The scenario library: every scenario file in a folder, validated; broken files set aside."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .errors import Problem, ScenarioError
from .rules import RuleSet
from .scenario import Scenario, load_scenario


@dataclass
class Library:
    """Scenarios that loaded, in title order, and the problems of those that did not."""

    scenarios: dict[str, Scenario] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def get(self, scenario_id: str) -> Scenario | None:
        return self.scenarios.get(scenario_id)


def scenario_files(paths: Sequence[str | Path]) -> list[Path]:
    """The scenario files named: YAML files given directly, and *.yaml / *.yml in folders."""
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files.extend(sorted([*p.glob("*.yaml"), *p.glob("*.yml")]))
        else:
            files.append(p)
    return files


def lint(paths: Sequence[str | Path], rules: RuleSet) -> tuple[list[Scenario], list[Problem]]:
    """Check scenario files against the schema and the rule set. One code path for all checks."""
    scenarios: list[Scenario] = []
    problems: list[Problem] = []
    seen: dict[str, Path] = {}
    files = scenario_files(paths)
    if not files:
        problems.append(Problem("no scenario files found", ", ".join(map(str, paths))))
    for path in files:
        if not path.exists():
            problems.append(Problem("no such file", str(path)))
            continue
        try:
            scenario = load_scenario(path, rules)
        except ScenarioError as exc:
            problems.extend(exc.problems)
            continue
        if scenario.id in seen:
            problems.append(
                Problem(
                    f"duplicate scenario id '{scenario.id}' (also in {seen[scenario.id]})",
                    str(path),
                    1,
                )
            )
            continue
        seen[scenario.id] = path
        scenarios.append(scenario)
    return scenarios, problems


def load_library(folder: str | Path, rules: RuleSet) -> Library:
    """Load every scenario in a folder; a broken file is reported, the others are served."""
    scenarios, problems = lint([folder], rules)
    ordered = sorted(scenarios, key=lambda s: s.title.lower())
    return Library({s.id: s for s in ordered}, problems)
