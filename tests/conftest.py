"""Fixtures in the flaskr style: app, client, runner, db; plus make_* data helpers.

Tests run on SQLite by default. With TEST_DATABASE_URL set (e.g. postgresql://postgres@127.0.0.1/test)
the same tests run on that database instead.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from webapp import create_app, database
from webapp.extensions import db as _db

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
RULES = SCENARIOS / "rules" / "aws.yaml"
# no LTI score sender beside the servers tests start (`serve` in process or as a
# subprocess): it would outlive the test and keep reading that test's database; the tests of
# the sender start it themselves
os.environ["SRM_LTI_SCORE_SENDER"] = "false"
# nor a SQLite checkpointer, for the same reason (test_cli's serve test keeps it on)
os.environ["SRM_SQLITE_CHECKPOINTER"] = "false"

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")


@pytest.fixture(scope="session", autouse=True)
def _instance_outside_the_user_data_dir(tmp_path_factory):
    """No test writes into the real instance folder (the user data dir): every app and CLI
    call that names none gets a scratch one, and so does platformdirs' default itself."""
    scratch = tmp_path_factory.mktemp("user-data")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SRM_INSTANCE_PATH", str(scratch / "instance"))
        mp.setenv("XDG_DATA_HOME", str(scratch / "xdg"))
        yield


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    if TEST_DATABASE_URL:
        return TEST_DATABASE_URL
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def _migrated(database_url, tmp_path_factory):
    """Migrate the test database once per run (from empty, so migrations are tested too)."""
    migrate_from_empty(make_app(database_url, tmp_path_factory.mktemp("instance")))
    return database_url


def migrate_from_empty(app) -> None:
    """Empty the app's database (PostgreSQL: drop the public schema) and migrate it."""
    with app.app_context():
        if _db.engine.dialect.name == "postgresql":
            with _db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        _db.engine.dispose()
    database.upgrade(app)
    with app.app_context():
        _db.engine.dispose()  # an engine left for the garbage collector warns on PostgreSQL


ON_POSTGRES = (TEST_DATABASE_URL or "").startswith("postgresql")


@pytest.fixture(params=["sqlite", "postgresql"] if ON_POSTGRES else ["sqlite"])
def empty_database(request, tmp_path):
    """An empty database URL: a SQLite file, or a scratch PostgreSQL database when tests run
    on PostgreSQL (created here and dropped afterwards, so the shared one is untouched)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrate.sqlite3'}"
        return
    server = create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    name = f"srm_migrate_{secrets.token_hex(4)}"
    with server.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    url = server.url.set(database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with server.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        server.dispose()


def make_app(database_url: str, instance: Path, **config):
    settings = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": True,
        "RATELIMIT_ENABLED": False,
        "SERVER_NAME": "localhost",
        "INSTANCE_PATH": str(instance),
        **config,
    }
    return create_app(settings)


@pytest.fixture
def app_config() -> dict:
    """Override in a test module to change the app's configuration."""
    return {}


@pytest.fixture
def app(_migrated, tmp_path, app_config):
    app = make_app(_migrated, tmp_path, **app_config)
    yield app
    empty_tables(app)


def empty_tables(app) -> None:
    """Delete every row (children first) and close the app's connections."""
    with app.app_context():
        _db.session.remove()
        with _db.engine.begin() as conn:
            for table in reversed(_db.metadata.sorted_tables):
                conn.execute(table.delete())
        _db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def db(app):
    with app.app_context():
        yield _db


def count_rows(app, model) -> int:
    """How many rows a table holds (to check that nothing was stored)."""
    from sqlalchemy import func, select

    with app.app_context():
        return _db.session.execute(select(func.count()).select_from(model)).scalar_one()


# --- accounts (shared helpers: make_user and the auth fixture) ---------------------------

DEFAULT_PASSWORD = "correct horse battery staple"


def make_user(
    app,
    email: str = "teacher@example.org",
    role: str = "instructor",
    password: str = DEFAULT_PASSWORD,
):
    """Create an account directly in the database; returns its id."""
    from webapp.services import accounts

    with app.app_context():
        user = accounts.create_user(_db.session, email, role, password)
        _db.session.commit()
        return user.id


def csrf_token_from(client, path: str = "/auth/login") -> str:
    """The CSRF token of the client's session, read from a page's meta tag."""
    from tests.helpers.csrf import csrf_token_from as read

    return read(client, path)


class AuthActions:
    """Sign a test client in and out through the real login form."""

    def __init__(self, client):
        self._client = client

    def login(self, email: str = "teacher@example.org", password: str = DEFAULT_PASSWORD):
        token = csrf_token_from(self._client)
        return self._client.post(
            "/auth/login", data={"email": email, "password": password, "csrf_token": token}
        )

    def logout(self):
        token = csrf_token_from(self._client)
        return self._client.post("/auth/logout", data={"csrf_token": token})

    def csrf(self, path: str = "/auth/login") -> str:
        return csrf_token_from(self._client, path)


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def host(app):
    """A signed-in instructor who hosts class sessions (tests.helpers.classroom.Host)."""
    from tests.helpers.classroom import Host

    return Host(app, "host@example.org")


# --- LTI: the test platform (tests.helpers.lti_platform) ---------------------------------

from tests.helpers.lti_platform import lti_platform  # noqa: E402,F401  (a fixture)
