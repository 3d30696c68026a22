"""The board in Chromium: mouse, touch, keyboard only, no JavaScript, variants and what-if."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.helpers.pages import wait_until
from tests.learn_helpers import COURSE, key_for
from webapp.domain import PARTY_NAMES
from webapp.services import content

MOVING = (
    "Apply Oracle software upgrades and security patches",
    "Patch the operating system of the machine the database runs on",
    "Take the nightly database backups and keep transaction logs for recovery",
    "Keep a standby database in a second Availability Zone and fail over to it",
)


@pytest.fixture
def course(live_server):
    """Task text -> zone name under each variant, known to the test only."""
    app = live_server.app
    with app.app_context():
        scenario = content.content().library.get(COURSE)
        texts = {t.id: t.text for t in scenario.tasks}
    return {
        v: {texts[t]: PARTY_NAMES[p] for t, p in key_for(app, COURSE, v).items()}
        for v in ("oracle-on-ec2", "oracle-on-rds")
    }


def tray(page):
    return page.get_by_role("region", name="Tasks to sort")


def first_tray_card(page):
    """The first card still in the tray (its button is named by the task text)."""
    return tray(page).get_by_role("listitem").first.get_by_role("button").first


def expect_result(page, correct=16, total=16):
    page.wait_for_url(re.compile(r"/attempts/[0-9a-f]{32}$"))
    assert page.get_by_text(f"{correct} of {total}", exact=True).is_visible()


def test_mouse_drag_completes_the_course(live_server, page, course):
    page.goto(f"{live_server.url}/scenarios/{COURSE}")
    answers = course["oracle-on-ec2"]
    progress = page.get_by_text(re.compile(r"^\d+ of 16 placed$"))
    assert progress.inner_text() == "0 of 16 placed"
    for placed in range(1, 17):
        card = first_tray_card(page)
        text = card.inner_text().strip()
        zone = page.get_by_role("region", name=answers[text], exact=True)
        card.scroll_into_view_if_needed()
        box = card.bounding_box()
        page.mouse.move(box["x"] + 30, box["y"] + box["height"] / 2)
        page.mouse.down()
        page.mouse.move(box["x"] + 45, box["y"] + box["height"] / 2 + 5, steps=3)
        target = zone.get_by_role("heading").bounding_box()
        page.mouse.move(target["x"] + 40, target["y"] + target["height"] / 2, steps=8)
        page.mouse.up()
        assert zone.get_by_role("button", name=text, exact=True).is_visible()
        assert progress.inner_text() == f"{placed} of 16 placed"
        if placed == 6:
            screenshot(page, "board-desktop")
    status = page.get_by_role("status")
    expect(status).to_contain_text("Moved to")
    expect(status).to_contain_text("16 of 16 placed")
    page.get_by_role("button", name="Check answers").click()
    expect_result(page)
    screenshot(page, "result")


def test_a_placed_card_moves_again_and_back_to_the_tray(live_server, page):
    page.goto(f"{live_server.url}/scenarios/{COURSE}")
    card = first_tray_card(page)
    text = card.inner_text().strip()
    item = tray(page).get_by_role("listitem").first
    item.get_by_role("button", name="Move to AWS").click()
    aws = page.get_by_role("region", name="AWS", exact=True)
    placed = aws.get_by_role("listitem").filter(has=page.get_by_role("button", name=text))
    placed.get_by_role("button", name="Move to Customer").click()
    customer = page.get_by_role("region", name="Customer", exact=True)
    assert customer.get_by_role("button", name=text, exact=True).is_visible()
    customer.get_by_role("listitem").first.get_by_role(
        "button", name="Move back to the tray"
    ).click()
    assert tray(page).get_by_role("button", name=text, exact=True).is_visible()
    expect(page.get_by_role("status")).to_contain_text("Back in the tray")
    # a second press of Check answers with cards left over is needed: the first one warns
    page.get_by_role("button", name="Check answers").click()
    assert page.get_by_text("16 cards are still in the tray").first.is_visible()
    page.get_by_role("button", name="Check answers").click()
    expect_result(page, correct=0)


def _touch(cdp, kind, x=0, y=0):
    points = [] if kind == "touchEnd" else [{"x": x, "y": y}]
    cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})


def test_touch_drag_on_a_phone_completes_the_course(live_server, browser, course):
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        has_touch=True,
        is_mobile=True,
        device_scale_factor=2,
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    cdp = context.new_cdp_session(page)
    try:
        page.goto(f"{live_server.url}/scenarios/{COURSE}")
        answers = course["oracle-on-ec2"]
        height = 740

        # a quick swipe that starts on a card scrolls the page and moves nothing
        card = first_tray_card(page)
        card.scroll_into_view_if_needed()
        box = card.bounding_box()
        before = page.evaluate("scrollY")
        x, y = box["x"] + 60, box["y"] + box["height"] / 2
        _touch(cdp, "touchStart", x, y)
        for step in range(1, 11):
            _touch(cdp, "touchMove", x, y - step * 20)
        _touch(cdp, "touchEnd")
        page.wait_for_timeout(300)  # longer than the hold that would lift a card
        wait_until(page, lambda: page.evaluate("scrollY") > before)
        assert page.evaluate("scrollY") > before
        assert tray(page).get_by_role("listitem").count() == 16

        for placed in range(1, 17):
            card = first_tray_card(page)
            text = card.inner_text().strip()
            zone = page.get_by_role("region", name=answers[text], exact=True)
            card.scroll_into_view_if_needed()
            box = card.bounding_box()
            x, y = box["x"] + 60, box["y"] + box["height"] / 2
            _touch(cdp, "touchStart", x, y)
            page.wait_for_timeout(260)  # hold: the card lifts
            _touch(cdp, "touchMove", x + 4, y + 4)
            # the zones are in the bar pinned to the bottom of the screen: no scrolling
            seg = (
                page.get_by_role("group", name="Zones")
                .get_by_role("button", name=re.compile(rf"^{answers[text]} \d+ cards?$"))
                .bounding_box()
            )
            assert seg["y"] + seg["height"] <= height
            _touch(cdp, "touchMove", seg["x"] + seg["width"] / 2, seg["y"] + seg["height"] / 2)
            _touch(cdp, "touchEnd")
            assert zone.get_by_role("button", name=text, exact=True).count() == 1, text
            if placed == 3:
                page.evaluate("scrollTo(0, 0)")
                screenshot(page, "board-phone")
        page.get_by_role("button", name="Check answers").click()
        expect_result(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        screenshot(page, "result-phone")
    finally:
        context.close()


def test_keyboard_only_completes_the_course(live_server, page, course):
    page.add_init_script("""
        window.__mouse = 0;
        for (const t of ["mousedown", "mouseup", "pointerdown", "mousemove"])
          addEventListener(t, () => { window.__mouse += 1; }, true);
    """)
    page.goto(f"{live_server.url}/scenarios/{COURSE}")
    answers = course["oracle-on-ec2"]
    zone_order = ["AWS", "Customer"]  # the board's zones, left to right
    live = page.locator("[aria-live]").first
    for _ in range(60):  # Tab from the top of the page to the first card
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.textContent.trim()")
        if focused in answers:
            break
    else:
        pytest.fail("Tab never reached a card")

    # Escape puts a picked-up card back where it was
    page.keyboard.press("Space")
    expect(live).to_contain_text("Picked up")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Escape")
    expect(live).to_contain_text("Cancelled")
    assert tray(page).get_by_role("listitem").count() == 16

    for placed in range(1, 17):
        text = page.evaluate("document.activeElement.textContent.trim()")
        assert text in answers, f"focus left the cards: {text!r}"
        page.keyboard.press("Space")
        for _ in range(zone_order.index(answers[text])):
            page.keyboard.press("ArrowRight")
        expect(live).to_contain_text(f"Over {answers[text]}")
        page.keyboard.press("Enter")
        zone = page.get_by_role("region", name=answers[text], exact=True)
        assert zone.get_by_role("button", name=text, exact=True).count() == 1
        expect(page.get_by_role("status")).to_contain_text(
            f"“{text}”: Moved to {answers[text]} · {placed} of 16 placed"
        )
        if placed == 8:
            screenshot(page, "board-keyboard")
    for _ in range(60):
        if page.evaluate("document.activeElement.textContent.trim()") == "Check answers":
            break
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect_result(page)
    assert page.evaluate("window.__mouse") == 0


def test_without_javascript_the_board_is_a_plain_form(live_server, browser, course):
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/scenarios/{COURSE}")
        assert not page.get_by_role("region", name="AWS", exact=True).is_visible()
        for text, zone in course["oracle-on-ec2"].items():
            group = page.get_by_role("group", name=text, exact=True)
            group.get_by_role("radio", name=zone, exact=True).check()
        screenshot(page, "board-nojs")
        page.get_by_role("button", name="Check answers").click()
        expect_result(page)
        assert page.get_by_role("link", name="What changes on Oracle on Amazon RDS?").is_visible()
    finally:
        context.close()


def test_variant_switch_and_what_if(live_server, page, course):
    page.goto(f"{live_server.url}/scenarios/{COURSE}")
    page.get_by_role("link", name="Oracle on Amazon RDS").click()
    page.wait_for_url(re.compile(r"variant=oracle-on-rds"))
    current = page.locator("[aria-current=page]")
    assert current.inner_text().strip().endswith("Oracle on Amazon RDS")
    assert page.get_by_text("runs on Amazon RDS").is_visible()
    answers = course["oracle-on-rds"]
    for _ in range(16):
        item = tray(page).get_by_role("listitem").first
        text = item.get_by_role("button").first.inner_text().strip()
        item.get_by_role("button", name=f"Move to {answers[text]}", exact=True).click()
    page.get_by_role("button", name="Check answers").click()
    expect_result(page)
    assert page.get_by_text("Variant: Oracle on Amazon RDS").is_visible()
    page.get_by_role("link", name="What changes on Oracle installed on an EC2 instance?").click()
    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text() == "What changes on Oracle installed on an EC2 instance?"
    assert page.get_by_text("4 tasks change owner").is_visible()
    moved = page.get_by_role("row").filter(has_text="Owner moves")
    assert sorted(
        r.get_by_role("rowheader").inner_text().split("\n")[0].strip()
        for r in moved.all()
        if r.get_by_role("cell").count()
    ) == sorted(MOVING)
    row = page.get_by_role("row").filter(has_text=MOVING[0])
    cells = row.get_by_role("cell").all_inner_texts()
    assert cells[0].startswith("AWS")
    assert cells[1].startswith("Customer")
    screenshot(page, "what-if")


def test_nothing_before_grading_reveals_an_expected_party(live_server, page, course):
    with live_server.app.app_context():
        rules = content.rules()
        secrets = [r.explanation[:50] for r in rules.rules] + [r.source for r in rules.rules]
    seen = []
    page.on("requestfinished", lambda request: seen.append(request))
    page.goto(f"{live_server.url}/scenarios/{COURSE}")
    answers = course["oracle-on-ec2"]
    for _ in range(16):
        item = tray(page).get_by_role("listitem").first
        text = item.get_by_role("button").first.inner_text().strip()
        item.get_by_role("button", name=f"Move to {answers[text]}", exact=True).click()
    page.evaluate("document.fonts.ready")
    before = list(seen)
    assert before, "no requests were recorded"
    for request in before:
        assert "/api/" not in request.url
        body = request.response().text()
        leaked = [s for s in secrets if s in body]
        assert not leaked, f"{request.url} reveals {leaked[:1]}"
        if request.resource_type in ("document", "script", "fetch", "xhr"):
            assert "expected" not in body.lower(), request.url
    assert all(r.method == "GET" for r in before)
    page.get_by_role("button", name="Check answers").click()
    expect_result(page)
