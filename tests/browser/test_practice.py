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
