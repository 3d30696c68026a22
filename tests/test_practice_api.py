"""The practice API: rounds dealt without answers, answered once by their learner, progress."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import count_rows, make_user
from webapp.models import PracticePair, PracticeReview, PracticeRound

ROUNDS = "/api/v1/practice/rounds"
PROGRESS = "/api/v1/progress"
CARD_KEYS = {"id", "text", "service", "service_name", "parties"}
RESULT_KEYS = {
    "card_id",
    "area",
    "service",
    "given",
    "expected",
    "correct",
    "explanation",
    "source",
    "due",
}
PAIR_KEYS = {"provider", "area", "service", "reviews", "lapses", "last_result", "due", "recall"}


def deal(client, **body):
    response = client.post(ROUNDS, json={"size": 10, **body})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def expected_of(app, round_id):
    """The answer key of a dealt round, read on the server side (never from a response)."""
    from webapp.extensions import db
    from webapp.services import content

    with app.app_context():
        row = db.session.get(PracticeRound, round_id)
        rules = content.rules()
        return {c["id"]: rules.who(c["area"], c["service"]) for c in row.cards}, {
            c["id"]: (c["area"], c["service"]) for c in row.cards
        }


def other(party):
    return "customer" if party == "aws" else "aws"


def answer(client, round_id, answers):
    return client.post(f"{ROUNDS}/{round_id}/answers", json={"answers": answers})


def test_a_dealt_round_carries_no_answer_data(app, client):
    from tests.conftest import RULES
    from webapp.domain import load_rules
    from webapp.services.practice.cards import load_deck

    body = deal(client)
    assert set(body) == {"round_id", "provider", "cards"}
    assert len(body["cards"]) == 10
    for card in body["cards"]:
        assert set(card) == CARD_KEYS
        assert card["parties"] == ["aws", "customer", "shared"]
    text = json.dumps(body)
    rules = load_rules(RULES)
    for rule in rules.rules:
        assert rule.explanation not in text
        assert rule.source not in text
    assert "expected" not in text
    assert "area" not in text
    assert len(load_deck(rules).cards) >= 200
    # the page shows the same: no explanation or source before answering
    page = client.get("/practice").get_data(as_text=True)
    assert not any(rule.explanation in page for rule in rules.rules)
    # before answering, the round's address shows cards only
    shown = client.get(f"{ROUNDS}/{body['round_id']}").get_json()
    assert "results" not in shown
    assert shown["answered"] is False


def test_answering_grades_each_card_once_with_reason_source_and_due(app, client):
    body = deal(client)
    key, _ = expected_of(app, body["round_id"])
    answers = {
        cid: (party if n % 2 else other(party)) for n, (cid, party) in enumerate(key.items())
    }
    response = answer(client, body["round_id"], answers)
    assert response.status_code == 200
    data = response.get_json()
    assert data["total"] == 10
    assert data["correct"] == 5
    for result in data["results"]:
        assert set(result) == RESULT_KEYS
        assert result["expected"] == key[result["card_id"]]
        assert result["correct"] == (result["given"] == result["expected"])
        assert result["explanation"]
        assert result["source"].startswith("https://")
        assert result["due"].endswith("Z")
    again = answer(client, body["round_id"], answers)
    assert again.status_code == 409
    assert again.get_json()["message"]
    assert again.get_json()["details"]
    assert count_rows(app, PracticeReview) == 10
    shown = client.get(f"{ROUNDS}/{body['round_id']}").get_json()
    assert shown["answered"]
    assert len(shown["results"]) == 10
    pairs = client.get(PROGRESS).get_json()["pairs"]
    assert len(pairs) == 10
    assert all(set(p) == PAIR_KEYS for p in pairs)
    missed = [p for p in pairs if p["last_result"] == "incorrect"]
    assert len(missed) == 5
    assert all(p["recall"] == 0 for p in missed)


def test_another_learner_can_neither_answer_nor_read_a_round(app, client):
    body = deal(client)
    stranger = app.test_client()
    stranger.post(ROUNDS, json={"size": 1})  # has a learner cookie of its own
    refused = answer(stranger, body["round_id"], {})
    assert refused.status_code == 403
    assert stranger.get(f"{ROUNDS}/{body['round_id']}").status_code == 403
    assert stranger.get(f"/practice/rounds/{body['round_id']}").status_code == 403
    fresh = app.test_client()  # no cookie at all
    assert answer(fresh, body["round_id"], {}).status_code == 403
    assert count_rows(app, PracticeReview) == 0
    assert answer(client, body["round_id"], {}).status_code == 200  # still the owner's


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"size": 0}, 400),
        ({"size": 31}, 400),
        ({"size": "10"}, 400),
        ({"size": True}, 400),
        ({"provider": "nimbus"}, 400),
        ({"provider": 3}, 400),
        ({"model": "no-such"}, 400),
        ({"colour": "red"}, 400),
    ],
)
def test_a_bad_deal_request_is_refused_and_stores_nothing(app, client, payload, status):
    response = client.post(ROUNDS, json=payload)
    assert response.status_code == status
    body = response.get_json()
    assert body["message"]
    assert body["details"]
    assert count_rows(app, PracticeRound) == 0


@pytest.mark.parametrize(
    "answers",
    [
        {"answers": []},
        {"answers": {"c1": "azure"}},
        {"answers": {"c99": "aws"}},
        {"answers": {"c1": 3}},
        {"answers": {}, "extra": 1},
    ],
)
def test_bad_answers_are_refused_and_store_nothing(app, client, answers):
    body = deal(client)
    response = client.post(f"{ROUNDS}/{body['round_id']}/answers", json=answers)
    assert response.status_code == 400
    assert response.get_json()["details"]
    assert count_rows(app, PracticeReview) == 0
    assert answer(client, body["round_id"], {}).status_code == 200  # not used up


def test_not_json_unknown_and_odd_round_ids_are_errors_not_500s(app, client):
    assert client.post(ROUNDS, data="size=3").status_code == 415
    assert client.post(ROUNDS, data=b"{", content_type="application/json").status_code == 400
    assert answer(client, "nope", {}).status_code == 404
    assert answer(client, "x" * 500, {}).status_code == 404
    assert client.get(f"{ROUNDS}/{'y' * 80}").status_code == 404
    assert client.get("/practice?model=nope").status_code == 404
    assert client.get("/practice?size=abc").status_code == 200
    assert client.get("/practice?set=zzz").status_code == 404
    assert client.get("/progress.xml").status_code == 404


def test_a_failed_pair_comes_back_within_the_next_two_rounds(app, client):
    body = deal(client)
    key, pairs = expected_of(app, body["round_id"])
    missed = pairs["c3"]
    answers = {cid: party for cid, party in key.items()}
    answers["c3"] = other(key["c3"])
    assert answer(client, body["round_id"], answers).status_code == 200
    seen = []
    for _ in range(2):  # every other card right, the missed pair wrong again
        nxt = deal(client)
        next_key, next_pairs = expected_of(app, nxt["round_id"])
        seen.extend(next_pairs.values())
        again = {c: other(p) if next_pairs[c] == missed else p for c, p in next_key.items()}
        answer(client, nxt["round_id"], again)
    assert missed in seen
    first_next = expected_of(app, deal(client)["round_id"])[1]
    assert list(first_next.values())[0] == missed  # still missed: first in every round


def test_a_card_left_unplaced_comes_back_like_a_missed_one(app, client):
    body = deal(client)
    key, pairs = expected_of(app, body["round_id"])
    answers = dict(key)
    del answers["c4"]  # left in the tray
    result = answer(client, body["round_id"], answers).get_json()
    unplaced = next(r for r in result["results"] if r["card_id"] == "c4")
    assert unplaced["given"] is None
    assert unplaced["correct"] is False
    progress = {(p["area"], p["service"]): p for p in client.get(PROGRESS).get_json()["pairs"]}
    assert progress[pairs["c4"]]["last_result"] == "incorrect"
    nxt = expected_of(app, deal(client)["round_id"])[1]
    assert list(nxt.values())[0] == pairs["c4"]  # the only miss: first in the next round


def test_answering_the_same_round_twice_at_once_stores_once(app, client):
    body = deal(client)
    cookie = client.get_cookie("srm_learner")

    def send(_: int) -> int:
        c = app.test_client()
        c.set_cookie("srm_learner", cookie.value)
        return answer(c, body["round_id"], {"c1": "aws"}).status_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = sorted(pool.map(send, range(4)))
    assert statuses == [200, 409, 409, 409]
    # one review per card (nine left unplaced, reviewed as missed), stored by one answer
    assert count_rows(app, PracticeReview) == len(body["cards"])


def test_scenario_attempts_are_reviews_of_their_pairs(app, client):
    from tests.helpers.api import GRADE, ORACLE
    from tests.helpers.keys import key_for

    key = key_for(app, ORACLE, "oracle-on-rds")
    wrong = {tid: other(p) for tid, p in key.items()}
    assert (
        client.post(GRADE, json={"variant": "oracle-on-rds", "answers": wrong}).status_code == 200
    )
    pairs = {(p["area"], p["service"]): p for p in client.get(PROGRESS).get_json()["pairs"]}
    assert ("db-engine-patching", "rds") in pairs
    assert pairs[("db-engine-patching", "rds")]["last_result"] == "incorrect"
    # the next round starts with what the attempt got wrong
    body = deal(client)
    _, dealt = expected_of(app, body["round_id"])
    assert list(dealt.values())[0] in pairs
    progress = client.get("/progress").get_data(as_text=True)
    assert "Not yet cleared" in progress
    assert "17." in progress.split("Cleared")[0]


def test_signing_in_adopts_the_browsers_history_once(app, client, auth):
    body = deal(client, size=3)
    answer(client, body["round_id"], {"c1": "aws", "c2": "aws", "c3": "aws"})
    make_user(app, "learner@example.org", role="instructor")
    assert auth.login("learner@example.org").status_code in (302, 303)
    mine = client.get(PROGRESS).get_json()["pairs"]
    assert len(mine) == 3
    elsewhere = app.test_client()  # another device, same account
    from tests.conftest import AuthActions

    AuthActions(elsewhere).login("learner@example.org")
    assert len(elsewhere.get(PROGRESS).get_json()["pairs"]) == 3
    with app.app_context():
        from sqlalchemy import select

        from webapp.extensions import db

        owners = set(db.session.execute(select(PracticePair.owner)).scalars())
    assert len(owners) == 1
    assert next(iter(owners)).startswith("user:")
