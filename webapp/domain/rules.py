"""The rule set: who owns each responsibility area on each service, with the reason and source.

A rule names an area and, optionally, a service or a service model. Resolution takes the
service-specific rule first, then the rule for the service's model, then the area's default.
A pair that none of these covers raises NoRuleError: the rule set never guesses.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from .errors import NoRuleError, Problem, RuleSetError
from .text import quote
from .yamlfile import Located, YamlProblem, line_of, load_yaml

PARTIES: tuple[str, ...] = ("aws", "customer", "shared")
PARTY_NAMES: dict[str, str] = {"aws": "AWS", "customer": "Customer", "shared": "Shared"}


@dataclass(frozen=True, slots=True)
class Service:
    id: str
    name: str
    model: str


@dataclass(frozen=True, slots=True)
class Area:
    id: str
    name: str
    description: str


@dataclass(frozen=True, slots=True)
class Rule:
    """One sourced fact: on this service (or model, or everywhere) this party owns this area."""

    area: str
    party: str
    explanation: str
    source: str
    service: str | None = None
    model: str | None = None

    @property
    def scope(self) -> str:
        if self.service:
            return f"service {self.service}"
        if self.model:
            return f"model {self.model}"
        return "every service"


@dataclass(frozen=True)
class RuleSet:
    """Areas, services, models and rules, validated; look-ups never guess."""

    provider: str
    title: str
    areas: dict[str, Area]
    services: dict[str, Service]
    models: dict[str, str]
    rules: tuple[Rule, ...]
    source_file: str = ""
    _index: dict[tuple[str, str, str | None], Rule] = field(
        default_factory=dict, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        for rule in self.rules:
            if rule.service:
                self._index[(rule.area, "service", rule.service)] = rule
            elif rule.model:
                self._index[(rule.area, "model", rule.model)] = rule
            else:
                self._index[(rule.area, "default", None)] = rule

    @cached_property
    def digest(self) -> str:
        """A hash of the content (not the file name): caches key on it, never on id()."""
        blob = repr((self.provider, self.title, self.areas, self.services, self.models,
                     self.rules))
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def lookup(self, area: str, service: str) -> Rule | None:
        """The rule deciding (area, service), or None when no rule does."""
        index = self._index
        rule = index.get((area, "service", service))
        if rule is not None:
            return rule
        svc = self.services.get(service)
        if svc is not None:
            rule = index.get((area, "model", svc.model))
            if rule is not None:
                return rule
        if area in self.areas and svc is not None:
            return index.get((area, "default", None))
        return None

    def resolve(self, area: str, service: str) -> Rule:
        """The rule deciding (area, service); raises NoRuleError when there is none."""
        rule = self.lookup(area, service)
        if rule is None:
            raise NoRuleError(area, service)
        return rule

    def unknown_ids(self, area: str, service: str) -> list[str]:
        """Problems with an (area, service) question itself, before any rule is looked up."""
        problems = []
        if area not in self.areas:
            problems.append(f"unknown area {quote(area)}")
        if service not in self.services:
            problems.append(f"unknown service {quote(service)}")
        return problems

    def who(self, area: str, service: str) -> str:
        """The party that owns the area on the service."""
        return self.resolve(area, service).party

    def rules_for_area(self, area: str) -> list[Rule]:
        return [r for r in self.rules if r.area == area]


def _text(entry: Located, key: str) -> str | None:
    value = entry.get(key)
    if value is None:
        return None
    return str(value).strip() or None


def _catalogue(
    doc: Located, key: str, filename: str, problems: list[Problem]
) -> dict[str, Any]:
    value = doc.get(key)
    if not isinstance(value, dict) or not value:
        problems.append(Problem(f"'{key}' must be a non-empty mapping of ids", filename,
                                line_of(doc, key)))
        return {}
    return value


def parse_rules(text: str, filename: str = "<rules>") -> RuleSet:
    """Parse and validate rule-set YAML. Raises RuleSetError naming the file and entry."""
    try:
        doc = load_yaml(text, filename)
    except YamlProblem as exc:
        raise RuleSetError([exc.problem]) from None
    if not isinstance(doc, dict):
        raise RuleSetError([Problem("the rule set must be a YAML mapping", filename)])
    problems: list[Problem] = []

    models: dict[str, str] = {}
    for model_id, value in _catalogue(doc, "models", filename, problems).items():
        name = value.get("name") if isinstance(value, dict) else value
        models[model_id] = str(name or model_id)

    services: dict[str, Service] = {}
    for sid, value in _catalogue(doc, "services", filename, problems).items():
        where = line_of(doc["services"], sid)
        if not isinstance(value, dict):
            problems.append(Problem(f"service '{sid}' must be a mapping", filename, where))
            continue
        model = value.get("model")
        if model not in models:
            problems.append(Problem(f"service '{sid}' names unknown model '{model}'",
                                    filename, where))
        services[sid] = Service(sid, str(value.get("name") or sid), str(model))

    areas: dict[str, Area] = {}
    for aid, value in _catalogue(doc, "areas", filename, problems).items():
        where = line_of(doc["areas"], aid)
        if not isinstance(value, dict) or not value.get("name"):
            problems.append(Problem(f"area '{aid}' needs a name", filename, where))
            continue
        areas[aid] = Area(aid, str(value["name"]), str(value.get("description") or ""))

    rules: list[Rule] = []
    seen: dict[tuple[str, str | None, str | None], int | None] = {}
    entries = doc.get("rules")
    if not isinstance(entries, list) or not entries:
        problems.append(Problem("'rules' must be a non-empty list", filename, line_of(doc)))
        entries = []
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            problems.append(Problem(f"rule {number} must be a mapping", filename,
                                    line_of(entries)))
            continue
        where = line_of(entry)
        label = f"rule {number} (area '{entry.get('area')}')"
        area = _text(entry, "area")
        service = _text(entry, "service")
        model = _text(entry, "model")
        party = _text(entry, "party")
        explanation = _text(entry, "explanation")
        source = _text(entry, "source")
        unknown_keys = set(entry) - {"area", "service", "model", "party", "explanation",
                                     "source"}
        for key in sorted(unknown_keys):
            problems.append(Problem(f"{label}: unknown field '{key}'", filename,
                                    entry.line_of(key)))
        if area not in areas:
            problems.append(Problem(f"{label}: unknown area '{area}'", filename, where))
        if service and model:
            problems.append(Problem(f"{label}: give a service or a model, not both",
                                    filename, where))
        if service and service not in services:
            problems.append(Problem(f"{label}: unknown service '{service}'", filename, where))
        if model and model not in models:
            problems.append(Problem(f"{label}: unknown model '{model}'", filename, where))
        if party not in PARTIES:
            problems.append(Problem(
                f"{label}: unknown party '{party}' (use {', '.join(PARTIES)})", filename,
                entry.line_of("party")))
        if not explanation:
            problems.append(Problem(f"{label}: missing explanation", filename, where))
        if not source:
            problems.append(Problem(f"{label}: missing source", filename, where))
        elif not source.startswith(("https://", "http://")):
            problems.append(Problem(f"{label}: source must be a URL, not '{source}'",
                                    filename, entry.line_of("source")))
        key = (area or "", service, model)
        if key in seen:
            problems.append(Problem(
                f"{label}: a second rule for the same area and "
                f"{'service' if service else 'model' if model else 'default'} "
                f"(first at line {seen[key]})", filename, where))
        else:
            seen[key] = where
        rules.append(Rule(area or "", party or "", explanation or "", source or "",
                          service, model))

    if problems:
        raise RuleSetError(problems)
    return RuleSet(
        provider=str(doc.get("provider") or "aws"),
        title=str(doc.get("title") or "Shared Responsibility Model"),
        areas=areas,
        services=services,
        models=models,
        rules=tuple(rules),
        source_file=filename,
    )


def load_rules(path: str | Path) -> RuleSet:
    """Read and validate a rule-set file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RuleSetError([Problem(f"cannot read rule set: {exc.strerror}", str(path))]) from None
    return parse_rules(text, str(path))
