"""The board by thumb on a 390x844 touch phone, and nothing lost on reload, Back or a switch."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS
from tests.helpers.pages import serious, wait_until
from tests.learn_helpers import COURSE, key_for
from webapp.domain import PARTY_NAMES
from webapp.services import content

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def course(live_server):
    """Task text -> zone name under the first variant, known to the test only."""
    app = live_server.app
    with app.app_context():
        scenario = content.content().library.get(COURSE)
        texts = {t.id: t.text for t in scenario.tasks}
    return {texts[t]: PARTY_NAMES[p] for t, p in key_for(app, COURSE, "oracle-on-ec2").items()}


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        viewport=PHONE, has_touch=True, is_mobile=True, device_scale_factor=2
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def tray(page):
    return page.get_by_role("region", name="Tasks to sort")


def first_card(page):
    return tray(page).get_by_role("listitem").first


def zone(page, name):
    return page.get_by_role("region", name=name, exact=True)


def bar_segment(page, name):
    """The dock's segment for a zone: its accessible name is its visible text and a word,
    "AWS 3 cards"."""
    return page.get_by_role("group", name="Zones").get_by_role(
        "button", name=re.compile(rf"^{re.escape(name)} \d+ cards?$")
    )


def view(page, name: str) -> None:
    """A screenshot of what the phone's screen shows now (the dock pinned at its bottom)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def _touch(cdp, kind, x=0, y=0):
    points = [] if kind == "touchEnd" else [{"x": x, "y": y}]
    cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})


def test_every_card_dragged_onto_the_bottom_bar_without_scrolling(live_server, phone, course):
    page = phone
    cdp = page.context.new_cdp_session(page)
    page.goto(f"{live_server.url}/scenarios/{COURSE}")
    # the touch help, not the keyboard one
    expect(page.get_by_text("drag it onto a zone in the bar at the bottom")).to_be_visible()
    expect(page.get_by_text("press Space to pick it up")).to_be_hidden()
    tray(page).scroll_into_view_if_needed()
    page.evaluate("scrollBy(0, document.querySelector('.tray').getBoundingClientRect().top - 8)")
    start = page.evaluate("scrollY")
    for placed in range(1, 17):
        card = first_card(page).get_by_role("button").first
        text = card.inner_text().strip()
        box = card.bounding_box()
        assert 0 <= box["y"] < PHONE["height"] / 2, "the next card is in reach without scrolling"
        x, y = box["x"] + 60, box["y"] + box["height"] / 2
        _touch(cdp, "touchStart", x, y)
        page.wait_for_timeout(260)  # hold: the card lifts
        _touch(cdp, "touchMove", x + 4, y + 4)
        seg = bar_segment(page, course[text]).bounding_box()
        sx, sy = seg["x"] + seg["width"] / 2, seg["y"] + seg["height"] / 2
        _touch(cdp, "touchMove", sx, (y + sy) / 2)
        seg = bar_segment(page, course[text]).bounding_box()  # it grows while a card is held
        _touch(cdp, "touchMove", sx, seg["y"] + seg["height"] / 2)
        if placed == 4:
            view(page, "board-phone-dragging")
        _touch(cdp, "touchEnd")
        placed_card = zone(page, course[text]).get_by_role("button", name=text, exact=True)
        expect(placed_card).to_have_count(1)
        assert page.evaluate("scrollY") == start, f"the page moved while placing {text!r}"
        if placed == 5:
            view(page, "board-phone-bar")
    counts = {name: sum(1 for z in course.values() if z == name) for name in set(course.values())}
    for name, n in counts.items():
        expect(bar_segment(page, name)).to_have_accessible_name(f"{name} {n} cards")
    expect(page.get_by_role("status")).to_contain_text("16 of 16 placed")
    page.get_by_role("button", name="Check answers").click()
    page.wait_for_url(re.compile(r"/attempts/[0-9a-f]{32}$"))
    assert page.get_by_text("16 of 16", exact=True).is_visible()


