"""Several providers: a rule set per provider, Azure scenarios, the API, the CLI, the pages."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import RULES, SCENARIOS, make_app
from tests.learn_helpers import hidden_fields
from webapp.cli import main
from webapp.domain import (
    Party,
    RuleSetError,
    ScenarioError,
    UnknownProviderError,
    answer_key,
    build_scenario,
    grade,
    load_library,
    load_rules,
    parse_rules,
    to_document,
)
from webapp.domain.comparison import compare, parse_comparison
from webapp.domain.rules import CONTROLS
from webapp.models import Attempt

MS_SOURCE = "https://learn.microsoft.com/azure/security/fundamentals/shared-responsibility"
VMS = "azure-vm-line-of-business"
SHOP = "azure-paas-saas-office"

# Microsoft's matrix (facts file, "Other providers"): area -> owner per model
MATRIX = {
    "information-data": ("customer", "customer", "customer", "customer"),
    "configurations-settings": ("customer", "customer", "customer", "customer"),
    "identities-users": ("customer", "customer", "customer", "customer"),
    "client-devices": ("customer", "customer", "customer", "shared"),
    "applications": ("customer", "customer", "shared", "shared"),
    "network-controls": ("customer", "customer", "shared", "microsoft"),
    "operating-system": ("customer", "customer", "microsoft", "microsoft"),
    "physical-infrastructure": ("customer", "microsoft", "microsoft", "microsoft"),
}
MODELS = ("on-premises", "iaas", "paas", "saas")


@pytest.fixture(scope="module")
def rules():
    return load_rules(RULES)


@pytest.fixture(scope="module")
def azure(rules):
    return rules.for_provider("azure")


# --- rule sets per provider ------------------------------------------------------------


def test_each_provider_has_its_own_rule_set(rules, azure):
    assert list(rules.providers) == ["aws", "azure"]
    assert rules.for_provider(None) is rules
    assert rules.for_provider("aws") is rules
    assert azure.for_provider("aws") is rules  # any rule set hands out its siblings
    assert dict(azure.parties) == {
        "microsoft": "Microsoft",
        "customer": "Customer",
        "shared": "Shared",
    }
    assert (rules.provider_party, azure.provider_party) == ("aws", "microsoft")
    assert set(azure.models) == set(MODELS)
    assert not set(azure.services) & set(rules.services)
    assert [p.value for p in Party] == ["aws", "microsoft", "customer", "shared"]


def test_an_unknown_provider_is_an_error_never_a_guess(rules):
    with pytest.raises(UnknownProviderError, match="unknown provider 'gcp'"):
        rules.for_provider("gcp")


@pytest.mark.parametrize("area", sorted(MATRIX))
def test_the_azure_rules_follow_microsofts_matrix(azure, area):
    for service in azure.services.values():
        expected = MATRIX[area][MODELS.index(service.model)]
        rule = azure.resolve(area, service.id)
        assert rule.party == expected, (area, service.id)
        assert rule.source == MS_SOURCE
        assert rule.control in (*CONTROLS, None)
        if service.model != "on-premises":  # the matrix decides the control type in the cloud
            assert (
                rule.control
                == {"customer": "customer-specific", "shared": "shared", "microsoft": "inherited"}[
                    expected
                ]
            )


@pytest.mark.parametrize(
    ("provider", "area", "service", "party"),
    [
        ("azure", "operating-system", "azure-virtual-machines", "customer"),
        ("azure", "operating-system", "azure-app-service", "microsoft"),
        ("azure", "network-controls", "azure-sql-database", "shared"),
        ("azure", "network-controls", "microsoft-365", "microsoft"),
        ("azure", "client-devices", "microsoft-365", "shared"),
        ("azure", "physical-infrastructure", "on-premises-datacenter", "customer"),
        ("aws", "db-engine-patching", "rds", "aws"),
        ("aws", "guest-os-patching", "ec2", "customer"),
    ],
)
def test_rule_resolution_per_provider(rules, provider, area, service, party):
    assert rules.for_provider(provider).who(area, service) == party


def test_one_providers_ids_mean_nothing_to_another(rules, azure):
    assert azure.lookup("guest-os-patching", "ec2") is None
    assert rules.lookup("operating-system", "azure-virtual-machines") is None
    assert azure.unknown_ids("guest-os-patching", "ec2") == [
        "unknown area 'guest-os-patching'",
        "unknown service 'ec2'",
    ]


def test_a_rule_set_may_only_give_its_own_parties():
    text = (SCENARIOS / "rules" / "azure.yaml").read_text()
    with pytest.raises(RuleSetError, match="unknown party 'aws'"):
        parse_rules(text.replace("party: microsoft", "party: aws", 1), "azure.yaml")
    with pytest.raises(RuleSetError, match="one provider party"):
        parse_rules(text.replace('  microsoft: {name: "Microsoft"}\n', ""), "azure.yaml")
    with pytest.raises(RuleSetError, match="unknown control type 'mixed'"):
        parse_rules(text.replace("control: inherited", "control: mixed", 1), "azure.yaml")


def test_two_files_for_one_provider_are_refused(tmp_path):
    shutil.copy(RULES, tmp_path / "aws.yaml")
    shutil.copy(RULES, tmp_path / "aws-copy.yaml")
    with pytest.raises(RuleSetError, match="a second rule set for provider 'aws'"):
        load_rules(tmp_path / "aws.yaml")


# --- scenarios name their provider -------------------------------------------------------


def _doc(path: Path) -> dict:
    import yaml

    return yaml.safe_load(path.read_text())


def test_every_shipped_scenario_lints_against_its_providers_rules(rules):
    library = load_library(SCENARIOS, rules)
    assert not library.problems
    providers = {s.id: s.provider for s in library.scenarios.values()}
    assert providers[VMS] == providers[SHOP] == "azure"
    assert providers["ec2-web-server"] == "aws"


def test_an_azure_scenario_using_an_aws_service_fails(rules):
    doc = _doc(SCENARIOS / f"{VMS}.yaml")
    doc["components"][0]["service"] = "ec2"
    with pytest.raises(ScenarioError) as caught:
        build_scenario(doc, rules, "x.yaml")
    problem = next(p for p in caught.value.problems if p.code == "unknown-service")
    assert problem.component_id == "app-server"
    assert (
        "unknown service 'ec2' (a aws service; this scenario's provider is azure)"
        in problem.message
    )


def test_an_azure_scenario_cannot_offer_the_aws_zone(rules):
    doc = _doc(SCENARIOS / f"{VMS}.yaml") | {"parties": ["aws", "customer"]}
    with pytest.raises(ScenarioError) as caught:
        build_scenario(doc, rules, "x.yaml")
    messages = [p.message for p in caught.value.problems if p.code == "bad-parties"]
    assert any("unknown party 'aws'" in m for m in messages)
    assert any("must include microsoft and customer" in m for m in messages)


def test_an_unknown_provider_fails_the_scenario(rules):
    doc = _doc(SCENARIOS / f"{VMS}.yaml") | {"provider": "gcp"}
    with pytest.raises(ScenarioError) as caught:
        build_scenario(doc, rules, "x.yaml")
    assert [p.code for p in caught.value.problems] == ["unknown-provider"]
    assert caught.value.problems[0].field == "provider"


def test_lint_fails_on_an_azure_scenario_with_an_aws_only_service(tmp_path):
    text = (
        (SCENARIOS / f"{VMS}.yaml")
        .read_text()
        .replace("    service: azure-virtual-machines\n", "    service: rds\n", 1)
    )
    (tmp_path / f"{VMS}.yaml").write_text(text)
    result = CliRunner().invoke(main, ["lint", str(tmp_path)])
    assert result.exit_code == 1
    assert f"{VMS}.yaml:" in result.output
    assert "unknown service 'rds'" in result.output


def test_aws_scenarios_keep_their_document_and_azure_ones_name_the_provider(rules):
    library = load_library(SCENARIOS, rules)
    assert "provider" not in to_document(library.get("ec2-web-server"))
    doc = to_document(library.get(VMS))
    assert doc["provider"] == "azure"
    assert build_scenario(doc, rules).content_hash == library.get(VMS).content_hash


def test_grading_an_azure_scenario_uses_the_azure_rules(rules):
    scenario = load_library(SCENARIOS, rules).get(VMS)
    key = answer_key(scenario, "azure-vms", rules)
    assert key["failed-disk"] == "microsoft"
    assert key["patch-os"] == "customer"
    on_premises = answer_key(scenario, "own-datacenter", rules)
    assert on_premises["failed-disk"] == "customer"
    report = grade(scenario, "azure-vms", rules, key)
    assert report.score == 1.0
    result = next(r for r in report.results if r.task_id == "failed-disk")
    assert result.source == MS_SOURCE
    assert "Microsoft" in result.explanation


def test_the_shop_moves_layers_back_to_the_customer_on_a_vm(rules):
    scenario = load_library(SCENARIOS, rules).get(SHOP)
    paas = answer_key(scenario, "app-service", rules)
    vm = answer_key(scenario, "virtual-machine", rules)
    assert (paas["storefront-os"], vm["storefront-os"]) == ("microsoft", "customer")
    assert (paas["storefront-stack"], vm["storefront-stack"]) == ("shared", "customer")
    assert paas["office-network"] == vm["office-network"] == "microsoft"
    assert set(paas.values()) == {"microsoft", "customer", "shared"}


# --- comparisons -----------------------------------------------------------------------


COMPARISON = """\
id: c
title: "T"
summary: "S"
providers: [aws, azure]
tasks:
  - id: os
    text: "Patch a VM's operating system"
    aws: {area: guest-os-patching, service: ec2}
    azure: {area: operating-system, service: azure-virtual-machines}
  - id: net
    text: "Network in front of a web platform"
    aws: {area: network-configuration, service: elastic-beanstalk}
    azure: {area: network-controls, service: azure-app-service}
