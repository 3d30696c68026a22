"""Per-card feedback on a practice board in Chromium: asked for, checked on the server."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.helpers.pages import serious
from tests.learn_helpers import COURSE, key_for
from webapp.domain import PARTY_NAMES
from webapp.services import content


def test_each_card_checked_as_it_is_placed_when_asked(live_server, page):
    app = live_server.app
    with app.app_context():
        scenario = content.content().library.get(COURSE)
        texts = {t.id: t.text for t in scenario.tasks}
    answers = {texts[t]: PARTY_NAMES[p] for t, p in key_for(app, COURSE, "oracle-on-ec2").items()}
    calls = []
    page.on("request", lambda r: calls.append(r.url) if "/check" in r.url else None)
    page.goto(f"{live_server.url}/scenarios/{COURSE}")
    tray = page.get_by_role("region", name="Tasks to sort")

    # off by default: a move asks nothing of the server
    item = tray.get_by_role("listitem").first
    text = item.get_by_role("button").first.inner_text().strip()
    item.get_by_role("button", name=f"Move to {answers[text]}", exact=True).click()
    page.wait_for_timeout(200)
    assert calls == []

    # ticked: the card already placed is checked, and so is every card placed next
    page.get_by_label("Check each card as I place it").check()
    zone = page.get_by_role("region", name=answers[text], exact=True)
    expect(zone.get_by_role("listitem").filter(has_text=text)).to_contain_text("✓ Right.")
    item = tray.get_by_role("listitem").first
    wrong_text = item.get_by_role("button").first.inner_text().strip()
    wrong = "AWS" if answers[wrong_text] == "Customer" else "Customer"
    item.get_by_role("button", name=f"Move to {wrong}", exact=True).click()
    card = (
        page.get_by_role("region", name=wrong, exact=True)
        .get_by_role("listitem")
        .filter(has_text=wrong_text)
    )
    expect(card).to_contain_text("✗ Not quite.")
    expect(card.get_by_role("link", name="Source")).to_have_attribute(
        "href", re.compile("^https://")
    )
    screenshot(page, "board-per-card")
    assert serious(page) == []

    # moved on, the old verdict goes; the final score still comes from Check answers
    card.get_by_role("button", name=f"Move to {answers[wrong_text]}", exact=True).click()
    right = (
        page.get_by_role("region", name=answers[wrong_text], exact=True)
        .get_by_role("listitem")
        .filter(has_text=wrong_text)
    )
    expect(right).to_contain_text("✓ Right.")
    expect(right).not_to_contain_text("Not quite")
    assert len(calls) == 3
    page.get_by_role("button", name="Check answers").click()
    page.get_by_role("button", name="Check answers").click()  # 14 still in the tray: confirm
    page.wait_for_url(re.compile(r"/attempts/[0-9a-f]{32}$"))
    assert page.get_by_text("2 of 16", exact=True).is_visible()
