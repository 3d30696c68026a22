"""Feedback from the second-edition rule set in a real browser: the result card names the
control type beside the expected party and shows the card's own sentence before the rule's
explanation, on a desktop and on a touch phone; the editor's live check shows both."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.helpers.author_browser import make_instructor, open_copy
from tests.helpers.pages import serious

PASSWORD = "a long enough password"
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
SCENARIO = "rds-upgrades-multi-az"


def play_all_to(page, url: str, party: str) -> None:
    page.goto(f"{url}/scenarios/{SCENARIO}")
    tray = page.get_by_role("region", name="Tasks to sort")
    while tray.get_by_role("listitem").count():
        tray.get_by_role("listitem").first.get_by_role("button", name=f"Move to {party}").click()
    page.get_by_role("button", name="Check answers").click()
    page.wait_for_url("**/attempts/*")


def test_result_card_shows_control_and_card_sentence(live_server, browser):
    for name, options in (("desktop", DESKTOP), ("phone", PHONE)):
        context = browser.new_context(**options)
        page = context.new_page()
        page.set_default_timeout(10_000)
        play_all_to(page, live_server.url, "AWS")
        card = page.get_by_role("listitem").filter(
            has=page.get_by_role(
                "heading",
                name="Decide when to move to the next major engine version and start the upgrade",
            )
        )
        expect(card.get_by_text("Customer", exact=True)).to_be_visible()
        expect(card.get_by_text("a major version never does")).to_be_visible()
        expect(card.get_by_text("RDS never starts one on its own")).to_be_visible()
        # cards placed correctly are folded away: open them to read one
        page.locator("summary", has_text="Placed correctly").click()
        patch = page.get_by_role("listitem").filter(
            has=page.get_by_role(
                "heading", name="Patch the operating system of the database servers"
            )
        )
        expect(patch.get_by_text("Control type")).to_be_visible()
        expect(patch.get_by_text("Shared control")).to_be_visible()
        assert serious(page) == []
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= options["viewport"]["width"], width
        screenshot(page, f"rule-feedback-result-{name}")
        context.close()


def test_editor_live_check_shows_control_and_card_sentence(live_server, browser):
    make_instructor(live_server.app, "prof@example.org", PASSWORD)
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    page.set_default_timeout(10_000)
    open_copy(page, live_server.url, "prof@example.org", PASSWORD, SCENARIO, "upgrades-copy")
    tasks = page.get_by_role("region", name="Tasks", exact=True).locator(".js-rows > li")
    first = tasks.first
    first.locator("summary").click()
    sentence = first.get_by_label("Sentence for this card")
    expect(sentence).to_have_value(
        "With auto minor version upgrade on, minor versions arrive "
        "by themselves; a major version never does."
    )
    sentence.fill("Only the team can pick the weekend for a major upgrade.")
    derived = first.locator(".js-derived")
    expect(derived.get_by_text("Only the team can pick the weekend").first).to_be_visible()
    os_row = tasks.nth(5)
    os_row.locator("summary").click()
    expect(os_row.locator(".js-derived").get_by_text("(Shared control)").first).to_be_visible()
    assert serious(page) == []
    screenshot(page, "rule-feedback-editor")
    context.close()
