"""One-time links work once, however many requests use them at the same moment."""

from __future__ import annotations

import contextlib
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from tests.conftest import DEFAULT_PASSWORD, make_user
from webapp.extensions import db
from webapp.models import SetupToken, User
from webapp.services import accounts

USES = 6


def _form_token(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, html[:500]
    return match.group(1)


def _wait_together(monkeypatch, name: str, parties: int) -> None:
    """Make each request pause at accounts.<name> until all have reached it.

    On PostgreSQL all of them then race; on SQLite writers queue (BEGIN IMMEDIATE), the
    wait times out and they go one after the other. Either way one use may win.
    """
    barrier = threading.Barrier(parties, timeout=3)
    real = getattr(accounts, name)

    def wait_then(*args, **kwargs):
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        return real(*args, **kwargs)

    monkeypatch.setattr(accounts, name, wait_then)


def _simultaneously(app, path: str, forms: list[dict]) -> list[int]:
    prepared = []
    for form in forms:
        client = app.test_client()
        prepared.append((client, {**form, "csrf_token": _form_token(client, path)}))
    with ThreadPoolExecutor(max_workers=len(prepared)) as pool:
        return list(pool.map(lambda cf: cf[0].post(path, data=cf[1]).status_code, prepared))


def _admins(app) -> int:
    with app.app_context():
        return db.session.execute(
            select(func.count()).select_from(User).where(User.role == "admin")
        ).scalar_one()


def _race_password_link(app, monkeypatch, path: str, email: str) -> list[str]:
    """Six simultaneous uses of an invitation or reset link, each with its own password:
    exactly one succeeds. Returns the passwords the account takes afterwards."""
    _wait_together(monkeypatch, "consume", USES)
    passwords = [f"chosen password number {n}" for n in range(USES)]
    statuses = _simultaneously(app, path, [{"password": p, "confirm": p} for p in passwords])
    assert sorted(statuses) == [302] + [404] * (USES - 1)
    with app.app_context():
        return [p for p in passwords if accounts.authenticate(db.session, email, p) is not None]


def _issue(app, issue, user_id=None) -> str:
    with app.app_context():
        token = issue(db.session, db.session.get(User, user_id)) if user_id else issue(db.session)
        db.session.commit()
        return token


def test_six_simultaneous_uses_of_an_invitation_sign_in_once(app, monkeypatch):
    with app.app_context():
        user = accounts.create_user(db.session, "new@example.org", "instructor", None)
        db.session.commit()
        user_id = user.id
    path = f"/auth/invite/{_issue(app, accounts.issue_invitation, user_id)}"
    assert len(_race_password_link(app, monkeypatch, path, "new@example.org")) == 1
    with app.app_context():
        used = db.session.execute(select(SetupToken)).scalar_one()
        assert used.used_at is not None


def test_six_simultaneous_uses_of_the_setup_link_make_one_admin(app, monkeypatch):
    path = f"/auth/setup/{_issue(app, accounts.issue_setup_token)}"
    _wait_together(monkeypatch, "consume", USES)
    forms = [
        {
            "email": f"admin{n}@example.org",
            "password": DEFAULT_PASSWORD,
            "confirm": DEFAULT_PASSWORD,
        }
        for n in range(USES)
    ]
    statuses = _simultaneously(app, path, forms)
    assert sorted(statuses) == [302] + [404] * (USES - 1)
    assert _admins(app) == 1


def test_two_live_setup_links_used_at_once_still_make_one_admin(app, monkeypatch):
    """Two servers started together may each print a link: only one admin ever comes of it."""
    with app.app_context():
        tokens = []
        for n in range(2):
            token = f"setup-token-{n}-" + "x" * 30
            db.session.add(SetupToken(token_hash=accounts._digest(token), purpose="setup"))
            tokens.append(token)
        db.session.commit()
    _wait_together(monkeypatch, "_first_admin_lock", USES)
    clients = [app.test_client() for _ in range(USES)]
    jobs = []
    for n, client in enumerate(clients):
        path = f"/auth/setup/{tokens[n % 2]}"
        jobs.append(
            (
                client,
                path,
                {
                    "email": f"admin{n}@example.org",
                    "password": DEFAULT_PASSWORD,
                    "confirm": DEFAULT_PASSWORD,
                    "csrf_token": _form_token(client, path),
                },
            )
        )
    with ThreadPoolExecutor(max_workers=USES) as pool:
        statuses = list(pool.map(lambda j: j[0].post(j[1], data=j[2]).status_code, jobs))
    assert sorted(statuses) == [302] + [404] * (USES - 1)
    assert _admins(app) == 1


def test_six_simultaneous_uses_of_a_reset_link_set_one_password(app, monkeypatch):
    user_id = make_user(app)
    path = f"/auth/reset/{_issue(app, accounts.issue_reset, user_id)}"
    assert len(_race_password_link(app, monkeypatch, path, "teacher@example.org")) == 1
    with app.app_context():
        assert accounts.authenticate(db.session, "teacher@example.org", DEFAULT_PASSWORD) is None


@pytest.mark.parametrize("purpose", ["invite", "reset"])
def test_a_used_link_is_dead(app, client, purpose):
    user_id = make_user(app) if purpose == "reset" else None
    if purpose == "invite":
        with app.app_context():
            user_id = accounts.create_user(db.session, "new@example.org", "instructor", None).id
            db.session.commit()
    issue = accounts.issue_reset if purpose == "reset" else accounts.issue_invitation
    path = f"/auth/{purpose}/{_issue(app, issue, user_id)}"
    password = "the first new password"
    response = client.post(
        path,
        data={"password": password, "confirm": password, "csrf_token": _form_token(client, path)},
    )
    assert response.status_code == 302
    again = app.test_client()
    assert again.get(path).status_code == 404
    assert "already used" in again.get(path).get_data(as_text=True)
