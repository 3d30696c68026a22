"""The rule set: resolution order, no guessing, and validation that names file and entry."""

from __future__ import annotations

import pytest

from tests.conftest import RULES
from webapp.domain import NoRuleError, RuleSetError, load_rules, parse_rules

BASE = """\
models:
  infrastructure: {name: IaaS}
  managed: {name: PaaS}
services:
  ec2: {name: EC2, model: infrastructure}
  rds: {name: RDS, model: managed}
areas:
  hardware: {name: Hardware}
  db-engine-patching: {name: DB patching}
  query-tuning: {name: Query tuning}
rules:
"""
RULE = """\
  - area: {area}
    {scope}party: {party}
    explanation: Because.
    source: https://example.org/{area}
"""


def rules_text(*entries: tuple[str, str, str]) -> str:
    body = "".join(
        RULE.format(area=a, scope=(f"{s}\n    " if s else ""), party=p) for a, s, p in entries
    )
    return BASE + body


def test_service_rule_wins_over_model_rule_and_default():
    rules = parse_rules(
        rules_text(
            ("db-engine-patching", "", "customer"),
            ("db-engine-patching", "model: managed", "shared"),
            ("db-engine-patching", "service: rds", "aws"),
        )
    )
    assert rules.who("db-engine-patching", "rds") == "aws"
    assert rules.who("db-engine-patching", "ec2") == "customer"


def test_model_rule_wins_over_default():
    rules = parse_rules(
        rules_text(
            ("db-engine-patching", "", "customer"),
            ("db-engine-patching", "model: managed", "aws"),
        )
    )
    assert rules.who("db-engine-patching", "rds") == "aws"
    assert rules.who("db-engine-patching", "ec2") == "customer"


def test_a_pair_without_rule_is_an_error_not_a_guess():
    rules = parse_rules(
        rules_text(("db-engine-patching", "service: rds", "aws"), ("hardware", "", "aws"))
    )
    with pytest.raises(NoRuleError) as exc:
        rules.resolve("db-engine-patching", "ec2")
    assert "no rule" in str(exc.value)
    assert rules.lookup("query-tuning", "rds") is None
    assert rules.lookup("hardware", "no-such-service") is None


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (("no-such-area", "", "aws"), "unknown area 'no-such-area'"),
        (("hardware", "service: lambda", "aws"), "unknown service 'lambda'"),
        (("hardware", "model: saas", "aws"), "unknown model 'saas'"),
        (("hardware", "", "amazon"), "unknown party 'amazon'"),
    ],
)
def test_unknown_ids_are_rejected_naming_file_and_line(entry, message):
    with pytest.raises(RuleSetError) as exc:
        parse_rules(rules_text(("query-tuning", "", "customer"), entry), "rules/test.yaml")
    details = exc.value.details
    assert any(message in d and d.startswith("rules/test.yaml:") for d in details), details


def test_two_rules_for_the_same_key_conflict():
    with pytest.raises(RuleSetError) as exc:
        parse_rules(rules_text(("hardware", "", "aws"), ("hardware", "", "customer")), "r.yaml")
    assert "second rule" in exc.value.summary()
    assert "first at line" in exc.value.summary()


@pytest.mark.parametrize("missing", ["explanation", "source"])
def test_missing_explanation_or_source_is_rejected(missing):
    text = rules_text(("hardware", "", "aws")).replace(
        f"    {missing}: "
        + ("Because." if missing == "explanation" else "https://example.org/hardware")
        + "\n",
        "",
    )
    with pytest.raises(RuleSetError) as exc:
        parse_rules(text, "r.yaml")
    assert f"missing {missing}" in exc.value.summary()


def test_broken_yaml_is_reported_with_a_line():
    with pytest.raises(RuleSetError) as exc:
        parse_rules(BASE + "  - area: [unclosed\n", "bad.yaml")
    assert exc.value.details[0].startswith("bad.yaml:")


def test_shipped_rule_set_covers_the_public_ids():
    rules = load_rules(RULES)
    for service in [
        "ec2",
        "vpc",
        "rds",
        "rds-custom",
        "aurora",
        "lambda",
        "lambda-container",
        "s3",
        "dynamodb",
        "ecs-fargate",
        "ecs-ec2",
        "eks",
        "eks-self-managed-nodes",
        "eks-managed-node-group",
        "elastic-beanstalk",
        "shield-standard",
        "shield-advanced",
        "trusted-advisor",
        "chime",
    ]:
        assert service in rules.services
    for area in [
        "physical-security",
        "hardware",
        "global-infrastructure",
        "host-os-virtualization",
        "customer-data",
        "data-classification",
        "data-residency",
        "iam-access",
        "client-side-encryption",
        "encryption-in-transit",
        "encryption-key-management",
        "zone-security",
        "patch-management",
        "configuration-management",
        "awareness-training",
        "guest-os-selection",
        "guest-os-patching",
        "application-software",
        "security-groups",
        "network-configuration",
        "db-software-install",
        "db-engine-patching",
        "db-backups",
        "backup-policy",
        "db-high-availability",
        "query-tuning",
        "runtime-patching",
        "container-images",
        "container-host-patching",
        "k8s-control-plane",
        "default-encryption-at-rest",
        "ddos-network-layer",
        "ddos-protection-setup",
    ]:
        assert area in rules.areas
    assert all(r.source.startswith("https://") and r.explanation for r in rules.rules)


@pytest.mark.parametrize(
    ("area", "service", "party"),
    [
        ("physical-security", "lambda", "aws"),
        ("host-os-virtualization", "ec2", "aws"),
        ("iam-access", "s3", "customer"),
        ("data-residency", "dynamodb", "customer"),
        ("zone-security", "ec2", "customer"),
        ("patch-management", "ec2", "shared"),
        ("awareness-training", "rds", "shared"),
        ("guest-os-patching", "ec2", "customer"),
        ("guest-os-patching", "rds", "aws"),
        ("guest-os-patching", "rds-custom", "customer"),
        ("guest-os-patching", "eks-managed-node-group", "shared"),
        ("db-engine-patching", "ec2", "customer"),
        ("db-engine-patching", "rds", "aws"),
        ("db-engine-patching", "rds-custom", "shared"),
        ("db-backups", "rds", "aws"),
        ("backup-policy", "rds", "customer"),
        ("security-groups", "rds", "customer"),
        ("query-tuning", "aurora", "customer"),
        ("runtime-patching", "lambda", "aws"),
        ("runtime-patching", "lambda-container", "shared"),
        ("container-host-patching", "ecs-fargate", "aws"),
        ("container-host-patching", "ecs-ec2", "customer"),
        ("k8s-control-plane", "eks", "aws"),
        ("default-encryption-at-rest", "s3", "aws"),
        ("encryption-key-management", "s3", "customer"),
        ("ddos-network-layer", "shield-standard", "aws"),
        ("ddos-protection-setup", "shield-advanced", "customer"),
    ],
)
def test_shipped_rule_set_matches_the_sourced_facts(area, service, party):
    assert load_rules(RULES).who(area, service) == party


@pytest.mark.parametrize(
    ("area", "service"),
    [
        ("db-engine-patching", "lambda"),
        ("k8s-control-plane", "ec2"),
        ("ddos-protection-setup", "chime"),
        ("guest-os-patching", "trusted-advisor"),
    ],
)
def test_shipped_rule_set_does_not_invent_rules(area, service):
    with pytest.raises(NoRuleError):
        load_rules(RULES).resolve(area, service)
