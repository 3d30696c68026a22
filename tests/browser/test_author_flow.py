"""The instructor's whole path in a real browser: account from the CLI, sign in, write a
three-component scenario with variants, see derived answers and a no-rule warning, fix it,
preview, publish; a learner plays it; analytics and CSV; export and import round-trip."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS, screenshot
from webapp.cli import main

PASSWORD = "a long enough password"
COMPONENTS = [
    ("Web server", "Amazon EC2 instance"),
    ("Orders database", "Amazon EC2 instance"),
    ("Product photos", "Amazon S3"),
]
TASKS = [
    ("Patch the web server's operating system", "Web server", "Operating system patching"),
    ("Apply database engine patches", "Orders database", "Database engine patching"),
    ("Decide who may read the photos", "Product photos", "Identity and access management"),
    ("Patch the photo store's operating system", "Product photos", "Operating system patching"),
]


def _section(page, name):
    return page.get_by_role("region", name=name, exact=True)


def _sign_in(page, url):
    page.goto(f"{url}/auth/login")
    page.get_by_label("Email").fill("prof@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Your scenarios")).to_be_visible()


def _write_scenario(page):
    page.get_by_label("Summary").fill("A shop on EC2, S3 and a database that can move to RDS.")
    page.get_by_label("Situation").fill("A small shop runs its **website** on EC2.")
    components = _section(page, "Components")
    for n, (name, service) in enumerate(COMPONENTS):
        components.get_by_role("button", name="Add a component").click()
        row = components.get_by_role("listitem").nth(n)
        row.get_by_label("Component name").fill(name)
        row.get_by_label("Runs on").select_option(label=service)
    variants = _section(page, "Variants")
    for n, (title, service) in enumerate(
        [("Database on EC2", "Amazon EC2 instance"), ("Database on RDS", "Amazon RDS")]
    ):
        variants.get_by_role("button", name="Add a variant").click()
        row = variants.get_by_role("listitem").nth(n)
        row.get_by_label("Variant title").fill(title)
        row.get_by_label("Orders database runs on").select_option(label=service)
    tasks = _section(page, "Tasks")
    for n, (text, component, area) in enumerate(TASKS):
        tasks.get_by_role("button", name="Add a task").click()
        row = tasks.get_by_role("listitem").filter(has=page.get_by_label("Task", exact=True)).nth(n)
        row.get_by_label("Task", exact=True).fill(text)
        row.get_by_label("Component", exact=True).select_option(label=component)
        row.get_by_label("Responsibility area").select_option(label=area)


def _task(page, n):
    return (
        _section(page, "Tasks")
        .get_by_role("listitem")
        .filter(has=page.get_by_label("Task", exact=True))
        .nth(n)
    )


def test_instructor_authoring_flow(live_server, browser, tmp_path):
    url = live_server.url
    result = live_server.app.test_cli_runner().invoke(
        main,
        ["users", "create", "prof@example.org", "--role", "instructor", "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output

    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{url}/auth/login")
    screenshot(page, "author-login")
    _sign_in(page, url)

    page.get_by_label("Title").fill("Shop on three services")
    page.get_by_label("Id").fill("shop-three")
    page.get_by_role("button", name="Create draft").click()
    expect(page.get_by_role("heading", name="Shop on three services", level=1)).to_be_visible()

    _write_scenario(page)
    # the live check derives each task's party per variant, and flags the pair with no rule
    engine = _task(page, 1)
    expect(engine).to_contain_text("Database on EC2: Customer")
    expect(engine).to_contain_text("Database on RDS: AWS")
    expect(_task(page, 0)).to_contain_text("Customer")
    expect(_task(page, 3)).to_contain_text("No rule")
    check = page.get_by_role("complementary", name="Check")
    expect(check).to_contain_text(
        "the rule set does not decide “Operating system patching” for “Product photos” on Amazon S3"
    )
    screenshot(page, "author-editor-no-rule")
    _section(page, "Tasks").screenshot(path=str(SCREENSHOTS / "author-editor-tasks.png"))
    check.screenshot(path=str(SCREENSHOTS / "author-editor-check.png"))

    _task(page, 3).get_by_label("Responsibility area").select_option(label="Customer data")
    expect(check).to_contain_text("Ready to publish")
    expect(_task(page, 3)).not_to_contain_text("No rule")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    screenshot(page, "author-editor")

    # preview: the learner's own board, graded on the spot, nothing recorded
    page.get_by_role("link", name="Preview as learner").click()
    page.get_by_role("link", name="Database on RDS").click()
    expect(page.get_by_role("region", name="AWS", exact=True)).to_be_visible()
    expect(page.get_by_role("region", name="Customer", exact=True)).to_be_visible()
    screenshot(page, "author-preview-board")
    tray = page.get_by_role("region", name="Tasks to sort")
    tray.get_by_role("listitem").filter(
        has=page.get_by_role("button", name="Apply database engine patches", exact=True)
    ).get_by_role("button", name="Move to AWS").click()
    expect(page.get_by_role("region", name="AWS", exact=True)).to_contain_text(
        "Apply database engine patches"
    )
    page.get_by_role("button", name="Check answers").click()
    expect(page.get_by_text("3 cards are still in the tray").first).to_be_visible()
    page.get_by_role("button", name="Check answers").click()
    expect(page.get_by_role("heading", name="Score: 1 of 4")).to_be_visible()
    expect(page.get_by_role("region", name="AWS", exact=True)).to_contain_text(
        "Apply database engine patches"
    )  # the board again, the card where it was
    screenshot(page, "author-preview")
    page.set_viewport_size({"width": 360, "height": 740})
    screenshot(page, "author-preview-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("link", name="Shop on three services").click()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Published as version 1")).to_be_visible()

    # a learner plays it on the board
    learner = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    learner.goto(f"{url}/")
    learner.get_by_role("link", name="Shop on three services").click()
    answers = {TASKS[0][0]: "Customer", TASKS[1][0]: "Customer", TASKS[2][0]: "AWS"}
    tray = learner.get_by_role("region", name="Tasks to sort")
    for text, party in answers.items():
        card = tray.get_by_role("listitem").filter(
            has=learner.get_by_role("button", name=text, exact=True)
        )
        card.get_by_role("button", name=f"Move to {party}").click()
    learner.get_by_role("button", name="Check answers").click()
    expect(learner.get_by_text("1 card is still in the tray").first).to_be_visible()
    learner.get_by_role("button", name="Check answers").click()  # check anyway
    expect(learner.get_by_text(re.compile(r"2\s+of\s+4")).first).to_be_visible()
    learner.context.close()

    # analytics: the attempt is counted, the CSV downloads
    page.get_by_role("link", name="Analytics").click()
    expect(page.get_by_role("term").nth(0)).to_have_text("Attempts")
    expect(page.get_by_role("definition").nth(0)).to_have_text("1")
    expect(page.get_by_role("definition").nth(2)).to_have_text("50 %")  # median score
    missed = page.get_by_role("table").filter(has_text="Most common wrong answer")
    photos = missed.get_by_role("row").filter(has_text="Decide who may read the photos")
    expect(photos).to_contain_text("0 % (0 of 1)")
    expect(photos).to_contain_text("AWS (1)")  # the wrong party chosen
    expect(missed.get_by_role("row").nth(1)).to_contain_text("0 %")  # most missed first
    expect(missed.get_by_role("row").last).to_contain_text("100 %")
    screenshot(page, "author-analytics")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    csv_text = Path(download.value.path()).read_text(encoding="utf-8")
    assert csv_text.splitlines()[0].startswith("task_id,task,answers,correct")
    assert "decide-who-may-read-the-photos" in csv_text

    # export, then import the file under a new id: the same scenario comes back
    page.get_by_role("link", name="Shop on three services").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Export YAML").click()
    exported = Path(download.value.path()).read_text(encoding="utf-8")
    copy = exported.replace("id: shop-three\n", "id: shop-three-again\n", 1)
    page.get_by_role("link", name="Author").click()
    page.get_by_label("Scenario files (.yaml)").set_input_files(
        files=[
            {
                "name": "shop-three-again.yaml",
                "mimeType": "application/x-yaml",
                "buffer": copy.encode(),
            }
        ]
    )
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("heading", name="Shop on three services", level=1)).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Export YAML").click()
    assert Path(download.value.path()).read_text(encoding="utf-8") == copy
    context.close()


def test_editor_works_at_phone_width(live_server, browser):
    live_server.app.test_cli_runner().invoke(
        main, ["users", "create", "prof@example.org", "--password-stdin"], input=PASSWORD + "\n"
    )
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    _sign_in(page, live_server.url)
    screenshot(page, "author-index-360")
    page.goto(f"{live_server.url}/author/scenarios/s3-vpc-ec2-oracle")
    expect(page.get_by_text("This is a built-in scenario")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the editor scrolls sideways at 360 px ({width} px wide)"
    page.screenshot(path=str(SCREENSHOTS / "author-builtin-360.png"))
    _section(page, "Tasks").get_by_role("listitem").first.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "author-builtin-360-task.png"))
    context.close()
