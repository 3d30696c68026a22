"""Practice on Azure's rule set beside AWS's, and an instructor's practice link from the pairs
learners still get wrong on one scenario."""

from __future__ import annotations

import re

import pytest

from tests.author_helpers import signed_in
from tests.conftest import RULES
from webapp.domain import load_rules
from webapp.services.practice.cards import load_deck

ROUNDS = "/api/v1/practice/rounds"
ORACLE = "s3-vpc-ec2-oracle"


@pytest.fixture(scope="module")
def azure():
    rules = load_rules(RULES).providers["azure"]
    return rules, load_deck(rules)


def test_every_decided_azure_pair_has_a_card_that_agrees_with_its_rule(azure):
    rules, deck = azure
    assert deck.problems == ()
    decided = {(a, s) for a in rules.areas for s in rules.services if rules.lookup(a, s)}
    assert set(deck.cards) == decided
    assert deck.uncovered == ()
    for (area, service), card in deck.cards.items():
        assert card.rule == rules.resolve(area, service)
        assert card.rule.source.startswith("https://learn.microsoft.com/")


def test_azure_cards_name_the_whole_task_not_one_sides_step(azure):
    # the rows Microsoft's matrix splits are shared on one model and one side's on another:
    # their phrasings may name neither side, so that the learner's reading and the rule agree
    rules, deck = azure
    for card in deck.cards.values():
        phrase = card.texts[0]
        for text in card.texts:
            without_service = text.replace("Microsoft 365", "")
            assert "Microsoft" not in without_service, text
            assert not re.search(r"\byour\b", without_service, re.I), text
        assert phrase[0].isupper()
    shared = {k for k, c in deck.cards.items() if c.rule.party == "shared"}
    assert ("applications", "azure-app-service") in shared
    assert ("client-devices", "microsoft-365") in shared


def test_lint_checks_both_card_files():
    from click.testing import CliRunner

    from webapp.cli import main

    result = CliRunner().invoke(main, ["lint"])
    assert result.exit_code == 0, result.output
    assert "practice cards (aws)" in result.output
    assert "practice cards (azure): 40 pair(s)" in result.output


def test_an_azure_round_is_sorted_into_microsofts_parties_and_counted_apart(app, client):
    dealt = client.post(ROUNDS, json={"size": 5, "provider": "azure"})
    assert dealt.status_code == 201
    body = dealt.get_json()
    assert body["provider"] == "azure"
    assert all(c["parties"] == ["microsoft", "customer", "shared"] for c in body["cards"])
    answers = {c["id"]: "microsoft" for c in body["cards"]}
    graded = client.post(f"{ROUNDS}/{body['round_id']}/answers", json={"answers": answers})
    assert graded.status_code == 200
    azure = client.get("/api/v1/progress?provider=azure").get_json()["pairs"]
    assert len(azure) == 5
    assert {p["provider"] for p in azure} == {"azure"}
    assert client.get("/api/v1/progress?provider=aws").get_json()["pairs"] == []
    bad = client.get("/api/v1/progress?provider=gcp")
    assert bad.status_code == 400
    assert bad.get_json()["message"]
    assert bad.get_json()["details"]
    page = client.get("/progress?provider=azure").get_data(as_text=True)
    assert "5</span> of 40 pairs met" in page
    assert 'aria-current="page">Microsoft Azure' in page
    assert "Misconceptions" not in page  # the course's list is about AWS
    assert "0</span> of" in client.get("/progress").get_data(as_text=True)


def test_the_practice_page_filters_by_provider(app, client):
    page = client.get("/practice?provider=azure").get_data(as_text=True)
    assert '<option value="azure" selected>Microsoft Azure</option>' in page
    assert "Microsoft" in page
    assert "Move to" in page
    # switching provider on the form keeps another provider's model: it is dropped, not a 404
    assert client.get("/practice?provider=azure&model=managed").status_code == 200
    assert client.get("/practice?provider=azure&model=nope").status_code == 404


def test_an_azure_scenario_attempt_is_a_review_of_azure_pairs(app, client):
    from tests.helpers.keys import key_for

    key = key_for(app, "azure-vm-line-of-business", None)
    graded = client.post("/api/v1/scenarios/azure-vm-line-of-business/grade", json={"answers": key})
    assert graded.status_code == 200
    pairs = client.get("/api/v1/progress?provider=azure").get_json()["pairs"]
    assert ("operating-system", "azure-virtual-machines") in {
        (p["area"], p["service"]) for p in pairs
    }
    assert client.get("/api/v1/progress?provider=aws").get_json()["pairs"] == []


def _play(app, answers):
    learner = app.test_client()
    learner.get("/practice")  # a browser known by its learner cookie
    assert learner.get_cookie("srm_learner") is not None
    response = learner.post(f"/api/v1/scenarios/{ORACLE}/grade", json={"answers": answers})
    assert response.status_code == 200
    return learner


def test_analytics_list_the_pairs_learners_still_get_wrong_and_make_a_practice_link(app):
    from tests.helpers.keys import key_for

    key = key_for(app, ORACLE, None)
    task = next(iter(key))
    wrong = dict(key, **{task: "aws" if key[task] != "aws" else "customer"})
    _play(app, wrong)
    _play(app, wrong)
    fixed = _play(app, wrong)
    assert fixed.post(f"/api/v1/scenarios/{ORACLE}/grade", json={"answers": key}).status_code
    _play(app, key)
    admin, auth = signed_in(app, "admin@example.org", "admin")
    page = admin.get(f"/author/scenarios/{ORACLE}/analytics").get_data(as_text=True)
    assert "Pairs learners still get wrong" in page
    section = page.split('id="practice-heading"')[1]
    # the learner who got it right later is not counted: 2 of the 4 learners still miss it
    assert '50 % <span class="muted">(2 of 4 learners)</span>' in section
    form = re.search(r'<form method="post" action="([^"]+)">', section).group(1)
    csrf = auth.csrf(f"/author/scenarios/{ORACLE}/analytics")
    made = admin.post(form.replace("&amp;", "&"), data={"csrf_token": csrf})
    assert made.status_code == 303
    link = re.search(r"link=([0-9a-f]+)", made.headers["Location"]).group(1)
    shown = admin.get(made.headers["Location"]).get_data(as_text=True)
    assert "Practice link ready" in shown
    assert f"set={link}" in shown
    learner = app.test_client()
    round_page = learner.get(f"/practice?set={link}")
    assert round_page.status_code == 200
    assert "the ones learners still get wrong" in round_page.get_data(as_text=True)
    # without the token nothing is made
    assert admin.post(form.replace("&amp;", "&"), data={}).status_code == 400
