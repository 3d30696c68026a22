"""Body limits on the real server: `srm-trainer serve` (gunicorn) spoken to over raw sockets,
since the Flask test client neither sends chunked bodies nor keeps connections."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers.api import GRADE

LIMIT = 64 * 1024


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`srm-trainer serve` on a free loopback port, with its own instance folder and SQLite."""
    instance = tmp_path_factory.mktemp("serve")
    port = _free_port()
    script = Path(sys.executable).with_name("srm-trainer")
    command = (
        [str(script)]
        if script.exists()
        else [sys.executable, "-c", "from webapp.cli import main; main()"]
    )
    env = {
        **os.environ,
        "SRM_INSTANCE_PATH": str(instance),
        "SRM_SECRET_KEY": "test",
        "SRM_DATABASE_URL": f"sqlite:///{instance / 'serve.sqlite3'}",
    }
    env.pop("DATABASE_URL", None)
    log = open(instance / "serve.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        command + ["serve", "--port", str(port), "--workers", "1", "--threads", "2"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                log.close()
                pytest.fail(
                    "the server did not start:\n"
                    + (instance / "serve.log").read_text(errors="replace")
                )
            time.sleep(0.2)
    yield port
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    log.close()


def _connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.settimeout(10)
    return sock


def _read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed before a response: {data!r}"
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, v in (x.split(":", 1) for x in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        assert chunk, "connection closed inside the body"
        rest += chunk
    return status, headers, rest[:length]


def _chunked(body: bytes, size: int = 8192) -> bytes:
    parts = [
        b"%x\r\n%s\r\n" % (len(body[i : i + size]), body[i : i + size])
        for i in range(0, len(body), size)
    ]
    return b"".join(parts) + b"0\r\n\r\n"


def _request(path: str, body: bytes, *, chunked: bool, content_type="application/json") -> bytes:
    head = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Type: {content_type}"]
    head.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + (_chunked(body) if chunked else body)


def _get(path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()


def _closed(sock: socket.socket) -> bool:
    """The server closed the connection (end of stream, or a reset after it)."""
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


def _grading_body(size: int) -> bytes:
    pad = max(0, size - 40)
    return json.dumps({"answers": {}, "variant": "x" * pad}).encode()


def test_a_chunked_body_under_the_limit_is_read_whole(server):
    with _connect(server) as sock:
        sock.sendall(_request(GRADE, json.dumps({"answers": {}}).encode(), chunked=True))
        status, headers, body = _read_response(sock)
        assert status == 200, body
        assert json.loads(body)["total"] > 0
        assert headers["connection"] == "keep-alive"
        sock.sendall(_get("/api/v1/rules"))  # the same connection serves the next request
        assert _read_response(sock)[0] == 200


@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "content-length"])
def test_a_body_over_the_limit_is_413_and_the_connection_closes(server, chunked):
    with _connect(server) as sock:
        sock.sendall(_get("/api/v1/rules"))
        assert _read_response(sock)[2].startswith(b"{")
        sock.sendall(_request(GRADE, _grading_body(LIMIT + 5000), chunked=chunked))
        status, headers, body = _read_response(sock)
        assert status == 413
        assert headers["connection"] == "close"
        answer = json.loads(body)
        assert answer["error"] == "request body is larger than 64 KB"
        assert isinstance(answer["details"], list)
        assert _closed(sock)


def test_a_chunked_body_of_exactly_the_limit_is_parsed(server):
    body = _grading_body(LIMIT)
    body = body[:-2] + b" " * (LIMIT - len(body)) + body[-2:]
    assert len(body) == LIMIT
    with _connect(server) as sock:
        sock.sendall(_request(GRADE, body, chunked=True))
        status, _, answer = _read_response(sock)
        assert status == 400  # read whole and checked: that variant does not exist
        assert "unknown variant 'xxx" in json.loads(answer)["details"][0]


def test_deep_json_and_a_nul_path_on_the_real_server(server):
    with _connect(server) as sock:
        sock.sendall(_request(GRADE, b"[" * 1000 + b"]" * 1000, chunked=True))
        status, _, body = _read_response(sock)
        assert status == 400
        assert b"nested deeper than 32" in body
        for path in ("/api/v1/attempts/%00", "/api/v1/sessions/AB%00CD/state", "/play/%00"):
            sock.sendall(_get(path))
            assert _read_response(sock)[0] == 400, path
