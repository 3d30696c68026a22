"""Browser pages for the Playwright tests: a page that collects the Content-Security-Policy
violations its console reports, axe-core's serious findings, and a board finished with its
Move buttons, and a wait for something the page does in its own time."""

from __future__ import annotations


def watched_page(context) -> tuple[object, list[str]]:
    """A new page of the browser context and the list its CSP violations are added to."""
    page = context.new_page()
    page.set_default_timeout(10_000)
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return page, violations


def serious(page) -> list[str]:
    """axe-core's serious and critical violations on the page, one line each."""
    from axe_playwright_python.sync_playwright import Axe

    # with label-content-name-mismatch, an experimental rule axe leaves off by default: a
    # control's name must contain its visible text (WCAG 2.5.3), so speech users can say it
    options = {
        "resultTypes": ["violations"],
        "rules": {"label-content-name-mismatch": {"enabled": True}},
    }
    results = Axe().run(page, options=options)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(n["html"][:120] for n in v["nodes"][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def finish_with_buttons(page, wrong_party="AWS"):
    """Place every card with its Move button (all in one zone) and check the answers."""
    tray = page.get_by_role("region", name="Tasks to sort")
    while tray.get_by_role("listitem").count():
        tray.get_by_role("listitem").first.get_by_role(
            "button", name=f"Move to {wrong_party}"
        ).click()
    page.get_by_role("button", name="Check answers").click()
    page.wait_for_url("**/attempts/*")


def wait_until(page, done, seconds: float = 5.0) -> None:
    """Let the page run until done() holds (a dialog is answered as the browser gets to it,
    later on a loaded machine), for at most `seconds`; the caller asserts what it waited for."""
    for _ in range(int(seconds * 10)):
        if done():
            return
        page.wait_for_timeout(100)
