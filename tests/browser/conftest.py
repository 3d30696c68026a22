"""Browser tests: the real pages in headless Chromium through Playwright.

The browser is the system's Chromium (Debian's `chromium`, /usr/bin/chromium) or the one
named by SRM_CHROMIUM; the tests never download one. Without it they are skipped with the
reason, unless SRM_REQUIRE_BROWSER=1 (set by .ci/run), where a missing browser fails.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import empty_tables, make_app
from tests.helpers.pages import watched_page

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
SCREENSHOTS = Path(
    os.environ.get("SRM_SCREENSHOTS", Path(__file__).resolve().parents[2] / "screenshots")
)


def chromium_path() -> str | None:
    named = os.environ.get("SRM_CHROMIUM")
    if named:
        return named if Path(named).exists() else None
    for candidate in CHROMIUM_CANDIDATES:
        if Path(candidate).exists():
            return candidate
    return shutil.which("chromium")


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).resolve().parent
    for item in items:
        if Path(str(item.fspath)).resolve().is_relative_to(here):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        if os.environ.get("SRM_REQUIRE_BROWSER") == "1":
            pytest.fail(
                "Chromium is required (SRM_REQUIRE_BROWSER=1) but was not found; "
                "install Debian's chromium or set SRM_CHROMIUM"
            )
        pytest.skip("Chromium not installed (install Debian's chromium or set SRM_CHROMIUM)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if os.environ.get("SRM_REQUIRE_BROWSER") == "1":
            pytest.fail("playwright is required but not installed")
        pytest.skip("playwright not installed (pip install -e '.[test]')")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class LiveServer:
    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture
def live_app_config() -> dict:
    """Override in a module to configure the served app."""
    return {}


@pytest.fixture
def live_server(_migrated, tmp_path, live_app_config):
    """The trainer served on a free local port, on the test database; emptied afterwards."""

    config = {"SERVER_NAME": None, **live_app_config}
    app = make_app(_migrated, tmp_path, **config)
    server = LiveServer(app).start()
    yield server
    server.stop()
    empty_tables(app)


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    """A desktop page; a Content-Security-Policy violation it reports fails the test."""
    page, violations = watched_page(context)
    yield page
    assert violations == [], f"the page broke its Content-Security-Policy: {violations}"


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under screenshots/ for a person to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
