"""Practice pages: the no-JS round form, its result, the progress map, exports, the host's
view of what a room still gets wrong."""

from __future__ import annotations

import csv
import io
import re

import pytest

from tests.conftest import count_rows
from tests.helpers.classroom import Host
from tests.helpers.classroom import played as _played
from tests.learn_helpers import hidden_fields
from webapp.models import PracticePairSet, PracticeReview, PracticeRound


def _round(client):
    html = client.get("/practice").get_data(as_text=True)
    action = re.search(r'action="(/practice/rounds/[0-9a-f]+)"', html).group(1)
    cards = re.findall(r'name="(answer-c\d+)"', html)
    return html, action, sorted(set(cards))


def test_a_round_on_the_plain_form_is_graded_with_reasons_then_the_next_round(app, client):
    html, action, cards = _round(client)
    assert len(cards) == 10
    assert 'data-module="board"' in html
    data = hidden_fields(html)
    assert data["csrf_token"]
    data.update({name: "aws" for name in cards})
    response = client.post(action, data=data)
    assert response.status_code == 303
    result = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "cards placed correctly" in result
    assert "Next round" in result
    assert result.count("result__why") == 10
    assert count_rows(app, PracticeReview) == 10
    # sending the form again shows the same result, and stores nothing more
    assert client.post(action, data=data).status_code == 303
    assert count_rows(app, PracticeReview) == 10


