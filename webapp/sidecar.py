"""A `srm-trainer` command run in a process of its own beside gunicorn, for as long as
`serve` runs (the LTI score sender, the SQLite checkpointer).

Not a thread in gunicorn's arbiter: the arbiter forks the workers, and a database
connection a thread of it holds must never reach a forked worker (SQLite in particular
breaks when one process's file handles and locks are copied into another). The command
stops with `serve`, and notices by itself when its parent is gone (keep_running)."""

from __future__ import annotations

import atexit
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable


class Sidecar:
    """`srm-trainer <args>` in a child process, stopped at exit."""

    def __init__(self, *args: str) -> None:
        self.args = args
        self.process: subprocess.Popen | None = None

    def start(self) -> Sidecar:
        self.process = subprocess.Popen([sys.executable, "-m", "webapp.cli", *self.args])
        atexit.register(self.stop)
        return self

    def stop(self, wait: float = 10.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(wait)
        except subprocess.TimeoutExpired:
            self.process.kill()


def keep_running(every: float, step: Callable[[], object], what: str) -> None:
    """A sidecar's loop: run `step` every `every` seconds until SIGTERM or until the process
    that started this one is gone; a failed step is logged and the next one tries again."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    parent = os.getppid()
    while not stop.wait(every) and os.getppid() == parent:
        try:
            step()
        except Exception:
            logging.getLogger(__name__).exception("%s: a run failed", what)
