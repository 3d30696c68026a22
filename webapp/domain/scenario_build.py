"""Building a Scenario from a document: every check `srm-trainer lint` and the editor report.

Each problem says what it is (code), what it is about (task, component or variant id and
field) and where (file and line); the checks run in document order and all are reported.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypedDict, Unpack

from .errors import Problem, ScenarioError, UnknownProviderError
from .rules import DEFAULT_PROVIDER, Party, RuleSet
from .scenario import Component, Scenario, Task, Variant, services_under
from .schema import (
    DEFAULT_SETTINGS,
    FEEDBACK,
    ID_PATTERN,
    LIMITS,
    MAX_ATTEMPTS,
    MAX_TASKS,
    MODES,
    Mode,
    Settings,
)
from .text import quote
from .yamlfile import Located, YamlProblem, line_of, load_yaml

SCENARIO_KEYS = {
    "id",
    "title",
    "summary",
    "description",
    "parties",
    "components",
    "variants",
    "tasks",
    "settings",
    "provider",
}
COMPONENT_KEYS = {"id", "name", "service", "inside"}
VARIANT_KEYS = {"id", "title", "services"}
TASK_KEYS = {"id", "text", "component", "area", "misconception", "explain"}
SETTINGS_KEYS = {"mode", "max_attempts", "feedback", "pass_score", "feedback_per_card"}


class About(TypedDict, total=False):
    """What a problem is about: the row (task, component, variant) and its field."""

    task_id: str | None
    component_id: str | None
    variant_id: str | None
    field: str | None


class _Checker:
    """Collects problems while turning a document into a Scenario."""

    def __init__(self, filename: str):
        self.filename = filename
        self.problems: list[Problem] = []

    def add(
        self,
        message: str,
        where: Any = None,
        key: str | None = None,
        *,
        code: str,
        **about: Unpack[About],
    ) -> None:
        """Record a problem: its wording, where it is, what it is (code) and about what.

        ``about`` names the task_id, component_id or variant_id it concerns; the field
        defaults to the key the problem is located at.
        """
        line = where if isinstance(where, int) else line_of(where, key)
        field_name = (about.get("field") or None) if "field" in about else key
        self.problems.append(
            Problem(
                message,
                self.filename,
                line,
                code=code,
                task_id=about.get("task_id") or None,
                component_id=about.get("component_id") or None,
                variant_id=about.get("variant_id") or None,
                field=field_name,
            )
        )

    def text(
        self,
        doc: Any,
        key: str,
        label: str,
        required: bool = True,
        max_len: int | None = None,
        **about: Unpack[About],
    ) -> str:
        value = doc.get(key) if isinstance(doc, dict) else None
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.add(f"{label}: missing {quote(key)}", doc, key, code="missing", **about)
            return ""
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            self.add(f"{label}: {quote(key)} must be text", doc, key, code="not-text", **about)
            return ""
        value = str(value).strip()
        if max_len and len(value) > max_len:
            self.add(
                f"{label}: {quote(key)} is longer than {max_len} characters",
                doc,
                key,
                code="too-long",
                **about,
            )
        return value

    def ident(
        self, doc: Any, key: str, label: str, required: bool = True, **about: Unpack[About]
    ) -> str:
        value = self.text(doc, key, label, required, **about)
        if value and not ID_PATTERN.match(value):
            self.add(
                f"{label}: {quote(key)} must be lowercase letters, digits and hyphens "
                f"(got {quote(value)})",
                doc,
                key,
                code="bad-id",
                **about,
            )
        return value

    def unknown_keys(self, doc: dict, allowed: set[str], label: str) -> None:
        for key in sorted(set(doc) - allowed):
            self.add(f"{label}: unknown field {quote(key)}", doc, key, code="unknown-field")

    def mapping_list(self, doc: dict, key: str, label: str, required: bool) -> list[dict]:
        value = doc.get(key)
        if value is None:
            if required:
                self.add(f"{label}: missing {quote(key)}", doc, key, code="missing")
            return []
        if not isinstance(value, list):
            self.add(f"{label}: {quote(key)} must be a list", doc, key, code="not-list")
            return []
        items = []
        for item in value:
            if isinstance(item, dict):
                items.append(item)
            else:
                self.add(
                    f"{label}: every entry of {quote(key)} must be a mapping",
                    value,
                    code="not-mapping",
                    field=key,
                )
        return items


def build_scenario(doc: Any, rules: RuleSet, filename: str = "<scenario>") -> Scenario:
    """Validate a scenario document against the schema and the rule set.

    Raises ScenarioError listing every problem as file:line: message. The checks are the
    ones `srm-trainer lint` and the authoring editor report: unknown services and areas,
    tasks whose (area, service) pair has no rule under some variant, parties the scenario
    does not use, duplicate ids, variants naming unknown components, empty scenarios.
    """
    c = _Checker(filename)
    if not isinstance(doc, dict):
        c.add("a scenario must be a YAML mapping", 1, code="not-mapping")
        raise ScenarioError(c.problems)
    c.unknown_keys(doc, SCENARIO_KEYS, "scenario")
    sid = c.ident(doc, "id", "scenario")
    label = f"scenario {quote(sid)}" if sid else "scenario"
    title = c.text(doc, "title", label, max_len=LIMITS["title"])
    summary = c.text(doc, "summary", label, max_len=LIMITS["summary"])
    description = c.text(doc, "description", label, required=False, max_len=LIMITS["description"])
    provider = c.ident(doc, "provider", label, required=False) or DEFAULT_PROVIDER
    try:
        rules = rules.for_provider(provider)
    except UnknownProviderError as exc:
        c.add(f"{label}: {exc.summary()}", doc, "provider", code="unknown-provider")
        raise ScenarioError(c.problems) from None
    parties = _parties(c, doc, label, rules)
    components = _components(c, doc, label, rules)
    _check_inside(c, doc, components)
    variants = _variants(c, doc, label, rules, {x.id for x in components})
    tasks = _tasks(c, doc, label, rules, components, variants, parties)
    settings = _settings(doc.get("settings"), c, label, doc)
    if c.problems:
        raise ScenarioError(c.problems)
    return Scenario(
        sid,
        title,
        summary,
        description,
        tuple(parties),
        tuple(components),
        tuple(variants),
        tuple(tasks),
        settings,
        provider,
    )


def _parties(c: _Checker, doc: dict[str, Any], label: str, rules: RuleSet) -> list[str]:
    """The zones the scenario offers, in the rule set's order; the provider's own party
    (aws, microsoft) and customer required."""
    own = rules.provider_party
    parties: list[str] = []
    raw_parties = doc.get("parties")
    if not isinstance(raw_parties, list) or not raw_parties:
        c.add(
            f"{label}: 'parties' must list the zones, e.g. [{own}, customer]",
            doc,
            "parties",
            code="bad-parties",
        )
        return parties
    for p in raw_parties:
        if p not in rules.parties:
            c.add(
                f"{label}: unknown party {quote(p)} (use {', '.join(rules.parties)})",
                doc,
                "parties",
                code="bad-parties",
            )
        elif p in parties:
            c.add(f"{label}: party {quote(p)} is listed twice", doc, "parties", code="bad-parties")
        else:
            parties.append(p)
    if not {own, Party.CUSTOMER} <= set(parties):
        c.add(
            f"{label}: 'parties' must include {own} and customer",
            doc,
            "parties",
            code="bad-parties",
        )
    return [p for p in rules.parties if p in parties]  # canonical order


def _components(c: _Checker, doc: dict[str, Any], label: str, rules: RuleSet) -> list[Component]:
    """The components, each on a service the rule set knows; ids unique."""
    components: list[Component] = []
    component_ids: set[str] = set()
    for item in c.mapping_list(doc, "components", label, required=True):
        c.unknown_keys(item, COMPONENT_KEYS, f"{label}, component")
        cid = c.ident(item, "id", f"{label}, component")
        clabel = f"component {quote(cid)}"
        name = c.text(item, "name", clabel, max_len=LIMITS["name"], component_id=cid)
        service = c.text(item, "service", clabel, component_id=cid)
        if cid in component_ids:
            c.add(
                f"duplicate component id {quote(cid)}",
                item,
                "id",
                code="duplicate-id",
                component_id=cid,
            )
        if service and service not in rules.services:
            c.add(
                f"{clabel}: unknown service {quote(service)}{_elsewhere(rules, service)}",
                item,
                "service",
                code="unknown-service",
                component_id=cid,
            )
        inside = c.text(item, "inside", clabel, required=False, component_id=cid) or None
        if inside and not ID_PATTERN.match(inside):
            c.add(
                f"{clabel}: 'inside' must be a component id (got {quote(inside)})",
                item,
                "inside",
                code="bad-id",
                component_id=cid,
            )
            inside = None
        component_ids.add(cid)
        components.append(Component(cid, name, service, inside))
    if not components and "components" in doc:
        c.add(
            f"{label}: a scenario needs at least one component", doc, "components", code="missing"
        )
    return components


def _variants(
    c: _Checker, doc: dict[str, Any], label: str, rules: RuleSet, component_ids: set[str]
) -> list[Variant]:
    """The variants (none, or two or more), each swapping the service of known components."""
    variants: list[Variant] = []
    variant_ids: set[str] = set()
    for item in c.mapping_list(doc, "variants", label, required=False):
        c.unknown_keys(item, VARIANT_KEYS, f"{label}, variant")
        vid = c.ident(item, "id", f"{label}, variant")
        vtitle = c.text(
            item, "title", f"variant {quote(vid)}", max_len=LIMITS["title"], variant_id=vid
        )
        if vid in variant_ids:
            c.add(
                f"duplicate variant id {quote(vid)}",
                item,
                "id",
                code="duplicate-id",
                variant_id=vid,
            )
        variant_ids.add(vid)
        pairs = _swaps(c, item, vid, rules, component_ids)
        variants.append(Variant(vid, vtitle, tuple(pairs)))
    if len(variants) == 1:
        c.add(
            f"{label}: one variant is no choice; give two or more, or none",
            doc,
            "variants",
            code="one-variant",
            variant_id=variants[0].id,
        )
    return variants


def _swaps(
    c: _Checker, item: dict[str, Any], vid: str, rules: RuleSet, component_ids: set[str]
) -> list[tuple[str, str]]:
    """A variant's (component id, service id) swaps."""
    vlabel = f"variant {quote(vid)}"
    swaps = item.get("services")
    pairs: list[tuple[str, str]] = []
    if not isinstance(swaps, dict) or not swaps:
        c.add(
            f"{vlabel}: 'services' must map component ids to services",
            item,
            "services",
            code="missing",
            variant_id=vid,
        )
        return pairs
    for comp, svc in swaps.items():
        where = swaps.line_of(comp) if isinstance(swaps, Located) else item
        if comp not in component_ids:
            c.add(
                f"{vlabel}: unknown component {quote(comp)}",
                where,
                code="unknown-component",
                variant_id=vid,
                field="services",
            )
        if svc not in rules.services:
            c.add(
                f"{vlabel}: unknown service {quote(svc)}{_elsewhere(rules, svc)}",
                where,
                code="unknown-service",
                variant_id=vid,
                component_id=str(comp),
                field="services",
            )
        pairs.append((str(comp), str(svc)))
    return pairs


