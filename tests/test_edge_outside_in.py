"""What a sweep of every route from the outside found: JSON errors without `message`, a JSON
body posted to a page's form, and ids too large for the database."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token_from
from tests.edge_helpers import row_counts
from tests.helpers.classroom import Host, join

COURSE = "s3-vpc-ec2-oracle"
BROKEN_JSON = [b"[" * 2000, b"[1, 2]", b'"a form"', b"null", b"5"]
HUGE = "9" * 25


def _is_api_error(response) -> bool:
    body = response.get_json()
    return (
        isinstance(body, dict)
        and isinstance(body.get("message"), str)
        and body["message"]
        and isinstance(body.get("details"), list)
    )


def test_every_kind_of_json_error_carries_message_and_details(app):
    host = Host(app, "host@example.org")
    code = host.create()
    anonymous = app.test_client()
    answers = [
        anonymous.get("/api/v1/no-such-thing"),  # 404 of the router
        anonymous.put(f"/api/v1/scenarios/{COURSE}/grade"),  # 405
        anonymous.post(f"/api/v1/scenarios/{COURSE}/grade", data="x"),  # 415 of the API
        anonymous.get("/api/v1/scenarios/no-such-scenario"),  # 404 of a view
        anonymous.post(f"/api/v1/sessions/{code}/join", json={"nickname": ""}),  # a class refusal
        anonymous.post("/api/v1/practice/rounds", json={"size": "ten"}),  # practice's own
        # a form's token refused while the caller asked for JSON (the header names it)
        host.client.post("/host/", headers={"X-CSRFToken": "not-a-token"}),
        host.client.post("/api/v1/sessions", json={}, headers={"X-CSRFToken": "not-a-token"}),
    ]
    assert [r.status_code for r in answers] == [404, 405, 415, 404, 400, 400, 400, 400]
    for response in answers:
        assert _is_api_error(response), response.get_data(as_text=True)
        assert (
            response.get_json()["error"] == response.get_json()["message"]
        )  # kept for old clients


@pytest.mark.parametrize("body", BROKEN_JSON, ids=["deep", "list", "string", "null", "number"])
def test_json_posted_to_a_page_form_is_refused_and_stores_nothing(app, body):
    admin = Host(app, "admin@example.org", "admin")
    anonymous = app.test_client()
    token = csrf_token_from(anonymous, "/join")
    before = row_counts(app)
    sent = [
        admin.client.post("/admin/users", data=body, content_type="application/json"),
        admin.client.post(
            "/admin/users", data=body, content_type="application/json", headers=admin.headers
        ),
        admin.client.post("/author/new", data=body, content_type="application/json"),
        anonymous.post(
            "/join", data=body, content_type="application/json", headers={"X-CSRFToken": token}
        ),
        anonymous.post("/auth/login", data=body, content_type="application/json"),
    ]
    assert [r.status_code for r in sent] == [400] * len(sent)
    assert row_counts(app) == before


def test_an_id_too_large_for_the_database_names_nothing(app):
    admin = Host(app, "admin@example.org", "admin")
    code = admin.create()
    join(app, code, "Ada")
    before = row_counts(app)
    for action in ("disable", "enable", "link", "reset"):
        response = admin.client.post(f"/admin/users/{HUGE}/{action}", headers=admin.headers)
        assert response.status_code == 404, action
    response = admin.post(f"/api/v1/sessions/{code}/participants/{HUGE}/remove")
    assert response.status_code == 404
    assert _is_api_error(response)
    assert (
        admin.client.post(f"/host/{code}/remove/{HUGE}", headers=admin.headers).status_code == 404
    )
    assert row_counts(app) == before
