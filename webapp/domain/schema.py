"""What a scenario may hold: its closed sets, the settings' defaults and the length limits.

Defined once here; the scenario validation, the editor and the pages import them. The
enums are ``StrEnum``s, so they compare equal to the strings stored in documents and JSON.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Mode(StrEnum):
    """How a scenario is played."""

    PRACTICE = "practice"  # feedback every time, no attempt limit
    ASSESSMENT = "assessment"  # an attempt limit and a feedback policy


class Feedback(StrEnum):
    """When an assessment shows which cards were wrong."""

    ALWAYS = "always"
    AFTER_LAST = "after-last"
    AFTER_PASS = "after-pass"


MODES: tuple[Mode, ...] = tuple(Mode)
FEEDBACK: tuple[Feedback, ...] = tuple(Feedback)

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")

# longest text per field: scenario title/summary/description, component name, task text
# (a variant's title shares the "title" limit)
LIMITS: dict[str, int] = {
    "title": 200,
    "summary": 500,
    "description": 20000,
    "name": 200,
    "text": 300,
    "explain": 400,  # a card's own sentence, added to its rule's explanation
}
MAX_TASKS = 100
MAX_ATTEMPTS = 100  # the highest attempt limit an assessment may set


@dataclass(frozen=True, slots=True)
class Settings:
    """Practice (feedback every time) or assessment (attempt limit, feedback policy)."""

    mode: str = Mode.PRACTICE
    max_attempts: int | None = None
    feedback: str = Feedback.ALWAYS
    pass_score: float = 0.8
    feedback_per_card: bool = False  # practice: each card checked as it is placed, by default

    @property
    def assessment(self) -> bool:
        return self.mode == Mode.ASSESSMENT


DEFAULT_SETTINGS = Settings()
DEFAULT_PASS_PERCENT = round(DEFAULT_SETTINGS.pass_score * 100)
