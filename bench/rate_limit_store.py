"""What a rate-limit hit costs in the database store (`database://`): hits per second.

Each hit is one upsert in its own transaction. Run on SQLite (a temp file) and, with
--database-url, on PostgreSQL (a fresh database of its own is created and dropped).
Figures, not a test; loopback only and a few seconds per database.

    python bench/rate_limit_store.py [--database-url postgresql://postgres@127.0.0.1/x]
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402

from webapp import create_app, database  # noqa: E402
from webapp.extensions import db  # noqa: E402
from webapp.ratelimits import make_storage  # noqa: E402


def measure(url: str, hits: int, threads: int) -> None:
    folder = Path(tempfile.mkdtemp())
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "INSTANCE_PATH": str(folder),
            "RATELIMIT_ENABLED": True,
        }
    )
    database.upgrade(app)
    storage = make_storage(app)
    keys = [f"bench:{n % 300}" for n in range(hits)]  # a class: 300 addresses or accounts

    def hit(key: str) -> int:
        return storage.incr(key, 3600)  # a window longer than the run

    for label, workers in (("1 thread", 1), (f"{threads} threads", threads)):
        storage.reset()
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=workers) as pool:
            counts = list(pool.map(hit, keys))
        seconds = time.perf_counter() - start
        firsts = sum(1 for c in counts if c == 1)
        assert firsts == 300, (firsts, sorted(set(counts))[:10])  # each key counted from 1
        assert storage.get("bench:0") == len(range(0, hits, 300))
        print(
            f"  {label:>10}: {hits / seconds:8,.0f} hits/s  ({seconds * 1000 / hits:.2f} ms a hit)"
        )
    with app.app_context():
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a PostgreSQL server to measure on as well")
    parser.add_argument("--hits", type=int, default=1200)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    print("SQLite (WAL, a temp file):")
    measure(f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3", args.hits, args.threads)
    if args.database_url:
        server = create_engine(args.database_url, isolation_level="AUTOCOMMIT")
        name = f"srm_bench_limits_{secrets.token_hex(4)}"
        with server.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
        try:
            print("PostgreSQL:")
            measure(
                server.url.set(database=name).render_as_string(hide_password=False),
                args.hits,
                args.threads,
            )
        finally:
            with server.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            server.dispose()


if __name__ == "__main__":
    main()
