"""Fuzz the edge longer than the suite does, and print the figures.

Run: python bench/fuzz_edge.py [--examples 500] [--database-url URL] [--seed N]
Sends the corpus of tests/edge_fuzz.py (every /api/ route of app.url_map, and the login,
join, host start, editor, import, board and play forms) through Flask's test client:
`--examples` requests per corpus. Without --database-url it uses a fresh SQLite file in a
temporary folder; a PostgreSQL URL has its public schema dropped and migrated from scratch,
so point it at a scratch database. Prints, per corpus and in total, the requests sent, how
many got a 5xx, how many were refused (4xx) and how many rows those refused requests stored
(counted in every table before and after each one), and the first failures, if any. With
--seed the requests differ from the suite's derandomised ones. It asserts nothing.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.edge_fuzz

from tests.conftest import empty_tables, make_app, migrate_from_empty  # noqa: E402
from tests.edge_fuzz import Figures, World, api_requests, form_requests, fuzz  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=500)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="srm-fuzz-"))
    try:
        url = args.database_url or f"sqlite:///{folder / 'fuzz.sqlite3'}"
        app = make_app(url, folder)
        migrate_from_empty(app)
        total = Figures()
        for name, corpus in (("JSON endpoints", api_requests), ("HTML forms", form_requests)):
            world = World(app)
            started = time.perf_counter()
            try:
                figures = fuzz(world, corpus, args.examples, args.seed)
            except AssertionError:  # a 5xx: the figures so far, and what failed
                figures = world.figures
            elapsed = time.perf_counter() - started
            print(f"{name} ({url.split(':')[0]}, {elapsed:.0f} s): {figures.line()}")
            for failure in figures.failures[:10]:
                print("   ", failure)
            total.sent += figures.sent
            total.server_errors += figures.server_errors
            total.rejected += figures.rejected
            total.rows_stored_by_rejected += figures.rows_stored_by_rejected
            empty_tables(app)
        print(f"total: {total.line()}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
