"""Slow clients against `srm-trainer serve`: does a normal request still get an answer?

Starts the server as an operator would (`srm-trainer serve`, a temporary instance folder
with the embedded SQLite database, a free loopback port), then, for each kind of slow
client, opens that many connections and, while they are open, times normal requests
(`GET /` on a fresh connection, one every 0.25 s):

  header drip  sends a request line, then one header line every 1.5 s, never the blank line
  body drip    sends complete headers of a POST with a 4 KB body, then one body byte a second
  idle         connects and sends nothing

It prints, per kind, how many normal requests were answered within 1 s and their latency.
`--compare` runs the same against the earlier arrangement (gthread workers) first.

Only 127.0.0.1 traffic; connection counts and run time are bounded.

    python bench/slow_clients.py                     # 200 slow connections of each kind
    python bench/slow_clients.py --compare -c 200 --seconds 8
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_classroom import free_port  # noqa: E402
from load_classroom import stop_server as stop

MAX_CONNECTIONS = 1000
MAX_SECONDS = 30.0
TARGET = 1.0  # seconds: a normal request must be answered within this
KINDS = ("header drip", "body drip", "idle")


def start(
    worker_class: str, workers: int, threads: int, instance: Path, port: int
) -> subprocess.Popen:
    """`srm-trainer serve` on the embedded SQLite database in a fresh instance folder."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "SRM_DATABASE_URL", "SRM_SQLALCHEMY_DATABASE_URI")
    }
    env.update(
        {
            "SRM_INSTANCE_PATH": str(instance),
            "SRM_LOG_LEVEL": "WARNING",
            "XDG_RUNTIME_DIR": str(instance),
        }
    )  # gunicorn's control socket, per instance
    exe = Path(sys.executable).with_name("srm-trainer")
    cmd = [
        str(exe),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--worker-class",
        worker_class,
        "--threads",
        str(threads),
    ]
    log = (instance / "server.log").open("wb")
    proc = subprocess.Popen(
        cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited; see {instance / 'server.log'}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                if s.recv(12).startswith(b"HTTP/1.1 200"):
                    return proc
        except OSError:
            time.sleep(0.2)
    stop(proc)
    raise RuntimeError("the server did not answer within 30 s")


async def slow_client(kind: str, port: int, until: float) -> None:
    """One slow connection of this kind, kept up (reconnecting if the server drops it)."""
    while time.monotonic() < until:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.5)
            continue
        try:
            if kind == "header drip":
                writer.write(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                n = 0
                while time.monotonic() < until and not reader.at_eof():
                    await writer.drain()
                    await asyncio.sleep(1.5)
                    writer.write(f"X-Drip-{n}: {n}\r\n".encode())
                    n += 1
            elif kind == "body drip":
                writer.write(
                    b"POST /api/v1/scenarios/s3-vpc-ec2-oracle/grade HTTP/1.1\r\n"
                    b"Host: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    b"Content-Length: 4096\r\n\r\n{"
                )
                while time.monotonic() < until and not reader.at_eof():
                    await writer.drain()
                    await asyncio.sleep(1.0)
                    writer.write(b" ")
            else:  # idle: connected, silent; notice when the server closes it
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(reader.read(1), until - time.monotonic())
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()
        await asyncio.sleep(0.05)


async def normal_request(port: int) -> float | None:
    """Seconds until a fresh connection's `GET /` got its status line, or None (no answer)."""
    started = time.monotonic()
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 5)
        writer.write(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        line = await asyncio.wait_for(reader.readline(), 5)
        writer.close()
    except (OSError, TimeoutError):
        return None
    return time.monotonic() - started if line.startswith(b"HTTP/1.1 200") else None


async def phase(kind: str, port: int, count: int, seconds: float) -> list[float | None]:
    until = time.monotonic() + seconds + 2
    slow = [asyncio.create_task(slow_client(kind, port, until)) for _ in range(count)]
    await asyncio.sleep(2)  # let the slow connections settle in
    timings: list[float | None] = []
    probes = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        probes.append(asyncio.create_task(normal_request(port)))
        await asyncio.sleep(0.25)
    timings = list(await asyncio.gather(*probes))
    for task in slow:
        task.cancel()
    await asyncio.gather(*slow, return_exceptions=True)
    return timings


def report(label: str, kind: str, timings: list[float | None]) -> bool:
    answered = [t for t in timings if t is not None]
    fast = [t for t in answered if t <= TARGET]
    if answered:
        figures = (
            f"p50 {statistics.median(answered) * 1000:.0f} ms, max {max(answered) * 1000:.0f} ms"
        )
    else:
        figures = "no answers"
    print(
        f"{label:>8} | {kind:<11} | {len(timings):>3} requests, answered {len(answered):>3}, "
        f"within {TARGET:.0f} s {len(fast):>3} | {figures}"
    )
    return len(fast) == len(timings)


def run(worker_class: str, workers: int, threads: int, count: int, seconds: float) -> bool:
    tmp = Path(tempfile.mkdtemp(prefix="srm-slow-"))
    port = free_port()
    proc = start(worker_class, workers, threads, tmp, port)
    label = worker_class
    ok = True
    try:
        baseline = asyncio.run(phase("none", port, 0, 2))
        report(label, "none", baseline)
        for kind in KINDS:
            ok &= report(label, kind, asyncio.run(phase(kind, port, count, seconds)))
    finally:
        stop(proc)
        shutil.rmtree(tmp, ignore_errors=True)
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "-c", "--connections", type=int, default=200, help="slow connections of each kind"
    )
    parser.add_argument("--seconds", type=float, default=8.0, help="how long each kind is kept up")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4, help="for gthread")
    parser.add_argument(
        "--compare", action="store_true", help="run the earlier gthread arrangement first"
    )
    args = parser.parse_args()
    if not 1 <= args.connections <= MAX_CONNECTIONS:
        parser.error(f"--connections must be between 1 and {MAX_CONNECTIONS}")
    if not 1 <= args.seconds <= MAX_SECONDS:
        parser.error(f"--seconds must be between 1 and {MAX_SECONDS:.0f}")
    print(
        f"{args.connections} slow connections of each kind for {args.seconds:.0f} s, "
        f"{args.workers} workers; a normal GET / every 0.25 s"
    )
    if args.compare:
        run("gthread", args.workers, args.threads, args.connections, args.seconds)
    ok = run("gevent", args.workers, args.threads, args.connections, args.seconds)
    print(
        "target (every normal request answered within 1 s as srm-trainer serve runs): "
        + ("met" if ok else "NOT met")
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
