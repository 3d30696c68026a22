"""A live class in real browsers: one host and two learners in separate browser contexts."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS, screenshot
from tests.browser.test_a11y_learn import serious
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
        page.locator(".tray .js-card").first.get_by_role(
            "button", name=f"Move to {target}").click()
    total = cards.count()  # exact: the live region repeats "… of N placed" after 50 ms
    expect(page.get_by_text(f"{total} of {total} placed", exact=True)).to_be_visible()


def test_host_and_two_learners_join_answer_reveal_report(browser, live_server, page):
    url = live_server.url
    make_user(live_server.app, "host@example.org", "instructor")
    sign_in(page, url, "host@example.org")

    page.get_by_label(re.compile("Web app with an Oracle database")).check()
    page.get_by_role("button", name="Start session").click()
    code_text = page.locator(".join-card__code").inner_text().strip()
    assert re.fullmatch(r"[A-HJKMNP-Z2-9]{6}", code_text)
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()

    ann_ctx, ann = join_as(browser, url, code_text, "Ann", "classroom-join-phone")
    ben_ctx, ben = join_as(browser, url, code_text, "Ben", "")
    try:
        people = page.get_by_role("region", name=re.compile("In the room"))
        expect(people.get_by_role("button", name="Remove Ann")).to_be_visible(timeout=FOLLOW)
        expect(people.get_by_role("button", name="Remove Ben")).to_be_visible(timeout=FOLLOW)
        screenshot(page, "classroom-lobby")
        assert serious(page) == []
        screenshot(ann, "classroom-play-lobby-phone")

        page.get_by_role("button", name="Open answering").click()
        for learner in (ann, ben):  # the learners' screens follow by themselves
            expect(learner.get_by_role("heading", name="Sort the tasks")).to_be_visible(
                timeout=FOLLOW)
        screenshot(ann, "classroom-play-board-phone")
        assert serious(ann) == []

        place_all(ann, "Customer")
        ann.get_by_role("button", name="Send answers").click()
        expect(status(ann, "Your answers are in. You will see")).to_be_visible()
        place_all(ben, "Customer", wrong_first=True)
        ben.get_by_role("button", name="Send answers").click()
        expect(status(ben, "Your answers are in. You will see")).to_be_visible()

        expect(page.locator(".tally").get_by_text("of 2")).to_be_visible(timeout=FOLLOW)
        expect(page.locator(".tally dd").nth(1)).to_contain_text("2")
        page.get_by_role("button", name="Reveal answers").click()
        for learner in (ann, ben):
            expect(learner.locator(".score-line")).to_contain_text("right", timeout=FOLLOW)
            expect(learner.get_by_role("heading", name="Your results")).to_be_visible()
        expect(page.get_by_text("Most misplaced first")).to_be_visible(timeout=FOLLOW)
        screenshot(page, "classroom-dashboard")
        assert serious(page) == []
        screenshot(ann, "classroom-play-revealed-phone")
        ann.screenshot(path=str(SCREENSHOTS / "classroom-play-revealed-phone-top.png"))

        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name="End session").click()
        for learner in (ann, ben):
            expect(learner.get_by_role("heading", name="Thanks for taking part")).to_be_visible(
                timeout=FOLLOW)

        page.goto(f"{url}/host/{code_text}/report")
        expect(page.get_by_role("heading", name=re.compile("Report of session"))).to_be_visible()
        table = page.get_by_role("table").first
        expect(table.get_by_role("rowheader", name="Ann")).to_be_visible()
        expect(table.get_by_role("rowheader", name="Ben")).to_be_visible()
        screenshot(page, "classroom-report")
        assert serious(page) == []
        with page.expect_download() as download:
            page.get_by_role("link", name="Download answers (CSV)").click()
        csv_text = Path(download.value.path()).read_text(encoding="utf-8")
        assert csv_text.count("\nAnn,") > 0 and csv_text.count("\nBen,") > 0
    finally:
        ann_ctx.close()
        ben_ctx.close()


def test_join_page_errors_are_announced_next_to_the_field(browser, live_server, page):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/join")
    page.get_by_label("Session code").fill("abc234")
    page.get_by_label("Nickname").fill("Ann")
    page.get_by_role("button", name="Join").click()
    code = page.get_by_label("Session code")
    expect(code).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("No class session has this code.")).to_be_visible()
    screenshot(page, "classroom-join-error-phone")


def status(page, text: str):
    """The learner's status line containing this text (not the live region that repeats it)."""
    return page.locator(".play-status__msg").get_by_text(re.compile(re.escape(text)))


def test_a_learner_changes_their_answers_when_the_host_allows_more_sets(
        browser, live_server, page):
    url = live_server.url
    make_user(live_server.app, "host@example.org", "instructor")
    sign_in(page, url, "host@example.org")
    page.get_by_label(re.compile("Web app with an Oracle database")).check()
    page.get_by_label("As soon as each learner sends").check()
    page.get_by_label("Answer sets each learner may send per scenario").select_option("2")
    screenshot(page, "classroom-new-session")
    assert serious(page) == []
    page.get_by_role("button", name="Start session").click()
    code = page.locator(".join-card__code").inner_text().strip()
    expect(page.get_by_text("Learners may send up to 2 answer sets")).to_be_visible()

    ctx, ann = join_as(browser, url, code, "Ann", "")
    try:
        page.get_by_role("button", name="Open answering").click()
        expect(status(ann, "You can send up to 2 times")).to_be_visible(timeout=FOLLOW)
        place_all(ann, "Customer", wrong_first=True)
        ann.get_by_role("button", name="Send answers").click()
        expect(status(ann, "You can still change them once")).to_be_visible()
        first_score = ann.get_by_role("heading", name=re.compile("Your results"))
        expect(first_score).to_be_visible()
        screenshot(ann, "classroom-play-sent-can-change-phone")
        assert serious(ann) == []
        ann.screenshot(path=str(SCREENSHOTS / "classroom-play-sent-can-change-phone-top.png"))

        ann.get_by_role("link", name="Change your answers").click()
        expect(status(ann, "last chance to change them")).to_be_visible()
        zones = ann.locator(".zone .js-card")
        total = ann.locator(".js-card").count()
        expect(zones).to_have_count(total)  # the cards sit where they were sent
        expect(ann.locator(".tray .js-card")).to_have_count(0)
        screenshot(ann, "classroom-play-change-answers-phone")
        assert serious(ann) == []
        # the first card went to AWS: move it back to Customer and send again
        aws_card = ann.locator(".zone--aws .js-card").first
        aws_card.get_by_role("button", name="Move to Customer").click()
        ann.get_by_role("button", name="Send answers").click()
        expect(ann.get_by_role("link", name="Change your answers")).to_have_count(0)
        expect(ann.get_by_role("heading", name=re.compile("Your results"))).to_be_visible()
        expect(page.locator(".tally dd").nth(1)).to_contain_text("1", timeout=FOLLOW)
        # the dashboard counts the last set: the card moved back leaves AWS empty
        expect(page.get_by_text("AWS 1 (100%)")).to_have_count(0, timeout=FOLLOW)
        expect(page.get_by_text("Customer 1 (100%)")).to_have_count(total)
        screenshot(page, "classroom-dashboard-answer-sets")
    finally:
        ctx.close()
