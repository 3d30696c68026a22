"""The rule set: who owns each responsibility area on each service, with the reason and source.

A rule names an area and, optionally, a service or a service model. Resolution takes the
service-specific rule first, then the rule for the service's model, then the area's default.
A pair that none of these covers raises NoRuleError: the rule set never guesses.

Each provider (AWS, Microsoft Azure, ...) has a rule set of its own, in its own file, with its
own parties, models, services and areas. Loading one rule-set file also loads the other
providers' files beside it, so any rule set hands out its siblings by provider id
(``for_provider``); a scenario is validated and graded against its provider's rule set.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Any

from .errors import NoRuleError, Problem, RuleSetError, UnknownProviderError
from .text import quote
from .yamlfile import Located, YamlProblem, line_of, load_yaml


class Party(StrEnum):
    """Who carries out a task: a cloud provider, the customer, or both in their own layers."""

    AWS = "aws"
    MICROSOFT = "microsoft"
    CUSTOMER = "customer"
    SHARED = "shared"


PARTIES: tuple[str, ...] = tuple(p.value for p in Party)
PARTY_NAMES: dict[str, str] = {
    "aws": "AWS",
    "microsoft": "Microsoft",
    "customer": "Customer",
    "shared": "Shared",
}
PROVIDER_PARTIES: frozenset[str] = frozenset({Party.AWS, Party.MICROSOFT})
DEFAULT_PROVIDER = "aws"

# AWS's three control types. A rule names one where the SRM decides it; an inherited
# control is AWS's alone and a customer-specific one the customer's alone.
CONTROLS: tuple[str, ...] = ("inherited", "shared", "customer-specific")
CONTROL_NAMES: dict[str, str] = {
    "inherited": "Inherited control",
    "shared": "Shared control",
    "customer-specific": "Customer-specific control",
}
# an inherited control is the provider's alone (aws, microsoft), a customer-specific one
# the customer's
_CUSTOMER_CONTROL = "customer-specific"
# since: a whole date (2023-01-05) or a month (2026-04)
_SINCE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])(?:-(0[1-9]|[12]\d|3[01]))?$")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


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
    control: str | None = None  # one of CONTROLS, where the SRM decides it
    since: str | None = None  # "2023-01-05" or "2026-04": the fact holds from then on

    @property
    def control_name(self) -> str | None:
        return CONTROL_NAMES.get(self.control or "")

    @property
    def since_text(self) -> str | None:
        """The since date in words ("5 January 2023", "April 2026"), or None."""
        return since_words(self.since) if self.since else None

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
    name: str = "AWS"  # the provider's short name: "On AWS", "On Microsoft Azure"
    parties: dict[str, str] = field(
        default_factory=lambda: {"aws": "AWS", "customer": "Customer", "shared": "Shared"}
    )
    _index: dict[tuple[str, str, str | None], Rule] = field(
        default_factory=dict, repr=False, compare=False
    )
    # every provider's rule set loaded together with this one, this one included
    _providers: dict[str, RuleSet] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        for rule in self.rules:
            if rule.service:
                self._index[(rule.area, "service", rule.service)] = rule
            elif rule.model:
                self._index[(rule.area, "model", rule.model)] = rule
            else:
                self._index[(rule.area, "default", None)] = rule

    @property
    def provider_party(self) -> str:
        """The provider's own party id (aws, microsoft)."""
        return next((p for p in self.parties if p in PROVIDER_PARTIES), DEFAULT_PROVIDER)

    @property
    def providers(self) -> dict[str, RuleSet]:
        """Provider id -> rule set, for every provider loaded with this one (default first)."""
        return dict(self._providers) or {self.provider: self}

    def for_provider(self, provider: str | None) -> RuleSet:
        """The rule set of a provider (None: the default, AWS); raises UnknownProviderError."""
        provider = provider or DEFAULT_PROVIDER
        if provider == self.provider:
            return self
        other = self._providers.get(provider)
        if other is None:
            raise UnknownProviderError(provider, list(self.providers))
        return other

    @cached_property
    def digest(self) -> str:
        """A hash of the content (not the file name): caches key on it, never on id()."""
        blob = repr(
            (
                self.provider,
                self.title,
                self.parties,
                self.areas,
                self.services,
                self.models,
                self.rules,
            )
        )
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


