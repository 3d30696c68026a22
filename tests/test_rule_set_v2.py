"""The second edition of the AWS rule set: control types, dated facts, per-card sentences,
the corrected explanations, and checks over every shipped card."""

from __future__ import annotations

import re

import pytest

from tests.conftest import RULES, SCENARIOS
from webapp.author.misconceptions import MISCONCEPTIONS
from webapp.domain import RuleSetError, grade, lint, load_library, load_rules, parse_rules
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
    ("area", "service", "control"),
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
    ("fields", "message"),
    [
        ({"control": "joint"}, "unknown control type 'joint'"),
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
    assert body["party"] == "aws"
    assert body["control"] == "inherited"
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


# --- every card of every scenario and variant -------------------------------------------

ENGINES = (
    "Oracle",
    "PostgreSQL",
    "MySQL",
    "MariaDB",
    "SQL Server",
    "Db2",
    "MongoDB",
    "Redis",
    "Cassandra",
)


def every_card(library, rules):
    """(scenario, variant, task, result) for every card under every variant."""
    for scenario in library.scenarios.values():
        for variant in scenario.variant_ids or (None,):
            services = scenario.services_for(variant)
            own = rules.for_provider(scenario.provider)
            for task, result in zip(
                scenario.tasks, grade(scenario, variant, own, {}).results, strict=True
            ):
                yield scenario, variant, task, services[task.component], own, result


def engines_in(text: str) -> set[str]:
    return {e for e in ENGINES if re.search(rf"\b{re.escape(e)}\b", text)}


def test_no_explanation_names_an_engine_its_card_is_not_about(rules, library):
    wrong = []
    for scenario, variant, task, service, own, result in every_card(library, rules):
        about = " ".join(
            [task.text, scenario.component(task.component).name, own.services[service].name]
        )
        named = engines_in(result.why) - engines_in(about)
        if named:
            wrong.append((scenario.id, variant, task.id, sorted(named)))
    assert wrong == []


def test_the_engine_check_can_fail(rules, library):
    """The PostgreSQL card of the first edition was explained with Oracle: caught."""
    assert engines_in("When Oracle runs on an EC2 instance, it is software") == {"Oracle"}
    assert engines_in("Apply the latest PostgreSQL minor release") == {"PostgreSQL"}


def test_cards_that_share_a_rule_are_explained_in_their_own_terms(rules, library):
    same = []
    for scenario in library.scenarios.values():
        for variant in scenario.variant_ids or (None,):
            seen: dict[str, str] = {}
            own = rules.for_provider(scenario.provider)
            for r in grade(scenario, variant, own, {}).results:
                if r.why in seen:
                    same.append((scenario.id, variant, seen[r.why], r.task_id))
                seen.setdefault(r.why, r.task_id)
    assert same == []


def test_every_shipped_scenario_lints_clean(rules):
    scenarios, problems = lint([SCENARIOS], rules)
    assert problems == []
    assert {
        "logging-and-keys",
        "ebs-vs-s3-encryption",
        "ecs-fargate-maintenance",
        "rds-upgrades-multi-az",
    } <= {s.id for s in scenarios}


def test_every_misconception_is_exercised_by_a_card(library):
    used = {t.misconception for s in library.scenarios.values() for t in s.tasks}
    assert set(MISCONCEPTIONS) - used == set()


# --- a card's own sentence ---------------------------------------------------------------


def test_a_card_adds_its_own_sentence_to_the_rule_explanation(rules, library):
    scenario = library.get("rds-managed-database")
    for variant in scenario.variant_ids:
        result = {r.task_id: r for r in grade(scenario, variant, rules, {}).results}
        card = result["patch-engine"]
        rule = rules.resolve("db-engine-patching", scenario.services_for(variant)["db"])
        assert "auto minor version upgrade" in card.task_explanation
        assert card.explanation == rule.explanation
        assert card.why == f"{card.task_explanation} {rule.explanation}"
        assert card.as_dict()["task_explanation"] == card.task_explanation
    bare = grade(library.get("ec2-web-server"), None, rules, {}).results[0]
    assert bare.task_explanation == ""
    assert bare.why == bare.explanation
    assert bare.as_dict()["task_explanation"] is None


def test_a_too_long_card_sentence_is_a_lint_problem(rules):
    from webapp.domain import ScenarioError, build_scenario

    doc = {
        "id": "x",
        "title": "X",
        "summary": "X",
        "parties": ["aws", "customer"],
        "components": [{"id": "c", "name": "C", "service": "ec2"}],
        "tasks": [
            {"id": "t", "text": "T", "component": "c", "area": "hardware", "explain": "y" * 401}
        ],
    }
    with pytest.raises(ScenarioError) as exc:
        build_scenario(doc, rules)
    assert any(p.code == "too-long" and p.field == "explain" for p in exc.value.problems)


def test_result_page_shows_card_sentence_rule_explanation_and_control(client, app):
    from tests.learn_helpers import filled_form

    response = client.post(
        "/scenarios/s3-vpc-ec2-oracle", data=filled_form(client, app, variant="oracle-on-rds")
    )
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Oracle is the engine here" in html
    assert "Moving to a new major version is different" in html  # the rule's own text
    assert "Control type</dt><dd>Inherited control" in html
    assert "Control type</dt><dd>Shared control" in html


def test_editor_keeps_the_card_sentence_and_the_live_check_shows_it(app):
    from tests.author_helpers import THREE_PART, create_scenario, editor_data, signed_in

    client, auth = signed_in(app)
    slug = create_scenario(client, auth)
    data = editor_data(THREE_PART, auth.csrf(f"/author/scenarios/{slug}"))
    data["tasks-1-explain"] = "On RDS the engine is part of the service."
    check = client.post(
        f"/author/scenarios/{slug}/check", data=data, headers={"X-CSRFToken": data["csrf_token"]}
    ).get_json()
    derived = check["tasks"][1]["derived"]
    assert {d["task_explanation"] for d in derived} == {"On RDS the engine is part of the service."}
    assert all(d["control"] == "shared" for d in derived)
    saved = client.post(f"/author/scenarios/{slug}", data=data)
    assert saved.status_code in (200, 302, 303)
    page = client.get(f"/author/scenarios/{slug}").get_data(as_text=True)
    assert "On RDS the engine is part of the service.</textarea>" in page
    assert "Shared control" in page


# --- dated facts -------------------------------------------------------------------------


def test_dated_facts_say_since_when_they_hold(rules):
    s3_default = rules.resolve("default-encryption-at-rest", "s3")
    assert s3_default.since == "2023-01-05"
    assert s3_default.since_text == "5 January 2023"
    assert "5 January 2023" in s3_default.explanation
    sse_c = rules.resolve("encryption-key-management", "s3")
    assert sse_c.since == "2026-04"
    assert "April 2026" in sse_c.explanation
    assert "SSE-C" in sse_c.explanation
    assert sse_c.source.endswith("/ServerSideEncryptionCustomerKeys.html")
    for rule in rules.rules:
        if rule.since:
            assert rule.since_text in " ".join(rule.explanation.split()), rule


@pytest.mark.parametrize(
    ("since", "message"),
    [
        ("2023-13-01", "since must be a date like 2023-01-05"),
        ("'last year'", "since must be a date like 2023-01-05"),
        ("2023-01-05", "the explanation must say since when the fact holds ('5 January 2023')"),
    ],
)
def test_a_bad_or_unexplained_since_is_rejected(since, message):
    with pytest.raises(RuleSetError) as exc:
        parse_rules(one_rule(since=since), "r.yaml")
    assert any(message in d for d in exc.value.details), exc.value.details


def test_a_since_the_explanation_states_loads(rules):
    loaded = parse_rules(one_rule(since="2026-04", explanation="True since April 2026."))
    assert loaded.rules[0].since == "2026-04"


def test_api_says_since_when(client):
    body = client.get("/api/v1/responsibility?area=default-encryption-at-rest&service=s3")
    assert body.get_json()["since"] == "2023-01-05"
    body = client.get("/api/v1/responsibility?area=default-encryption-at-rest&service=ec2")
    assert body.get_json()["since"] is None
    assert body.get_json()["party"] == "customer"


def test_an_impossible_date_in_a_file_is_text_not_a_crash(rules):
    from webapp.domain import ScenarioError, parse_scenario

    text = (
        "id: dated\ntitle: 2023-13-01\nsummary: 2023-01-05\nparties: [aws, customer]\n"
        "components: [{id: c, name: C, service: ec2}]\n"
        "tasks: [{id: t, text: T, component: c, area: hardware}]\n"
    )
    scenario = parse_scenario(text, rules)
    assert scenario.title == "2023-13-01"
    assert scenario.summary == "2023-01-05"
    with pytest.raises(ScenarioError):
        parse_scenario(text.replace("area: hardware", "area: 2023-13-01"), rules)


# --- the second edition's facts ---------------------------------------------------------

NEW_SERVICES = ["kms", "lambda-manual-runtime", "eks-fargate", "eks-auto-mode"]
NEW_AREAS = [
    "audit-logging",
    "kms-hsm-fleet",
    "kms-key-lifecycle",
    "public-access-settings",
    "network-acls",
    "flow-logs",
    "runtime-patch-deployment",
    "runtime-patch-publishing",
    "task-retirement-window",
    "db-major-upgrade",
    "multi-az-choice",
    "platform-branch-migration",
    "service-communications-protection",
]


def test_new_ids_exist_and_every_new_area_is_used_by_a_card(rules, library):
    assert set(NEW_SERVICES) <= set(rules.services)
    assert set(NEW_AREAS) <= set(rules.areas)
    areas = {t.area for s in library.scenarios.values() for t in s.tasks}
    assert set(NEW_AREAS) - areas == set()
    services = {c.service for s in library.scenarios.values() for c in s.components}
    services |= {
        svc for s in library.scenarios.values() for v in s.variants for _, svc in v.services
    }
    assert set(NEW_SERVICES) - services == set()


@pytest.mark.parametrize(
    ("area", "service", "party"),
    [
        ("audit-logging", "ec2", "customer"),
        ("audit-logging", "kms", "customer"),
        ("kms-hsm-fleet", "kms", "aws"),
        ("kms-key-lifecycle", "kms", "customer"),
        ("public-access-settings", "s3", "customer"),
        ("network-acls", "vpc", "customer"),
        ("network-acls", "rds", "customer"),
        ("network-acls", "ecs-fargate", "customer"),
        ("flow-logs", "vpc", "customer"),
        ("runtime-patch-deployment", "lambda", "aws"),
        ("runtime-patch-deployment", "lambda-manual-runtime", "customer"),
        ("runtime-patch-deployment", "lambda-container", "customer"),
        ("runtime-patch-publishing", "lambda", "aws"),
        ("runtime-patch-publishing", "lambda-container", "aws"),
        ("runtime-patch-publishing", "lambda-manual-runtime", "aws"),
        ("runtime-patching", "lambda-manual-runtime", "customer"),
        ("task-retirement-window", "ecs-fargate", "customer"),
        ("db-major-upgrade", "rds", "customer"),
        ("db-major-upgrade", "aurora", "customer"),
        ("multi-az-choice", "rds", "customer"),
        ("multi-az-choice", "aurora", "customer"),
        ("platform-branch-migration", "elastic-beanstalk", "customer"),
        ("service-communications-protection", "lambda", "customer"),
        ("default-encryption-at-rest", "ec2", "customer"),
        ("default-encryption-at-rest", "s3", "aws"),
        ("network-configuration", "lambda", "customer"),
        ("security-groups", "lambda", "customer"),
        ("guest-os-patching", "eks-fargate", "aws"),
        ("guest-os-patching", "eks-auto-mode", "aws"),
        ("container-host-patching", "eks-fargate", "aws"),
        ("container-host-patching", "eks-auto-mode", "aws"),
        ("container-images", "eks-fargate", "customer"),
        ("container-images", "eks-auto-mode", "customer"),
        ("application-software", "eks-fargate", "customer"),
        ("application-software", "eks-auto-mode", "customer"),
    ],
)
def test_second_edition_owners(rules, area, service, party):
    assert rules.who(area, service) == party


@pytest.mark.parametrize(
    ("area", "service"),
    [
        ("kms-hsm-fleet", "ec2"),
        ("task-retirement-window", "ecs-ec2"),
        ("db-major-upgrade", "dynamodb"),
        ("platform-branch-migration", "lambda"),
        ("flow-logs", "s3"),
    ],
)
def test_new_areas_are_not_guessed_for_other_services(rules, area, service):
    assert rules.lookup(area, service) is None


# --- the fifteen corrected explanations -------------------------------------------------


def words(rules, area, service):
    return " ".join(rules.resolve(area, service).explanation.split())


def test_backup_policy_no_longer_says_backups_can_be_switched_off(rules):
    general = rules.resolve("backup-policy", "rds")
    assert "switched on" not in general.explanation
    assert (
        general.source
        == "https://docs.aws.amazon.com/whitepapers/latest/aws-security-best-practices/"
    )
    aurora = rules.resolve("backup-policy", "aurora")
    assert "cannot switch them off" in words(rules, "backup-policy", "aurora")
    assert aurora.source.endswith("/AuroraUserGuide/Aurora.Managing.Backups.html")
    assert "cannot switch those automated backups off" in words(rules, "db-backups", "aurora")


def test_aurora_rules_cite_the_aurora_guide(rules):
    aurora = [rules.resolve(r.area, "aurora") for r in rules.rules if r.service == "aurora"]
    assert len(aurora) >= 12
    for rule in aurora:
        assert "/AmazonRDS/latest/UserGuide/" not in rule.source, rule
    for area in [
        "guest-os-selection",
        "guest-os-patching",
        "db-software-install",
        "db-high-availability",
        "security-groups",
    ]:
        assert rules.resolve(area, "aurora").source.startswith(AURG), area


def test_rds_engine_patching_separates_minor_patches_from_major_upgrades(rules):
    text = words(rules, "db-engine-patching", "rds")
    assert "auto minor version upgrade" in text
    assert "major version" in text
    assert "Oracle" not in text
    assert rules.resolve("db-engine-patching", "rds").source.endswith(
        "/USER_UpgradeDBInstance.Upgrading.html"
    )
    assert "Oracle" not in words(rules, "db-engine-patching", "ec2")


def test_fargate_os_choice_mentions_the_os_family_in_the_task_definition(rules):
    text = words(rules, "guest-os-selection", "ecs-fargate")
    assert "task definition" in text
    assert "Linux or Windows" in text
    assert rules.who("guest-os-selection", "ecs-fargate") == "aws"


def test_elastic_beanstalk_explanations_match_managed_updates(rules, library):
    choose = next(t for t in library.get("elastic-beanstalk-app").tasks if t.id == "choose-os")
    assert "image" in choose.text
    assert "image" in words(rules, "guest-os-selection", "elastic-beanstalk")
    for area in ("guest-os-patching", "runtime-patching"):
        rule = rules.resolve(area, "elastic-beanstalk")
        assert rule.source.endswith("/environment-platform-update-managed.html")
        assert "branch" in rule.explanation
    assert "your side of the shared responsibility model" in words(
        rules, "guest-os-patching", "elastic-beanstalk"
    )


def test_shield_explanations_do_not_overclaim(rules):
    standard = words(rules, "ddos-network-layer", "shield-standard")
    assert "without you doing anything" not in standard
    assert "attack surface" in standard
    advanced = words(rules, "ddos-protection-setup", "shield-advanced")
    assert "automatic application-layer mitigation" in advanced
    assert "you choose" in advanced


def test_bare_metal_is_not_denied(rules):
    for area in ("hardware", "host-os-virtualization"):
        text = words(rules, area, "ec2")
        assert "bare-metal" in text
        assert "only ever see virtual" not in text


def test_dynamodb_tuning_cites_the_dynamodb_best_practices(rules):
    assert rules.resolve("query-tuning", "dynamodb").source == (
        "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/best-practices.html"
    )


def test_the_lambda_container_runtime_patch_card_is_the_customers_step(rules, library):
    scenario = library.get("lambda-serverless-api")
    keys = {
        v: {r.task_id: r.expected for r in grade(scenario, v, rules, {}).results}
        for v in scenario.variant_ids
    }
    assert keys["container-image"]["runtime-patch"] == "customer"
    assert keys["manual-runtime"]["runtime-patch"] == "customer"
    assert keys["zip-package"]["runtime-patch"] == "aws"
    assert {k["publish-runtime"] for k in keys.values()} == {"aws"}


def test_the_rds_minor_release_card_says_auto_minor_upgrade_is_on(library):
    scenario = library.get("rds-managed-database")
    assert "auto minor version upgrade turned on" in " ".join(scenario.description.split())


def test_chime_is_shown_as_past_its_end_of_support(rules, library):
    scenario = library.get("saas-shield-trusted-advisor-chime")
    assert "20 February 2026" in scenario.description
    assert "end of support" in scenario.component("meetings").name
    assert "end of support" in rules.services["chime"].name
