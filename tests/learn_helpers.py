"""Helpers for the learner's page tests: read the board form and fill it in."""

from __future__ import annotations

import re
from html import unescape

from tests.helpers.keys import key_for

__all__ = ["COURSE", "filled_form", "hidden_fields", "key_for"]

COURSE = "s3-vpc-ec2-oracle"


def hidden_fields(html: str) -> dict[str, str]:
    """The hidden inputs of a page (csrf_token, variant, task_order)."""
    fields = {}
    for tag in re.findall(r"<input[^>]*type=\"hidden\"[^>]*>", html):
        name = re.search(r'name="([^"]*)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            fields[name.group(1)] = unescape(value.group(1)) if value else ""
    return fields


def filled_form(
    client, app, scenario_id: str = COURSE, variant: str | None = None, wrong: int = 0
) -> dict[str, str]:
    """Load the board and answer every task, the first `wrong` of them wrongly."""
    url = f"/scenarios/{scenario_id}" + (f"?variant={variant}" if variant else "")
    html = client.get(url).get_data(as_text=True)
    data = hidden_fields(html)
    key = key_for(app, scenario_id, data.get("variant") or None)
    for i, (task_id, party) in enumerate(key.items()):
        if i < wrong:
            party = "aws" if party != "aws" else "customer"
        data[f"answer-{task_id}"] = party
    return data