def since_words(since: str) -> str:
    """A since value in the words explanations use: "5 January 2023" or "April 2026"."""
    m = _SINCE.match(since)
    if not m:
        return since
    year, month, day = m.groups()
    words = f"{_MONTHS[int(month) - 1]} {year}"
    return f"{int(day)} {words}" if day else words


def _since(value: Any) -> str | None:
    """A since value as text; YAML reads 2023-01-05 as a date."""
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip() or None


def _text(entry: Located, key: str) -> str | None:
    value = entry.get(key)
    if value is None:
        return None
    return str(value).strip() or None


def _catalogue(doc: Located, key: str, filename: str, problems: list[Problem]) -> dict[str, Any]:
    value = doc.get(key)
    if not isinstance(value, dict) or not value:
        problems.append(
            Problem(f"'{key}' must be a non-empty mapping of ids", filename, line_of(doc, key))
        )
        return {}
    return value


_RULE_KEYS = frozenset(
    {"area", "service", "model", "party", "explanation", "source", "control", "since"}
)


def parse_rules(text: str, filename: str = "<rules>") -> RuleSet:
    """Parse and validate rule-set YAML. Raises RuleSetError naming the file and entry."""
    try:
        doc = load_yaml(text, filename)
    except YamlProblem as exc:
        raise RuleSetError([exc.problem]) from None
    if not isinstance(doc, Located):
        raise RuleSetError([Problem("the rule set must be a YAML mapping", filename)])
    problems: list[Problem] = []
    parties = _parties(doc, filename, problems)
    models = _models(doc, filename, problems)
    services = _services(doc, models, filename, problems)
    areas = _areas(doc, filename, problems)
    checker = _RuleChecker(filename, problems, parties, models, services, areas)
    rules = [checker.rule(number, entry) for number, entry in checker.entries(doc)]
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
        name=str(doc.get("name") or doc.get("provider") or "AWS"),
        parties=parties,
    )


def _models(doc: Located, filename: str, problems: list[Problem]) -> dict[str, str]:
    """Service model id -> its name (a model may be given as a bare name or a mapping)."""
    models: dict[str, str] = {}
    for model_id, value in _catalogue(doc, "models", filename, problems).items():
        name = value.get("name") if isinstance(value, dict) else value
        models[model_id] = str(name or model_id)
    return models


def _services(
    doc: Located, models: dict[str, str], filename: str, problems: list[Problem]
) -> dict[str, Service]:
    services: dict[str, Service] = {}
    for sid, value in _catalogue(doc, "services", filename, problems).items():
        where = line_of(doc["services"], sid)
        if not isinstance(value, dict):
            problems.append(Problem(f"service '{sid}' must be a mapping", filename, where))
            continue
        model = value.get("model")
        if model not in models:
            problems.append(
                Problem(f"service '{sid}' names unknown model '{model}'", filename, where)
            )
        services[sid] = Service(sid, str(value.get("name") or sid), str(model))
    return services


def _areas(doc: Located, filename: str, problems: list[Problem]) -> dict[str, Area]:
    areas: dict[str, Area] = {}
    for aid, value in _catalogue(doc, "areas", filename, problems).items():
        where = line_of(doc["areas"], aid)
        if not isinstance(value, dict) or not value.get("name"):
            problems.append(Problem(f"area '{aid}' needs a name", filename, where))
            continue
        areas[aid] = Area(aid, str(value["name"]), str(value.get("description") or ""))
    return areas


