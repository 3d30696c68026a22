"""Answer keys, computed in the test process (never sent to a browser)."""

from __future__ import annotations

from webapp.domain import answer_key
from webapp.services import content

COURSE = "s3-vpc-ec2-oracle"


def key_for(
    app, scenario_id: str = COURSE, variant: str | None = "oracle-on-ec2"
) -> dict[str, str]:
    """Task id -> the party the rule set gives it, for a scenario under a variant."""
    with app.app_context():
        return answer_key(content.content().library.get(scenario_id), variant, content.rules())


def flip(key: dict[str, str], task: str) -> dict[str, str]:
    """The key with one task placed wrongly."""
    return {**key, task: "aws" if key[task] == "customer" else "customer"}
