"""After grading, in Chromium on a desktop and a 390x844 touch phone: the result with its
verdict and folded correct cards, retry the wrong ones, the solution on the board, the
diagram with its stacks and what-if."""

from __future__ import annotations

import pytest

from tests.browser.conftest import SCREENSHOTS, screenshot
from tests.helpers.pages import finish_with_buttons, serious, watched_page
from tests.learn_helpers import COURSE, key_for

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "has_touch": True,
    "is_mobile": True,
    "device_scale_factor": 2,
}


@pytest.fixture
def phone(browser):
    ctx = browser.new_context(**PHONE)
    page, violations = watched_page(ctx)
    yield page
    ctx.close()
    assert violations == []


def shot(locator, name: str) -> None:
    """A screenshot of one element (the diagram) beside the full-page ones."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    locator.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def expected(live_server) -> dict[str, str]:
    return key_for(live_server.app, COURSE, "oracle-on-ec2")


def all_on_aws(page, live_server) -> str:
    """Send a board with every card on AWS; returns the result's address."""
    page.goto(f"{live_server.url}/scenarios/{COURSE}")
    finish_with_buttons(page, "AWS")
    return page.url


def check_result_page(page, key) -> None:
    aws = sum(1 for p in key.values() if p == "aws")
    verdict = page.locator(".verdict-line")
    assert "Not passed yet" in verdict.inner_text()
    folded = page.locator("details.results-more")
    assert folded.get_attribute("open") is None
    assert f"Placed correctly ({aws})" in folded.locator("summary").inner_text()
    assert not folded.locator(".result--correct").first.is_visible()
    assert page.locator(".result--incorrect").count() == len(key) - aws
    assert page.locator("figure.diagram--stacked").is_visible()
    assert page.locator(".dg-layer--customer").count() > 0


def test_result_retry_and_solution_on_a_desktop(live_server, page):
    key = expected(live_server)
    aws = sum(1 for p in key.values() if p == "aws")
    result_url = all_on_aws(page, live_server)
    check_result_page(page, key)
    assert page.locator(".diagram__svg--wide").is_visible()
    assert not page.locator(".diagram__svg--narrow").is_visible()
    assert serious(page) == []
    screenshot(page, "result-desktop")
    shot(page.locator("figure.diagram"), "diagram-result-desktop")

    page.get_by_role("link", name="Retry the wrong ones").click()
    page.wait_for_url("**/retry")
    tray = page.get_by_role("region", name="Tasks to sort")
    aws_zone = page.get_by_role("region", name="AWS", exact=True)
    assert aws_zone.get_by_role("listitem").count() == aws
    assert tray.get_by_role("listitem").count() == len(key) - aws
    assert page.locator("figure.diagram").is_visible()
    assert page.locator(".dg-layer").count() == 0  # the board never draws the stacks
    assert serious(page) == []
    screenshot(page, "retry-desktop")
    shot(page.locator("figure.diagram"), "diagram-board-desktop")
    while tray.get_by_role("listitem").count():
        tray.get_by_role("listitem").first.get_by_role("button", name="Move to Customer").click()
    page.get_by_role("button", name="Check answers").click()
    page.wait_for_url("**/attempts/*")
    assert page.url != result_url
    assert "Passed: 100%" in page.locator(".verdict-line").inner_text()

    page.goto(result_url)
    page.get_by_role("link", name="Show the solution on the board").click()
    page.wait_for_url("**/solution")
    assert page.locator(".solution-card").count() == len(key)
    assert page.locator(".solution-card__mine").count() == len(key) - aws
    assert serious(page) == []
    screenshot(page, "solution-desktop")

    page.get_by_role("link", name="Your attempts").first.click()
    page.wait_for_url("**/attempts")
    assert page.locator(".attempts-table tbody tr").count() == 2
    assert serious(page) == []
    screenshot(page, "attempts-desktop")


def test_result_retry_and_what_if_on_a_touch_phone(live_server, phone):
    key = expected(live_server)
    aws = sum(1 for p in key.values() if p == "aws")
    result_url = all_on_aws(phone, live_server)
    check_result_page(phone, key)
    assert phone.locator(".diagram__svg--narrow").is_visible()
    assert not phone.locator(".diagram__svg--wide").is_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the result page scrolls sideways ({width}px)"
    assert serious(phone) == []
    screenshot(phone, "result-phone")
    shot(phone.locator("section.panel").first, "result-top-phone")

    phone.locator("details.results-more summary").tap()
    assert phone.locator(".result--correct").first.is_visible()

    phone.get_by_role("link", name="Retry the wrong ones").tap()
    phone.wait_for_url("**/retry")
    tray = phone.get_by_role("region", name="Tasks to sort")
    assert tray.get_by_role("listitem").count() == len(key) - aws
    screenshot(phone, "retry-phone")
    while tray.get_by_role("listitem").count():
        tray.get_by_role("listitem").first.get_by_role("button", name="Move to Customer").tap()
    phone.get_by_role("button", name="Check answers").tap()
    phone.wait_for_url("**/attempts/*")
    assert "Passed: 100%" in phone.locator(".verdict-line").inner_text()

    phone.goto(result_url)
    phone.get_by_role("link", name="What changes on Oracle on Amazon RDS?").tap()
    phone.wait_for_url("**/what-if/*")
    assert phone.locator("figure.diagram--stacked").count() == 2
    assert phone.locator("figure.diagram--stacked .diagram__svg--narrow").first.is_visible()
    assert serious(phone) == []
    screenshot(phone, "what-if-phone")
    shot(phone.locator(".diagram-pair"), "diagram-what-if-phone")

    phone.goto(f"{result_url}/solution")
    assert phone.locator(".solution-card").count() == len(key)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "solution-phone")


def test_retry_without_javascript_is_a_form_with_the_right_ones_chosen(live_server, page):
    key = expected(live_server)
    aws = sum(1 for p in key.values() if p == "aws")
    all_on_aws(page, live_server)
    page.route("**/static/js/board.js*", lambda route: route.abort())
    page.get_by_role("link", name="Retry the wrong ones").click()
    page.wait_for_url("**/retry")
    assert page.locator("input[type=radio]:checked").count() == aws
    for radio in page.locator("input[type=radio][value=aws]:checked").all():
        assert radio.is_checked()
    for task, party in key.items():
        if party == "customer":
            page.locator(f"input[name='answer-{task}'][value=customer]").check()
    screenshot(page, "retry-nojs-desktop")
    page.get_by_role("button", name="Check answers").click()
    page.wait_for_url("**/attempts/*")
    assert "Passed: 100%" in page.locator(".verdict-line").inner_text()