def _tasks(
    c: _Checker,
    doc: dict[str, Any],
    label: str,
    rules: RuleSet,
    components: list[Component],
    variants: list[Variant],
    parties: list[str],
) -> list[Task]:
    """The tasks, each on a known component and area, decided by a rule under every variant."""
    raw_tasks = c.mapping_list(doc, "tasks", label, required=True)
    if not raw_tasks and "tasks" in doc:
        c.add(f"{label}: a scenario needs at least one task", doc, "tasks", code="missing")
    if len(raw_tasks) > MAX_TASKS:
        c.add(f"{label}: at most {MAX_TASKS} tasks", doc, "tasks", code="too-many")
    component_ids = {x.id for x in components}
    own = {x.id: x.service for x in components}
    service_maps: list[tuple[str | None, dict[str, str]]] = (
        [(None, own)]
        if not variants
        else [(v.id, services_under(own, v.services)) for v in variants]
    )
    tasks: list[Task] = []
    task_ids: set[str] = set()
    for item in raw_tasks:
        task = _task(c, item, label, rules, component_ids)
        if task.id in task_ids:
            c.add(
                f"duplicate task id {quote(task.id)}",
                item,
                "id",
                code="duplicate-id",
                task_id=task.id,
            )
        task_ids.add(task.id)
        if task.component in component_ids and task.area in rules.areas:
            _decided(c, item, task, rules, service_maps, parties)
        tasks.append(task)
    return tasks


