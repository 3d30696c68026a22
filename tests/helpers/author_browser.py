"""The steps the editor's browser tests share: an instructor signed in, on a copy of a
built-in scenario in the editor."""

from __future__ import annotations

from playwright.sync_api import expect

from webapp.cli import main

PASSWORD = "a long enough password"
# browser contexts: a desktop window and a 390 px touch phone
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


def make_instructor(app, email: str, password: str) -> None:
    app.test_cli_runner().invoke(
        main,
        ["users", "create", email, "--role", "instructor", "--password-stdin"],
        input=password + "\n",
    )


def open_copy(page, url: str, email: str, password: str, source: str, copy_id: str) -> None:
    """Sign in, copy the built-in `source` as `copy_id`, and land in its editor."""
    page.goto(f"{url}/auth/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Your scenarios")).to_be_visible()
    page.goto(f"{url}/author/scenarios/{source}/duplicate")
    page.get_by_label("Id").fill(copy_id)
    page.get_by_role("button", name="Create copy").click()
    expect(page.get_by_text("Scenario created.")).to_be_visible()