def test_move_to_confirms_offers_undo_and_never_jumps(live_server, phone, course):
    page = phone
    page.goto(f"{live_server.url}/scenarios/{COURSE}")
    page.evaluate("scrollBy(0, document.querySelector('.tray').getBoundingClientRect().top - 8)")
    status = page.get_by_role("status")

    # a fixed order: the zones as the board shows them, then the tray; never the card's own
    moves = first_card(page).get_by_role("group")
    assert moves.get_by_role("button").all_inner_texts() == ["AWS", "Customer"]

    for placed in range(1, 17):
        item = first_card(page)
        text = item.get_by_role("button").first.inner_text().strip()
        before = page.evaluate("scrollY")
        item.get_by_role("button", name=f"Move to {course[text]}", exact=True).tap()
        expect(status).to_contain_text(f"Moved to {course[text]} · {placed} of 16 placed")
        expect(status).to_be_visible()
        assert page.evaluate("scrollY") == before, f"the page jumped after placing {text!r}"
        expect(page.get_by_role("button", name="Undo")).to_be_visible()
        if placed == 6:
            view(page, "board-phone-moved")
            # Undo puts the card back where it was, at its place in the tray
            page.get_by_role("button", name="Undo").tap()
            expect(status).to_contain_text("Undone: back in the tray · 5 of 16 placed")
            assert first_card(page).get_by_role("button").first.inner_text().strip() == text
            assert page.evaluate("scrollY") == before
            first_card(page).get_by_role("button", name=f"Move to {course[text]}", exact=True).tap()
            expect(status).to_contain_text(f"{placed} of 16 placed")
        if placed == 1:
            card = (
                zone(page, course[text])
                .get_by_role("listitem")
                .filter(has=page.get_by_role("button", name=text, exact=True))
            )
            other = "AWS" if course[text] == "Customer" else "Customer"
            assert card.get_by_role("group").get_by_role("button").all_inner_texts() == [
                other,
                "Tray",
            ]
    # the last card placed hands focus to Check answers
    assert page.evaluate("document.activeElement.textContent.trim()") == "Check answers"
    assert serious(page) == []


def test_placements_survive_reload_and_a_variant_switch_asks_first(live_server, page, course):
    url = f"{live_server.url}/scenarios/{COURSE}"
    page.goto(url)
    placed = {}
    for _ in range(5):
        item = first_card(page)
        text = item.get_by_role("button").first.inner_text().strip()
        item.get_by_role("button", name=f"Move to {course[text]}", exact=True).click()
        placed[text] = course[text]
    left = tray(page).get_by_role("listitem").all_inner_texts()
    order = page.locator("input[name=task_order]").input_value()

    page.reload()
    for text, name in placed.items():
        expect(zone(page, name).get_by_role("button", name=text, exact=True)).to_have_count(1)
    assert tray(page).get_by_role("listitem").all_inner_texts() == left
    assert page.locator("input[name=task_order]").input_value() == order
    expect(page.get_by_text("5 of 16 placed", exact=True)).to_be_visible()

    # switching the variant asks first; saying no stays on this board
    messages = []

    def dismiss(dialog):
        messages.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.get_by_role("link", name="Oracle on Amazon RDS").click()
    wait_until(page, lambda: len(messages) >= 1)
    assert len(messages) == 1
    assert "placed 5 cards" in messages[0]
    assert "variant=" not in page.url
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("link", name="Oracle on Amazon RDS").click()
    page.wait_for_url(re.compile(r"variant=oracle-on-rds"))
    expect(page.get_by_text("0 of 16 placed", exact=True)).to_be_visible()

    # Back: the first variant's board as it was left
    page.go_back()
    page.wait_for_url(url)
    for text, name in placed.items():
        expect(zone(page, name).get_by_role("button", name=text, exact=True)).to_have_count(1)

    # a board that was checked starts empty next time
    while tray(page).get_by_role("listitem").count():
        item = first_card(page)
        text = item.get_by_role("button").first.inner_text().strip()
        item.get_by_role("button", name=f"Move to {course[text]}", exact=True).click()
    page.get_by_role("button", name="Check answers").click()
    page.wait_for_url(re.compile(r"/attempts/"))
    page.go_back()
    expect(page.get_by_text("0 of 16 placed", exact=True)).to_be_visible()
    page.goto(url)
    expect(page.get_by_text("0 of 16 placed", exact=True)).to_be_visible()


def test_placements_the_server_gives_win_over_saved_ones(live_server, page, course):
    url = f"{live_server.url}/scenarios/{COURSE}"
    page.goto(url)
    first = first_card(page)
    saved_text = first.get_by_role("button").first.inner_text().strip()
    first.get_by_role("button", name="Move to AWS").click()

    with live_server.app.app_context():
        scenario = content.content().library.get(COURSE)
        ids = {t.text: t.id for t in scenario.tasks}
    other = next(t for t in course if t != saved_text)
    given = {ids[other]: "customer"}

    attr = json.dumps(given).replace('"', "&#34;")

    def with_placements(route):
        response = route.fetch()
        body = response.text().replace(
            'data-module="board"', f'data-module="board" data-initial-placements="{attr}"', 1
        )
        route.fulfill(response=response, body=body)

    page.route(url, with_placements)
    page.reload()
    expect(zone(page, "Customer").get_by_role("button", name=other, exact=True)).to_have_count(1)
    expect(tray(page).get_by_role("button", name=saved_text, exact=True)).to_have_count(1)
    expect(page.get_by_text("1 of 16 placed", exact=True)).to_be_visible()
