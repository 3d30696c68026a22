"""The learners' state poll, answered in front of Flask when the answer is already known.

Design note
-----------
*Why a middleware.* A room of 1,000 polls ``GET /api/v1/sessions/<code>/state`` about once
a second each, and almost every poll gets "304 Not Modified". Through Flask such a poll
costs ~2.5 ms of CPU (request context, Flask-Login, session cookie, hooks, ORM); on two
cores that crowds out the answers. A WSGI middleware in front of the app answers it for a
fraction of that, before any of Flask's machinery runs.

*Why its own engine.* It runs outside an app context, so it cannot use Flask-SQLAlchemy's
scoped session; and a poll needs one indexed single-row SELECT, so it uses a small pool of
its own on the same database URL: autocommit (no BEGIN/ROLLBACK round trips), no pre-ping.
In-memory SQLite (a second connection would see another database) turns it off, and so
does ``SRM_CLASS_FAST_POLL = False``.

*What it answers.* Only GETs of the state path for a session that exists, has not ended
and whose countdown has not run out:

* the browser's If-None-Match holds the current version: 304;
* this worker has already built the JSON body of the current version: 200 with it.

In the lobby both carry ``X-Room-Count``, how many are in the room: joining does not bump
the state version (a full body for every learner at every join would grow with the square
of the room), so the count rides on the 304s instead, recounted at most once every
ROOM_COUNT_SECONDS per worker. Everything else (unknown code 404, ended 410, a version
this worker has not built yet, a database error) falls through to the Flask view, which
answers exactly as before and stores the body it built in this worker's cache.

*How it stays consistent.* The cache holds derived bytes keyed by (session id, code,
state_version), never state: every change a learner's screen must follow bumps the version
(see webapp.services.classroom.sessions), so a version's body never changes, and the
version itself is read from the database on every poll. Any worker can answer any poll.
The view's response headers (HEADERS here and webapp.headers) are compared with these in
tests/test_classroom_poll.py, and its SQL with the ClassSession model, so neither drifts.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import weakref
from datetime import datetime
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from werkzeug.http import parse_etags

from ..cache import BoundedCache
from ..domain.phases import Phase
from ..models import ClassSession, Participant
from ..services.classroom.pacing import due
from ..services.classroom.sessions import normalise_code

log = logging.getLogger(__name__)

PATH = re.compile(r"/api/v1/sessions/([^/]{1,24})/state\Z")
CODE = re.compile(r"[A-Z0-9]{1,12}")
# the headers the Flask view and webapp.web's after_request hook give a state response;
# tests compare the two paths so they cannot drift apart
HEADERS = [
    ("Cache-Control", "no-cache"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
]
BODY_CACHE_SIZE = 512
ROOM_COUNT_SECONDS = 1.0  # how long a worker may show a lobby's room count unchanged
ROOM_COUNT = "X-Room-Count"


def etag_of(version: int) -> str:
    """The (unquoted) ETag of a state version."""
    return f"s{version}"


class StatePoll:
    """WSGI middleware: answers unchanged (304) and already-built (200) state polls.

    Installed around the app's wsgi_app (see webapp.classroom.api); disabled with
    SRM_CLASS_FAST_POLL = False, and for in-memory SQLite, where a second connection would
    see another database.
    """

    def __init__(self, app, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app
        self.engine: Engine | None = None
        self.sql = ""
        self.enabled = bool(app.config.get("SRM_CLASS_FAST_POLL", True))
        self.count_sql = ""
        self._lock = threading.Lock()
        # (session id, code, version) -> JSON body; per app, so tests never share one
        self._bodies: BoundedCache[bytes] = BoundedCache(BODY_CACHE_SIZE)
        # (session id, time slot) -> participants in the room
        self._rooms: BoundedCache[int] = BoundedCache(BODY_CACHE_SIZE)

    def cached_body(self, session_id: int, code: str, version: int) -> bytes | None:
        """The JSON body of this session's state at this version, if this worker built it."""
        return self._bodies.get((session_id, code, version))

    def remember_body(self, session_id: int, code: str, version: int, body: bytes) -> None:
        """Keep a built state body for the next polls of the same version (small LRU)."""
        self._bodies.put((session_id, code, version), body)

    def room_count(self, session_id: int) -> int | None:
        """Participants in a session's room, counted at most once per ROOM_COUNT_SECONDS
        by this worker; None if the database cannot say."""
        slot = int(time.monotonic() / ROOM_COUNT_SECONDS)
        cached = self._rooms.get((session_id, slot))
        if cached is not None:
            return cached
        row = self._query("count_sql", (session_id, False))
        return None if row is None else self._rooms.put((session_id, slot), int(row[0]))

    def __call__(self, environ: dict[str, Any], start_response):
        if self.enabled and environ.get("REQUEST_METHOD") == "GET":
            match = PATH.match(environ.get("PATH_INFO", ""))
            if match:
                answer = self._answer(match.group(1), environ.get("HTTP_IF_NONE_MATCH"))
                if answer is not None:
                    status, headers, body = answer
                    start_response(status, headers)
                    return [body]
        return self.wsgi_app(environ, start_response)

    def _answer(self, raw_code: str, if_none_match: str | None):
        code = normalise_code(raw_code)
        if not CODE.fullmatch(code):
            return None  # not a code (a NUL, say): the view refuses it, no query here
        head = self._head(code)
        if head is None:
            return None
        session_id, phase, version, closes_at = head
        if phase == Phase.ENDED:
            return None  # 410 with its JSON message, from the view
        if phase == Phase.OPEN and closes_at is not None and due(_as_datetime(closes_at)):
            return None  # the countdown ran out: the view closes answering
        etag = etag_of(version)
        headers = [("ETag", f'"{etag}"'), *HEADERS]
        unchanged = bool(if_none_match) and parse_etags(if_none_match).contains(etag)
        body = b"" if unchanged else self.cached_body(session_id, code, version)
        if body is None:
            return None  # the view builds it, and counts the room itself: nothing to keep
        if phase == Phase.LOBBY:
            room = self.room_count(session_id)
            if room is None:
                return None
            headers.append((ROOM_COUNT, str(room)))
        if unchanged:
            return "304 NOT MODIFIED", headers, b""
        return (
            "200 OK",
            [("Content-Type", "application/json"), ("Content-Length", str(len(body))), *headers],
            body,
        )

    def _head(self, code: str) -> tuple[int, str, int, Any] | None:
        """(id, phase, state_version, closes_at) of the newest session with this code."""
        row = self._query("sql", (code,))
        return (row[0], row[1], row[2], row[3]) if row else None

    def _query(self, statement: str, params: tuple[Any, ...]) -> tuple[Any, ...] | None:
        """The first row of one statement ("sql" or "count_sql") on the poll pool; None if
        none or on error. The statement is read once the pool is started: before, it is ""."""
        engine = self.engine or self._start()
        if engine is None:
            return None
        sql = getattr(self, statement)
        try:
            connection = engine.raw_connection()
        except Exception:  # noqa: BLE001 - the view will report a broken database
            log.warning("state poll: no database connection", exc_info=True)
            return None
        try:
            cursor = connection.cursor()
            cursor.execute(sql, params)
            row = cursor.fetchone()
            cursor.close()
        except Exception:  # noqa: BLE001 - drop this connection, let the view answer
            log.warning("state poll: query failed", exc_info=True)
            connection.invalidate()
            return None
        finally:
            connection.close()
        return tuple(row) if row else None

    def _start(self) -> Engine | None:
        with self._lock:
            if self.engine is None and self.enabled:
                with self.app.app_context():
                    from ..extensions import db

                    url = db.engine.url
                if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
                    self.enabled = False
                    return None
                # autocommit: a single SELECT needs no BEGIN/ROLLBACK round trips
                engine = create_engine(
                    url,
                    pool_size=4,
                    max_overflow=8,
                    pool_pre_ping=False,
                    pool_reset_on_return=None,
                    isolation_level="AUTOCOMMIT",
                )
                # closed with the app (tests make many apps; PostgreSQL warns about
                # connections left to the garbage collector)
                weakref.finalize(self.app, engine.dispose)
                mark = "?" if engine.dialect.paramstyle in ("qmark", "numeric") else "%s"
                # the statements first: a poll that finds the engine set runs them at once
                self.sql, self.count_sql = statements(mark)
                self.engine = engine
        return self.engine

    def dispose(self) -> None:
        """Close the poll pool's connections (tests, shutdown)."""
        if self.engine is not None:
            self.engine.dispose()


