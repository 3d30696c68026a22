"""The way in, in a real browser: header links, Run in class, and every main page at 320 px."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.conftest import DEFAULT_PASSWORD, make_user
from tests.helpers.pages import finish_with_buttons, serious
from tests.learn_helpers import COURSE

NARROW = {"width": 320, "height": 640}
SIZES = {
    "desktop": {"width": 1280, "height": 900},
    "phone": {"width": 390, "height": 844},
    "narrow": NARROW,
}
SIDEWAYS = "document.documentElement.scrollWidth - window.innerWidth"
MINE = {
    "id": "mine",
    "title": "A shop on EC2",
    "summary": "An instructor's scenario.",
    "parties": ["aws", "customer"],
    "components": [{"id": "web", "name": "Web server", "service": "ec2"}],
    "tasks": [
        {
            "id": "patch",
            "text": "Patch the web server's operating system",
            "component": "web",
            "area": "guest-os-patching",
        }
    ],
}


def _context(browser, size: dict):
    touch = size["width"] < 1000
    ctx = browser.new_context(viewport=size, is_mobile=touch, has_touch=touch)
    page = ctx.new_page()
    page.set_default_timeout(10_000)
    return ctx, page


def _sign_in(page, url: str, email: str) -> None:
    page.goto(f"{url}/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign in").click()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def _authored(app, email: str) -> None:
    from webapp.extensions import db
    from webapp.models import User
    from webapp.services import authoring
    from webapp.services.content import rules

    with app.app_context():
        owner = db.session.query(User).filter_by(email=email).one()
        record = authoring.create_scenario(db.session, owner, "mine", MINE["title"], MINE)
        authoring.publish(db.session, record, rules())
        db.session.commit()


def place_all(page, party: str, wrong_first: bool = False) -> None:
    """Place every card of the class board with its "Move to" buttons."""
    cards = page.locator(".js-card")
    expect(cards.first).to_be_visible(timeout=6_000)  # the screen follows the host
    total = cards.count()
    for i in range(total):
        target = ("AWS" if party == "Customer" else "Customer") if wrong_first and not i else party
        page.locator(".tray .js-card").first.get_by_role("button", name=f"Move to {target}").click()
    expect(page.get_by_text(f"{total} of {total} placed", exact=True)).to_be_visible()


def _fits(page, what: str) -> None:
    """No sideways scrolling on this page (what the page is, for the failure message)."""
    page.wait_for_load_state()
    assert page.evaluate(SIDEWAYS) <= 0, f"{what} scrolls sideways at {page.viewport_size}"


@pytest.mark.parametrize("size", list(SIZES), ids=list(SIZES))
def test_the_header_leads_learners_and_instructors_in(browser, live_server, size):
    url = live_server.url
    make_user(live_server.app, "host@example.org", "instructor")
    ctx, page = _context(browser, SIZES[size])
    try:
        page.goto(f"{url}/")
        nav = page.get_by_role("navigation", name="Main")
        expect(nav.get_by_role("link", name="Join a class")).to_be_visible()
        expect(nav.get_by_role("link", name="Sign in")).to_be_visible()
        assert serious(page) == []
        screenshot(page, f"header-learner-{size}")
        nav.get_by_role("link", name="Join a class").click()
        expect(page.get_by_label("Session code")).to_be_visible()

        _sign_in(page, url, "host@example.org")
        nav = page.get_by_role("navigation", name="Main")
        expect(nav.get_by_role("link", name="Sign in")).to_have_count(0)
        nav.get_by_role("link", name="Classes").click()
        expect(page.get_by_role("heading", name="Class sessions")).to_be_visible()
        _fits(page, "/host/")
        assert serious(page) == []
        screenshot(page, f"host-index-{size}")

        nav.get_by_role("link", name="Author").click()
        _fits(page, "/author/")
        assert serious(page) == []
        screenshot(page, f"author-index-{size}")
        page.get_by_role("link", name=re.compile(r"^Run in class\W+Web app with an Oracle")).click()
        box = page.get_by_role("checkbox", name=re.compile("Web app with an Oracle database"))
        expect(box).to_be_checked()
        expect(page.get_by_text("Chosen: Web app with an Oracle database.")).to_be_visible()
        page.get_by_role("button", name="Start session").click()
        expect(page.locator(".join-card__code")).to_be_visible()
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Classes").click()
        expect(page.get_by_role("heading", name="Your sessions")).to_be_visible()
        first = page.locator("h2").first
        expect(first).to_have_text("Your sessions")  # before the start form
    finally:
        ctx.close()


def test_the_main_pages_fit_a_320_px_screen(browser, live_server):
    """Every main page at 320 px, as a learner, a signed-in admin and a class: no sideways
    scrolling (WCAG 1.4.10 reflow)."""
    url = live_server.url
    make_user(live_server.app, "admin@example.org", "admin")
    _authored(live_server.app, "admin@example.org")
    ctx, page = _context(browser, NARROW)
    learner_ctx, learner = _context(browser, NARROW)
    try:
        for path in ("/", "/auth/login", "/join"):
            learner.goto(url + path)
            _fits(learner, path)
        learner.goto(f"{url}/scenarios/{COURSE}")
        _fits(learner, "the board")
        finish_with_buttons(learner, "Customer")
        _fits(learner, "the result")
        learner.get_by_role("link", name="What changes on Oracle on Amazon RDS?").click()
        _fits(learner, "the what-if comparison")

        _sign_in(page, url, "admin@example.org")
        for path in (
            "/host/",
            "/author/",
            "/author/scenarios/mine",
            f"/author/scenarios/{COURSE}",
            "/author/scenarios/mine/preview",
            f"/author/scenarios/{COURSE}/analytics",
            "/admin/",
        ):
            page.goto(url + path)
            _fits(page, path)
        page.goto(f"{url}/host/?scenario={COURSE}&variant-{COURSE}=oracle-on-rds")
        page.get_by_role("button", name="Start session").click()
        code = page.locator(".join-card__code").inner_text().strip()
        _fits(page, "the host's dashboard")

        learner.goto(f"{url}/join?code={code}")
        learner.get_by_label("Nickname").fill("Ada")
        learner.get_by_role("button", name="Join").click()
        expect(learner.get_by_text("You are in.")).to_be_visible()
        _fits(learner, "the play page")
        page.get_by_role("button", name="Open answering").click()
        place_all(learner, "Customer", wrong_first=True)
        learner.get_by_role("button", name="Send answers").click()
        expect(learner.get_by_text(re.compile(r"^Your answers are in\.")).first).to_be_visible()
        _fits(learner, "the play page after sending")

        page.goto(f"{url}/host/{code}/report")
        expect(page.get_by_text("Variant: Oracle on Amazon RDS")).to_be_visible()
        _fits(page, "the class report")
        page.goto(f"{url}/author/scenarios/{COURSE}/analytics")
        expect(page.get_by_role("heading", name="By variant")).to_be_visible()
        _fits(page, "the analytics with a class attempt")
    finally:
        learner_ctx.close()
        ctx.close()


@pytest.mark.parametrize("size", list(SIZES), ids=list(SIZES))
def test_the_class_report_reads_well_and_passes_axe(browser, live_server, size):
    url = live_server.url
    make_user(live_server.app, "host@example.org", "instructor")
    ctx, page = _context(browser, SIZES[size])
    learner_ctx, learner = _context(browser, SIZES["phone"])
    try:
        _sign_in(page, url, "host@example.org")
        page.goto(f"{url}/host/?scenario={COURSE}")
        page.get_by_role("button", name="Start session").click()
        code = page.locator(".join-card__code").inner_text().strip()
        learner.goto(f"{url}/join?code={code}")
        learner.get_by_label("Nickname").fill("Bea")
        learner.get_by_role("button", name="Join").click()
        expect(learner.get_by_text("You are in.")).to_be_visible()
        page.get_by_role("button", name="Open answering").click()
        place_all(learner, "Customer", wrong_first=True)
        learner.get_by_role("button", name="Send answers").click()
        expect(learner.get_by_text(re.compile(r"^Your answers are in\.")).first).to_be_visible()
        page.goto(f"{url}/host/{code}/report")
        table = page.get_by_role("table", name="Web app with an Oracle database")
        expect(table).to_be_visible()
        expect(table.get_by_role("columnheader", name="Shared")).to_have_count(0)
        expect(page.get_by_text("Variant: Oracle installed on an EC2 instance")).to_be_visible()
        _fits(page, "the class report")
        assert serious(page) == []
        screenshot(page, f"class-report-{size}")
    finally:
        learner_ctx.close()
        ctx.close()
