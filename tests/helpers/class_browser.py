"""The steps the class's browser tests share: signing in a host, learners joining on a
phone, placing every card, and reading the learner's status line."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.conftest import DEFAULT_PASSWORD, make_user

PHONE = {"width": 390, "height": 844}
FOLLOW = 6_000  # learners' screens follow the host within 2 s; leave room on a busy machine


def sign_in(page, url: str, email: str) -> None:
    page.goto(f"{url}/auth/login?next=/host/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Class sessions")).to_be_visible()


def join_as(browser, url: str, code: str, nickname: str, name: str):
    ctx = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = ctx.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{url}/join?code={code}")
    expect(page.get_by_label("Session code")).to_have_value(code)
    page.get_by_label("Nickname").fill(nickname)
    if name:
        screenshot(page, name)
    page.get_by_role("button", name="Join").click()
    expect(page.get_by_text("You are in.")).to_be_visible()
    return ctx, page


def place_all(page, party: str, wrong_first: bool = False) -> None:
    """Place every card with its "Move to" button (the board's non-drag control)."""
    cards = page.locator(".js-card")
    expect(cards.first).to_be_visible()
    for i in range(cards.count()):
        target = party
        if wrong_first and i == 0:
            target = "AWS" if party == "Customer" else "Customer"
        page.locator(".tray .js-card").first.get_by_role("button", name=f"Move to {target}").click()
    # the progress line, not the live region that repeats it a moment later
    expect(page.locator(".js-progress")).to_have_text(f"{cards.count()} of {cards.count()} placed")


def status(page, text: str):
    """The learner's status line containing this text (not the live region that repeats it)."""
    return page.locator(".play-status__msg").get_by_text(re.compile(re.escape(text)))


def start_oracle_session(page, live_server, email: str = "host@example.org") -> str:
    """A new instructor signs in and starts a session of the Oracle scenario; its code."""
    make_user(live_server.app, email, "instructor")
    sign_in(page, live_server.url, email)
    page.get_by_label(re.compile("Web app with an Oracle database")).check()
    page.get_by_role("button", name="Start session").click()
    return page.locator(".join-card__code").inner_text().strip()


DESKTOP = {"width": 1280, "height": 900}


def both_sizes(page, name: str) -> None:
    """Screenshots of one screen at desktop and phone width, for a person to look at."""
    size = page.viewport_size
    page.set_viewport_size(DESKTOP)
    screenshot(page, f"{name}-desktop")
    page.set_viewport_size(PHONE)
    screenshot(page, f"{name}-phone")
    page.set_viewport_size(size)
