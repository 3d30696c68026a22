"""Comparisons: the same tasks under two providers, each decided by its own rule set.

A comparison file lists tasks, and for each task the (area, service) pair it is on every
provider it compares, e.g. patching a rented virtual machine's operating system is
`guest-os-patching` on `ec2` for AWS and `operating-system` on `azure-virtual-machines` for
Azure. Like a scenario, it never stores an owner: the rule sets decide, so a comparison
can only ever show what the rule sets teach.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import Problem, ScenarioError, UnknownProviderError
from .rules import Party, Rule, RuleSet
from .scenario import ID_PATTERN
from .text import quote
from .yamlfile import YamlProblem, line_of, load_yaml

COMPARISON_KEYS = {"id", "title", "summary", "description", "providers", "practice", "tasks"}


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a compared task sits on one provider: an area on a service."""

    provider: str
    area: str
    service: str


@dataclass(frozen=True, slots=True)
class ComparedTask:
    id: str
    text: str
    placements: tuple[Placement, ...]  # one per provider, in the comparison's order


@dataclass(frozen=True)
class Comparison:
    id: str
    title: str
    summary: str
    description: str
    providers: tuple[str, ...]
    tasks: tuple[ComparedTask, ...]
    practice: tuple[tuple[str, str], ...] = ()  # (provider, scenario id) to try next


@dataclass(frozen=True, slots=True)
class Cell:
    """One task on one provider, as its rule set decides it."""

    provider: str
    provider_title: str
    service: str
    service_name: str
    area_name: str
    party: str
    party_label: str
    control: str | None
    explanation: str
    source: str


@dataclass(frozen=True, slots=True)
class Row:
    task_id: str
    text: str
    cells: tuple[Cell, ...]

    @property
    def differs(self) -> bool:
        """The providers give the task to different kinds of owner (provider, customer,
        shared); AWS and Microsoft count as the same kind."""
        own = (Party.CUSTOMER, Party.SHARED)
        kinds = {c.party if c.party in own else "provider" for c in self.cells}
        return len(kinds) > 1


def _text(
    doc: Any,
    key: str,
    label: str,
    filename: str,
    problems: list[Problem],
    required: bool = True,
    max_len: int = 500,
) -> str:
    value = doc.get(key) if isinstance(doc, dict) else None
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            problems.append(
                Problem(
                    f"{label}: missing {quote(key)}",
                    filename,
                    line_of(doc, key),
                    code="missing",
                    field=key,
                )
            )
        return ""
    if not isinstance(value, str):
        problems.append(
            Problem(
                f"{label}: {quote(key)} must be text",
                filename,
                line_of(doc, key),
                code="not-text",
                field=key,
            )
        )
        return ""
    if len(value) > max_len:
        problems.append(
            Problem(
                f"{label}: {quote(key)} is longer than {max_len} characters",
                filename,
                line_of(doc, key),
                code="too-long",
                field=key,
            )
        )
    return value.strip()


def build_comparison(doc: Any, rules: RuleSet, filename: str = "<comparison>") -> Comparison:
    """Validate a comparison document against every provider's rule set it names.

    Raises ScenarioError listing every problem (file:line: message): unknown providers,
    services or areas of the wrong provider, pairs no rule decides, duplicate task ids.
    """
    problems: list[Problem] = []
    if not isinstance(doc, dict):
        raise ScenarioError([Problem("a comparison must be a YAML mapping", filename, 1)])
    for key in sorted(set(doc) - COMPARISON_KEYS):
        problems.append(
            Problem(
                f"comparison: unknown field {quote(key)}",
                filename,
                line_of(doc, key),
                code="unknown-field",
                field=key,
            )
        )
    cid = _text(doc, "id", "comparison", filename, problems, max_len=80)
    if cid and not ID_PATTERN.match(cid):
        problems.append(
            Problem(
                "comparison: 'id' must be lowercase letters, digits and hyphens",
                filename,
                line_of(doc, "id"),
                code="bad-id",
            )
        )
    title = _text(doc, "title", "comparison", filename, problems, max_len=200)
    summary = _text(doc, "summary", "comparison", filename, problems)
    description = _text(
        doc, "description", "comparison", filename, problems, required=False, max_len=20000
    )
    sets = _rule_sets(doc, rules, filename, problems)
    practice = _practice(doc, sets, filename, problems)
    tasks = _tasks(doc, sets, filename, problems)
    if problems:
        raise ScenarioError(problems)
    return Comparison(cid, title, summary, description, tuple(sets), tuple(tasks), tuple(practice))


