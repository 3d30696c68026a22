"""Looking for an answer key in what a browser gets: the rule explanations and source URLs
of a scenario's tasks, not just a field name."""

from __future__ import annotations

import json
from html import unescape

from tests.helpers.keys import COURSE
from webapp.domain import grade
from webapp.services import content

__all__ = ["VARIANT", "board_attempt", "key_leaks", "key_texts", "leaked", "readable"]

VARIANT = "oracle-on-ec2"


def key_texts(app, scenario_id: str = COURSE, variant: str | None = VARIANT) -> set[str]:
    """The explanation and source URL of every task: what a leaked key would contain."""
    with app.app_context():
        scenario = content.content().library.get(scenario_id)
        report = grade(scenario, variant, content.rules(), {})
    texts = {r.explanation for r in report.results} | {r.source for r in report.results}
    assert all(texts)
    assert len(texts) > 4
    return texts


def readable(response) -> str:
    """A response as a person or a script reads it: JSON decoded, HTML entities resolved."""
    if response.is_json:
        return json.dumps(response.get_json(), ensure_ascii=False)
    return unescape(response.get_data(as_text=True))


def leaked(
    app, texts: dict[str, str], scenario_id: str = COURSE, variant: str | None = VARIANT
) -> dict[str, int]:
    """url -> how many of the scenario's explanations and sources it carries (0s left out)."""
    key = key_texts(app, scenario_id, variant)
    found = {url: sum(1 for k in key if k in text) for url, text in texts.items()}
    return {url: n for url, n in found.items() if n}


def key_leaks(app, response, slug: str) -> int:
    """How many of the scenario's explanations and source URLs a response carries (every
    test exam scenario is a copy of the course scenario, so its key is the course's)."""
    assert slug == COURSE or slug.startswith("exam-")
    return leaked(app, {"r": readable(response)}, COURSE, VARIANT).get("r", 0)


def board_attempt(client, app, slug: str, wrong: int = 0) -> str:
    """An attempt through the board form; returns its attempt id."""
    from tests.learn_helpers import filled_form

    response = client.post(f"/scenarios/{slug}", data=filled_form(client, app, slug, wrong=wrong))
    assert response.status_code == 303, response.status_code
    return response.headers["Location"].rsplit("/", 1)[-1]
