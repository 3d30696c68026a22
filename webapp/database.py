"""Database set-up: SQLite pragmas, Alembic migrations, table reset for tests."""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from flask import Flask, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .config import green
from .extensions import db

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _is_sqlite(dbapi_connection) -> bool:
    return type(dbapi_connection).__module__.startswith(("sqlite3", "pysqlite"))


# With a checkpointer beside gunicorn, the workers' own automatic checkpoint is only a
# safety net for when it falls behind: at SQLite's default of 1,000 pages a request that
# commits pays for a checkpoint (and its fsync) every few dozen commits, holding the write
# lock every other writer waits on.
WAL_AUTOCHECKPOINT_ENV = "SRM_SQLITE_WAL_AUTOCHECKPOINT"
SAFETY_NET_PAGES = 10_000  # about 40 MB of WAL


BUSY_TIMEOUT_MS = 30_000


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _connection_record) -> None:
    """WAL and a busy timeout, so concurrent submissions wait instead of 'database is locked'."""
    if not _is_sqlite(dbapi_connection):
        return
    # let SQLAlchemy's "begin" event below emit BEGIN itself (pysqlite's own is deferred)
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    pages = os.environ.get(WAL_AUTOCHECKPOINT_ENV, "")
    if pages.isdigit():  # set by `serve` when a checkpointer runs beside the workers
        cursor.execute(f"PRAGMA wal_autocheckpoint={int(pages)}")
    cursor.close()


WRITER = "srm_writer"  # execution option and connection info: a transaction that writes


def writable(session: Any) -> bool:
    """Make sure the session's transaction may write: on SQLite, a transaction begun to
    read (a GET's) that then writes fails at once when another process wrote since it
    began, whatever the busy timeout; so such a transaction is ended (it has read, not
    written) and a writing one begun in its place. Elsewhere nothing to do. True when a
    new transaction was begun (what the old one read may have changed)."""
    connection = session.connection()
    if connection.dialect.name != "sqlite" or connection.info.get(WRITER):
        return False
    session.commit()
    session.connection(execution_options={WRITER: True})
    return True


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection) -> None:
    """On SQLite, requests that write take the write lock up front (BEGIN IMMEDIATE).

    A deferred transaction that reads and then writes cannot wait for another writer: SQLite
    fails it at once with "database is locked", busy timeout or not. Taking the lock at the
    start makes concurrent writers queue instead. Reads (GET) stay deferred and never block.

    In a gevent worker a request's wait for the lock yields to the worker's other greenlets:
    SQLite's own busy wait sleeps inside C, where it would freeze every request of the
    worker (every learner's poll, which has connections of its own) while another process
    writes. Rate-limit counters keep SQLite's wait: a counter holds its one connection while
    it waits, and a request holding the lock may need that connection for a read, so
    letting other greenlets run during that wait could close a circle.
    """
    if connection.dialect.name != "sqlite":
        return
    options = connection.get_execution_options()
    immediate = bool(options.get(WRITER)) or (
        has_request_context()
        and request.method not in ("GET", "HEAD", "OPTIONS")
        # rate-limit counters: one statement each, never waiting on their request
        and not options.get("srm_rate_limits")
    )
    connection.info[WRITER] = immediate
    if immediate and green():
        import gevent

        begin_immediate(connection.connection.driver_connection, gevent.sleep)
        return
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def begin_immediate(
    dbapi_connection: Any,
    sleep: Callable[[float], object],
    timeout: float = BUSY_TIMEOUT_MS / 1000,
) -> None:
    """BEGIN IMMEDIATE on a raw SQLite connection, waiting for the write lock with `sleep`
    between tries (from half a millisecond, doubling up to 10 ms) instead of inside SQLite;
    after `timeout` seconds, "database is locked" as SQLite's own wait would say."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=0")
    try:
        deadline = time.monotonic() + timeout
        delay = 0.0005
        while True:
            try:
                cursor.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() + delay > deadline:
                    raise
            sleep(delay)
            delay = min(delay * 2, 0.01)
    finally:
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()


def alembic_config() -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


@contextmanager
def _migration_connection(app: Flask):
    """A connection in a transaction for Alembic; on SQLite with foreign keys off meanwhile.

    SQLite's batch migrations copy a table, drop the old one and rename the copy. With
    foreign keys on, that DROP TABLE deletes the rows of every table that cascades from it
    (dropping "attempts" would empty "attempt_answers"), so migrations run with them off,
    as Alembic's documentation advises, and the result is checked before commit.
    """
    with app.app_context(), db.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        raw = connection.connection.driver_connection
        if sqlite:  # outside a transaction: the pragma is a no-op inside one
            if raw is None:  # only a closed or invalidated pool connection has none
                raise RuntimeError("the migration connection has no driver connection")
            raw.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                yield connection
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise RuntimeError(f"migration left broken references: {broken[:5]}")
        finally:
            if sqlite and raw is not None:  # not None: checked above
                raw.execute("PRAGMA foreign_keys=ON")


def _alembic(app: Flask, action, revision: str) -> tuple[str | None, str | None]:
    """Run an Alembic command; the schema revision before and after it."""
    with _migration_connection(app) as connection:
        before = MigrationContext.configure(connection).get_current_revision()
        cfg = alembic_config()
        cfg.attributes["connection"] = connection
        action(cfg, revision)
        return before, MigrationContext.configure(connection).get_current_revision()


def display_url(app: Flask) -> str:
    """The app's database URL with any password hidden (for messages and logs)."""
    with app.app_context():
        return db.engine.url.render_as_string(hide_password=True)


