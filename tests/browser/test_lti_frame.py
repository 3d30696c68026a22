"""An LTI launch inside the test platform's course page (an iframe), in Chromium: the
learner plays the board in the frame and the attempt is stored under their LTI identity.
Also the instructor's pages a launch opens, looked at on a desktop and a phone."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.browser.conftest import screenshot
from tests.helpers.lti_platform import TestPlatform
from tests.helpers.pages import serious
from webapp.extensions import db
from webapp.models import Attempt, LtiIdentity


@pytest.fixture
def platform(live_server):
    found = TestPlatform(tool_url=live_server.url).serve()
    found.register(live_server.app)
    yield found
    found.stop()


def test_a_learner_plays_the_board_inside_the_platforms_frame(live_server, platform, page):
    page.goto(f"{platform.url}/course?user=learner-7")
    frame = page.frame_locator("iframe[title=Trainer]")
    tray = frame.get_by_role("region", name="Tasks to sort")
    tray.get_by_role("listitem").first.wait_for()
    while tray.get_by_role("listitem").count():
        tray.get_by_role("listitem").first.get_by_role("button", name="Move to Customer").click()
    frame.get_by_role("button", name="Check answers").click()
    frame.get_by_text("To look at again").first.wait_for()
    screenshot(page, "lti-frame-result")
    with live_server.app.app_context():
        identity = db.session.execute(
            select(LtiIdentity).where(LtiIdentity.sub == "sub-learner-7")
        ).scalar_one()
        attempt = db.session.execute(select(Attempt)).scalar_one()
        assert attempt.learner_id == identity.learner_id


def _instructor(live_server, platform, context, message_hint="resource"):
    """An instructor's launch, top level (as after "open in a new window")."""
    from urllib.parse import urlencode

    page = context.new_page()
    params = platform.login_params("teacher-7", message_hint)
    page.goto(f"{live_server.url}/lti/login?{urlencode(params)}")
    return page


@pytest.mark.parametrize("width", [1280, 390])
def test_the_instructors_launch_pages_read_well(live_server, platform, browser, width):
    phone = width == 390
    context = browser.new_context(
        viewport={"width": width, "height": 844 if phone else 900},
        has_touch=phone,
        is_mobile=phone,
    )
    try:
        page = _instructor(live_server, platform, context)
        page.get_by_role("heading", name="From your course: Cloud security").wait_for()
        assert serious(page) == []
        screenshot(page, f"lti-analytics-{width}")
        page = _instructor(live_server, platform, context, "deep-link")
        page.get_by_role("heading", name="Add scenarios to your course").wait_for()
        assert serious(page) == []
        screenshot(page, f"lti-deep-link-{width}")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.get_by_role("checkbox").first.check()
        page.get_by_role("button", name="Add to the course").click()
        page.get_by_text("Content added").wait_for()  # the platform got the response
        assert "JWT" in platform.received[-1]
    finally:
        context.close()


def test_a_frame_whose_cookie_is_withheld_offers_a_new_window(live_server, page):
    """The tool on another site than the course page (localhost vs 127.0.0.1), over HTTP:
    the browser withholds the tool's cookie from the cross-site post into the frame."""
    port = live_server.url.rsplit(":", 1)[1]
    platform = TestPlatform(tool_url=f"http://localhost:{port}").serve()
    try:
        platform.register(live_server.app)
        page.goto(f"{platform.url}/course?user=learner-8")
        frame = page.frame_locator("iframe[title=Trainer]")
        frame.get_by_role("button", name="Open in a new window").wait_for()
        assert frame.get_by_role("heading", name="Open the activity in a new window").count() == 1
        screenshot(page, "lti-new-window")
        with live_server.app.app_context():
            assert db.session.execute(select(LtiIdentity)).first() is None
    finally:
        platform.stop()


@pytest.mark.parametrize("width", [1280, 390])
def test_the_admins_platform_page_reads_well(live_server, platform, browser, width):
    from tests.conftest import DEFAULT_PASSWORD, make_user

    make_user(live_server.app, "admin@example.org", role="admin")
    phone = width == 390
    context = browser.new_context(
        viewport={"width": width, "height": 844 if phone else 900},
        has_touch=phone,
        is_mobile=phone,
    )
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/auth/login")
        page.get_by_label("Email").fill("admin@example.org")
        page.get_by_label("Password").fill(DEFAULT_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.goto(f"{live_server.url}/admin/lti")
        page.get_by_role("heading", name="Learning platforms (LTI 1.3)").wait_for()
        page.get_by_text(platform.issuer, exact=True).first.wait_for()
        assert serious(page) == []
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        screenshot(page, f"lti-admin-{width}")
    finally:
        context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_the_host_console_offers_the_course_roster(live_server, platform, browser, width):
    """An instructor launched from the course starts a class and finds the roster form on
    the console; a platform that does not answer for its roster is said so, on the page."""
    phone = width == 390
    context = browser.new_context(
        viewport={"width": width, "height": 844 if phone else 900},
        has_touch=phone,
        is_mobile=phone,
    )
    try:
        page = _instructor(live_server, platform, context)
        page.get_by_role("link", name="Start a class session for this course").click()
        choice = page.get_by_label(re.compile("Web app with an Oracle database"))
        if not choice.is_checked():
            choice.check()
        page.get_by_role("button", name="Start session").click()
        roster = page.get_by_role("region", name=re.compile("Course roster"))
        roster.wait_for()
        assert serious(page) == []
        screenshot(page, f"lti-host-roster-{width}")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        roster.get_by_role("button", name="Bring in the course roster").click()
        page.get_by_text("did not give its roster").wait_for()  # the test platform has none
        screenshot(page, f"lti-host-roster-refused-{width}")
    finally:
        context.close()
