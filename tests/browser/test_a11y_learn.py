"""Accessibility and layout of the learner's pages: axe-core scan, 360 px phones, 200 % zoom.

axe-core comes from the axe-playwright-python package, which ships axe.min.js and injects it
into the page itself: nothing is fetched from the network.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot
from tests.helpers.pages import finish_with_buttons, serious
from tests.learn_helpers import COURSE


def test_axe_finds_nothing_serious_on_the_learner_pages(live_server, page):
    page.goto(f"{live_server.url}/")
    assert serious(page) == []
    screenshot(page, "catalogue")

    page.goto(f"{live_server.url}/scenarios/{COURSE}")
    tray = page.get_by_role("region", name="Tasks to sort")
    tray.get_by_role("listitem").first.get_by_role("button", name="Move to AWS").click()
    first = tray.get_by_role("listitem").first.get_by_role("button").first
    first.focus()
    page.keyboard.press("Space")  # a card held over a zone
    page.get_by_role("group").first.wait_for()
    assert serious(page) == []
    page.keyboard.press("Escape")

    finish_with_buttons(page)
    assert serious(page) == []
    page.get_by_role("link", name="What changes on Oracle on Amazon RDS?").click()
    assert serious(page) == []


def test_axe_on_the_board_as_a_plain_form(live_server, page):
    # axe itself needs scripts, so the page runs them but the board's module is blocked:
    # what remains is exactly the form a browser without JavaScript shows
    page.route("**/static/js/board.js*", lambda route: route.abort())
    page.goto(f"{live_server.url}/scenarios/{COURSE}")
    assert page.get_by_role("radio").count() == 32
    assert serious(page) == []


@pytest.mark.parametrize(
    "viewport",
    [{"width": 360, "height": 740}, {"width": 640, "height": 450}],  # 1280x900 at 200 %
    ids=["phone-360", "zoom-200"],
)
def test_pages_fit_the_width_on_phones_and_at_200_percent(live_server, browser, viewport):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    name = "phone" if viewport["width"] == 360 else "zoom"
    try:
        width = viewport["width"]
        overflow = "document.documentElement.scrollWidth"
        page.goto(f"{live_server.url}/")
        assert page.evaluate(overflow) <= width
        if name == "phone":
            screenshot(page, "catalogue-phone")
        page.goto(f"{live_server.url}/scenarios/{COURSE}")
        assert page.evaluate(overflow) <= width
        check = page.get_by_role("button", name="Check answers")
        assert check.bounding_box()["x"] + check.bounding_box()["width"] <= width
        finish_with_buttons(page, "Customer")
        assert page.evaluate(overflow) <= width
        page.get_by_role("link", name="What changes on Oracle on Amazon RDS?").click()
        # measured once the comparison has loaded: a measure taken while the click's
        # navigation is under way reads a document whose stylesheets are not applied yet
        page.wait_for_url("**/what-if/**")
        page.wait_for_load_state("load")
        assert page.evaluate(overflow) <= width
        screenshot(page, f"what-if-{name}")
    finally:
        context.close()