def statements(mark: str) -> tuple[str, str]:
    """The two statements the poll runs, in a driver's parameter style ("?" or "%s"): the
    newest session with a code, and how many are in a session's room. Written by hand (no
    SQLAlchemy compile per poll) from the models' table and column names."""
    cs, p = ClassSession.__table__, Participant.__table__
    head = (
        f"SELECT {cs.c.id.name}, {cs.c.phase.name}, {cs.c.state_version.name}, "
        f"{cs.c.closes_at.name} FROM {cs.name} WHERE {cs.c.code.name} = {mark} "
        f"ORDER BY {cs.c.id.name} DESC LIMIT 1"
    )
    count = (
        f"SELECT count(*) FROM {p.name} WHERE {p.c.session_id.name} = {mark} "
        f"AND {p.c.removed.name} = {mark}"
    )
    return head, count


def _as_datetime(value: Any) -> datetime:
    """A timestamp column as the driver returns it (SQLite: text) as a naive UTC datetime."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def poller(app) -> StatePoll | None:
    """The app's state-poll middleware, if installed."""
    return app.extensions.get("srm_state_poll")


def install(app) -> None:
    """Put the state-poll middleware in front of the app (once)."""
    if "srm_state_poll" not in app.extensions:
        poller = StatePoll(app, app.wsgi_app)
        app.wsgi_app = poller
        app.extensions["srm_state_poll"] = poller