def _rule_sets(
    doc: dict, rules: RuleSet, filename: str, problems: list[Problem]
) -> dict[str, RuleSet]:
    """Provider id -> its rule set, for the two or more providers the comparison names."""
    sets: dict[str, RuleSet] = {}
    raw_providers = doc.get("providers")
    if not isinstance(raw_providers, list) or len(raw_providers) < 2:
        problems.append(
            Problem(
                "comparison: 'providers' must list two or more providers",
                filename,
                line_of(doc, "providers"),
                code="bad-providers",
            )
        )
        raw_providers = []
    for provider in raw_providers:
        try:
            sets[str(provider)] = rules.for_provider(str(provider))
        except UnknownProviderError as exc:
            problems.append(
                Problem(
                    f"comparison: {exc.summary()}",
                    filename,
                    line_of(doc, "providers"),
                    code="unknown-provider",
                )
            )
    if len(sets) != len(raw_providers):
        problems.append(
            Problem(
                "comparison: a provider is listed twice or unknown",
                filename,
                line_of(doc, "providers"),
                code="bad-providers",
            )
        )
    return sets


def _practice(
    doc: dict, sets: dict[str, RuleSet], filename: str, problems: list[Problem]
) -> list[tuple[str, str]]:
    """(provider, scenario id) pairs to practise next, for providers the comparison has."""
    practice: list[tuple[str, str]] = []
    raw_practice = doc.get("practice") or {}
    if not isinstance(raw_practice, dict):
        problems.append(
            Problem(
                "comparison: 'practice' must map providers to scenario ids",
                filename,
                line_of(doc, "practice"),
                code="not-mapping",
            )
        )
        raw_practice = {}
    for provider, scenario_id in raw_practice.items():
        if provider not in sets:
            problems.append(
                Problem(
                    f"comparison: practice names provider {quote(provider)}, "
                    "which it does not compare",
                    filename,
                    line_of(raw_practice, provider),
                    code="unknown-provider",
                )
            )
        practice.append((str(provider), str(scenario_id)))
    return practice


def _tasks(
    doc: dict, sets: dict[str, RuleSet], filename: str, problems: list[Problem]
) -> list[ComparedTask]:
    """The compared tasks: at most 100, each with a unique id and a placement per provider."""
    raw_tasks = doc.get("tasks")
    if not isinstance(raw_tasks, list) or not raw_tasks:
        problems.append(
            Problem(
                "comparison: 'tasks' must be a non-empty list",
                filename,
                line_of(doc, "tasks"),
                code="missing",
                field="tasks",
            )
        )
        raw_tasks = []
    if len(raw_tasks) > 100:
        problems.append(
            Problem(
                "comparison: at most 100 tasks", filename, line_of(doc, "tasks"), code="too-many"
            )
        )
    tasks: list[ComparedTask] = []
    seen: set[str] = set()
    for item in raw_tasks:
        if not isinstance(item, dict):
            problems.append(
                Problem(
                    "comparison: every task must be a mapping",
                    filename,
                    line_of(raw_tasks),
                    code="not-mapping",
                )
            )
            continue
        tasks.append(_task(item, sets, seen, filename, problems))
    return tasks


