"""Joining a class and anonymous grading have per-address limits a whole room fits under."""

from __future__ import annotations

import re

import pytest

from tests.conftest import count_rows
from tests.helpers.api import GRADE
from tests.helpers.classroom import API, Host
from webapp.models import Attempt, Participant

SCHOOL = {"REMOTE_ADDR": "192.0.2.44"}  # a whole class behind one NAT address
ELSEWHERE = {"REMOTE_ADDR": "192.0.2.99"}


@pytest.fixture
def app_config():
    return {"RATELIMIT_ENABLED": True}  # the shipped limits, not test-sized ones


def test_300_learners_behind_one_address_all_join_and_a_flood_is_refused(app):
    code = Host(app, "host@example.org").create()
    learner = app.test_client()
    url = f"{API}/{code}/join"
    statuses = [
        learner.post(url, json={"nickname": f"Learner {n}"}, environ_base=SCHOOL).status_code
        for n in range(300)
    ]
    assert statuses == [201] * 300
    assert count_rows(app, Participant) == 300

    # a flood from that address: the limit (600 a minute) refuses it, with a JSON error
    flood = [learner.post(url, json={"nickname": ""}, environ_base=SCHOOL) for _ in range(301)]
    refused = [r for r in flood if r.status_code == 429]
    assert len(refused) == 1  # the 601st request of the minute
    body = refused[0].get_json()
    assert "Too many requests" in body["error"]
    assert body["details"] == []
    assert 1 <= int(refused[0].headers["Retry-After"]) <= 60
    late = learner.post(url, json={"nickname": "Too late"}, environ_base=SCHOOL)
    assert late.status_code == 429
    assert count_rows(app, Participant) == 300  # a refused join stores nothing
    # another address is not held back
    other = app.test_client().post(url, json={"nickname": "Elsewhere"}, environ_base=ELSEWHERE)
    assert other.status_code in (200, 201)


def test_the_join_form_and_the_join_api_count_together(app):
    app.config["SRM_JOIN_LIMIT"] = "3 per minute"
    code = Host(app, "host@example.org").create()
    client = app.test_client()
    html = client.get("/join", environ_base=SCHOOL).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    form = client.post(
        "/join", data={"code": code, "nickname": "Ada", "csrf_token": token}, environ_base=SCHOOL
    )
    assert form.status_code in (302, 303)
    url = f"{API}/{code}/join"
    assert client.post(url, json={"nickname": "Bo"}, environ_base=SCHOOL).status_code == 201
    assert client.post(url, json={"nickname": "Cy"}, environ_base=SCHOOL).status_code == 201
    refused = client.post(
        "/join", data={"code": code, "nickname": "Di", "csrf_token": token}, environ_base=SCHOOL
    )
    assert refused.status_code == 429
    assert "Too many requests from your network" in refused.get_data(as_text=True)
    assert count_rows(app, Participant) == 3


def test_anonymous_grading_is_limited_per_address(app):
    app.config["SRM_GRADE_LIMIT"] = "5 per minute"
    client = app.test_client()
    statuses = [
        client.post(GRADE, json={"answers": {}}, environ_base=SCHOOL).status_code for _ in range(6)
    ]
    assert statuses == [200] * 5 + [429]
    assert count_rows(app, Attempt) == 5
    response = app.test_client().post(GRADE, json={"answers": {}}, environ_base=ELSEWHERE)
    assert response.status_code == 200