@dataclass
class _RuleChecker:
    """Checks the rule entries of one file against its parties, models, services and areas,
    adding what is wrong with each to ``problems``."""

    filename: str
    problems: list[Problem]
    parties: dict[str, str]
    models: dict[str, str]
    services: dict[str, Service]
    areas: dict[str, Area]
    # (area, service, model) -> the line of the first rule for it
    seen: dict[tuple[str, str | None, str | None], int | None] = field(default_factory=dict)

    @property
    def owner_of_control(self) -> dict[str, str]:
        provider_party = next((p for p in self.parties if p in PROVIDER_PARTIES), Party.AWS.value)
        return {"inherited": provider_party, _CUSTOMER_CONTROL: Party.CUSTOMER.value}

    def report(self, message: str, line: int | None) -> None:
        self.problems.append(Problem(message, self.filename, line))

    def entries(self, doc: Located) -> Iterator[tuple[int, Located]]:
        """The numbered rule entries that are mappings; the others are reported as they come,
        so the problems stay in the file's order."""
        entries = doc.get("rules")
        if not isinstance(entries, list) or not entries:
            self.report("'rules' must be a non-empty list", line_of(doc))
            return
        for number, entry in enumerate(entries, start=1):
            if isinstance(entry, Located):
                yield number, entry
            else:
                self.report(f"rule {number} must be a mapping", line_of(entries))

    def rule(self, number: int, entry: Located) -> Rule:
        label = f"rule {number} (area '{entry.get('area')}')"
        rule = Rule(
            _text(entry, "area") or "",
            _text(entry, "party") or "",
            _text(entry, "explanation") or "",
            _text(entry, "source") or "",
            _text(entry, "service"),
            _text(entry, "model"),
            _text(entry, "control"),
            _since(entry.get("since")),
        )
        for key in sorted(set(entry) - _RULE_KEYS):
            self.report(f"{label}: unknown field '{key}'", entry.line_of(key))
        self._check_ids(label, entry, rule)
        self._check_party(label, entry, rule)
        self._check_since(label, entry, rule)
        self._check_texts(label, entry, rule)
        self._check_unique(label, entry, rule)
        return rule

    def _check_ids(self, label: str, entry: Located, rule: Rule) -> None:
        where = line_of(entry)
        area, service, model = _text(entry, "area"), rule.service, rule.model
        if area not in self.areas:
            self.report(f"{label}: unknown area '{area}'", where)
        if service and model:
            self.report(f"{label}: give a service or a model, not both", where)
        if service and service not in self.services:
            self.report(f"{label}: unknown service '{service}'", where)
        if model and model not in self.models:
            self.report(f"{label}: unknown model '{model}'", where)

    def _check_party(self, label: str, entry: Located, rule: Rule) -> None:
        """The party is one of the file's, and the control type (if any) fits it."""
        party, control = _text(entry, "party"), rule.control
        parties = self.parties
        if party not in parties:
            self.report(
                f"{label}: unknown party '{party}' (use {', '.join(parties)})",
                entry.line_of("party"),
            )
        owner = self.owner_of_control
        if control is not None and control not in CONTROLS:
            self.report(
                f"{label}: unknown control type '{control}' (use {', '.join(CONTROLS)})",
                entry.line_of("control"),
            )
        elif control in owner and party in parties and party != owner[control]:
            self.report(
                f"{label}: {'an' if control[0] in 'aeiou' else 'a'} {control} control belongs "
                f"to '{owner[control]}', "
                f"not '{party}'",
                entry.line_of("control"),
            )

    def _check_since(self, label: str, entry: Located, rule: Rule) -> None:
        since, explanation = rule.since, rule.explanation
        if since is None:
            return
        if not _SINCE.match(since):
            self.report(
                f"{label}: since must be a date like 2023-01-05 or a month like 2026-04, "
                f"not '{since}'",
                entry.line_of("since"),
            )
        elif explanation and since_words(since) not in " ".join(explanation.split()):
            self.report(
                f"{label}: the explanation must say since when the fact holds "
                f"('{since_words(since)}')",
                entry.line_of("since"),
            )

    def _check_texts(self, label: str, entry: Located, rule: Rule) -> None:
        where = line_of(entry)
        if not rule.explanation:
            self.report(f"{label}: missing explanation", where)
        source = rule.source
        if not source:
            self.report(f"{label}: missing source", where)
        elif not source.startswith(("https://", "http://")):
            self.report(f"{label}: source must be a URL, not '{source}'", entry.line_of("source"))

    def _check_unique(self, label: str, entry: Located, rule: Rule) -> None:
        """One rule per area and scope: a second one is reported with the first one's line."""
        where = line_of(entry)
        key = (rule.area, rule.service, rule.model)
        if key not in self.seen:
            self.seen[key] = where
            return
        scope = "service" if rule.service else "model" if rule.model else "default"
        self.report(
            f"{label}: a second rule for the same area and {scope} "
            f"(first at line {self.seen[key]})",
            where,
        )


