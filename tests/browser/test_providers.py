"""An Azure board and the AWS/Azure comparison in Chromium: desktop and a 390 px touch phone."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot
from tests.conftest import RULES, SCENARIOS
from tests.helpers.pages import serious
from webapp.domain import PARTY_NAMES, answer_key, load_library, load_rules

SHOP = "azure-paas-saas-office"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
OVERFLOW = "document.documentElement.scrollWidth"


def shop_key() -> dict[str, str]:
    """Card text -> the party's name, worked out in the test process (never in the page)."""
    rules = load_rules(RULES)
    scenario = load_library(SCENARIOS, rules).get(SHOP)
    key = answer_key(scenario, "app-service", rules)
    return {t.text: PARTY_NAMES[key[t.id]] for t in scenario.tasks}


def sort_every_card(page, key: dict[str, str]) -> None:
    """Move each card from the tray with its own "Move to ..." button."""
    tray = page.get_by_role("region", name="Tasks to sort")
    while tray.get_by_role("listitem").count():
        card = tray.get_by_role("listitem").first
        text = next(t for t in key if t in card.inner_text())
        card.get_by_role("button", name=f"Move to {key[text]}").click()


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_an_azure_board_names_microsofts_zone(live_server, browser, device):
    context = (
        browser.new_context(**PHONE)
        if device == "phone"
        else browser.new_context(viewport={"width": 1280, "height": 900})
    )
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/scenarios/{SHOP}")
        for zone in ("Microsoft", "Shared", "Customer"):
            assert page.get_by_role("region", name=zone).is_visible()
        assert page.get_by_role("region", name="AWS").count() == 0
        tray = page.get_by_role("region", name="Tasks to sort")
        first = tray.get_by_role("listitem").first
        assert first.get_by_role("button", name="Move to Microsoft").count() == 1
        assert first.get_by_role("button", name="Move to AWS").count() == 0
        assert serious(page) == []
        if device == "phone":
            assert page.evaluate(OVERFLOW) <= 390
        screenshot(page, f"azure-board-{device}")

        sort_every_card(page, shop_key())
        assert page.get_by_role("region", name="Microsoft").get_by_role("listitem").count() == 5
        screenshot(page, f"azure-board-sorted-{device}")
        page.get_by_role("button", name="Check answers").click()
        page.wait_for_url("**/attempts/*")
        assert page.get_by_text("100%").first.is_visible()
        assert page.get_by_text("Microsoft", exact=True).first.is_visible()
        assert serious(page) == []
        if device == "phone":
            assert page.evaluate(OVERFLOW) <= 390
        screenshot(page, f"azure-result-{device}")
    finally:
        context.close()


def test_the_azure_board_as_a_plain_form(live_server, browser):
    context = browser.new_context(java_script_enabled=False, **PHONE)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/scenarios/{SHOP}")
        card = page.get_by_role(
            "group", name="Patch the operating system of the servers that run the orders database"
        )
        assert [r.get_attribute("value") for r in card.get_by_role("radio").all()] == [
            "microsoft",
            "shared",
            "customer",
        ]
        card.get_by_role("radio", name="Microsoft").check()
        page.get_by_role("button", name="Check answers").click()
        page.wait_for_url("**/attempts/*")
        assert page.get_by_text("Expected").first.is_visible()
        screenshot(page, "azure-result-nojs-phone")
    finally:
        context.close()


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_the_comparison_page_without_javascript(live_server, browser, device):
    options = PHONE if device == "phone" else {"viewport": {"width": 1280, "height": 900}}
    context = browser.new_context(java_script_enabled=False, **options)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/")
        page.get_by_role("link", name="Compare AWS and Microsoft Azure side by side").click()
        page.get_by_role(
            "link", name="The same web application on AWS and on Microsoft Azure"
        ).click()
        table = page.get_by_role("table")
        assert table.is_visible()
        row = page.get_by_role("row", name="Patch the operating system under a managed web")
        assert "AWS" in row.inner_text()
        assert "Microsoft" in row.inner_text()
        assert "Inherited control" in row.inner_text()
        assert page.get_by_role("row").filter(has_text="Owners differ").count() == 2
        if device == "phone":
            assert page.evaluate(OVERFLOW) <= 390
        screenshot(page, f"compare-{device}")
    finally:
        context.close()


def test_axe_on_the_comparison_page(live_server, page):
    page.goto(f"{live_server.url}/compare/aws-azure-web-app")
    assert serious(page) == []
    page.goto(f"{live_server.url}/compare")
    assert serious(page) == []
