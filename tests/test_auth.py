"""Accounts: sign-in, sign-out, cookies, first-run setup and the users CLI."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.conftest import DEFAULT_PASSWORD, count_rows, make_user
from webapp.extensions import db
from webapp.models import SetupToken, User


def test_login_success_redirects_to_author_pages(app, client, auth):
    make_user(app)
    response = auth.login()
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/author/")
    assert client.get("/author/").status_code == 200


def test_wrong_password_is_refused_with_a_message(app, client, auth):
    make_user(app)
    response = auth.login(password="wrong password entirely")
    assert response.status_code == 401
    assert "do not match an active account" in response.get_data(as_text=True)
    assert client.get("/author/").status_code == 302


def test_unknown_email_gets_the_same_answer(app, auth):
    make_user(app)
    response = auth.login(email="nobody@example.org")
    assert response.status_code == 401
    assert "do not match an active account" in response.get_data(as_text=True)


def test_login_without_csrf_token_is_refused(app, client):
    make_user(app)
    response = client.post(
        "/auth/login", data={"email": "teacher@example.org", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 400
    assert client.get("/author/").status_code == 302


def test_passwords_are_stored_hashed_with_scrypt(app):
    make_user(app)
    with app.app_context():
        user = db.session.execute(select(User)).scalar_one()
        assert user.password_hash.startswith("scrypt:")
        assert DEFAULT_PASSWORD not in user.password_hash


def test_logout_needs_a_post_with_csrf(app, client, auth):
    make_user(app)
    auth.login()
    assert client.get("/auth/logout").status_code == 405
    assert client.post("/auth/logout").status_code == 400
    assert client.get("/author/").status_code == 200
    response = auth.logout()
    assert response.status_code == 302
    assert client.get("/author/").status_code == 302


def test_session_cookie_is_httponly_and_lax(app, client, auth):
    make_user(app)
    response = auth.login()
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_session_cookie_is_secure_over_https(app):
    make_user(app)
    client = app.test_client()
    html = client.get("/auth/login", base_url="https://localhost").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    response = client.post(
        "/auth/login",
        base_url="https://localhost",
        data={"email": "teacher@example.org", "password": DEFAULT_PASSWORD, "csrf_token": token},
        headers={"Referer": "https://localhost/auth/login"},
    )
    assert response.status_code == 302
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "Secure" in cookie


def test_next_goes_to_local_pages_only(app, client, auth):
    make_user(app)
    token = auth.csrf()
    data = {"email": "teacher@example.org", "password": DEFAULT_PASSWORD, "csrf_token": token}
    response = client.post("/auth/login?next=//evil.example/x", data=data)
    assert response.headers["Location"].endswith("/author/")
    auth.logout()
    data["csrf_token"] = auth.csrf()
    response = client.post("/auth/login?next=/author/new", data=data)
    assert response.headers["Location"].endswith("/author/new")


def test_disabled_account_cannot_sign_in_and_is_signed_out(app, client, auth):
    user_id = make_user(app)
    auth.login()
    assert client.get("/author/").status_code == 200
    with app.app_context():
        db.session.get(User, user_id).active = False
        db.session.commit()
    assert client.get("/author/").status_code == 302  # the running session ends
    response = auth.login()
    assert response.status_code == 401


def test_anonymous_author_page_redirects_to_login(client):
    response = client.get("/author/")
    assert response.status_code == 302
    assert "/auth/login?next=" in response.headers["Location"]


def _run_first_run_hook(app, capsys) -> str:
    for hook in app.extensions["srm_serve_hooks"]:
        hook(app, "0.0.0.0", 8000)
    out = capsys.readouterr().out
    match = re.search(r"http://localhost:8000(/auth/setup/\S+)", out)
    assert match, out
    return match.group(1)


def test_first_run_prints_a_one_time_setup_link(app, client, capsys):
    path = _run_first_run_hook(app, capsys)
    token = path.rsplit("/", 1)[1]
    with app.app_context():
        stored = db.session.execute(select(SetupToken)).scalar_one()
        assert stored.token_hash != token
        assert token not in stored.token_hash
    html = client.get(path).get_data(as_text=True)
    token_field = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    response = client.post(
        path,
        data={
            "email": "Admin@Example.org",
            "password": DEFAULT_PASSWORD,
            "confirm": DEFAULT_PASSWORD,
            "csrf_token": token_field,
        },
    )
    assert response.status_code == 302
    with app.app_context():
        admin = db.session.execute(select(User)).scalar_one()
        assert (admin.email, admin.role) == ("admin@example.org", "admin")
    assert client.get("/admin/").status_code == 200
    # the link is dead now, and no new one is printed while an admin exists
    assert app.test_client().get(path).status_code == 404
    for hook in app.extensions["srm_serve_hooks"]:
        hook(app, "127.0.0.1", 8000)
    assert "/auth/setup/" not in capsys.readouterr().out


def test_setup_form_errors_store_nothing(app, client, capsys):
    path = _run_first_run_hook(app, capsys)
    html = client.get(path).get_data(as_text=True)
    token_field = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    response = client.post(
        path,
        data={
            "email": "admin@example.org",
            "password": "short",
            "confirm": "different",
            "csrf_token": token_field,
        },
    )
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Use 12 to 256 characters." in body
    assert count_rows(app, User) == 0
    assert client.get(path).status_code == 200  # still usable


def test_setup_link_is_refused_once_an_admin_exists(app, client, capsys):
    path = _run_first_run_hook(app, capsys)
    make_user(app, "boss@example.org", "admin")
    assert client.get(path).status_code == 404


def test_a_new_setup_link_revokes_the_old_one(app, client, capsys):
    first = _run_first_run_hook(app, capsys)
    second = _run_first_run_hook(app, capsys)
    assert first != second
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200


def test_cli_users_create_with_password_on_stdin(app, runner, auth):
    from webapp.cli import main

    result = runner.invoke(
        main,
        ["users", "create", "Prof@Example.org", "--role", "instructor", "--password-stdin"],
        input=DEFAULT_PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert "created instructor prof@example.org" in result.output
    assert auth.login(email="prof@example.org").status_code == 302


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["bad-email"], DEFAULT_PASSWORD, "Enter an email address"),
        (["a@example.org"], "short", "at least 12 characters"),
        (["a@example.org", "--role", "learner"], DEFAULT_PASSWORD, "Invalid value for '--role'"),
    ],
)
def test_cli_users_create_refuses_bad_input(app, runner, args, stdin, message):
    from webapp.cli import main

    result = runner.invoke(main, ["users", "create", *args, "--password-stdin"], input=stdin + "\n")
    assert result.exit_code != 0
    assert message in result.output
    assert count_rows(app, User) == 0


def test_cli_users_create_refuses_a_duplicate(app, runner):
    from webapp.cli import main

    make_user(app, "a@example.org")
    result = runner.invoke(
        main,
        ["users", "create", "A@example.org", "--password-stdin"],
        input=DEFAULT_PASSWORD + "\n",
    )
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert count_rows(app, User) == 1


def test_cli_users_list(app, runner):
    from webapp.cli import main

    make_user(app, "a@example.org", "admin")
    result = runner.invoke(main, ["users", "list"])
    assert result.exit_code == 0
    assert "a@example.org\tadmin\tactive" in result.output
