"""Measure the board page's weight: HTML + CSS + JavaScript, uncompressed (budget 60 KB).

Run: python bench/page_weight.py [--scenario s3-vpc-ec2-oracle] [--budget 61440]
Builds the app on a fresh SQLite file, fetches the board through the test client, then
every stylesheet, module script and module import it pulls in (following `import ... from`
inside the modules). It also lists any resource from another origin (there should be none).
Prints the figures and exits 1 when the budget is exceeded.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path
from urllib.parse import urljoin, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from webapp import create_app, database  # noqa: E402

RESOURCE = re.compile(r'<(?:link|script|img)\b[^>]*?\b(?:href|src)="([^"]+)"', re.I)
IMPORT = re.compile(r'\b(?:import|from)\s*["\']([^"\']+)["\']')


def fetch(client, url: str) -> bytes:
    with client.get(url) as response:
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code}")
        return response.get_data()


def measure(scenario: str) -> tuple[list[tuple[str, int]], list[str]]:
    """(url, bytes) for the page and everything it loads; and any third-party URLs."""
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/weight.sqlite3",
                "SECRET_KEY": "bench",
                "INSTANCE_PATH": tmp,
            }
        )
        database.upgrade(app)
        client = app.test_client()
        page = f"/scenarios/{scenario}"
        html = fetch(client, page)
        sizes = [(page, len(html))]
        foreign = []
        queue = [urljoin(page, u) for u in RESOURCE.findall(html.decode())]
        seen = set()
        while queue:
            url = queue.pop(0)
            parts = urlsplit(url)
            if parts.scheme in ("http", "https") or url.startswith("//"):
                foreign.append(url)
                continue
            if parts.scheme == "data" or url in seen:
                continue
            seen.add(url)
            body = fetch(client, url)
            sizes.append((url, len(body)))
            if parts.path.endswith(".js"):
                queue.extend(
                    urljoin(url, u).split("?")[0]
                    for u in IMPORT.findall(body.decode())
                    if u.startswith((".", "/"))
                )
        return sizes, foreign


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="s3-vpc-ec2-oracle")
    parser.add_argument("--budget", type=int, default=60 * 1024)
    args = parser.parse_args()
    sizes, foreign = measure(args.scenario)
    for url, size in sizes:
        print(f"{size:>8,} B  {url}")
    total = sum(size for _, size in sizes)
    print(f"{total:>8,} B  total ({total / 1024:.1f} KB of a {args.budget / 1024:.0f} KB budget)")
    if foreign:
        print("third-party requests:", *foreign, sep="\n  ")
    return 0 if total <= args.budget and not foreign else 1


if __name__ == "__main__":
    raise SystemExit(main())
