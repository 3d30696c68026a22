"""gunicorn, run from srm-trainer serve: a production server, not Flask's development one.

Workers are gevent's by default: every connection is a greenlet, so a client that sends its
request a byte at a time, or opens a connection and says nothing, costs a little memory, not
one of a few threads. gunicorn reads each request's headers within `keepalive` seconds
(gevent worker's timeout) and closes the connection otherwise. "gthread" (a pool of threads
per worker, the earlier arrangement) stays available; it needs a buffering proxy in front.
"""

from __future__ import annotations

import threading
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from .edge import CLOSE_CONNECTION

_handling = threading.local()  # the gunicorn request this worker thread is answering
WORKER_CLASSES = ("gevent", "gthread")


class QuietPollLogger(Logger):
    """gunicorn's logger, minus access lines for unchanged class state polls (304).

    A room of learners makes hundreds of them a second; they say nothing but "still here".
    """

    def access(self, resp, req, environ, request_time):
        """Log the request unless it is a 304 answer to a state poll."""
        if resp.status_code == 304 and environ.get("PATH_INFO", "").endswith("/state"):
            return
        super().access(resp, req, environ, request_time)


class _Server(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from . import create_app

        return _with_connection_close(create_app())


def _remember_request(_worker, req) -> None:
    """gunicorn's pre_request hook: keep the request for _with_connection_close."""
    _handling.req = req


def _with_connection_close(app):
    """Give the app a way to end the connection after its answer (environ[CLOSE_CONNECTION]).

    gunicorn decides keep-alive itself and drops a Connection header set by the app; a
    refused oversized body must close, or its unread rest would be read as a new request.
    """

    def wsgi(environ, start_response):
        req = getattr(_handling, "req", None)
        if req is not None:
            environ[CLOSE_CONNECTION] = lambda: setattr(req, "must_close", True)
        return app(environ, start_response)

    return wsgi


def gunicorn_options(
    host: str,
    port: int,
    workers: int,
    threads: int = 4,
    worker_class: str = "gevent",
    connections: int = 1000,
) -> dict:
    """The settings `srm-trainer serve` gives gunicorn."""
    if worker_class not in WORKER_CLASSES:
        raise ValueError(f"worker class must be one of {', '.join(WORKER_CLASSES)}")
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": worker_class,
        "accesslog": "-",
        "logger_class": QuietPollLogger,
        "errorlog": "-",
        "timeout": 60,
        "graceful_timeout": 10,
        "pre_request": _remember_request,
    }
    if worker_class == "gevent":
        options["worker_connections"] = connections
    else:
        options["threads"] = threads
    return options


def run_gunicorn(*args: Any, **kwargs: Any) -> None:
    """Serve the app with gunicorn, with the settings of gunicorn_options(*args, **kwargs)."""
    _Server(gunicorn_options(*args, **kwargs)).run()
