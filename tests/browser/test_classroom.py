"""A live class in real browsers: one host and two learners in separate browser contexts."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS, screenshot
from tests.conftest import make_user
from tests.helpers.class_browser import (
    FOLLOW,
    PHONE,
    both_sizes,
    join_as,
    place_all,
    sign_in,
    start_oracle_session,
    status,
)
from tests.helpers.pages import serious
from webapp.extensions import db as _db
from webapp.models import ClassSession


def test_host_and_two_learners_join_answer_reveal_report(browser, live_server, page):
    url = live_server.url
    code_text = start_oracle_session(page, live_server)
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
                timeout=FOLLOW
            )
        screenshot(ann, "classroom-play-board-phone")
        assert serious(ann) == []

        waiting = re.compile(r"^Your answers are in\. The answers are shown when the host")
        place_all(ann, "Customer")
        ann.get_by_role("button", name="Send answers").click()
        expect(ann.locator(".play-status__msg").get_by_text(waiting)).to_be_visible()
        expect(ann.get_by_text("Expected")).to_have_count(0)
        screenshot(ann, "classroom-play-sent-phone")
        place_all(ben, "Customer", wrong_first=True)
        ben.get_by_role("button", name="Send answers").click()
        expect(ben.locator(".play-status__msg").get_by_text(waiting)).to_be_visible()

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
                timeout=FOLLOW
            )

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
        assert csv_text.count("\nAnn,") > 0
        assert csv_text.count("\nBen,") > 0
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


def test_a_learner_changes_their_answers_when_the_host_allows_more_sets(browser, live_server, page):
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
        # a set is left: the right answers stay hidden, or the next set could copy them
        expect(status(ann, "stay hidden until you send your last answer set")).to_be_visible()
        expect(ann.get_by_role("heading", name=re.compile("Your results"))).to_have_count(0)
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
        # the room's placements show during answering only when the host turns them on
        expect(page.get_by_text("Customer 1 (100%)")).to_have_count(0)
        page.get_by_role("button", name="Show live distribution: off").click()
        expect(page.get_by_role("button", name="Show live distribution: on")).to_be_visible()
        # the dashboard counts the last set: the card moved back leaves AWS empty
        expect(page.get_by_text("AWS 1 (100%)")).to_have_count(0, timeout=FOLLOW)
        expect(page.get_by_text("Customer 1 (100%)")).to_have_count(total)
        screenshot(page, "classroom-dashboard-answer-sets")
        # Ann has seen the key: once closed, answering cannot open again for the room
        page.get_by_role("button", name="Close answering").click()
        expect(page.get_by_text("Answering cannot open again")).to_be_visible(timeout=FOLLOW)
        expect(page.get_by_role("button", name="Open answering")).to_have_count(0)
        expect(page.get_by_role("button", name="Reveal answers")).to_be_visible()
        screenshot(page, "classroom-dashboard-reopen-refused")
        assert serious(page) == []
    finally:
        ctx.close()


# --- pacing, what the host's screen shows, placements kept ---------------------------------


def start_session(page, url: str, variant: str | None = None, leaderboard: bool = False) -> str:
    make_user_once(page, url)
    page.get_by_label(re.compile("Web app with an Oracle database")).check()
    if variant:
        page.locator("#variant-s3-vpc-ec2-oracle").select_option(label=variant)
    page.get_by_role("button", name="Start session").click()
    code = page.locator(".join-card__code").inner_text().strip()
    if leaderboard:
        page.get_by_role("button", name="Leaderboard: hidden").click()
        expect(page.get_by_role("button", name="Leaderboard: shown")).to_be_visible()
    return code


def make_user_once(page, url: str) -> None:
    sign_in(page, url, "host@example.org")


def test_the_learner_sees_the_class_variant(browser, live_server, page):
    url = live_server.url
    make_user(live_server.app, "host@example.org", "instructor")
    code = start_session(page, url, variant="Oracle on Amazon RDS")
    expect(page.get_by_text("Variant: Oracle on Amazon RDS")).to_be_visible()
    ctx, ann = join_as(browser, url, code, "Ann", "")
    try:
        expect(ann.get_by_text("Variant: Oracle on Amazon RDS")).to_be_visible()
        both_sizes(ann, "classroom-variant-lobby")
        page.get_by_role("button", name="Open answering").click()
        expect(ann.get_by_role("heading", name="Sort the tasks")).to_be_visible(timeout=FOLLOW)
        # the variant sits by the title, not folded away with the architecture
        expect(
            ann.locator(".play-status").get_by_text("Variant: Oracle on Amazon RDS")
        ).to_be_visible()
        assert serious(ann) == []
    finally:
        ctx.close()


def test_the_open_console_names_who_answered_and_hides_the_room(browser, live_server, page):
    url = live_server.url
    make_user(live_server.app, "host@example.org", "instructor")
    code = start_session(page, url)
    ann_ctx, ann = join_as(browser, url, code, "Ann", "")
    ben_ctx, ben = join_as(browser, url, code, "Ben", "")
    try:
        expect(page.get_by_role("button", name="Remove Ben")).to_be_visible(timeout=FOLLOW)
        both_sizes(page, "classroom-host-lobby")
        page.get_by_role("button", name="Open answering").click()
        expect(ann.get_by_role("heading", name="Sort the tasks")).to_be_visible(timeout=FOLLOW)
        place_all(ann, "Customer")
        ann.get_by_role("button", name="Send answers").click()
        expect(status(ann, "Your answers are in.")).to_be_visible()
        expect(ben.get_by_role("heading", name="Sort the tasks")).to_be_visible(timeout=FOLLOW)
        ben.locator(".tray .js-card").first.get_by_role("button", name="Move to AWS").click()

        sent = page.get_by_role("list", name=re.compile(r"^Sent"))
        waiting = page.get_by_role("list", name=re.compile(r"^Not sent yet"))
        expect(sent.get_by_role("listitem").filter(has_text="Ann")).to_be_visible(timeout=FOLLOW)
        expect(waiting.get_by_role("listitem").filter(has_text="Ben")).to_be_visible()
        expect(waiting.get_by_text("1 placed")).to_be_visible(timeout=FOLLOW)
        ben.reload()  # a reload keeps the card where Ben put it
        expect(ben.locator(".zone--aws .js-card")).to_have_count(1)
        expect(ben.locator(".js-progress")).to_have_text(re.compile(r"^1 of \d+ placed$"))
        # how the room placed the cards stays off the projectable screen
        expect(page.get_by_role("heading", name="Where the room put each card")).to_have_count(0)
        expect(page.get_by_text(re.compile(r"Customer \d+ \(\d+%\)"))).to_have_count(0)
        expect(page.get_by_role("button", name="Show live distribution: off")).to_be_visible()
        both_sizes(page, "classroom-host-open")
        assert serious(page) == []
        both_sizes(ben, "classroom-play-open")

        page.get_by_role("button", name="Close answering").click()
        expect(page.get_by_role("heading", name="Where the room put each card")).to_be_visible(
            timeout=FOLLOW
        )
        expect(page.get_by_text("Left in the tray").first).to_be_visible()
        expect(
            status(ben, "The host closed answering, so the cards you had placed were sent for you.")
        ).to_be_visible(timeout=FOLLOW)
        both_sizes(page, "classroom-host-closed")
        both_sizes(ben, "classroom-play-closed")
    finally:
        ann_ctx.close()
        ben_ctx.close()


def test_a_double_click_on_start_session_starts_one_session(browser, live_server, page):
    url = live_server.url
    make_user(live_server.app, "host@example.org", "instructor")
    make_user_once(page, url)
    page.get_by_label(re.compile("Web app with an Oracle database")).check()
    page.get_by_role("button", name="Start session").dblclick()
    expect(page.locator(".join-card__code")).to_be_visible()
    code = page.locator(".join-card__code").inner_text().strip()
    page.wait_for_timeout(500)  # a second request, had one gone out, has been answered
    with live_server.app.app_context():
        codes = [cs.code for cs in _db.session.query(ClassSession).all()]
    assert codes == [code]


def test_a_double_click_on_a_step_button_takes_one_step(browser, live_server, page):
    url = live_server.url
    make_user(live_server.app, "host@example.org", "instructor")
    start_session(page, url)
    open_button = page.get_by_role("button", name="Open answering")
    where = open_button.bounding_box()
    open_button.dblclick()
    expect(page.locator(".host-state .phase")).to_have_text("Answering open", timeout=FOLLOW)
    close_button = page.get_by_role("button", name="Close answering")
    expect(close_button).to_be_visible()
    moved = close_button.bounding_box()
    assert abs(moved["x"] - where["x"]) > where["width"] / 2  # not where the click landed
    # a click where "Open" was finds nothing to press
    page.mouse.click(where["x"] + where["width"] / 2, where["y"] + where["height"] / 2)
    page.wait_for_timeout(1500)
    expect(page.locator(".host-state .phase")).to_have_text("Answering open")
    close_button.dblclick()
    expect(page.locator(".host-state .phase")).to_have_text("Answering closed", timeout=FOLLOW)
    page.wait_for_timeout(1500)  # a straggling request must not reveal
    expect(page.locator(".host-state .phase")).to_have_text("Answering closed")


def test_the_countdown_sends_what_the_learner_placed(browser, live_server, page):
    url = live_server.url
    make_user(live_server.app, "host@example.org", "instructor")
    code = start_session(page, url, leaderboard=True)
    ctx, ann = join_as(browser, url, code, "Ann", "")
    ben_ctx, ben = join_as(browser, url, code, "Ben", "")
    try:
        both_sizes(ann, "classroom-play-lobby")
        # a short countdown through the API, as the console's select starts at 30 s
        opened = page.evaluate(
            """async (api) => (await fetch(api + "/open", {method: "POST",
            headers: {"Content-Type": "application/json", "X-CSRFToken":
              document.querySelector('meta[name="csrf-token"]').content},
            body: JSON.stringify({countdown: 8, expect_phase: "lobby", expect_position: 1})
          })).status""",
            f"{url}/api/v1/sessions/{code}",
        )
        assert opened == 200
        expect(ann.get_by_text(re.compile("Time left"))).to_be_visible(timeout=FOLLOW)
        ann.locator(".tray .js-card").first.get_by_role("button", name="Move to AWS").click()
        ann.locator(".tray .js-card").first.get_by_role("button", name="Move to Customer").click()
        expect(ben.get_by_text(re.compile("Time left"))).to_be_visible(timeout=FOLLOW)
        # Ben places nothing: that is no answer, not an empty answer set
        both_sizes(ann, "classroom-play-countdown")
        ann.get_by_role("button", name="Send answers").scroll_into_view_if_needed()
        expect(ann.locator(".countdown-line")).to_be_in_viewport()  # in view down the board
        ann.screenshot(path=str(SCREENSHOTS / "classroom-play-countdown-scrolled-phone.png"))
        both_sizes(page, "classroom-host-countdown")
        expect(
            status(ann, "Time ran out, so the cards you had placed were sent for you.")
        ).to_be_visible(timeout=FOLLOW + 8_000)
        with live_server.app.app_context():
            from webapp.extensions import db
            from webapp.models import Attempt

            sets = db.session.query(Attempt).order_by(Attempt.created_at).all()
            assert [(a.class_sent_by, len(a.answers)) for a in sets] == [("timer", 2)]
        expect(page.get_by_text("sent by the timer")).to_be_visible(timeout=FOLLOW)

        page.get_by_role("button", name="Reveal answers").click()
        expect(page.locator(".spread__why").first).to_be_visible(timeout=FOLLOW)
        expect(page.get_by_role("link", name=re.compile("^Source for")).first).to_be_visible()
        both_sizes(page, "classroom-host-revealed")
        assert serious(page) == []
        expect(ann.get_by_text("You are 1st of 1 on the leaderboard.")).to_be_visible(
            timeout=FOLLOW
        )
        both_sizes(ann, "classroom-play-revealed-rank")
        assert serious(ann) == []

        page.goto(f"{url}/host/{code}/present")
        expect(page.get_by_role("heading", name="Where the room put each card")).to_be_visible()
        expect(page.get_by_role("button", name="Reveal answers")).to_have_count(0)
        both_sizes(page, "classroom-presenter-revealed")
        assert serious(page) == []
    finally:
        ctx.close()
        ben_ctx.close()


def test_scenarios_play_in_the_order_they_are_ticked(browser, live_server, page):
    make_user(live_server.app, "host@example.org", "instructor")
    sign_in(page, live_server.url, "host@example.org")
    page.get_by_label(re.compile("A web server on Amazon EC2")).check()
    page.get_by_label(re.compile("Web app with an Oracle database")).check()
    expect(page.locator("#order-ec2-web-server")).to_have_value("1")
    expect(page.locator("#order-s3-vpc-ec2-oracle")).to_have_value("2")
    page.get_by_role("button", name="Start session").click()
    expect(
        page.get_by_role("heading", name="Scenario 1 of 2: A web server on Amazon EC2")
    ).to_be_visible()
