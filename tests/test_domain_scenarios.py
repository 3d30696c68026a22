"""Scenarios and grading on plain data: no app, no database."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import RULES, SCENARIOS
from webapp.domain import (
    GradingError,
    ScenarioError,
    answer_key,
    compare_variants,
    grade,
    lint,
    load_library,
    load_rules,
    parse_scenario,
    to_document,
)
from webapp.domain.scenario import build_scenario


@pytest.fixture(scope="module")
def rules():
    return load_rules(RULES)


@pytest.fixture(scope="module")
def library(rules):
    return load_library(SCENARIOS, rules)


@pytest.fixture(scope="module")
def oracle(library):
    return library.get("s3-vpc-ec2-oracle")


def test_every_shipped_scenario_lints_clean(rules):
    scenarios, problems = lint([SCENARIOS], rules)
    assert problems == []
    assert len(scenarios) >= 10


def test_library_covers_every_service_model(library):
    services = {c.service for s in library.scenarios.values() for c in s.components}
    services |= {
        svc for s in library.scenarios.values() for v in s.variants for _, svc in v.services
    }
    for needed in [
        "ec2",
        "rds",
        "aurora",
        "elastic-beanstalk",
        "lambda",
        "s3",
        "dynamodb",
        "ecs-fargate",
        "ecs-ec2",
        "eks-self-managed-nodes",
        "eks-managed-node-group",
        "shield-standard",
        "shield-advanced",
        "trusted-advisor",
        "chime",
    ]:
        assert needed in services, needed
    assert any(
        s.parties == ("aws", "customer", "shared")
        and {"patch-management", "configuration-management", "awareness-training"}
        <= {t.area for t in s.tasks}
        for s in library.scenarios.values()
    )


def test_at_least_five_tasks_target_misconceptions(library):
    tagged = [t for s in library.scenarios.values() for t in s.tasks if t.misconception]
    assert len(tagged) >= 5


def test_course_scenario_covers_the_course_tasks(oracle):
    assert oracle is not None
    assert oracle.variant_ids == ("oracle-on-ec2", "oracle-on-rds")
    assert len(oracle.tasks) >= 12
    areas = {t.area for t in oracle.tasks}
    assert {
        "guest-os-patching",
        "application-software",
        "security-groups",
        "network-configuration",
        "db-engine-patching",
        "physical-security",
        "hardware",
        "host-os-virtualization",
    } <= areas
    services = {c.service for c in oracle.components}
    assert {"s3", "vpc", "ec2"} <= services


def test_patching_oracle_moves_from_customer_on_ec2_to_aws_on_rds(rules, oracle):
    on_ec2 = answer_key(oracle, "oracle-on-ec2", rules)
    on_rds = answer_key(oracle, "oracle-on-rds", rules)
    db_tasks = [
        t.id
        for t in oracle.tasks
        if t.component == "db"
        and t.area
        in ("db-engine-patching", "guest-os-patching", "db-backups", "db-high-availability")
    ]
    assert len(db_tasks) >= 4
    for task_id in db_tasks:
        assert on_ec2[task_id] == "customer"
        assert on_rds[task_id] == "aws"
    # the web server's tasks do not move with the database
    web = [
        t.id for t in oracle.tasks if t.component == "web-server" and t.area == "guest-os-patching"
    ]
    assert web
    assert all(on_ec2[t] == on_rds[t] == "customer" for t in web)


def test_compare_variants_highlights_the_moving_tasks(rules, oracle):
    rows = compare_variants(oracle, rules, "oracle-on-ec2", "oracle-on-rds")
    moved = {tid for tid, a, b in rows if a.expected != b.expected}
    key = {t.id: t for t in oracle.tasks}
    assert moved
    assert all(key[t].component == "db" for t in moved)
    assert any(key[t].area == "db-engine-patching" for t in moved)


def test_misconception_tasks_resolve_to_the_corrected_party(rules, library):
    expected = {  # misconception number -> the party a correct answer gives
        3: "customer",
        4: "aws",
        6: "customer",
        7: "customer",
        16: "customer",
    }
    seen = set()
    for s in library.scenarios.values():
        key = answer_key(s, s.default_variant, rules)
        for t in s.tasks:
            if t.misconception in expected:
                assert key[t.id] == expected[t.misconception], (s.id, t.id)
                seen.add(t.misconception)
    assert seen == set(expected)


def test_grading_counts_correct_incorrect_and_unanswered(rules, oracle):
    key = answer_key(oracle, "oracle-on-rds", rules)
    ids = [t.id for t in oracle.tasks]
    flip = {"aws": "customer", "customer": "aws"}
    answers = {ids[0]: key[ids[0]], ids[1]: flip[key[ids[1]]]}
    report = grade(oracle, "oracle-on-rds", rules, answers)
    verdicts = {r.task_id: r.verdict for r in report.results}
    assert verdicts[ids[0]] == "correct"
    assert verdicts[ids[1]] == "incorrect"
    assert verdicts[ids[2]] == "unanswered"
    assert (report.correct, report.total, report.answered) == (1, len(ids), 2)
    assert report.score == pytest.approx(1 / len(ids))
    assert all(r.explanation and r.source.startswith("https://") for r in report.results)


def test_a_perfect_answer_scores_one_and_grading_is_deterministic(rules, oracle):
    key = answer_key(oracle, "oracle-on-ec2", rules)
    first = grade(oracle, "oracle-on-ec2", rules, key)
    again = grade(oracle, "oracle-on-ec2", rules, dict(reversed(list(key.items()))))
    assert first.score == 1.0
    assert first == again


def test_grading_errors_list_each_problem(rules, oracle):
    with pytest.raises(GradingError) as exc:
        grade(
            oracle,
            "oracle-on-lambda",
            rules,
            {"nope": "aws", "patch-oracle": "shared", "patch-web-os": "amazon"},
        )
    details = " | ".join(exc.value.details)
    assert "unknown variant 'oracle-on-lambda'" in details
    assert "unknown task id 'nope'" in details
    assert "'shared' is not used" in details
    assert "unknown party 'amazon'" in details


def test_default_variant_is_the_first(rules, oracle):
    assert grade(oracle, None, rules, {}).variant == "oracle-on-ec2"


def test_document_round_trip(rules, library):
    for scenario in library.scenarios.values():
        again = build_scenario(to_document(scenario), rules)
        assert again == scenario
        assert again.content_hash == scenario.content_hash


BROKEN = """\
id: broken
title: Broken
summary: Everything wrong
parties: [aws, customer]
components:
  - id: web
    name: Web
    service: ec2
  - id: web
    name: Again
    service: mainframe
