"""On SQLite, `serve` checkpoints the write-ahead log in a process of its own, so requests
that commit do not: `srm-trainer db checkpoint` copies the log into the database file, the
workers' automatic checkpoint becomes a safety net, and the sidecar stops on SIGTERM."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import pytest
from click.testing import CliRunner

from webapp import create_app, database
from webapp.cli import main


def _app(tmp_path, **config):
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'cp.sqlite3'}",
            "INSTANCE_PATH": str(tmp_path),
            "SECRET_KEY": "test",
            **config,
        }
    )


def _wal_with_frames(path) -> sqlite3.Connection:
    """A connection that wrote to the log and never checkpoints (kept open: closing the
    last connection would checkpoint by itself)."""
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.execute("CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, body TEXT)")
    for n in range(50):
        writer.execute("INSERT INTO notes (body) VALUES (?)", (f"note {n}" * 20,))
    return writer


def test_a_checkpoint_copies_the_log_into_the_database_file(tmp_path):
    app = _app(tmp_path)
    writer = _wal_with_frames(tmp_path / "cp.sqlite3")
    try:
        busy, frames, copied = database.checkpoint(app)
        assert busy == 0
        assert frames > 0
        assert copied == frames
    finally:
        writer.close()


def test_the_command_says_what_it_copied(tmp_path, monkeypatch):
    monkeypatch.setenv("SRM_DATABASE_URL", f"sqlite:///{tmp_path / 'cp.sqlite3'}")
    monkeypatch.setenv("SRM_INSTANCE_PATH", str(tmp_path))
    writer = _wal_with_frames(tmp_path / "cp.sqlite3")
    try:
        result = CliRunner().invoke(main, ["db", "checkpoint"])
    finally:
        writer.close()
    assert result.exit_code == 0, result.output
    assert "checkpoint done:" in result.output
    copied, frames = result.output.split(": ")[1].split(" log")[0].split(" of ")
    assert int(copied) == int(frames) > 0


def test_workers_beside_a_checkpointer_keep_their_own_only_as_a_safety_net(tmp_path, monkeypatch):
    def autocheckpoint(app) -> int:
        with app.app_context():
            from webapp.extensions import db

            db.engine.dispose()
            with db.engine.connect() as connection:
                return connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one()

    assert autocheckpoint(_app(tmp_path)) == 1000  # SQLite's default
    monkeypatch.setenv(database.WAL_AUTOCHECKPOINT_ENV, str(database.SAFETY_NET_PAGES))
    assert autocheckpoint(_app(tmp_path)) == database.SAFETY_NET_PAGES


def test_serve_starts_a_checkpointer_on_sqlite_only_when_asked(tmp_path, monkeypatch):
    from webapp import sidecar

    started: list[tuple[str, ...]] = []

    def fake_start(self):
        started.append(self.args)
        self.process = type("P", (), {"pid": 1})()
        return self

    monkeypatch.setattr(sidecar.Sidecar, "start", fake_start)
    monkeypatch.delenv(database.WAL_AUTOCHECKPOINT_ENV, raising=False)
    database.checkpointer_hook(_app(tmp_path, SQLITE_CHECKPOINTER=False), "127.0.0.1", 0)
    assert started == []
    assert database.WAL_AUTOCHECKPOINT_ENV not in os.environ
    app = _app(tmp_path, SQLITE_CHECKPOINTER=True, SQLITE_CHECKPOINT_INTERVAL=2)
    database.checkpointer_hook(app, "127.0.0.1", 0)
    assert started == [("db", "checkpoint", "--every", "2.0")]
    assert os.environ[database.WAL_AUTOCHECKPOINT_ENV] == str(database.SAFETY_NET_PAGES)
    monkeypatch.delenv(database.WAL_AUTOCHECKPOINT_ENV)


def test_the_checkpointer_keeps_the_log_copied_and_stops_on_sigterm(tmp_path):
    env = {
        **os.environ,
        "SRM_DATABASE_URL": f"sqlite:///{tmp_path / 'cp.sqlite3'}",
        "SRM_INSTANCE_PATH": str(tmp_path),
    }
    database.upgrade(_app(tmp_path))
    writer = _wal_with_frames(tmp_path / "cp.sqlite3")
    proc = subprocess.Popen(
        [sys.executable, "-m", "webapp.cli", "db", "checkpoint", "--every", "0.2"], env=env
    )
    try:
        size = os.path.getsize(tmp_path / "cp.sqlite3")
        writer.execute("INSERT INTO notes (body) VALUES (?)", ("x" * 400_000,))
        deadline = time.monotonic() + 20  # the writer never checkpoints: the sidecar must
        while os.path.getsize(tmp_path / "cp.sqlite3") < size + 400_000:
            assert time.monotonic() < deadline, "the log was not copied into the file"
            assert proc.poll() is None, "the checkpointer stopped by itself"
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
    finally:
        writer.close()
        if proc.poll() is None:
            proc.kill()


@pytest.mark.parametrize("every", ["0", "-1", "soon"])
def test_a_bad_interval_is_refused(every):
    result = CliRunner().invoke(main, ["db", "checkpoint", "--every", every])
    assert result.exit_code == 2
    assert "--every" in result.output


# --- waiting for the write lock without sleeping inside SQLite ---------------------------


def _holder(path, seconds: float) -> threading.Thread:
    """A thread that takes the write lock of the database and keeps it `seconds`."""
    taken = threading.Event()

    def hold() -> None:
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        taken.set()
        time.sleep(seconds)
        other.execute("COMMIT")
        other.close()

    thread = threading.Thread(target=hold)
    thread.start()
    assert taken.wait(5)
    return thread


def _connection(path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA busy_timeout={database.BUSY_TIMEOUT_MS}")
    return conn


def test_begin_immediate_waits_for_the_lock_with_the_sleep_it_is_given(tmp_path):
    path = tmp_path / "lock.sqlite3"
    conn = _connection(path)
    naps: list[float] = []
    holder = _holder(path, 0.3)
    started = time.monotonic()
    database.begin_immediate(conn, lambda s: (naps.append(s), time.sleep(s)))
    waited = time.monotonic() - started
    conn.execute("COMMIT")
    holder.join()
    assert waited >= 0.2  # it waited for the holder
    assert len(naps) > 3  # in many short naps of its own, not one wait inside SQLite
    assert max(naps) <= 0.01
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == database.BUSY_TIMEOUT_MS


def test_begin_immediate_gives_up_as_sqlite_would(tmp_path):
    path = tmp_path / "lock.sqlite3"
    conn = _connection(path)
    holder = _holder(path, 1.0)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        database.begin_immediate(conn, time.sleep, timeout=0.2)
    holder.join()
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == database.BUSY_TIMEOUT_MS
    assert not conn.in_transaction