def upgrade(app: Flask, revision: str = "head") -> str:
    """Apply migrations (what `srm-trainer db upgrade` runs); says what it did, in words.

    "created and migrated" on an empty database, "migrated from X to Y" after an upgrade,
    "up to date" when there was nothing to do.
    """
    before, after = _alembic(app, command.upgrade, revision)
    if before is None:
        outcome = f"created and migrated to {after}"
    elif before != after:
        outcome = f"migrated from {before} to {after}"
    else:
        outcome = "up to date"
    log.debug("database %s (%s)", outcome, display_url(app))
    return outcome


def downgrade(app: Flask, revision: str) -> None:
    """Undo migrations down to a revision (for operators rolling back a release, and tests)."""
    _alembic(app, command.downgrade, revision)


def init_app(app: Flask) -> None:
    app.config.setdefault("SQLITE_CHECKPOINTER", not app.testing)
    app.config.setdefault("SQLITE_CHECKPOINT_INTERVAL", 1.0)
    app.extensions.setdefault("srm_serve_hooks", []).append(checkpointer_hook)

    @app.teardown_appcontext
    def _rollback_unfinished(exc: BaseException | None) -> None:
        if exc is not None:
            db.session.rollback()


# --- the SQLite checkpointer -------------------------------------------------------------


def checkpoint(app: Flask) -> tuple[int, int, int]:
    """Copy what the write-ahead log holds into the SQLite database file, without waiting on
    readers or writers (PRAGMA wal_checkpoint(PASSIVE)): (busy, frames in the log, frames
    copied). Run outside any transaction, on a connection of its own."""
    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()  # the driver's own: no BEGIN, so outside a transaction
            cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
            row = cursor.fetchone() or (1, -1, -1)
        finally:
            raw.close()
    return int(row[0]), int(row[1]), int(row[2])


def is_sqlite(app: Flask) -> bool:
    with app.app_context():
        return db.engine.dialect.name == "sqlite"


def checkpointer_hook(app: Flask, _host: str, _port: int) -> None:
    """`serve` on SQLite: checkpoint the WAL in a process of its own every
    SQLITE_CHECKPOINT_INTERVAL seconds, so requests that commit never do it themselves."""
    if not app.config.get("SQLITE_CHECKPOINTER") or not is_sqlite(app):
        return
    from .sidecar import Sidecar

    every = float(app.config["SQLITE_CHECKPOINT_INTERVAL"])
    os.environ[WAL_AUTOCHECKPOINT_ENV] = str(SAFETY_NET_PAGES)  # the workers' create_app
    checkpointer = Sidecar("db", "checkpoint", "--every", str(every)).start()
    app.extensions["srm_checkpointer"] = checkpointer
    pid = checkpointer.process.pid if checkpointer.process else "?"
    print(f"SQLite checkpointer: every {every:g} s, in process {pid}")