def test_the_form_needs_its_csrf_token_and_keeps_the_choices(app, client):
    _, action, cards = _round(client)
    response = client.post(action, data={cards[0]: "shared"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "form had expired" in page
    assert re.search(rf'name="{cards[0]}" value="shared" checked', page)
    assert count_rows(app, PracticeReview) == 0


def test_a_bad_party_is_shown_next_to_its_card(app, client):
    html, action, cards = _round(client)
    data = {**hidden_fields(html), cards[0]: "azure"}
    response = client.post(action, data=data)
    assert response.status_code == 400
    assert "Choose AWS, Shared or Customer." in response.get_data(as_text=True)
    assert count_rows(app, PracticeReview) == 0


def test_filters_narrow_a_round_and_are_kept_for_the_next(app, client):
    html = client.get("/practice?model=containers&size=4").get_data(as_text=True)
    assert len(set(re.findall(r'name="(answer-c\d+)"', html))) == 4
    with app.app_context():
        from sqlalchemy import select

        from webapp.extensions import db
        from webapp.services import content

        row = db.session.execute(select(PracticeRound)).scalar_one()
        models = {content.rules().services[c["service"]].model for c in row.cards}
    assert models == {"containers"}
    assert 'name="model" value="containers"' in html


def test_progress_is_a_table_with_weak_spots_first_and_exports(app, client):
    empty = client.get("/progress")
    assert empty.status_code == 200
    assert "Nothing yet" in empty.get_data(as_text=True)
    html, action, cards = _round(client)
    data = {**hidden_fields(html), **{name: "aws" for name in cards}}
    client.post(action, data=data)
    page = client.get("/progress").get_data(as_text=True)
    assert "<table" in page
    assert '<th scope="row">' in page
    assert '<th scope="col">' in page
    assert "Weak spots first" in page
    assert "Missed last time" in page
    assert "/practice?provider=aws&amp;area=" in page  # a weak spot's own round
    assert re.search(r"<span class=\"stats__figure\">1</span> day", page)
    rows = list(csv.DictReader(io.StringIO(client.get("/progress.csv").get_data(as_text=True))))
    assert len(rows) == 10
    assert set(rows[0]) == {
        "provider",
        "area",
        "service",
        "reviews",
        "lapses",
        "last_result",
        "due",
        "recall",
    }
    assert len(client.get("/progress.json").get_json()["pairs"]) == 10


@pytest.fixture
def host(app):
    return Host(app, "host@example.org")


def test_the_host_sees_what_the_room_gets_wrong_and_makes_a_practice_link(app, host, client):
    code, _, _ = _played(app, host)
    report = host.client.get(f"/host/{code}/report").get_data(as_text=True)
    assert f"/host/{code}/practice" in report
    page = host.client.get(f"/host/{code}/practice").get_data(as_text=True)
    assert "1 of 2" in page  # Bea missed two pairs; Ada placed them right
    token = hidden_fields(page)["csrf_token"]
    made = host.client.post(f"/host/{code}/practice", data={"csrf_token": token})
    assert made.status_code == 303
    assert count_rows(app, PracticePairSet) == 1
    link = re.search(
        r"/practice\?set=([0-9a-f]+)",
        host.client.get(made.headers["Location"]).get_data(as_text=True),
    ).group(1)
    learner = client.get(f"/practice?set={link}").get_data(as_text=True)
    assert 1 <= len(set(re.findall(r'name="(answer-c\d+)"', learner))) <= 2
    # not the host: the page is refused
    assert client.get(f"/host/{code}/practice").status_code in (302, 303, 403, 404)
    assert client.post(f"/host/{code}/practice", data={}).status_code in (302, 303, 400, 403)


REPEATS = "logging-and-keys"  # a scenario that places one pair on several tasks


def test_the_room_counts_learners_not_placements_and_waits_for_answering_to_close(app, host):
    from collections import Counter

    from tests.helpers.classroom import answer, join
    from tests.helpers.keys import key_for

    key = key_for(app, REPEATS, None)
    probe = app.test_client().post(f"/api/v1/scenarios/{REPEATS}/grade", json={"answers": key})
    pairs = Counter((r["area"], r["service"]) for r in probe.get_json()["results"])
    repeated = [p for p, n in pairs.items() if n > 1]
    assert repeated, "the scenario should place a pair on more than one task"
    code = host.create([REPEATS])
    ada, token = join(app, code, "Ada")
    host.act(code, "open")
    wrong = {t: "customer" if p != "customer" else "aws" for t, p in key.items()}
    assert answer(ada, code, token, wrong, scenario_id=REPEATS).status_code == 201
    page = host.client.get(f"/host/{code}/practice").get_data(as_text=True)
    assert "Shown once answering has closed" in page  # open: the room's screen may show it
    assert " of 1<" not in page
    host.act(code, "close")
    page = host.client.get(f"/host/{code}/practice").get_data(as_text=True)
    counts = re.findall(r"<td>(\d+) of (\d+)</td>", page)
    assert counts
    assert set(counts) == {("1", "1")}  # one learner: never "2 of 2" for a repeated pair
    assert "Audit logs, keys and network records" in page  # its title, not its id


def test_a_reload_shows_the_same_round_until_it_is_answered(app, client):
    first, action, cards = _round(client)
    again, same, _ = _round(client)
    assert same == action  # a reload or Back: the round left open, its placements kept
    assert f'data-save-key="practice:{action.rsplit("/", 1)[1]}"' in again
    assert count_rows(app, PracticeRound) == 1
    _, other_size, _ = _round_at(client, "/practice?size=5")
    assert other_size != action  # other filters deal a new round
    data = hidden_fields(first)
    data.update({name: "aws" for name in cards})
    assert client.post(action, data=data).status_code == 303
    _, after, _ = _round(client)
    assert after not in (action, other_size)  # answered, and a round of another size: new


def _round_at(client, url):
    html = client.get(url).get_data(as_text=True)
    action = re.search(r'action="(/practice/rounds/[0-9a-f]+)"', html).group(1)
    return html, action, sorted(set(re.findall(r'name="(answer-c\d+)"', html)))


@pytest.mark.parametrize("size", ["²", "①", "٣", "0", "-1", "99999999999999999999"])
def test_an_odd_size_deals_the_default_round(client, size):
    response = client.get(f"/practice?size={size}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert len(set(re.findall(r'name="(answer-c\d+)"', html))) == 10


def test_the_weak_spots_are_practised_in_one_round_of_their_own(app, client):
    nothing = client.get("/practice?weak=1")
    assert nothing.status_code == 200
    assert "No weak spots right now" in nothing.get_data(as_text=True)
    assert count_rows(app, PracticeRound) == 0  # nothing dealt for nobody's weak spots

    html, action, cards = _round(client)
    data = {**hidden_fields(html), **{name: "shared" for name in cards}}  # mostly wrong
    client.post(action, data=data)
    page = client.get("/progress").get_data(as_text=True)
    with app.app_context():
        from datetime import UTC, datetime

        from sqlalchemy import select

        from webapp.extensions import db
        from webapp.services.practice import progress
        from webapp.services.practice.store import deck_for

        owner = db.session.execute(select(PracticeRound.owner)).scalars().first()
        weak = progress.weak_pairs(db.session, owner, deck_for("aws"), datetime.now(UTC))
        db.session.commit()
    assert weak
    label = "this weak spot" if len(weak) == 1 else f"these {len(weak)} weak spots"
    assert f'href="/practice?provider=aws&amp;weak=1">Practise {label}</a>' in page

    round_page, weak_action, weak_cards = _round_at(client, "/practice?provider=aws&weak=1")
    assert "This round practises your weak spots" in round_page
    assert '<input type="hidden" name="weak" value="1">' in round_page
    with app.app_context():
        from webapp.extensions import db

        dealt = db.session.get(PracticeRound, weak_action.rsplit("/", 1)[1])
        keys = {(c["area"], c["service"]) for c in dealt.cards}
    assert keys == set(weak)  # every weak spot, and nothing else (fewer than a round's 10)
    assert len(weak_cards) == len(weak)
    data = {**hidden_fields(round_page), **{name: "customer" for name in weak_cards}}
    result = client.post(weak_action, data=data)
    assert "weak=1" in result.headers["Location"]
    assert "weak=1" in client.get(result.headers["Location"]).get_data(as_text=True)  # next
