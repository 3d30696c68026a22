"""The background score sender `srm-trainer serve` starts: the outbox, every few seconds.

It runs in the serving process beside gunicorn's workers; any number of senders (another
machine's serve, a cron'd `srm-trainer lti send-scores`) may run at once, since each row
is claimed by one sender only. Between runs it holds no database connection, so workers
forked meanwhile inherit none of its connections.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from ..sidecar import Sidecar
from .client import new_http
from .delivery import BATCH, deliver_due

if TYPE_CHECKING:
    from flask import Flask

log = logging.getLogger(__name__)


class Sender:
    """A daemon thread running deliver_due every `interval` seconds until stopped."""

    def __init__(self, app: Flask, interval: float) -> None:
        self.app = app
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lti-score-sender", daemon=True)
        self._http = new_http()

    def start(self) -> Sender:
        self._thread.start()
        return self

    def stop(self, wait: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(wait)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.run_once()
            except Exception:  # a broken run is logged; the next one tries again
                log.exception("lti: the score sender's run failed")

    def run_once(self) -> int:
        """Deliver what is due now, batch after batch; how many rows were handled."""
        from ..extensions import db
        from . import client_resolver

        resolve = client_resolver(self.app)
        if resolve is None:
            return 0
        handled = 0
        with self.app.app_context():
            try:
                while not self._stop.is_set():
                    done = deliver_due(db.session, resolve, self._http)
                    handled += done.handled
                    if done.handled < BATCH:
                        break
            finally:
                db.session.close()
                db.engine.dispose()  # no connection kept open across a worker's fork
        return handled


def start_sender(app: Flask, interval: float | None = None) -> Sender:
    """Start a sender for this app (interval: LTI_SCORE_SENDER_INTERVAL seconds)."""
    every = float(interval if interval is not None else app.config["LTI_SCORE_SENDER_INTERVAL"])
    return Sender(app, every).start()


def serve_hook(app: Flask, _host: str, _port: int) -> None:
    """`serve` starts a sender when LTI_SCORE_SENDER is on and platforms can be resolved."""
    from . import client_resolver

    if not app.config.get("LTI_SCORE_SENDER"):
        return
    if client_resolver(app) is None:
        log.info("lti: no LTI registration in this build: no score sender started")
        return
    app.extensions["srm_lti_sender"] = SenderProcess(
        float(app.config["LTI_SCORE_SENDER_INTERVAL"])
    ).start()


class SenderProcess(Sidecar):
    """`srm-trainer lti send-scores --every N` in a process of its own beside gunicorn
    (a sidecar: see webapp.sidecar for why not a thread)."""

    def __init__(self, interval: float) -> None:
        super().__init__("lti", "send-scores", "--every", str(interval))
        self.interval = interval