"""


def test_a_comparison_takes_each_owner_from_its_providers_rules(rules):
    rows = compare(parse_comparison(COMPARISON, rules), rules)
    assert [[c.party for c in r.cells] for r in rows] == [
        ["customer", "customer"],
        ["customer", "shared"],
    ]
    assert [r.differs for r in rows] == [False, True]
    assert rows[1].cells[1].source == MS_SOURCE
    assert rows[1].cells[1].control == "shared"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("providers: [aws, azure]", "providers: [aws, gcp]"), "unknown provider 'gcp'"),
        (("service: azure-virtual-machines", "service: ec2"), "unknown service 'ec2' on azure"),
        (
            ("area: guest-os-patching, service: ec2", "area: k8s-control-plane, service: ec2"),
            "no rule decides area 'k8s-control-plane'",
        ),
        (
            ("    azure: {area: operating-system, service: azure-virtual-machines}\n", ""),
            "give its area and service on azure",
        ),
    ],
)
def test_a_broken_comparison_says_where(rules, change, message):
    with pytest.raises(ScenarioError, match=re.escape(message)):
        parse_comparison(COMPARISON.replace(*change), rules, "c.yaml")


# --- the API -----------------------------------------------------------------------------


def test_providers_are_listed_with_parties_and_models(client):
    body = client.get("/api/v1/providers").get_json()
    by_id = {p["id"]: p for p in body["providers"]}
    assert list(by_id) == ["aws", "azure"]
    assert by_id["azure"]["parties"] == [
        {"id": "microsoft", "label": "Microsoft"},
        {"id": "customer", "label": "Customer"},
        {"id": "shared", "label": "Shared"},
    ]
    assert [m["id"] for m in by_id["azure"]["models"]] == list(MODELS)
    assert by_id["aws"]["default"]
    assert not by_id["azure"]["default"]
    assert by_id["azure"]["name"] == "Microsoft Azure"


def test_responsibility_answers_per_provider(client):
    body = client.get(
        "/api/v1/responsibility?provider=azure&area=operating-system&service=azure-app-service"
    ).get_json()
    assert (body["provider"], body["party"], body["party_label"], body["control"]) == (
        "azure",
        "microsoft",
        "Microsoft",
        "inherited",
    )
    assert body["source"] == MS_SOURCE
    default = client.get("/api/v1/responsibility?area=guest-os-patching&service=ec2")
    assert default.status_code == 200
    assert default.get_json()["provider"] == "aws"


@pytest.mark.parametrize(
    ("query", "status", "error"),
    [
        (
            "provider=gcp&area=operating-system&service=azure-app-service",
            400,
            "unknown provider 'gcp'",
        ),
        (
            "provider=azure&area=guest-os-patching&service=azure-app-service",
            400,
            "unknown area or service",
        ),
        ("provider=azure&area=operating-system&service=ec2", 400, "unknown area or service"),
        ("area=operating-system&service=azure-app-service", 400, "unknown area or service"),
        ("provider=%00&area=x&service=y", 400, None),
    ],
)
def test_unknown_provider_area_or_service_is_a_4xx(client, query, status, error):
    response = client.get(f"/api/v1/responsibility?{query}")
    assert response.status_code == status
    body = response.get_json()
    assert body["details"]
    if error:
        assert body["error"] == error


def test_the_rule_catalogue_follows_the_provider(client):
    body = client.get("/api/v1/rules?provider=azure").get_json()
    assert body["provider"] == "azure"
    assert "operating-system" in {a["id"] for a in body["areas"]}
    assert client.get("/api/v1/rules?provider=nope").status_code == 400


def test_scenarios_carry_their_provider_and_no_key(app, client):
    listed = client.get("/api/v1/scenarios").get_json()["scenarios"]
    providers = {s["id"]: s["provider"] for s in listed}
    assert providers[VMS] == "azure"
    assert providers["ec2-web-server"] == "aws"
    view = client.get(f"/api/v1/scenarios/{SHOP}?variant=virtual-machine")
    body = view.get_json()
    assert body["provider"] == "azure"
    storefront = next(c for c in body["components"] if c["id"] == "storefront")
    assert storefront["service_name"] == "Azure Virtual Machines"
    text = view.get_data(as_text=True)
    azure = load_rules(RULES).for_provider("azure")
    assert not any(r.explanation in text for r in azure.rules)


def test_grading_an_azure_scenario_end_to_end(app, client):
    rules = load_rules(RULES)
    key = answer_key(load_library(SCENARIOS, rules).get(SHOP), "app-service", rules)
    response = client.post(
        f"/api/v1/scenarios/{SHOP}/grade", json={"variant": "app-service", "answers": key}
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["score"] == 1.0
    assert body["total"] == len(key)
    os_result = next(r for r in body["results"] if r["task_id"] == "storefront-os")
    assert os_result["expected"] == "microsoft"
    assert os_result["source"] == MS_SOURCE
    stored = client.get(body["result_url"]).get_json()
    assert {r["task_id"]: r["expected"] for r in stored["results"]} == key
    assert all(r["explanation"] for r in stored["results"])
    page = client.get(f"/attempts/{body['attempt_id']}").get_data(as_text=True)
    assert "<dt>Expected</dt><dd>Microsoft</dd>" in page
    assert ">AWS<" not in page


def test_the_aws_party_is_refused_on_an_azure_scenario(app, client):
    with app.app_context():
        before = _attempts(app)
    response = client.post(
        f"/api/v1/scenarios/{VMS}/grade", json={"answers": {"failed-disk": "aws"}}
    )
    assert response.status_code == 400
    assert "party 'aws' is not used in this scenario" in " ".join(response.get_json()["details"])
    assert _attempts(app) == before


def _attempts(app) -> int:
    from tests.conftest import count_rows

    return count_rows(app, Attempt)


# --- the CLI -----------------------------------------------------------------------------


def test_who_takes_a_provider():
    cli = CliRunner()
    result = cli.invoke(main, ["who", "--provider", "azure", "network-controls", "microsoft-365"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == "microsoft"
    assert lines[1] == "control: inherited"
    assert lines[-1] == f"source: {MS_SOURCE}"
    assert cli.invoke(main, ["who", "guest-os-patching", "ec2"]).output.startswith("customer")
    unknown = cli.invoke(main, ["who", "--provider", "gcp", "a", "b"])
    assert unknown.exit_code == 1
    assert "unknown provider 'gcp'" in unknown.output
    wrong = cli.invoke(main, ["who", "--provider", "azure", "operating-system", "ec2"])
    assert wrong.exit_code == 1
    assert "unknown service 'ec2'" in wrong.output


def test_lint_counts_the_comparisons():
    result = CliRunner().invoke(main, ["lint", str(SCENARIOS)])
    assert result.exit_code == 0, result.output
    assert "1 comparison(s)" in result.output


# --- the pages ---------------------------------------------------------------------------


def test_an_azure_board_has_a_microsoft_zone_and_no_aws_one(client):
    html = client.get(f"/scenarios/{SHOP}").get_data(as_text=True)
    zones = re.findall(r'id="zone-([a-z]+)"', html)
    assert zones == ["microsoft", "shared", "customer"]
    assert '<input type="radio" name="answer-storefront-os" value="microsoft"> Microsoft' in html
    assert 'value="aws"' not in html
    assert ">AWS<" not in html


def test_the_nojs_form_grades_an_azure_board(app, client):
    html = client.get(f"/scenarios/{VMS}?variant=own-datacenter").get_data(as_text=True)
    data = hidden_fields(html)
    rules = load_rules(RULES)
    key = answer_key(load_library(SCENARIOS, rules).get(VMS), "own-datacenter", rules)
    data |= {f"answer-{task}": party for task, party in key.items()}
    data["answer-failed-disk"] = "aws"  # not a zone of this board
    refused = client.post(f"/scenarios/{VMS}", data=data)
    assert refused.status_code == 400
    assert "Choose Microsoft or Customer." in refused.get_data(as_text=True)
    data["answer-failed-disk"] = key["failed-disk"]
    sent = client.post(f"/scenarios/{VMS}", data=data)
    assert sent.status_code == 303
    result = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "100%" in result or "12 of 12" in result
    what_if = re.search(r'href="(/attempts/[^"]+/what-if/azure-vms)"', result)
    assert what_if, "the result page offers the Azure variant"
    page = client.get(what_if.group(1)).get_data(as_text=True)
    assert "Owner moves" in page
    assert "Microsoft" in page


def test_the_comparison_page_shows_both_providers(client):
    index = client.get("/compare").get_data(as_text=True)
    assert 'href="/compare/aws-azure-web-app"' in index
    response = client.get("/compare/aws-azure-web-app")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "On AWS" in html
    assert "On Microsoft Azure" in html
    assert MS_SOURCE in html
    assert "docs.aws.amazon.com" in html
    assert "Inherited control" in html
    assert "Owners differ" in html
    assert "<script>" not in html
    assert client.get("/compare/no-such-thing").status_code == 404


@pytest.fixture
def assessment_folder(tmp_path):
    """The shipped scenarios plus an assessment that holds feedback back and reuses the
    wording of a comparison task."""
    folder = tmp_path / "scenarios"
    shutil.copytree(SCENARIOS, folder)
    text = (folder / "ec2-web-server.yaml").read_text()
    text = text.replace("id: ec2-web-server", "id: ec2-exam").replace(
        "Install this month's security updates for the server's operating system",
        "Install security updates for the operating system of a virtual machine you rent",
    )
    text += "settings: {mode: assessment, max_attempts: 2, feedback: after-last}\n"
    (folder / "ec2-exam.yaml").write_text(text)
    return folder


def test_a_comparison_never_hands_over_a_held_back_assessments_cards(
    _migrated, tmp_path, assessment_folder
):
    app = make_app(_migrated, tmp_path / "instance", SRM_SCENARIOS_DIR=str(assessment_folder))
    client = app.test_client()
    assert client.get("/scenarios/ec2-exam").status_code == 200  # the assessment loaded
    html = client.get("/compare/aws-azure-web-app").get_data(as_text=True)
    assert "Owners held back" in html
    assert "Install security updates for the operating system of a virtual machine" in html
    assert MS_SOURCE not in html
    assert "Inherited control" not in html
    assert "<dd>Customer</dd>" not in html
    assert 'class="owner"' not in html
