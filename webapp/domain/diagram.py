"""A scenario's architecture as a diagram: a layout of nested boxes and its SVG.

Each component is a box labelled with its name and service. A component that sits inside
another (`inside:` in the scenario file, e.g. an EC2 instance inside a VPC) is drawn within
that container's box; components that say nothing are laid out side by side in rows. The
component whose service changes with the variant is drawn with a dashed outline and a flag.

With stacks (component id -> {party: number of tasks}), each box also shows its
responsibility stack: one layer per party, customer on top and AWS at the bottom, each as
tall as its share of the component's tasks, so the line between them moves when a variant
hands tasks from one party to the other. Stacks carry the answer key: the caller decides
when they may be drawn. Pure: no Flask, no database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

BOX_W = 220
PAD = 10
GAP = 14
LINE = 15
STACK_H = 60
LAYER_MIN = 17
WRAP = 22  # characters per line of a name (bold 13 px in a wide sans-serif font)
STACK_ORDER = ("customer", "shared", "aws")  # top to bottom: AWS is the foundation
PARTY_LABELS = {"aws": "AWS", "customer": "Customer", "shared": "Shared"}


@dataclass(frozen=True)
class Node:
    """A component to draw: its id, name, service label, container and variant flag."""

    id: str
    name: str
    service: str
    inside: str | None = None
    varies: bool = False


@dataclass
class Box:
    """A node placed on the canvas (x, y from the top left), with the boxes inside it."""

    node: Node
    x: float = 0
    y: float = 0
    w: float = BOX_W
    h: float = 0
    header: float = 0  # the height of the name, service and stack above any children
    children: list[Box] = field(default_factory=list)

    @property
    def is_container(self) -> bool:
        return bool(self.children)

    def walk(self) -> list[Box]:
        out = [self]
        for child in self.children:
            out.extend(child.walk())
        return out


def wrap(text: str, width: int = WRAP, lines: int = 3) -> list[str]:
    """Break text into at most `lines` lines of about `width` characters (an ellipsis when
    it does not fit)."""
    out: list[str] = []
    current = ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            out.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    if current:
        out.append(current)
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][: width - 1].rstrip() + "…"
    return out or [""]


def tree(nodes: list[Node]) -> list[Box]:
    """The top-level boxes with their children, in the nodes' order. An `inside` naming an
    unknown component, the component itself or one of its own descendants is ignored."""
    by_id = {n.id: n for n in nodes}

    def parent(n: Node) -> str | None:
        p = n.inside
        if p is None or p not in by_id or p == n.id:
            return None
        seen = {n.id}
        step: str | None = p
        while step is not None:  # walk up: a cycle puts the node at the top level
            if step in seen:
                return None
            seen.add(step)
            nxt = by_id[step].inside
            step = nxt if nxt in by_id else None
        return p

    boxes = {n.id: Box(n) for n in nodes}
    roots: list[Box] = []
    for n in nodes:
        p = parent(n)
        (boxes[p].children if p else roots).append(boxes[n.id])
    return roots


def _header_height(node: Node, with_stack: bool) -> float:
    h = PAD + LINE * len(wrap(node.name)) + LINE  # name lines, then the service
    if node.varies:
        h += LINE
    if with_stack:
        h += 6 + STACK_H
    return h + PAD


def _size(box: Box, columns: int, with_stack: bool) -> None:
    box.header = _header_height(box.node, with_stack)
    if not box.children:
        box.w, box.h = BOX_W, box.header
        return
    for child in box.children:
        _size(child, columns, with_stack)
    rows = _rows(box.children, columns)
    inner_w = max(sum(c.w for c in row) + GAP * (len(row) - 1) for row in rows)
    inner_h = sum(max(c.h for c in row) for row in rows) + GAP * (len(rows) - 1)
    box.w = max(BOX_W, inner_w + 2 * PAD)
    box.h = box.header + inner_h + PAD


def _rows(boxes: list[Box], columns: int) -> list[list[Box]]:
    return [boxes[i : i + columns] for i in range(0, len(boxes), columns)]


def _place(boxes: list[Box], x0: float, y0: float, columns: int) -> tuple[float, float]:
    """Place boxes in rows from (x0, y0); returns the width and height they take."""
    y = y0
    width = 0.0
    for row in _rows(boxes, columns):
        x = x0
        for b in row:
            b.x, b.y = x, y
            if b.children:
                _place(b.children, x + PAD, y + b.header, columns)
            x += b.w + GAP
        width = max(width, x - GAP - x0)
        y += max(b.h for b in row) + GAP
    return width, y - GAP - y0


@dataclass
class Layout:
    roots: list[Box]
    width: float
    height: float

    def boxes(self) -> list[Box]:
        out: list[Box] = []
        for r in self.roots:
            out.extend(r.walk())
        return out


def layout(nodes: list[Node], columns: int = 3, with_stack: bool = False) -> Layout:
    """Sizes and positions: containers hold their children, `columns` boxes to a row."""
    columns = max(1, columns)
    roots = tree(nodes)
    for r in roots:
        _size(r, columns, with_stack)
    w, h = _place(roots, 1, 1, columns)
    return Layout(roots, w + 2, h + 2)


def layers(counts: dict[str, int]) -> list[tuple[str, int, float]]:
    """(party, tasks, height) of a stack from top to bottom: each party's share of STACK_H,
    no layer thinner than LAYER_MIN."""
    shown = [(p, counts.get(p, 0)) for p in STACK_ORDER if counts.get(p, 0) > 0]
    total = sum(n for _, n in shown)
    if not total:
        return []
    heights = [max(LAYER_MIN, STACK_H * n / total) for _, n in shown]
    scale = STACK_H / sum(heights)
    return [(p, n, round(h * scale, 1)) for (p, n), h in zip(shown, heights, strict=True)]


def _text(x: float, y: float, cls: str, lines: list[str]) -> str:
    if len(lines) == 1:
        return f'<text class="{cls}" x="{x:g}" y="{y:g}">{escape(lines[0])}</text>'
    spans = "".join(
        f'<tspan x="{x:g}" dy="{0 if i == 0 else LINE}">{escape(t)}</tspan>'
        for i, t in enumerate(lines)
    )
    return f'<text class="{cls}" x="{x:g}" y="{y:g}">{spans}</text>'


def _draw(box: Box, stacks: dict[str, dict[str, int]] | None, out: list[str]) -> None:
    n = box.node
    cls = "dg-box" + (" dg-box--container" if box.children else "")
    cls += " dg-box--varies" if n.varies else ""
    out.append(
        f'<rect class="{cls}" x="{box.x:g}" y="{box.y:g}" width="{box.w:g}" '
        f'height="{box.h:g}" rx="6"/>'
    )
    x = box.x + PAD
    name = wrap(n.name)
    y = box.y + PAD + 11
    out.append(_text(x, y, "dg-name", name))
    y += LINE * len(name)
    out.append(_text(x, y, "dg-svc", [n.service]))
    if n.varies:
        y += LINE
        out.append(_text(x, y, "dg-flag", ["⇄ changes with the variant"]))
    if stacks is not None:
        top = y + 10
        width = BOX_W - 2 * PAD
        parts = layers(stacks.get(n.id, {}))
        if not parts:
            out.append(
                f'<rect class="dg-layer dg-layer--none" x="{x:g}" y="{top:g}" '
                f'width="{width:g}" height="{STACK_H}"/>'
            )
            out.append(_text(x + 6, top + STACK_H / 2 + 4, "dg-ltext", ["No tasks"]))
        for party, count, h in parts:
            out.append(
                f'<rect class="dg-layer dg-layer--{party}" x="{x:g}" y="{top:g}" '
                f'width="{width:g}" height="{h:g}"/>'
            )
            label = f"{PARTY_LABELS.get(party, party)} · {count} task{'s' if count != 1 else ''}"
            out.append(_text(x + 6, top + h / 2 + 4, "dg-ltext", [label]))
            top += h
    for child in box.children:
        _draw(child, stacks, out)


def render_svg(
    nodes: list[Node],
    *,
    title: str,
    desc_id: str,
    columns: int = 3,
    stacks: dict[str, dict[str, int]] | None = None,
    css_class: str = "diagram__svg",
) -> str:
    """The diagram as an SVG element: a titled image described by the element `desc_id`
    (the page's text alternative). Every text is escaped."""
    lay = layout(nodes, columns, with_stack=stacks is not None)
    out = [
        f'<svg class="{escape(css_class)}" viewBox="0 0 {lay.width:g} {lay.height:g}" '
        f'width="{lay.width:g}" height="{lay.height:g}" role="img" '
        f'aria-label="{escape(title)}" aria-describedby="{escape(desc_id)}" '
        'xmlns="http://www.w3.org/2000/svg">'
    ]
    for root in lay.roots:
        _draw(root, stacks, out)
    out.append("</svg>")
    return "".join(out)