def _task(
    c: _Checker, item: dict[str, Any], label: str, rules: RuleSet, component_ids: set[str]
) -> Task:
    """One task's fields, checked on their own (not yet against the rule set's rules)."""
    c.unknown_keys(item, TASK_KEYS, f"{label}, task")
    tid = c.ident(item, "id", f"{label}, task")
    tlabel = f"task {quote(tid)}"
    text = c.text(item, "text", tlabel, max_len=LIMITS["text"], task_id=tid)
    component = c.text(item, "component", tlabel, task_id=tid)
    area = c.text(item, "area", tlabel, task_id=tid)
    explain = c.text(
        item, "explain", tlabel, required=False, max_len=LIMITS["explain"], task_id=tid
    )
    misconception = item.get("misconception")
    if misconception is not None and not _whole_number(misconception):
        c.add(
            f"{tlabel}: 'misconception' must be a number",
            item,
            "misconception",
            code="not-number",
            task_id=tid,
        )
        misconception = None
    if component and component not in component_ids:
        c.add(
            f"{tlabel}: unknown component {quote(component)}",
            item,
            "component",
            code="unknown-component",
            task_id=tid,
        )
    if area and area not in rules.areas:
        c.add(
            f"{tlabel}: unknown area {quote(area)}{_elsewhere(rules, area, 'areas')}",
            item,
            "area",
            code="unknown-area",
            task_id=tid,
        )
    return Task(tid, text, component, area, misconception, explain or None)