def _parties(doc: Located, filename: str, problems: list[Problem]) -> dict[str, str]:
    """The rule set's parties, id -> label: the provider's own, customer and shared.

    Without a 'parties' block a rule set speaks of AWS, the customer and both.
    """
    raw = doc.get("parties")
    if raw is None:
        return {"aws": PARTY_NAMES["aws"], "customer": "Customer", "shared": "Shared"}
    where = line_of(doc, "parties")
    if not isinstance(raw, dict) or not raw:
        problems.append(Problem("'parties' must map party ids to their names", filename, where))
        return {}
    parties: dict[str, str] = {}
    for pid, value in raw.items():
        name = value.get("name") if isinstance(value, dict) else value
        if pid not in PARTIES:
            problems.append(
                Problem(
                    f"unknown party '{pid}' (use {', '.join(PARTIES)})", filename, line_of(raw, pid)
                )
            )
            continue
        parties[str(pid)] = str(name or PARTY_NAMES[pid])
    own = [p for p in parties if p in PROVIDER_PARTIES]
    if len(own) != 1 or Party.CUSTOMER not in parties:
        problems.append(
            Problem(
                "'parties' must name one provider party (aws or microsoft) and customer",
                filename,
                where,
            )
        )
    return parties


def _read_rules(path: Path) -> RuleSet:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise RuleSetError([Problem(f"cannot read rule set: {reason}", str(path))]) from None
    return parse_rules(text, str(path))


def link_providers(default: RuleSet, others: list[RuleSet]) -> RuleSet:
    """Make the rule sets know each other by provider id; the default one comes first.

    Raises RuleSetError when two files speak for the same provider.
    """
    book: dict[str, RuleSet] = {default.provider: default}
    problems: list[Problem] = []
    for other in others:
        first = book.get(other.provider)
        if first is not None:
            problems.append(
                Problem(
                    f"a second rule set for provider '{other.provider}' "
                    f"(first in {first.source_file})",
                    other.source_file,
                    1,
                )
            )
            continue
        book[other.provider] = other
    if problems:
        raise RuleSetError(problems)
    for rules in book.values():
        rules._providers.clear()
        rules._providers.update(book)
    return default


def load_rules(path: str | Path) -> RuleSet:
    """Read and validate a rule-set file, and the other providers' rule sets beside it.

    Every other *.yaml file in the same folder is a rule set too (one per provider, e.g.
    rules/aws.yaml and rules/azure.yaml); all are validated, and the one named is returned,
    knowing the others (see RuleSet.for_provider).
    """
    path = Path(path)
    default = _read_rules(path)
    siblings = sorted(p for p in path.parent.glob("*.yaml") if p.name != path.name)
    problems: list[Problem] = []
    others: list[RuleSet] = []
    for sibling in siblings:
        try:
            others.append(_read_rules(sibling))
        except RuleSetError as exc:
            problems.extend(exc.problems)
    if problems:
        raise RuleSetError(problems)
    return link_providers(default, others)
