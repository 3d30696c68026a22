"""The architecture diagram as the learner's pages show it: two SVG drawings (wide and
narrow screens) and the text alternative, from a scenario or a graded version's document.

Stacks (who carries each component's tasks) are the answer key: they are drawn only from
graded results the caller may show (see services/visibility.py), never on a board.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from ..domain import PARTY_NAMES, RuleSet, Scenario, TaskResult
from ..domain.diagram import STACK_ORDER, Node, render_svg, tree


@dataclass(frozen=True)
class Item:
    """One component in the text alternative, with what sits inside it."""

    name: str
    service: str
    varies: bool
    stack: str  # "AWS: 3 tasks; Customer: 1 task", or "" without stacks
    children: list[Item] = field(default_factory=list)


@dataclass(frozen=True)
class Diagram:
    uid: str
    wide: Markup
    narrow: Markup
    items: list[Item]
    stacked: bool
    caption: str
    parties: tuple[str, ...] = ()  # the parties the stacks show, for the legend


def _service_name(rules: RuleSet, service_id: str) -> str:
    service = rules.services.get(service_id)
    return service.name if service else service_id


def nodes_from_document(doc: dict[str, Any], variant: str | None, rules: RuleSet) -> list[Node]:
    """The components of a scenario document under a variant, as nodes to draw."""
    comps = [c for c in doc.get("components") or [] if isinstance(c, dict)]
    services = {c.get("id"): c.get("service", "") for c in comps}
    varying: set[str] = set()
    for v in doc.get("variants") or []:
        if not isinstance(v, dict):
            continue
        swaps = v.get("services") or {}
        varying.update(swaps)
        if v.get("id") == variant:
            services.update(swaps)
    return [
        Node(
            str(c.get("id")),
            str(c.get("name") or c.get("id")),
            _service_name(rules, str(services.get(c.get("id")) or "")),
            c.get("inside") if isinstance(c.get("inside"), str) else None,
            c.get("id") in varying,
        )
        for c in comps
    ]


def nodes_from_scenario(scenario: Scenario, variant: str | None, rules: RuleSet) -> list[Node]:
    services = scenario.services_for(variant)
    varying = {comp for v in scenario.variants for comp, _ in v.services}
    return [
        Node(c.id, c.name, _service_name(rules, services[c.id]), c.inside, c.id in varying)
        for c in scenario.components
    ]


def stacks_from(doc: dict[str, Any], results: Iterable[TaskResult]) -> dict[str, dict[str, int]]:
    """Component id -> {party: number of its tasks that party carries}, from graded results
    (their expected party)."""
    component_of = {
        t.get("id"): t.get("component") for t in doc.get("tasks") or [] if isinstance(t, dict)
    }
    stacks: dict[str, dict[str, int]] = {}
    for r in results:
        comp = component_of.get(r.task_id)
        if comp is None or not r.expected:
            continue
        counts = stacks.setdefault(comp, {})
        counts[r.expected] = counts.get(r.expected, 0) + 1
    return stacks


def _stack_text(counts: dict[str, int]) -> str:
    parts = [
        f"{PARTY_NAMES.get(p, p)}: {counts[p]} task{'s' if counts[p] != 1 else ''}"
        for p in reversed(STACK_ORDER)
        if counts.get(p)
    ]
    return "; ".join(parts) or "no tasks"


def build(
    nodes: list[Node],
    uid: str,
    caption: str,
    stacks: dict[str, dict[str, int]] | None = None,
) -> Diagram:
    """Both drawings and the text alternative of one diagram; uid keeps ids unique."""
    desc = f"{uid}-text"

    def items(boxes: list) -> list[Item]:
        return [
            Item(
                b.node.name,
                b.node.service,
                b.node.varies,
                _stack_text(stacks.get(b.node.id, {})) if stacks is not None else "",
                items(b.children),
            )
            for b in boxes
        ]

    return Diagram(
        uid,
        Markup(
            render_svg(
                nodes,
                title=caption,
                desc_id=desc,
                columns=3,
                stacks=stacks,
                css_class="diagram__svg diagram__svg--wide",
            )
        ),
        Markup(
            render_svg(
                nodes,
                title=caption,
                desc_id=desc,
                columns=1,
                stacks=stacks,
                css_class="diagram__svg diagram__svg--narrow",
            )
        ),
        items(tree(nodes)),
        stacks is not None,
        caption,
        tuple(p for p in STACK_ORDER if any(c.get(p) for c in (stacks or {}).values())),
    )