def _decided(
    c: _Checker,
    item: dict[str, Any],
    task: Task,
    rules: RuleSet,
    service_maps: list[tuple[str | None, dict[str, str]]],
    parties: list[str],
) -> None:
    """Under each variant, a rule decides the task, and its party is one the scenario offers."""
    tlabel = f"task {quote(task.id)}"
    for vid, services in service_maps:
        service = services.get(task.component)
        if service not in rules.services:
            continue
        under = f" under variant {quote(vid)}" if vid else ""
        rule = rules.lookup(task.area, service)
        if rule is None:
            c.add(
                f"{tlabel}: no rule decides area {quote(task.area)} on service "
                f"{quote(service)}{under}",
                item,
                "area",
                code="no-rule",
                task_id=task.id,
                variant_id=vid,
            )
        elif parties and rule.party not in parties:
            c.add(
                f"{tlabel}: the rule set gives '{rule.party}'{under}, which is not "
                f"one of this scenario's parties ({', '.join(parties)})",
                item,
                "area",
                code="party-not-offered",
                task_id=task.id,
                variant_id=vid,
            )


def _whole_number(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _settings(raw: Any, c: _Checker, label: str, doc: Any) -> Settings:
    """The play settings; a bad value is reported and its default used."""
    if raw is None:
        return DEFAULT_SETTINGS
    if not isinstance(raw, dict):
        c.add(f"{label}: 'settings' must be a mapping", doc, "settings", code="not-mapping")
        return DEFAULT_SETTINGS
    c.unknown_keys(raw, SETTINGS_KEYS, f"{label}, settings")
    default = DEFAULT_SETTINGS
    mode = raw.get("mode", default.mode)
    if mode not in MODES:
        c.add(
            f"{label}: settings.mode must be one of {', '.join(MODES)}",
            raw,
            "mode",
            code="bad-setting",
        )
        mode = default.mode
    feedback = raw.get("feedback", default.feedback)
    if feedback not in FEEDBACK:
        c.add(
            f"{label}: settings.feedback must be one of {', '.join(FEEDBACK)}",
            raw,
            "feedback",
            code="bad-setting",
        )
        feedback = default.feedback
    max_attempts = raw.get("max_attempts")
    if max_attempts is not None and (
        not _whole_number(max_attempts) or not 1 <= max_attempts <= MAX_ATTEMPTS
    ):
        c.add(
            f"{label}: settings.max_attempts must be a whole number from 1 to {MAX_ATTEMPTS}",
            raw,
            "max_attempts",
            code="bad-setting",
        )
        max_attempts = None
    pass_score = raw.get("pass_score", default.pass_score)
    if (
        not isinstance(pass_score, int | float)
        or isinstance(pass_score, bool)
        or not 0 <= pass_score <= 1
    ):
        c.add(
            f"{label}: settings.pass_score must be a number from 0 to 1",
            raw,
            "pass_score",
            code="bad-setting",
        )
        pass_score = default.pass_score
    per_card = raw.get("feedback_per_card", False)
    if not isinstance(per_card, bool):
        c.add(
            f"{label}: settings.feedback_per_card must be true or false",
            raw,
            "feedback_per_card",
            code="bad-setting",
        )
        per_card = False
    elif per_card and mode != Mode.PRACTICE:
        c.add(
            f"{label}: settings.feedback_per_card is for practice only; an assessment never "
            "checks single cards",
            raw,
            "feedback_per_card",
            code="bad-setting",
        )
        per_card = False
    return Settings(str(mode), max_attempts, str(feedback), float(pass_score), per_card)


def _elsewhere(rules: RuleSet, ident: Any, kind: str = "services") -> str:
    """' (an aws service, not azure)' when another provider's rule set knows the id."""
    for other in rules.providers.values():
        if other is not rules and ident in getattr(other, kind):
            return (
                f" (a {other.provider} {kind[:-1]}; this scenario's provider is {rules.provider})"
            )
    return ""


def _check_inside(c: _Checker, doc: dict, components: list[Component]) -> None:
    """Each `inside` names another component of the scenario, and no component ends up
    inside itself."""
    by_id = {x.id: x for x in components}
    items = {item.get("id"): item for item in doc.get("components") or [] if isinstance(item, dict)}
    for comp in components:
        if comp.inside is None:
            continue
        where = items.get(comp.id)
        if comp.inside not in by_id:
            c.add(
                f"component {quote(comp.id)}: 'inside' names unknown component "
                f"{quote(comp.inside)}",
                where,
                "inside",
                code="unknown-component",
                component_id=comp.id,
            )
            continue
        seen = {comp.id}
        step: str | None = comp.inside  # walks up the chain, to None at the top
        while step is not None and step in by_id:
            if step in seen:
                c.add(
                    f"component {quote(comp.id)}: 'inside' goes round in a circle",
                    where,
                    "inside",
                    code="inside-cycle",
                    component_id=comp.id,
                )
                break
            seen.add(step)
            step = by_id[step].inside


def parse_scenario(text: str, rules: RuleSet, filename: str = "<scenario>") -> Scenario:
    """Parse scenario YAML text and validate it (see build_scenario)."""
    try:
        doc = load_yaml(text, filename)
    except YamlProblem as exc:
        raise ScenarioError([exc.problem]) from None
    if doc is None:
        raise ScenarioError([Problem("the file is empty", filename, 1)])
    return build_scenario(doc, rules, filename)


def load_scenario(path: str | Path, rules: RuleSet) -> Scenario:
    """Read and validate one scenario file; its id must match the file name."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([Problem(f"cannot read file: {exc}", str(path))]) from None
    scenario = parse_scenario(text, rules, str(path))
    if scenario.id != path.stem:
        raise ScenarioError(
            [
                Problem(
                    f"scenario id '{scenario.id}' must match the file name '{path.stem}'",
                    str(path),
                    1,
                )
            ]
        )
    return scenario
