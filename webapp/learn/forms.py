"""The board as a plain form: one radio group per task, plus the variant and the tray order."""

from __future__ import annotations

from collections.abc import Mapping

from wtforms import HiddenField

from ..domain import PARTY_NAMES, Scenario
from ..edge import CheckedForm


class BoardForm(CheckedForm):
    """CSRF, the variant graded under and the order the tray showed the cards in.

    The answers are one radio group per task named `answer-<task id>`; they are read by
    read_answers because the set of tasks depends on the scenario.
    """

    variant = HiddenField()
    task_order = HiddenField()


def answer_field(task_id: str) -> str:
    """The form field name of a task's radio group."""
    return f"answer-{task_id}"


def read_answers(
    formdata: Mapping[str, str], scenario: Scenario
) -> tuple[dict[str, str | None], dict[str, str]]:
    """Answers by task id (None when left unplaced) and errors by task id for bad values."""
    answers: dict[str, str | None] = {}
    errors: dict[str, str] = {}
    choices = " or ".join(PARTY_NAMES[p] for p in scenario.parties)
    for task in scenario.tasks:
        value = (formdata.get(answer_field(task.id)) or "").strip() or None
        if value is not None and value not in scenario.parties:
            errors[task.id] = f"Choose {choices}."
            value = None
        answers[task.id] = value
    return answers, errors


def read_order(value: str | None, scenario: Scenario) -> list[str] | None:
    """The tray order sent back by the board; None when missing or not a permutation."""
    order = [x for x in (value or "").split(",") if x]
    if sorted(order) != sorted(t.id for t in scenario.tasks):
        return None
    return order
