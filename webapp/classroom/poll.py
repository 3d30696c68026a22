"""The learners' state poll, answered in front of Flask when the answer is already known.

A room of 300 polls `GET /api/v1/sessions/<code>/state` about 250 times a second, and almost
every poll gets "304 Not Modified". Through Flask such a poll costs ~2.5 ms of CPU (request
context, Flask-Login, session cookie, hooks, ORM); on two cores that crowds out the answers.
So a small WSGI middleware answers two cases itself, with one indexed single-row query on a
connection of its own small pool (autocommit, no pre-ping round trip):

* the browser's If-None-Match holds the current version: 304;
* this worker has already built the JSON body of the current version: 200 with it.

Everything else (unknown code 404, ended 410, a version this worker has not built yet, a
database error) falls through to the Flask view, which builds the body, stores it in the
per-worker cache and answers exactly as before. The cache holds derived bytes keyed by
(session id, state_version), not state: every change a learner's screen shows bumps the
version (see webapp.services.classroom), so a version's body never changes, and the
version itself is read from the database on every poll. Any worker can answer any poll.
"""

from __future__ import annotations

import logging
import re
import threading
import weakref
from collections import OrderedDict
from datetime import datetime
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from werkzeug.http import parse_etags

from ..models import ClassSession
from ..services.classroom.pacing import due
from ..services.classroom.sessions import normalise_code

log = logging.getLogger(__name__)

PATH = re.compile(r"/api/v1/sessions/([^/]{1,24})/state\Z")
CODE = re.compile(r"[A-Z0-9]{1,12}")
# the headers the Flask view and webapp.web's after_request hook give a state response;
# tests compare the two paths so they cannot drift apart
HEADERS = [("Cache-Control", "no-cache"), ("X-Content-Type-Options", "nosniff"),
           ("Referrer-Policy", "same-origin"), ("X-Frame-Options", "DENY")]
BODY_CACHE_SIZE = 512


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
        self._lock = threading.Lock()
        # (session id, code, version) -> JSON body; per app, so tests never share one
        self._bodies: OrderedDict[tuple[int, str, int], bytes] = OrderedDict()
        self._bodies_lock = threading.Lock()

    def cached_body(self, session_id: int, code: str, version: int) -> bytes | None:
        """The JSON body of this session's state at this version, if this worker built it."""
        with self._bodies_lock:
            return self._bodies.get((session_id, code, version))

    def remember_body(self, session_id: int, code: str, version: int, body: bytes) -> None:
        """Keep a built state body for the next polls of the same version (small LRU)."""
        with self._bodies_lock:
            self._bodies[(session_id, code, version)] = body
            while len(self._bodies) > BODY_CACHE_SIZE:
                self._bodies.popitem(last=False)

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
        if phase == "ended":
            return None  # 410 with its JSON message, from the view
        if phase == "open" and closes_at is not None and due(_as_datetime(closes_at)):
            return None  # the countdown ran out: the view closes answering
        etag = etag_of(version)
        headers = [("ETag", f'"{etag}"'), *HEADERS]
        if if_none_match and parse_etags(if_none_match).contains(etag):
            return "304 NOT MODIFIED", headers, b""
        body = self.cached_body(session_id, code, version)
        if body is None:
            return None
        return "200 OK", [("Content-Type", "application/json"),
                          ("Content-Length", str(len(body))), *headers], body

    def _head(self, code: str) -> tuple[int, str, int, Any] | None:
        """(id, phase, state_version, closes_at) of the newest session with this code."""
        engine = self.engine or self._start()
        if engine is None:
            return None
        try:
            connection = engine.raw_connection()
        except Exception:  # noqa: BLE001 - the view will report a broken database
            log.warning("state poll: no database connection", exc_info=True)
            return None
        try:
            cursor = connection.cursor()
            cursor.execute(self.sql, (code,))
            row = cursor.fetchone()
            cursor.close()
        except Exception:  # noqa: BLE001 - drop this connection, let the view answer
            log.warning("state poll: query failed", exc_info=True)
            connection.invalidate()
            return None
        finally:
            connection.close()
        return (row[0], row[1], row[2], row[3]) if row else None

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
                self.engine = create_engine(url, pool_size=4, max_overflow=8,
                                            pool_pre_ping=False, pool_reset_on_return=None,
                                            isolation_level="AUTOCOMMIT")
                # closed with the app (tests make many apps; PostgreSQL warns about
                # connections left to the garbage collector)
                weakref.finalize(self.app, self.engine.dispose)
                mark = "?" if self.engine.dialect.paramstyle in ("qmark", "numeric") else "%s"
                table = ClassSession.__table__
                self.sql = (f"SELECT id, phase, state_version, closes_at FROM {table.name} "
                            f"WHERE code = {mark} ORDER BY id DESC LIMIT 1")
        return self.engine

    def dispose(self) -> None:
        """Close the poll pool's connections (tests, shutdown)."""
        if self.engine is not None:
            self.engine.dispose()


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
