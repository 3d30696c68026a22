"""Failed sign-ins slow guessing down, but a stranger cannot lock the owner out for long."""

from __future__ import annotations

import re

import pytest

from tests.conftest import DEFAULT_PASSWORD, make_app, make_user
from webapp import ratelimits

OWNER = "teacher@example.org"
STRANGER = {"REMOTE_ADDR": "203.0.113.7"}
OWNER_ADDRESS = {"REMOTE_ADDR": "198.51.100.20"}


@pytest.fixture
def app_config():
    return {
        "RATELIMIT_ENABLED": True,
        "SRM_LOGIN_LIMIT_ADDRESS": "8 per minute",
        "SRM_LOGIN_FREE_FAILURES": 3,
        "SRM_LOGIN_DELAY_MAX": 60,
    }


@pytest.fixture
def clock(monkeypatch):
    """The rate-limit clock, moved by hand."""
    state = {"now": 1_900_000_000.0}
    monkeypatch.setattr(ratelimits, "now", lambda: state["now"])

    def advance(seconds: float) -> None:
        state["now"] += seconds

    return advance


def sign_in(client, environ, email=OWNER, password=DEFAULT_PASSWORD):
    html = client.get("/auth/login", environ_base=environ).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    return client.post(
        "/auth/login",
        data={"email": email, "password": password, "csrf_token": token},
        environ_base=environ,
    )


def test_the_owner_gets_in_after_a_strangers_failures_with_at_most_a_short_wait(app, clock):
    make_user(app)
    stranger = app.test_client()
    statuses = [
        sign_in(stranger, STRANGER, password="guess number one!").status_code for _ in range(6)
    ]
    assert statuses[:4] == [401, 401, 401, 401]  # the fourth failure starts the wait
    assert set(statuses[4:]) == {429}  # guesses during the wait are not even tried

    owner = app.test_client()
    response = sign_in(owner, OWNER_ADDRESS)
    assert response.status_code == 429
    wait = int(response.headers["Retry-After"])
    assert 1 <= wait <= 60
    page = response.get_data(as_text=True)
    assert f"Try again in {wait} seconds." in page
    assert 'value="teacher@example.org"' in page  # the form keeps the email

    clock(wait)
    response = sign_in(owner, OWNER_ADDRESS)
    assert response.status_code == 302
    assert owner.get("/author/").status_code == 200


def test_the_wait_grows_with_failures_but_never_passes_the_cap(app, clock):
    make_user(app)
    waits, failures = [], 0
    for n in range(30):
        environ = {"REMOTE_ADDR": f"203.0.113.{n + 10}"}  # only the account brake acts
        response = sign_in(app.test_client(), environ, password="yet another guess")
        if response.status_code == 429:
            waits.append(int(response.headers["Retry-After"]))
            clock(waits[-1])
        else:
            assert response.status_code == 401
            failures += 1
    assert waits[:5] == [2, 4, 8, 16, 32]
    assert set(waits[5:]) == {60}
    # three free failures, then each further failure only after waiting: half the attempts
    assert failures - 3 - len(waits) in (0, 1)
    owner = sign_in(app.test_client(), OWNER_ADDRESS)
    assert owner.status_code == 429
    assert int(owner.headers["Retry-After"]) <= 60
    clock(60)
    assert sign_in(app.test_client(), OWNER_ADDRESS).status_code == 302


def test_a_successful_sign_in_forgets_the_failures(app, clock):
    make_user(app)
    client = app.test_client()
    for _ in range(3):
        assert sign_in(client, OWNER_ADDRESS, password="typo in password").status_code == 401
    assert sign_in(client, OWNER_ADDRESS).status_code == 302
    client.post(
        "/auth/logout",
        data={
            "csrf_token": re.search(
                r'name="csrf-token" content="([^"]+)"',
                client.get("/author/").get_data(as_text=True),
            ).group(1)
        },
    )
    # three more typos are free again: the count started over
    for _ in range(3):
        assert sign_in(client, OWNER_ADDRESS, password="typo in password").status_code == 401
    assert sign_in(client, OWNER_ADDRESS).status_code == 302


def test_one_address_guessing_many_accounts_is_stopped_but_others_are_not(app, clock):
    make_user(app)
    stranger = app.test_client()
    for n in range(8):
        response = sign_in(stranger, STRANGER, email=f"guess{n}@example.org")
        assert response.status_code == 401
    response = sign_in(stranger, STRANGER, email="guess9@example.org")
    assert response.status_code == 429
    assert "from your network" in response.get_data(as_text=True)
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    # the owner, elsewhere, is not affected by that address
    assert sign_in(app.test_client(), OWNER_ADDRESS).status_code == 302


def test_two_app_instances_on_one_database_count_together(app, clock, tmp_path, app_config):
    """Two workers (two create_app() on the same database) share one count."""
    make_user(app)
    first = app.test_client()
    for _ in range(4):
        assert sign_in(first, STRANGER, password="guess from worker 1").status_code == 401
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    second_app = make_app(url, tmp_path / "second", **app_config)
    response = sign_in(second_app.test_client(), OWNER_ADDRESS)
    assert response.status_code == 429  # the other worker's failures count here too
    with second_app.app_context():
        from webapp.extensions import db

        db.engine.dispose()


def test_the_database_is_the_default_store(app):
    assert app.config["RATELIMIT_STORAGE_URI"] == "database://"


REDIS_URL = "redis://127.0.0.1:6379/3"


def _redis_reachable() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except Exception:  # noqa: BLE001 - any failure means "no Redis here"
        return False


@pytest.mark.skipif(not _redis_reachable(), reason=f"no Redis at {REDIS_URL}")
def test_with_redis_configured_two_app_instances_count_together(app, tmp_path, app_config):
    """SRM_RATELIMIT_STORAGE_URI=redis://...: the counters live in Redis, shared too."""
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    make_user(app)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    config = {**app_config, "RATELIMIT_STORAGE_URI": REDIS_URL}
    first = make_app(url, tmp_path / "one", **config)
    second = make_app(url, tmp_path / "two", **config)
    for n in range(8):  # the address limit is 8 failures a minute
        assert (
            sign_in(first.test_client(), STRANGER, email=f"guess{n}@example.org").status_code == 401
        )
    response = sign_in(second.test_client(), STRANGER, email="guess9@example.org")
    assert response.status_code == 429
    assert "from your network" in response.get_data(as_text=True)
    assert redis.Redis.from_url(REDIS_URL).keys("*login-address*")
    redis.Redis.from_url(REDIS_URL).flushdb()
    for instance in (first, second):
        with instance.app_context():
            from webapp.extensions import db

            db.engine.dispose()
