"""Problems are data: callers read code, task_id and field, never the wording."""

from __future__ import annotations

import copy

import pytest

from tests.conftest import RULES, SCENARIOS
from webapp.domain import GradingError, Problem, ScenarioError, grade, load_library, load_rules
from webapp.domain.scenario import build_scenario, to_document
from webapp.services.scenario_check import check_document


@pytest.fixture(scope="module")
def rules():
    return load_rules(RULES)


@pytest.fixture(scope="module")
def oracle(rules):
    scenario = load_library(SCENARIOS, rules).get("s3-vpc-ec2-oracle")
    assert scenario is not None
    return scenario


def test_problem_as_dict_carries_what_and_where():
    problem = Problem("task 'a': no rule", code="no-rule", task_id="a", field="area")
    assert problem.as_dict() == {
        "message": "task 'a': no rule",
        "code": "no-rule",
        "task_id": "a",
        "component_id": None,
        "variant_id": None,
        "field": "area",
    }
    located = Problem("bad", "x.yaml", 3, code="missing")
    assert located.as_dict()["file"] == "x.yaml"
    assert located.as_dict()["line"] == 3


def test_scenario_problems_name_their_task_and_field(rules, oracle):
    doc = copy.deepcopy(to_document(oracle))
    doc["tasks"][0]["area"] = "no-such-area"
    doc["tasks"][1]["text"] = ""
    with pytest.raises(ScenarioError) as caught:
        build_scenario(doc, rules)
    found = {(p.code, p.task_id, p.field) for p in caught.value.problems}
    assert ("unknown-area", doc["tasks"][0]["id"], "area") in found
    assert ("missing", doc["tasks"][1]["id"], "text") in found


def test_editor_check_keeps_the_domain_problem_fields(rules, oracle):
    doc = copy.deepcopy(to_document(oracle))
    doc["tasks"][2]["area"] = "no-such-area"
    report = check_document(doc, rules)
    (problem,) = report.problems
    assert isinstance(problem, Problem)
    assert (problem.code, problem.task_id, problem.field) == (
        "unknown-area",
        doc["tasks"][2]["id"],
        "area",
    )
    assert problem.file is None  # reworded for the editor: not a file:line message
    assert report.for_task(doc["tasks"][2]["id"]) == [problem]


def test_grading_problems_name_task_and_variant(rules, oracle):
    first = oracle.tasks[0].id
    with pytest.raises(GradingError) as caught:
        grade(oracle, "no-such-variant", rules, {"ghost": "aws", first: "nobody"})
    found = {(p.code, p.task_id, p.variant_id) for p in caught.value.problems}
    assert found == {
        ("unknown-variant", None, "no-such-variant"),
        ("unknown-task", "ghost", None),
        ("unknown-party", first, None),
    }


def test_services_under_a_variant_swap_only_what_it_names(oracle):
    from webapp.domain.scenario import services_under

    own = {c.id: c.service for c in oracle.components}
    rds = oracle.variant("oracle-on-rds")
    under = services_under(own, rds.services)
    assert under == oracle.services_for("oracle-on-rds")
    assert {k for k in own if own[k] != under[k]} == {cid for cid, _ in rds.services} - {
        cid for cid, svc in rds.services if own[cid] == svc
    }
    assert services_under(own) == own
    assert services_under(own) is not own
