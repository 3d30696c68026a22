"""The shipped deploy/nginx.conf, run on loopback in front of two app servers.

App server 1 dies in the middle of every request (it reads the request, then resets the
connection); app server 2 is the trainer. nginx must pass a GET on to server 2, must never
resend a POST that reached server 1 (it could have been stored), must refuse oversized
bodies itself, and must overwrite the forwarded headers a client sends.
"""

from __future__ import annotations

import re
import shutil
import socket
import struct
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from bench.two_hosts import nginx_config, start_nginx, stop
from tests.conftest import ROOT, empty_tables, make_app

pytestmark = pytest.mark.skipif(
    shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists(),
    reason="nginx is not installed (Debian: apt-get install nginx-light)",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DyingServer:
    """Reads each request in full, then resets the connection without an answer."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.requests: list[str] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                if data:
                    self.requests.append(data.split(b"\r\n", 1)[0].decode())
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    def close(self):
        self.sock.close()


@pytest.fixture
def front(_migrated, tmp_path):
    """nginx from deploy/nginx.conf in front of a dying server and the trainer."""
    app = make_app(_migrated, tmp_path / "app", SRM_PROXIES=1, SERVER_NAME=None)
    seen: list[dict] = []
    inner = app.wsgi_app

    def recording(environ, start_response):
        seen.append(dict(environ))
        return inner(environ, start_response)

    app.wsgi_app = recording
    # one request at a time: shutting down waits for the last one, connections and all
    trainer = make_server("127.0.0.1", 0, app)
    serving = threading.Thread(target=trainer.serve_forever, daemon=True)
    serving.start()
    dying = DyingServer()
    started = []

    def start():
        port = _free_port()
        folder = tmp_path / f"nginx-{len(started)}"
        started.append(start_nginx(port, [dying.port, trainer.server_port], folder))
        return f"http://127.0.0.1:{port}"

    yield start, dying, seen
    for proc in started:
        stop(proc)
    dying.close()
    trainer.shutdown()
    serving.join(timeout=10)
    trainer.server_close()
    empty_tables(app)


def _call(url, data=None, headers=None):
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def test_a_get_goes_on_to_the_other_server(front):
    start, dying, seen = front
    base = start()
    status, headers, body = _call(f"{base}/api/v1/rules")
    assert status == 200
    assert b"areas" in body
    assert dying.requests == ["GET /api/v1/rules HTTP/1.0"]  # server 1 got it first
    assert [e["PATH_INFO"] for e in seen] == ["/api/v1/rules"]


def test_a_post_that_reached_a_dying_server_is_not_sent_again(front):
    start, dying, seen = front
    base = start()
    body = b'{"answers": {}, "variant": "oracle-on-ec2"}'
    status, _, _ = _call(
        f"{base}/api/v1/scenarios/s3-vpc-ec2-oracle/grade",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    assert status == 502  # the learner's page resends it with its answer-set number
    assert dying.requests == ["POST /api/v1/scenarios/s3-vpc-ec2-oracle/grade HTTP/1.0"]
    assert seen == []  # nothing reached the second server: nothing stored twice


def test_forwarded_headers_are_set_by_nginx_not_by_the_client(front):
    start, dying, seen = front
    base = start()
    _call(f"{base}/api/v1/rules")  # server 1 fails once and is left out for a while
    status, headers, _ = _call(
        f"{base}/",
        headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"},
    )
    assert status == 200
    page = seen[-1]
    assert page["HTTP_X_FORWARDED_FOR"] == "127.0.0.1"
    assert page["HTTP_X_FORWARDED_PROTO"] == "http"
    assert "Strict-Transport-Security" not in headers  # plain HTTP stays plain
    assert "default-src 'self'" in headers["Content-Security-Policy"]


def test_an_oversized_body_is_refused_before_any_app_server(front):
    start, dying, seen = front
    base = start()
    port = int(base.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=20) as s:
        s.sendall(
            b"POST /author/import HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/octet-stream\r\nContent-Length: 3145728\r\n\r\n"
        )
        status_line = s.makefile("rb").readline()
    assert status_line.split()[1] == b"413"
    assert dying.requests == []
    assert seen == []


def test_the_loopback_config_keeps_the_shipped_settings(tmp_path):
    shipped = (ROOT / "deploy" / "nginx.conf").read_text()
    conf = nginx_config(shipped, 8080, [9001, 9002], tmp_path)
    assert "listen 127.0.0.1:8080;" in conf
    assert "server 127.0.0.1:9001 max_fails=1" in conf
    assert "server 127.0.0.1:9002 max_fails=1" in conf
    assert "ssl_certificate" not in conf
    assert "listen 80" not in conf
    for line in (
        "proxy_next_upstream error timeout;",
        "client_max_body_size 2m;",
        "proxy_request_buffering on;",
        "client_header_timeout 10s;",
    ):
        assert line in shipped
        assert line in conf
    retries = re.findall(r"^\s*proxy_next_upstream\s[^;]*;", shipped, re.M)
    assert retries == ["        proxy_next_upstream error timeout;"]  # never non_idempotent
