"""The editor on a long scenario in a real browser: rows added to a saved scenario survive
saving, tasks fold and reorder, the check's messages lead to their field, unsaved work is
guarded, and the sticky Save/Publish bar never covers the focused control."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.helpers.author_browser import DESKTOP, PASSWORD, PHONE, make_instructor
from tests.helpers.author_browser import open_copy as open_editor_copy
from tests.helpers.pages import serious, wait_until


def _section(page, name):
    return page.get_by_role("region", name=name, exact=True)


def _tasks(page):
    return _section(page, "Tasks").locator(".js-rows > li")


@pytest.fixture
def draft(live_server):
    """An instructor account; opening returns a signed-in page on a copy of the 16-task
    built-in scenario."""
    make_instructor(live_server.app, "prof@example.org", PASSWORD)

    def open_copy(browser, **options):
        context = browser.new_context(**(options or DESKTOP))
        page = context.new_page()
        page.set_default_timeout(10_000)
        open_editor_copy(
            page, live_server.url, "prof@example.org", PASSWORD, "s3-vpc-ec2-oracle", "oracle-copy"
        )
        expect(_tasks(page)).to_have_count(16)
        return page

    return open_copy


def _summaries(page):
    return [t.strip() for t in _tasks(page).locator(".js-task-title").all_inner_texts()]


def test_rows_added_to_a_saved_long_scenario_survive_saving(draft, browser):
    page = draft(browser)
    before = _summaries(page)
    assert len(before) == 16
    assert "New task" not in before
    # the saved tasks are folded to one line each; the page is a few screens, not dozens
    expect(_tasks(page).first.get_by_label("Task", exact=True)).to_be_hidden()
    screenshot(page, "author-editor-16-collapsed")

    components = _section(page, "Components")
    components.get_by_role("button", name="Add a component").click()
    new_component = components.get_by_role("listitem").last
    expect(new_component.get_by_label("Component name")).to_be_focused()
    new_component.get_by_label("Component name").fill("Nightly report job")
    new_component.get_by_label("Runs on").select_option(label="AWS Lambda (zip package)")

    variants = _section(page, "Variants")
    variants.get_by_role("button", name="Add a variant").click()
    new_variant = variants.get_by_role("listitem").last
    new_variant.get_by_label("Variant title").fill("Oracle on RDS Custom")
    new_variant.get_by_label("Oracle database runs on").select_option(
        label="Amazon RDS Custom for Oracle"
    )

    tasks = _section(page, "Tasks")
    tasks.get_by_role("button", name="Add a task").click()
    new_task = _tasks(page).last
    expect(new_task.get_by_label("Task", exact=True)).to_be_focused()
    new_task.get_by_label("Task", exact=True).fill("Keep the report job's libraries up to date")
    new_task.get_by_label("Component", exact=True).select_option(label="Nightly report job")
    new_task.get_by_label("Responsibility area").select_option(label="Application software")
    expect(new_task).to_contain_text("Task 17")
    expect(new_task.locator(".js-task-owner")).to_have_text("Customer")

    # reorder with the keyboard: the new task goes up two places
    new_task = _tasks(page).filter(has_text="Keep the report job's libraries up to date")
    up = new_task.get_by_role("button", name="Move up")
    up.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="position 16 of 17")).to_be_attached()
    expect(up).to_be_focused()
    page.keyboard.press("Space")
    expect(_tasks(page).nth(14)).to_contain_text("Keep the report job's libraries up to date")
    expect(_tasks(page).nth(14)).to_contain_text("Task 15")

    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    page.reload()
    after = _summaries(page)
    assert after == before[:14] + ["Keep the report job's libraries up to date"] + before[14:]
    expect(_section(page, "Components").get_by_label("Component name")).to_have_count(5)
    expect(_section(page, "Components").get_by_label("Component name").last).to_have_value(
        "Nightly report job"
    )
    titles = _section(page, "Variants").get_by_label("Variant title")
    expect(titles).to_have_count(3)
    expect(titles.last).to_have_value("Oracle on RDS Custom")
    moved = _tasks(page).nth(14)
    moved.locator("summary").click()
    expect(moved.get_by_label("Component", exact=True)).to_have_value("nightly-report-job")
    screenshot(page, "author-editor-after-save")


def test_check_messages_name_things_and_lead_to_the_field(draft, browser):
    page = draft(browser)
    first = _tasks(page).first
    first.locator("summary").click()
    first.get_by_label("Component", exact=True).select_option(
        label="Product files and exports in Amazon S3"
    )  # S3 has no guest OS to patch
    check = page.get_by_role("complementary", name="Check")
    link = check.get_by_role("link", name="Task 1, ").first
    expect(link).to_contain_text(
        "the rule set does not decide “Operating system patching” "
        "for “Product files and exports in Amazon S3” on Amazon S3"
    )
    expect(first.locator(".js-task-owner")).to_have_text("⚠ No rule decides it")
    screenshot(page, "author-editor-check-messages")
    first.locator("summary").click()  # fold it again: the link opens it
    expect(first.get_by_label("Responsibility area")).to_be_hidden()
    link.click()
    expect(first.get_by_label("Responsibility area")).to_be_focused()
    assert serious(page) == []


def test_leaving_with_unsaved_changes_asks_first(draft, browser):
    page = draft(browser)
    asked = []

    def answer(dialog):
        asked.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", answer)
    page.get_by_role("link", name="Your scenarios").click()  # nothing changed: no question
    expect(page.get_by_role("heading", name="Your scenarios")).to_be_visible()
    assert asked == []
    page.go_back()
    page.get_by_label("Summary").fill("A changed summary")
    page.get_by_role("link", name="Your scenarios").click()
    wait_until(page, lambda: len(asked) >= 1)
    assert asked == ["beforeunload"]
    expect(page.get_by_label("Summary")).to_have_value("A changed summary")  # still here
    page.get_by_role("button", name="Save draft").click()  # saving is not leaving
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    assert asked == ["beforeunload"]

    # a refused save shows the work again, not stored: leaving it asks too
    page.get_by_label("Mode").select_option("assessment")
    page.get_by_label("Pass mark (%)").fill("150")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("heading", name="Nothing was saved")).to_be_visible()
    page.wait_for_load_state("load")  # the editor's module has run: it guards the page
    page.get_by_role("link", name="Your scenarios").click()
    wait_until(page, lambda: len(asked) >= 2)
    assert asked == ["beforeunload", "beforeunload"]
    expect(page.get_by_label("Pass mark (%)")).to_have_value("150")


def test_assessment_settings_show_only_in_assessment_mode(draft, browser):
    page = draft(browser)
    settings = _section(page, "Settings")
    expect(settings.get_by_label("Attempts allowed")).to_be_hidden()
    settings.get_by_label("Mode").select_option("assessment")
    expect(settings.get_by_label("Attempts allowed")).to_be_visible()
    expect(settings.get_by_label("Pass mark (%)")).to_be_visible()
    expect(settings.get_by_text("Used only when the mode is Assessment")).to_be_hidden()


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_the_sticky_bar_never_covers_the_focused_control(draft, browser, device):
    page = draft(browser, **(PHONE if device == "phone" else DESKTOP))
    _tasks(page).nth(2).locator("summary").click()  # one task open, the rest folded
    page.evaluate("window.scrollTo(0, 0)")
    page.locator("#title").focus()
    covered, stops = [], 0
    for _ in range(400):
        page.keyboard.press("Tab")
        box = page.evaluate("""() => {
            const el = document.activeElement;
            const bar = document.querySelector('.editor__actions');
            if (!el || !el.closest('form.js-editor')) return null;
            const a = el.getBoundingClientRect(), b = bar.getBoundingClientRect();
            return {inBar: bar.contains(el), top: a.top, bottom: a.bottom, barTop: b.top,
                    barBottom: b.bottom, what: el.name || el.id || el.textContent.trim()};
        }""")
        if box is None:
            break
        stops += 1
        if box["inBar"]:
            continue
        if box["bottom"] > box["barTop"] + 0.5 and box["top"] < box["barBottom"] - 0.5:
            covered.append(box["what"])
    assert stops > 60, f"only {stops} focus stops in the editor"
    assert covered == [], f"{len(covered)} of {stops} focus stops under the bar: {covered[:5]}"
    screenshot(page, f"author-editor-focus-{device}")
    assert serious(page) == []


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_the_first_announcement_is_heard(draft, browser, device):
    page = draft(browser, **(PHONE if device == "phone" else DESKTOP))
    # the live region comes with the page, empty: a region made at the moment of the first
    # message is not announced by screen readers, so that message would be lost
    served = page.request.get(page.url).text()
    assert '<p class="visually-hidden js-editor-status" role="status"></p>' in served
    region = page.locator(".js-editor-status").element_handle()
    assert region.text_content() == ""

    _section(page, "Tasks").get_by_role("button", name="Add a task").click()
    expect(page.get_by_role("status").filter(has_text="Task 17 added.")).to_be_attached()
    assert region.text_content() == "Task 17 added."  # the region that was there all along
    assert page.locator(".js-editor-status").count() == 1
    screenshot(page, f"author-editor-first-announcement-{device}")
    assert serious(page) == []
