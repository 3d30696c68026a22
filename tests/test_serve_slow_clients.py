"""`srm-trainer serve` keeps answering while slow clients hold connections open.

Not a timing test: the normal request gets a generous 20 s, while the slow connections keep
dripping header bytes for longer than that. A server that gives each connection a thread
until its headers are complete (the gthread arrangement) leaves the request unanswered.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

SLOW = 50
PATIENCE = 20.0  # seconds the normal request may take; the drip lasts longer


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(tmp_path):
    """`srm-trainer serve` with one worker on the embedded database; yields the port."""
    port = _free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "SRM_DATABASE_URL", "TEST_DATABASE_URL")
    }
    env.update({"SRM_INSTANCE_PATH": str(tmp_path), "XDG_RUNTIME_DIR": str(tmp_path)})
    exe = Path(sys.executable).with_name("srm-trainer")
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "webapp.cli"]
    command += ["serve", "--port", str(port), "--workers", "1", "--threads", "4"]
    proc = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/rules", timeout=2).close()
                break
            except OSError:
                assert proc.poll() is None, "the server exited"
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def _drip(port: int, stop: threading.Event) -> list[socket.socket]:
    """Open SLOW connections that send a request line and then a header byte a second."""
    conns = []
    for _ in range(SLOW):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        conns.append(s)

    def keep_dripping():
        n = 0
        while not stop.wait(1.0):
            for s in conns:
                # the server may have given up on this one: that is allowed
                with contextlib.suppress(OSError):
                    s.sendall(b"X-Slow-%d: 1\r\n" % n)
            n += 1

    threading.Thread(target=keep_dripping, daemon=True).start()
    return conns


def test_a_normal_request_is_answered_while_header_drips_are_open(served):
    stop = threading.Event()
    conns = _drip(served, stop)
    try:
        time.sleep(1.5)  # the slow connections are accepted and dripping
        with urllib.request.urlopen(f"http://127.0.0.1:{served}/", timeout=PATIENCE) as r:
            status, body = r.status, r.read().decode()
    finally:
        stop.set()
        for s in conns:
            s.close()
    assert status == 200
    assert "Shared Responsibility Trainer" in body
