"""Practice in a real browser: a round on the board (Move buttons, keyboard), its result, the
next round, the progress map; desktop and a 390x844 touch phone; axe finds nothing serious."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot
from tests.helpers.pages import serious

DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}


@pytest.mark.parametrize(("name", "options"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_a_round_then_the_next_then_the_map(live_server, browser, name, options):
    context = browser.new_context(**options)
    page = context.new_page()
    page.set_default_timeout(10_000)
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    try:
        page.goto(f"{live_server.url}/practice?size=6")
        tray = page.get_by_role("region", name="Tasks to sort")
        assert tray.get_by_role("listitem").count() == 6
        screenshot(page, f"practice-round-{name}")
        assert serious(page) == []
        # one card by keyboard: pick up, move to a zone, drop
        tray.get_by_role("listitem").first.get_by_role("button").first.focus()
        page.keyboard.press("Space")
        page.keyboard.press("ArrowRight")
        page.keyboard.press("Enter")
        assert tray.get_by_role("listitem").count() == 5
        while tray.get_by_role("listitem").count():
            tray.get_by_role("listitem").first.get_by_role(
                "button", name="Move to Customer"
            ).click()
        screenshot(page, f"practice-placed-{name}")
        page.get_by_role("button", name="Check answers").click()
        page.wait_for_url("**/practice/rounds/*")
        assert page.get_by_text("cards placed correctly").count() == 1
        assert page.get_by_role("link", name="Source", exact=False).count() == 6
        screenshot(page, f"practice-result-{name}")
        assert serious(page) == []
        page.get_by_role("link", name="Next round").click()
        page.get_by_role("region", name="Tasks to sort").wait_for()
        page.goto(f"{live_server.url}/progress")
        assert page.get_by_role("table").count() == 1
        assert page.get_by_role("heading", name="Weak spots first").count() == 1
        screenshot(page, f"progress-{name}")
        assert serious(page) == []
    finally:
        context.close()
    assert violations == []


@pytest.mark.parametrize(("name", "options"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_azure_practice_and_an_instructors_practice_link(live_server, browser, name, options):
    from tests.helpers.keys import key_for
    from webapp.cli import main

    app = live_server.app
    context = browser.new_context(**options)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(f"{live_server.url}/practice?provider=azure&size=4")
        tray = page.get_by_role("region", name="Tasks to sort")
        while tray.get_by_role("listitem").count():
            tray.get_by_role("listitem").first.get_by_role(
                "button", name="Move to Microsoft"
            ).click()
        page.get_by_role("button", name="Check answers").click()
        page.wait_for_url("**/practice/rounds/*")
        screenshot(page, f"practice-azure-result-{name}")
        assert serious(page) == []
        page.goto(f"{live_server.url}/progress?provider=azure")
        assert page.get_by_role("navigation", name="Provider").count() == 1
        screenshot(page, f"progress-azure-{name}")
        assert serious(page) == []
        # learners' attempts, then the scenario's analytics with the pairs still wrong
        key = key_for(app, "s3-vpc-ec2-oracle", None)
        task = next(iter(key))
        wrong = dict(key, **{task: "aws" if key[task] != "aws" else "customer"})
        for answers in (wrong, wrong, key):
            learner = app.test_client()
            learner.get("/practice")
            learner.post("/api/v1/scenarios/s3-vpc-ec2-oracle/grade", json={"answers": answers})
        app.test_cli_runner().invoke(  # an admin sees every learner's attempts
            main,
            ["users", "create", f"t-{name}@example.org", "--role", "admin", "--password-stdin"],
            input="practice password 123\n",
        )
        page.goto(f"{live_server.url}/auth/login")
        page.get_by_label("Email").fill(f"t-{name}@example.org")
        page.get_by_label("Password").fill("practice password 123")
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("heading", name="Your scenarios").wait_for()
        page.goto(f"{live_server.url}/author/scenarios/s3-vpc-ec2-oracle/analytics")
        assert page.get_by_role("heading", name="Pairs learners still get wrong").count() == 1
        screenshot(page, f"analytics-pairs-{name}")
        assert serious(page) == []
    finally:
        context.close()
