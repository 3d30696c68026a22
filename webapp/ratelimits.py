"""Rate limits: where they are counted, and the limits on the anonymous class and grading routes.

Counters live where every worker sees them: by default in the app's own database
(`database://`, the `rate_limits` table), or in Redis (`redis://host:6379/0`). `memory://`
counts in each worker process alone and is only for a single process.
"""

from __future__ import annotations

import math
import random
import time
from contextlib import contextmanager

from flask import Flask, current_app
from flask_limiter.util import get_remote_address
from limits.storage import Storage, storage_from_string
from sqlalchemy import Engine, case, create_engine, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError

from .extensions import db, limiter
from .models import RateLimitCounter

DATABASE_STORE = "database://"
PURGE_SHARE = 0.001
TOO_MANY = "Too many requests from your network. Try again in {seconds} seconds."


def _join_limit() -> str:
    return current_app.config["SRM_JOIN_LIMIT"]


def _grade_limit() -> str:
    return current_app.config["SRM_GRADE_LIMIT"]


def _check_limit() -> str:
    # one request per card placed: sixteen or so per board, so more than grading
    return current_app.config.get("SRM_CHECK_LIMIT", "1200 per minute;12000 per hour")


# per-address limits of the anonymous routes, by scope. A class of hundreds of learners often
# shares one address (a school's NAT), so they are generous per minute: they stop a flood,
# not a room. (Module-level functions, so a second app registers the same limits, not more.)
PUBLIC_LIMITS = {
    "join": (_join_limit, ("classroom.join", "classroom_api.join")),
    "grade": (_grade_limit, ("api.grade_scenario", "learn.submit")),
    "check": (_check_limit, ("api.check_card",)),
}

_COUNTERS = RateLimitCounter.__table__


def now() -> float:
    """The clock the database store and retry times read (Unix time)."""
    return time.time()


class DatabaseStorage(Storage):
    """A storage for the `limits` library kept in the app's database (fixed windows).

    Each hit is one atomic upsert in its own short transaction, outside the request's
    session, so a counted hit stays counted whatever the request does afterwards.
    """

    STORAGE_SCHEME = ["database"]

    def __init__(
        self,
        uri: str | None = None,
        wrap_exceptions: bool = False,
        *,
        app: Flask | None = None,
        **options,
    ):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._app = app
        self._engine: Engine | None = None

    @property
    def base_exceptions(self):
        return SQLAlchemyError

    @contextmanager
    def _connect(self):
        """A short transaction of its own; on SQLite a deferred one, so that a read made
        after the request's own writes (Flask-Limiter's headers) does not wait for them."""
        if self._engine is None:
            # flask types current_app as the Flask it proxies, without the proxy's own method
            app = self._app or current_app._get_current_object()  # type: ignore[attr-defined]
            with app.app_context():
                self._engine = _counter_engine(db.engine)
        with self._engine.connect() as conn:
            conn.execution_options(srm_rate_limits=True)
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    # a counter need not wait for the disk: losing the last hits in a
                    # database crash is harmless, and the wait was most of a hit's cost
                    conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
                yield conn

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now_ = now()
        with self._connect() as conn:
            insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
            stmt = insert(_COUNTERS).values(key=key, count=amount, expires_at=now_ + expiry)
            expired = _COUNTERS.c.expires_at <= now_
            upsert = stmt.on_conflict_do_update(
                index_elements=["key"],
                set_={
                    "count": case((expired, amount), else_=_COUNTERS.c.count + amount),
                    "expires_at": case((expired, now_ + expiry), else_=_COUNTERS.c.expires_at),
                },
            ).returning(_COUNTERS.c.count)
            count = int(conn.execute(upsert).scalar_one())
            if random.random() < PURGE_SHARE:  # now and then, drop windows that have ended
                conn.execute(delete(_COUNTERS).where(_COUNTERS.c.expires_at <= now_))
            return count

    def _row(self, key: str):
        with self._connect() as conn:
            return conn.execute(
                select(_COUNTERS.c.count, _COUNTERS.c.expires_at).where(
                    _COUNTERS.c.key == key, _COUNTERS.c.expires_at > now()
                )
            ).first()

    def get(self, key: str) -> int:
        row = self._row(key)
        return int(row.count) if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        return float(row.expires_at) if row else now()

    def check(self) -> bool:
        try:
            with self._connect() as conn:
                conn.execute(select(1))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with self._connect() as conn:
            return conn.execute(delete(_COUNTERS)).rowcount

    def clear(self, key: str) -> None:
        with self._connect() as conn:
            conn.execute(delete(_COUNTERS).where(_COUNTERS.c.key == key))


def _counter_engine(engine: Engine) -> Engine:
    """The engine counters use: the app's own, except on SQLite, where a second engine on the
    same file keeps its own connection. A request holds its connection while a counter is
    hit, and under gevent `serve` gives each worker one SQLite connection (config.py): a
    counter waiting for that one would wait for ever."""
    if engine.dialect.name != "sqlite":
        return engine
    return create_engine(
        engine.url, connect_args={"timeout": 30}, pool_size=1, max_overflow=0, pool_timeout=30
    )


def storage_uri(app: Flask) -> str:
    """The configured store (RATELIMIT_STORAGE_URI), the app's database when unset."""
    return app.config.get("RATELIMIT_STORAGE_URI") or DATABASE_STORE


def is_per_process(uri: str) -> bool:
    """Whether counters would live in one worker's memory."""
    return uri.startswith(("memory://", "memory:"))


def make_storage(app: Flask) -> Storage:
    """A storage for counters of this app (the same store Flask-Limiter uses)."""
    storage = storage_from_string(storage_uri(app), **app.config["RATELIMIT_STORAGE_OPTIONS"])
    if not isinstance(storage, Storage):  # an async+ store: its calls would return coroutines
        raise TypeError("rate limits need a synchronous store (RATELIMIT_STORAGE_URI)")
    return storage


def retry_after(reset_at: float) -> int:
    """Whole seconds until a window ends (at least one)."""
    return max(1, math.ceil(reset_at - now()))


def _too_many() -> str:
    current = limiter.current_limit
    seconds = retry_after(current.reset_at) if current else 60
    return TOO_MANY.format(seconds=seconds)


def configure(app: Flask) -> None:
    """Before Flask-Limiter starts: pick the store, and let the database store reach the app."""
    app.config["RATELIMIT_STORAGE_URI"] = storage_uri(app)
    options = dict(app.config.get("RATELIMIT_STORAGE_OPTIONS") or {})
    if app.config["RATELIMIT_STORAGE_URI"].startswith(DATABASE_STORE):
        options["app"] = app
    app.config["RATELIMIT_STORAGE_OPTIONS"] = options


def init_app(app: Flask) -> None:
    """Put the per-address limits on the anonymous join and grading routes."""
    for scope, (limit, endpoints) in PUBLIC_LIMITS.items():
        shared = limiter.shared_limit(
            limit,
            scope=scope,
            key_func=get_remote_address,
            methods=["POST"],
            error_message=_too_many,
        )
        for endpoint in endpoints:
            view = app.view_functions.get(endpoint)
            if view is not None:
                # flask-limiter types the decorated view as maybe async: it is the same sync view
                app.view_functions[endpoint] = shared(view)  # type: ignore[assignment]
