"""Database set-up: SQLite pragmas, Alembic migrations, table reset for tests."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .extensions import db

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """WAL and a busy timeout, so concurrent submissions wait instead of 'database is locked'."""
    module = type(dbapi_connection).__module__
    if not module.startswith(("sqlite3", "pysqlite")):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def alembic_config() -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def upgrade(app: Flask, revision: str = "head") -> None:
    """Apply migrations to the app's database (what `srm-trainer db upgrade` runs)."""
    with app.app_context():
        with db.engine.begin() as connection:
            cfg = alembic_config()
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, revision)
        url = db.engine.url.render_as_string(hide_password=True)
    log.info("database schema is up to date (%s)", url)


def init_app(app: Flask) -> None:
    @app.teardown_appcontext
    def _rollback_unfinished(exc: BaseException | None) -> None:
        if exc is not None:
            db.session.rollback()
