"""Accounts can recover: an admin's reset link, the set-password command, the login page's hint."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.conftest import DEFAULT_PASSWORD, AuthActions, csrf_token_from, make_user
from webapp.extensions import db
from webapp.models import SetupToken

NEW_PASSWORD = "a fresh password for today"


def _admin(app):
    make_user(app, "boss@example.org", "admin")
    client = app.test_client()
    assert AuthActions(client).login("boss@example.org").status_code == 302
    return client


def _reset_link(admin, user_id: int) -> str:
    token = csrf_token_from(admin, "/admin/")
    response = admin.post(f"/admin/users/{user_id}/reset", data={"csrf_token": token})
    assert response.status_code == 201
    html = response.get_data(as_text=True)
    assert "Password reset for teacher@example.org" in html
    return re.search(r'value="http://localhost(/auth/reset/[^"]+)"', html).group(1)


def _choose(client, path: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    html = client.get(path).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    return client.post(
        path, data={"password": password, "confirm": confirm or password, "csrf_token": token}
    )


def test_the_accounts_page_offers_a_reset_for_accounts_with_a_password(app):
    user_id = make_user(app)
    admin = _admin(app)
    html = admin.get("/admin/").get_data(as_text=True)
    assert f'action="/admin/users/{user_id}/reset"' in html
    assert "Reset password" in html


def test_an_admins_reset_link_sets_a_new_password_and_ends_other_sessions(app):
    user_id = make_user(app)
    laptop = app.test_client()
    assert AuthActions(laptop).login().status_code == 302  # the owner, signed in elsewhere
    path = _reset_link(_admin(app), user_id)

    phone = app.test_client()
    page = phone.get(path).get_data(as_text=True)
    assert "Choose a new password" in page
    assert "teacher@example.org" in page
    response = _choose(phone, path)
    assert response.status_code == 302
    assert phone.get("/author/").status_code == 200  # signed in with the new password
    assert laptop.get("/author/").status_code == 302  # the other session ended
    assert AuthActions(app.test_client()).login(password=DEFAULT_PASSWORD).status_code == 401
    assert AuthActions(app.test_client()).login(password=NEW_PASSWORD).status_code == 302
    assert app.test_client().get(path).status_code == 404  # used once


def test_a_reset_form_with_errors_changes_nothing_and_keeps_the_link(app):
    user_id = make_user(app)
    path = _reset_link(_admin(app), user_id)
    client = app.test_client()
    response = _choose(client, path, "short", "different")
    assert response.status_code == 400
    assert "Use 12 to 256 characters." in response.get_data(as_text=True)
    assert AuthActions(app.test_client()).login().status_code == 302  # old password works
    assert client.get(path).status_code == 200


def test_a_new_reset_link_revokes_the_earlier_one(app):
    user_id = make_user(app)
    admin = _admin(app)
    first = _reset_link(admin, user_id)
    second = _reset_link(admin, user_id)
    assert app.test_client().get(first).status_code == 404
    assert app.test_client().get(second).status_code == 200
    with app.app_context():
        rows = db.session.execute(select(SetupToken).where(SetupToken.purpose == "reset"))
        assert len(rows.all()) == 1


def test_reset_for_an_invited_account_gives_its_invitation(app):
    admin = _admin(app)
    token = csrf_token_from(admin, "/admin/")
    admin.post(
        "/admin/users", data={"email": "new@example.org", "role": "instructor", "csrf_token": token}
    )
    with app.app_context():
        from webapp.services import accounts

        user_id = accounts.find_user(db.session, "new@example.org").id
    response = admin.post(
        f"/admin/users/{user_id}/reset", data={"csrf_token": csrf_token_from(admin, "/admin/")}
    )
    assert response.status_code == 201
    assert "/auth/invite/" in response.get_data(as_text=True)


def test_instructors_cannot_issue_reset_links(app):
    user_id = make_user(app)
    make_user(app, "other@example.org")
    other = app.test_client()
    AuthActions(other).login("other@example.org")
    response = other.post(
        f"/admin/users/{user_id}/reset", data={"csrf_token": csrf_token_from(other, "/author/")}
    )
    assert response.status_code == 403
    with app.app_context():
        assert db.session.execute(select(SetupToken)).first() is None


def test_cli_set_password(app, runner, client, auth):
    from webapp.cli import main

    make_user(app)
    auth.login()
    result = runner.invoke(
        main,
        ["users", "set-password", "Teacher@Example.org", "--password-stdin"],
        input=NEW_PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert "new password set for teacher@example.org" in result.output
    assert client.get("/author/").status_code == 302  # its sessions ended
    assert AuthActions(app.test_client()).login(password=NEW_PASSWORD).status_code == 302
    assert AuthActions(app.test_client()).login(password=DEFAULT_PASSWORD).status_code == 401


def test_cli_set_password_refuses_unknown_accounts_and_short_passwords(app, runner):
    from webapp.cli import main

    make_user(app)
    result = runner.invoke(
        main,
        ["users", "set-password", "nobody@example.org", "--password-stdin"],
        input=NEW_PASSWORD + "\n",
    )
    assert result.exit_code == 1
    assert "no account with the email nobody@example.org" in result.output
    result = runner.invoke(
        main, ["users", "set-password", "teacher@example.org", "--password-stdin"], input="short\n"
    )
    assert result.exit_code == 1
    assert "Use at least 12 characters." in result.output
    assert AuthActions(app.test_client()).login().status_code == 302  # unchanged


def test_the_login_page_says_what_to_do_about_a_forgotten_password(client):
    html = client.get("/auth/login").get_data(as_text=True)
    assert "Forgot your password? Ask an admin for a reset link" in html
    assert "srm-trainer users set-password" in html
