"""The second edition of the AWS rule set: control types, dated facts, per-card sentences,
the corrected explanations, and checks over every shipped card."""

from __future__ import annotations

import pytest

from tests.conftest import RULES, SCENARIOS
from webapp.domain import RuleSetError, grade, load_library, load_rules, parse_rules
from webapp.domain.rules import CONTROLS

AURG = "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/"


@pytest.fixture(scope="module")
def rules():
    return load_rules(RULES)


@pytest.fixture(scope="module")
def library(rules):
    return load_library(SCENARIOS, rules)


BASE = """\
models:
  infrastructure: {name: IaaS}
services:
  ec2: {name: EC2, model: infrastructure}
areas:
  hardware: {name: Hardware}
  zone-security: {name: Zones}
rules:
"""


def one_rule(**fields: str) -> str:
    entry = {
        "area": "hardware",
        "party": "aws",
        "explanation": "Because.",
        "source": "https://example.org/x",
        **fields,
    }
    body = "".join(f"    {k}: {v}\n" for k, v in entry.items())
    return BASE + "  -" + body[3:]


# --- control types ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "area, service, control",
    [
        ("physical-security", "ec2", "inherited"),
        ("hardware", "lambda", "inherited"),
        ("global-infrastructure", "s3", "inherited"),
        ("patch-management", "ec2", "shared"),
        ("configuration-management", "rds", "shared"),
        ("awareness-training", "ec2", "shared"),
        ("guest-os-patching", "ec2", "shared"),
        ("guest-os-patching", "rds", "shared"),
        ("db-engine-patching", "rds-custom", "shared"),
        ("zone-security", "ec2", "customer-specific"),
        ("service-communications-protection", "s3", "customer-specific"),
    ],
)
def test_rules_carry_the_srm_control_type(rules, area, service, control):
    assert rules.resolve(area, service).control == control


def test_control_types_agree_with_the_party(rules):
    tagged = [r for r in rules.rules if r.control]
    assert {r.control for r in tagged} == set(CONTROLS)
    for r in tagged:
        if r.control == "inherited":
            assert r.party == "aws", r
        if r.control == "customer-specific":
            assert r.party == "customer", r
    # a concrete task on one side of a shared control keeps its own owner
    assert rules.resolve("guest-os-patching", "ec2").party == "customer"
    assert rules.resolve("guest-os-patching", "ec2").control == "shared"
    # not every rule is forced into a type the SRM does not give it
    assert rules.resolve("security-groups", "ec2").control is None


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"control": "joint"}, "unknown control 'joint'"),
        ({"control": "customer-specific"}, "a customer-specific control belongs to 'customer'"),
        ({"party": "customer", "control": "inherited"}, "an inherited control belongs to 'aws'"),
    ],
)
def test_a_bad_control_is_rejected_naming_the_line(fields, message):
    with pytest.raises(RuleSetError) as exc:
        parse_rules(one_rule(**fields), "r.yaml")
    assert any(message in d and d.startswith("r.yaml:") for d in exc.value.details), (
        exc.value.details
    )


def test_grade_results_carry_the_control(rules, library):
    scenario = library.get("shared-control-families")
    report = grade(scenario, None, rules, {})
    by_id = {r.task_id: r for r in report.results}
    assert by_id["zones"].control == "customer-specific"
    assert by_id["power"].as_dict()["control"] == "inherited"
    assert by_id["guest-os"].as_dict()["control"] == "shared"
    assert by_id["db-subnets"].as_dict()["control"] is None


def test_api_responsibility_and_grade_show_the_control(client):
    body = client.get("/api/v1/responsibility?area=physical-security&service=ec2").get_json()
    assert body["party"] == "aws" and body["control"] == "inherited"
    body = client.get("/api/v1/responsibility?area=zone-security&service=vpc").get_json()
    assert body["control"] == "customer-specific"
    body = client.get("/api/v1/responsibility?area=security-groups&service=ec2").get_json()
    assert body["control"] is None
    graded = client.post(
        "/api/v1/scenarios/shared-control-families/grade", json={"answers": {"zones": "shared"}}
    )
    assert graded.status_code == 200
    results = {r["task_id"]: r for r in graded.get_json()["results"]}
    assert results["zones"]["control"] == "customer-specific"
    assert results["zones"]["expected"] == "customer"
    assert results["patch-programme"]["control"] == "shared"
