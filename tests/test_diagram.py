"""The architecture diagram's layout and SVG (webapp/domain/diagram.py), and `inside:` in
scenario files."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from webapp.domain import ScenarioError, build_scenario, load_rules
from webapp.domain.diagram import STACK_H, Node, layers, layout, render_svg, wrap
from webapp.domain.scenario import to_document

from .conftest import SCENARIOS

COURSE = [
    Node("data-bucket", "Product files and exports in Amazon S3", "Amazon S3"),
    Node("network", "The company's VPC", "Amazon VPC"),
    Node("web-server", "Web and application server (EC2 instance)", "Amazon EC2", "network"),
    Node("db", "Oracle database", "Amazon EC2", "network", varies=True),
]
SVG = "{http://www.w3.org/2000/svg}"


def boxes_by_id(lay):
    return {b.node.id: b for b in lay.boxes()}


def inside(child, parent) -> bool:
    return (
        parent.x < child.x
        and parent.y < child.y
        and child.x + child.w < parent.x + parent.w
        and child.y + child.h < parent.y + parent.h
    )


def overlap(a, b) -> bool:
    return not (a.x + a.w <= b.x or b.x + b.w <= a.x or a.y + a.h <= b.y or b.y + b.h <= a.y)


@pytest.mark.parametrize("columns", [1, 2, 3])
@pytest.mark.parametrize("stacked", [False, True])
def test_containers_hold_their_children_and_siblings_do_not_overlap(columns, stacked):
    lay = layout(COURSE, columns, with_stack=stacked)
    b = boxes_by_id(lay)
    assert inside(b["web-server"], b["network"])
    assert inside(b["db"], b["network"])
    assert not overlap(b["data-bucket"], b["network"])
    assert not overlap(b["web-server"], b["db"])
    assert not inside(b["data-bucket"], b["network"])
    for box in lay.boxes():  # everything on the canvas
        assert box.x >= 0
        assert box.y >= 0
        assert box.x + box.w <= lay.width
        assert box.y + box.h <= lay.height


def test_every_component_is_drawn_once():
    svg = render_svg(COURSE, title="Course", desc_id="d")
    root = ET.fromstring(svg)
    rects = [r for r in root.iter(f"{SVG}rect") if "dg-box" in r.get("class", "")]
    assert len(rects) == len(COURSE)
    names = "".join(root.itertext())
    for node in COURSE:
        for line in wrap(node.name):
            assert names.count(line) == 1


def test_the_varying_component_is_marked():
    root = ET.fromstring(render_svg(COURSE, title="Course", desc_id="d"))
    marked = [r for r in root.iter(f"{SVG}rect") if "dg-box--varies" in r.get("class", "")]
    assert len(marked) == 1
    assert "".join(root.itertext()).count("changes with the variant") == 1


def test_without_inside_components_sit_side_by_side_in_rows():
    nodes = [Node(f"c{i}", f"Component {i}", "Amazon S3") for i in range(5)]
    lay = layout(nodes, columns=3)
    b = boxes_by_id(lay)
    assert all(not box.children for box in lay.boxes())
    assert b["c0"].y == b["c1"].y == b["c2"].y < b["c3"].y == b["c4"].y
    assert b["c0"].x < b["c1"].x < b["c2"].x


def test_unknown_self_and_circular_containers_fall_back_to_the_top_level():
    nodes = [
        Node("a", "A", "S3", inside="b"),
        Node("b", "B", "S3", inside="a"),
        Node("c", "C", "S3", inside="c"),
        Node("d", "D", "S3", inside="nowhere"),
    ]
    lay = layout(nodes)
    assert len(lay.boxes()) == 4  # each drawn once, none lost in a loop
    assert {b.node.id for b in lay.roots} >= {"c", "d"}


def test_nested_containers():
    nodes = [
        Node("vpc", "VPC", "Amazon VPC"),
        Node("subnet", "Subnet", "Amazon VPC", "vpc"),
        Node("vm", "Instance", "Amazon EC2", "subnet"),
    ]
    b = boxes_by_id(layout(nodes))
    assert inside(b["vm"], b["subnet"])
    assert inside(b["subnet"], b["vpc"])


def test_stack_layers_follow_the_share_of_tasks_customer_on_top():
    parts = layers({"aws": 1, "customer": 3})
    assert [p for p, _, _ in parts] == ["customer", "aws"]
    assert sum(h for _, _, h in parts) == pytest.approx(STACK_H, abs=0.2)
    assert parts[0][2] > parts[1][2]
    assert layers({}) == []
    svg = render_svg(COURSE, title="t", desc_id="d", stacks={"db": {"aws": 1, "customer": 4}})
    assert svg.count("dg-layer--customer") == 1
    assert "Customer · 4 tasks" in svg
    assert svg.count("No tasks") == 3  # the other components have no counts given


def test_no_stack_is_drawn_without_stacks():
    assert "dg-layer" not in render_svg(COURSE, title="t", desc_id="d")


def test_text_is_escaped():
    svg = render_svg([Node("x", '<script>"&', "S3")], title='a"<b', desc_id="d")
    ET.fromstring(svg)  # still well-formed
    assert "<script>" not in svg


def test_long_names_wrap_to_three_lines():
    lines = wrap("word " * 40)
    assert len(lines) == 3
    assert lines[-1].endswith("…")


# --- inside: in scenario files ---------------------------------------------------------


@pytest.fixture(scope="module")
def rules():
    return load_rules(SCENARIOS / "rules" / "aws.yaml")


def _course_doc(rules):
    from webapp.domain import load_library

    library = load_library(SCENARIOS, rules)
    return to_document(library.get("s3-vpc-ec2-oracle"))


def test_course_scenario_puts_the_instance_and_database_in_the_vpc(rules):
    doc = _course_doc(rules)
    inside_of = {c["id"]: c.get("inside") for c in doc["components"]}
    assert inside_of == {
        "data-bucket": None,
        "network": None,
        "web-server": "network",
        "db": "network",
    }
    assert build_scenario(doc, rules, "s3-vpc-ec2-oracle").component("db").inside == "network"


@pytest.mark.parametrize(
    ("value", "code"),
    [("nowhere", "unknown-component"), ("db", "inside-cycle"), ("Not An Id", "bad-id")],
)
def test_bad_inside_is_a_problem_not_a_crash(rules, value, code):
    doc = _course_doc(rules)
    for c in doc["components"]:
        if c["id"] == "db":
            c["inside"] = value
    with pytest.raises(ScenarioError) as err:
        build_scenario(doc, rules, "s3-vpc-ec2-oracle")
    assert code in {p.code for p in err.value.problems}


def test_a_circle_of_two_is_a_problem(rules):
    doc = _course_doc(rules)
    for c in doc["components"]:
        if c["id"] == "network":
            c["inside"] = "db"
    with pytest.raises(ScenarioError) as err:
        build_scenario(doc, rules, "s3-vpc-ec2-oracle")
    assert "inside-cycle" in {p.code for p in err.value.problems}
    assert re.search(r"circle", str(err.value))
