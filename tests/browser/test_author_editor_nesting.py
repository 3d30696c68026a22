"""Nesting and per-card checks in the editor, in a real browser at desktop and phone width:
a new component put inside the VPC, per-card checks refused beside their box in an
assessment, and both kept through saving."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS, screenshot
from tests.helpers.author_browser import DESKTOP, PASSWORD, PHONE, make_instructor, open_copy
from tests.helpers.pages import serious


def _section(page, name):
    return page.get_by_role("region", name=name, exact=True)


def _shot(locator, name: str) -> None:
    """A picture of one part of the page, small enough to look at closely."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    locator.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_nesting_and_per_card_checks_are_edited_and_kept(live_server, browser, device):
    make_instructor(live_server.app, "prof@example.org", PASSWORD)
    context = browser.new_context(**(PHONE if device == "phone" else DESKTOP))
    page = context.new_page()
    page.set_default_timeout(10_000)
    open_copy(page, live_server.url, "prof@example.org", PASSWORD, "s3-vpc-ec2-oracle", "mine")

    components = _section(page, "Components")
    web = components.get_by_role("listitem").filter(
        has=page.get_by_label("Component name").and_(
            page.locator("[value='Web and application server (EC2 instance)']")
        )
    )
    expect(web.get_by_label("Sits inside")).to_have_value("network")
    components.get_by_role("button", name="Add a component").click()
    job = components.get_by_role("listitem").last
    job.get_by_label("Component name").fill("Nightly report job")
    job.get_by_label("Runs on").select_option(label="AWS Lambda (zip package)")
    job.get_by_label("Sits inside").select_option(label="The company's VPC")
    # the new component is offered to the others at once, never to itself
    expect(
        web.get_by_label("Sits inside").locator("option", has_text="Nightly report job")
    ).to_have_count(1)
    expect(
        job.get_by_label("Sits inside").locator("option[value='nightly-report-job']")
    ).to_have_count(0)

    settings = _section(page, "Settings")
    settings.get_by_label("Mode").select_option("assessment")
    settings.get_by_label("Check each card as it is placed, by default").check()
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("heading", name="Nothing was saved")).to_be_visible()
    box = _section(page, "Settings").get_by_label("Check each card as it is placed, by default")
    expect(box).to_have_attribute("aria-invalid", "true")
    error = page.locator("#feedback_per_card-error")
    expect(error).to_contain_text("practice only")
    assert serious(page) == []
    error.scroll_into_view_if_needed()
    screenshot(page, f"author-editor-per-card-refused-{device}")
    _shot(_section(page, "Settings"), f"author-editor-per-card-refused-{device}-settings")

    _section(page, "Settings").get_by_label("Mode").select_option("practice")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    page.reload()
    components = _section(page, "Components")
    job = components.get_by_role("listitem").filter(
        has=page.locator("input[value='Nightly report job']")
    )
    expect(job.get_by_label("Sits inside")).to_have_value("network")
    expect(
        _section(page, "Settings").get_by_label("Check each card as it is placed, by default")
    ).to_be_checked()
    assert serious(page) == []
    components.scroll_into_view_if_needed()
    screenshot(page, f"author-editor-nesting-{device}")
    _shot(components, f"author-editor-nesting-{device}-components")

    # the learner's diagram draws the new job inside the VPC
    page.goto(f"{live_server.url}/author/scenarios/mine/preview")
    expect(page.get_by_text("Nightly report job").first).to_be_visible()
    context.close()