variants:
  - id: a
    title: A
    services: {ghost: rds}
  - id: b
    title: B
    services: {web: rds}
tasks:
  - id: t1
    text: Patch Oracle
    component: web
    area: db-engine-patching
  - id: t1
    text: Again
    component: web
    area: no-such-area
  - id: t3
    text: Build the Kubernetes control plane
    component: web
    area: k8s-control-plane
  - id: t4
    text: Patch program
    component: web
    area: patch-management
"""


def test_lint_reports_every_problem_with_file_and_line(rules):
    with pytest.raises(ScenarioError) as exc:
        parse_scenario(BROKEN, rules, "broken.yaml")
    details = exc.value.details

    def has(text: str, line: int) -> bool:
        return any(
            d == f"broken.yaml:{line}: {text}"
            or (d.startswith(f"broken.yaml:{line}:") and text in d)
            for d in details
        )

    assert has("duplicate component id 'web'", 9), details
    assert has("unknown service 'mainframe'", 11), details
    assert has("unknown component 'ghost'", 15), details
    assert has("duplicate task id 't1'", 24), details
    assert has("unknown area 'no-such-area'", 27), details
    assert has("no rule decides area 'k8s-control-plane' on service 'rds' under variant 'b'", 31), (
        details
    )
    assert has("not one of this scenario's parties", 35), details


def test_empty_scenario_is_a_problem(rules):
    with pytest.raises(ScenarioError) as exc:
        parse_scenario(
            "id: empty\ntitle: E\nsummary: S\nparties: [aws, customer]\n"
            "components: []\ntasks: []\n",
            rules,
            "empty.yaml",
        )
    summary = exc.value.summary()
    assert "at least one component" in summary
    assert "at least one task" in summary


def test_a_broken_copy_among_good_files_is_reported_and_the_rest_load(rules, tmp_path):
    for path in Path(SCENARIOS).glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / "broken.yaml").write_text(BROKEN)
    library = load_library(tmp_path, rules)
    assert "s3-vpc-ec2-oracle" in library.scenarios
    assert "broken" not in library.scenarios
    assert any(str(p).startswith(f"{tmp_path / 'broken.yaml'}:") for p in library.problems)