def _task(
    item: dict, sets: dict[str, RuleSet], seen: set[str], filename: str, problems: list[Problem]
) -> ComparedTask:
    """One compared task; its id is added to ``seen``, the ids of the tasks before it."""
    tid = _text(item, "id", "comparison, task", filename, problems, max_len=80)
    label = f"task {quote(tid)}"
    text = _text(item, "text", label, filename, problems, max_len=300)
    if tid in seen:
        problems.append(
            Problem(
                f"duplicate task id {quote(tid)}",
                filename,
                line_of(item, "id"),
                code="duplicate-id",
                task_id=tid,
            )
        )
    seen.add(tid)
    for key in sorted(set(item) - {"id", "text", *sets}):
        problems.append(
            Problem(
                f"{label}: unknown field {quote(key)}",
                filename,
                line_of(item, key),
                code="unknown-field",
                task_id=tid,
            )
        )
    placements = []
    for provider, provider_rules in sets.items():
        placement = _placement(item, provider, provider_rules, label, filename, problems, tid)
        if placement is not None:
            placements.append(placement)
    return ComparedTask(tid, text, tuple(placements))


def _placement(
    item: dict,
    provider: str,
    rules: RuleSet,
    label: str,
    filename: str,
    problems: list[Problem],
    tid: str,
) -> Placement | None:
    where = item.get(provider)
    if not isinstance(where, dict):
        problems.append(
            Problem(
                f"{label}: give its area and service on {provider}",
                filename,
                line_of(item, provider) if provider in item else line_of(item),
                code="missing",
                task_id=tid,
                field=provider,
            )
        )
        return None
    area, service = str(where.get("area") or ""), str(where.get("service") or "")
    line = line_of(item, provider)
    found = rules.unknown_ids(area, service)
    for problem in found:
        problems.append(
            Problem(
                f"{label}: {problem} on {provider}",
                filename,
                line,
                code="unknown-id",
                task_id=tid,
                field=provider,
            )
        )
    if not found and rules.lookup(area, service) is None:
        problems.append(
            Problem(
                f"{label}: no rule decides area {quote(area)} on service "
                f"{quote(service)} ({provider})",
                filename,
                line,
                code="no-rule",
                task_id=tid,
                field=provider,
            )
        )
    return Placement(provider, area, service)


def parse_comparison(text: str, rules: RuleSet, filename: str = "<comparison>") -> Comparison:
    """Parse comparison YAML and validate it (see build_comparison)."""
    try:
        doc = load_yaml(text, filename)
    except YamlProblem as exc:
        raise ScenarioError([exc.problem]) from None
    return build_comparison(doc, rules, filename)


def load_comparisons(
    folder: str | Path, rules: RuleSet
) -> tuple[dict[str, Comparison], list[Problem]]:
    """Every comparison file in a folder (none when it does not exist), by id, in title
    order; a broken file is reported and left out, its id must match its file name."""
    found: list[Comparison] = []
    problems: list[Problem] = []
    folder = Path(folder)
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        try:
            comparison = parse_comparison(path.read_text(encoding="utf-8"), rules, str(path))
        except ScenarioError as exc:
            problems.extend(exc.problems)
            continue
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(f"cannot read file: {exc}", str(path)))
            continue
        if comparison.id != path.stem:
            problems.append(
                Problem(
                    f"comparison id '{comparison.id}' must match the file name '{path.stem}'",
                    str(path),
                    1,
                )
            )
            continue
        found.append(comparison)
    found.sort(key=lambda c: c.title.lower())
    return {c.id: c for c in found}, problems


def compare(comparison: Comparison, rules: RuleSet) -> list[Row]:
    """Per task, each provider's owner, control type, reason and source, from the rules."""
    rows = []
    for task in comparison.tasks:
        cells = []
        for placement in task.placements:
            provider_rules = rules.for_provider(placement.provider)
            rule: Rule = provider_rules.resolve(placement.area, placement.service)
            cells.append(
                Cell(
                    placement.provider,
                    provider_rules.title,
                    placement.service,
                    provider_rules.services[placement.service].name,
                    provider_rules.areas[placement.area].name,
                    rule.party,
                    provider_rules.parties.get(rule.party, rule.party),
                    rule.control,
                    rule.explanation,
                    rule.source,
                )
            )
        rows.append(Row(task.id, task.text, tuple(cells)))
    return rows
