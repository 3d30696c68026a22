"""Login sessions end on the server, start clean, their form tokens expire, and an unchanged
session is not sent back on every response."""

from __future__ import annotations

import re

import itsdangerous.timed
import pytest

from tests.conftest import DEFAULT_PASSWORD, AuthActions, count_rows, csrf_token_from, make_user
from tests.helpers.csrf import meta_csrf as csrf_of
from webapp.auth import REFRESH_AFTER_SECONDS
from webapp.models import ScenarioRecord


def _session_cookie(client) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None, "no session cookie"
    return cookie.value


def _replay(app, cookie: str):
    """A fresh client that sends a copied session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", cookie, domain="localhost")
    return thief


def _new_scenario(client, token: str):
    return client.post(
        "/author/new", data={"title": "Stolen", "slug": "stolen", "csrf_token": token}
    )


def test_a_cookie_copied_before_logout_stops_working(app, client, auth):
    make_user(app)
    auth.login()
    token = csrf_token_from(client, "/author/")
    copied = _session_cookie(client)
    assert _replay(app, copied).get("/author/").status_code == 200  # the copy works for now

    assert auth.logout().status_code == 302
    thief = _replay(app, copied)
    response = thief.get("/author/")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]
    response = _new_scenario(thief, token)
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]
    assert count_rows(app, ScenarioRecord) == 0


def test_signing_out_ends_the_accounts_other_sessions_too(app, client, auth):
    make_user(app)
    auth.login()
    laptop = app.test_client()
    assert AuthActions(laptop).login().status_code == 302
    auth.logout()
    assert laptop.get("/author/").status_code == 302
    assert AuthActions(laptop).login().status_code == 302  # signing in again works
    assert laptop.get("/author/").status_code == 200


def test_login_starts_a_new_session_with_a_new_csrf_secret(app, client, auth):
    make_user(app)
    before = csrf_token_from(client)
    with client.session_transaction() as session:
        planted_secret = session["csrf_token"]
        session["planted"] = "by an attacker before login"
    assert auth.login().status_code == 302
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("csrf_token") != planted_secret
        assert session.permanent
    after = csrf_token_from(client, "/author/")
    assert after != before
    # the token from before login no longer passes
    response = _new_scenario(client, before)
    assert response.status_code == 400
    assert count_rows(app, ScenarioRecord) == 0
    assert _new_scenario(client, after).status_code == 302
    assert count_rows(app, ScenarioRecord) == 1


def test_csrf_tokens_have_a_finite_lifetime(app):
    assert 0 < app.config["WTF_CSRF_TIME_LIMIT"] <= 24 * 3600
    assert 0 < app.permanent_session_lifetime.total_seconds() <= 24 * 3600


@pytest.fixture
def later(monkeypatch):
    """Move the clock itsdangerous signs and checks tokens with."""

    def move(seconds: int) -> None:
        real = itsdangerous.timed.time.time
        monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: real() + seconds)

    return move


def test_an_expired_login_form_says_so_next_to_the_form(app, client, later):
    make_user(app)
    token = csrf_token_from(client)
    later(app.config["WTF_CSRF_TIME_LIMIT"] + 60)
    response = client.post(
        "/auth/login",
        data={"email": "teacher@example.org", "password": DEFAULT_PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/auth/login")
    page = client.get("/auth/login").get_data(as_text=True)
    assert "This form was open for too long, so it was not sent." in page
    assert re.search(r'<form method="post"', page)
    assert client.get("/author/").status_code == 302  # not signed in


def test_an_expired_token_on_an_api_call_is_a_json_error(app, client, auth, later):
    app.config["WTF_CSRF_TIME_LIMIT"] = 600  # shorter than the login session's 12 hours
    make_user(app)
    auth.login()
    token = csrf_token_from(client, "/host/")
    later(660)
    response = client.post(
        "/api/v1/sessions", json={"scenarios": ["ec2-web-server"]}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 400
    body = response.get_json()
    assert "expired" in body["error"]
    assert body["details"]


def test_a_poll_sends_no_cookie_back_while_the_session_is_unchanged(app, host, later):
    """The console's panel is fetched every few seconds; a response to one that left with
    the cookie of a moment ago must not write that cookie back over a newer one."""
    code = host.create()
    poll = host.client.get(f"/host/{code}/panel")
    assert poll.status_code == 200
    assert "Set-Cookie" not in poll.headers
    later(REFRESH_AFTER_SECONDS + 5)  # a signature this old is renewed: the 12 hours slide
    renewed = host.client.get(f"/host/{code}/panel")
    assert "session=" in renewed.headers.get("Set-Cookie", "")


def test_a_message_flashed_while_a_poll_is_out_survives_the_poll(app, host):
    code = host.create()
    token = csrf_of(host.client.get(f"/host/{code}").get_data(as_text=True))
    before = _session_cookie(host.client)  # what a poll in flight carries
    locked = host.client.post(f"/host/{code}/lock", data={"csrf_token": token, "locked": "1"})
    assert locked.status_code == 302
    late_poll = _replay(app, before).get(f"/host/{code}/panel")
    assert late_poll.status_code == 200
    assert "Set-Cookie" not in late_poll.headers  # the browser keeps the cookie with the message
    page = host.client.get(f"/host/{code}").get_data(as_text=True)
    assert "Joining is locked." in page
