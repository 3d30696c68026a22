"""gunicorn, run from srm-trainer serve: a production server, not Flask's development one."""

from __future__ import annotations

import threading

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from .edge import CLOSE_CONNECTION

_handling = threading.local()  # the gunicorn request this worker thread is answering


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


def _remember_request(worker, req) -> None:
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


def run_gunicorn(host: str, port: int, workers: int, threads: int = 4) -> None:
    _Server({
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "accesslog": "-",
        "logger_class": QuietPollLogger,
        "errorlog": "-",
        "timeout": 60,
        "graceful_timeout": 10,
        "pre_request": _remember_request,
    }).run()
