"""Forms of the class pages (Flask-WTF, for CSRF and field errors)."""

from __future__ import annotations

from wtforms import RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from ..edge import CheckedForm
from ..services.classroom.sessions import CODE_LENGTH, MAX_ANSWER_SETS, NICKNAME_MAX


class JoinForm(CheckedForm):
    code = StringField(
        "Session code",
        validators=[
            DataRequired("Enter the code shown on the host's screen."),
            Length(max=CODE_LENGTH + 6, message="That is longer than a session code."),
        ],
    )
    nickname = StringField(
        "Nickname",
        validators=[
            DataRequired("Enter a nickname."),
            Length(max=NICKNAME_MAX + 20, message=f"Use at most {NICKNAME_MAX} characters."),
        ],
    )


class NewSessionForm(CheckedForm):
    """The scenarios come as checkboxes named "scenario" (with "variant-<id>" selects)."""

    feedback = RadioField(
        "When learners see the right answers",
        default="after-reveal",
        choices=[
            SelectChoice("after-reveal", "After I reveal them to the room"),
            SelectChoice("immediate", "As soon as each learner sends"),
        ],
    )
    answer_sets = SelectField(
        "Answer sets each learner may send per scenario",
        coerce=int,
        default=1,
        choices=[SelectChoice(1, "One: the first answers are final")]
        + [
            SelectChoice(n, f"Up to {n}: the last one sent counts")
            for n in (2, 3, 5, MAX_ANSWER_SETS)
        ],
    )


class ActionForm(CheckedForm):
    """A host button: only the CSRF token."""


# (seconds, label) of the countdowns a host can start answering with; "" is none
COUNTDOWN_CHOICES = [
    ("", "No time limit"),
    ("30", "30 seconds"),
    ("60", "1 minute"),
    ("90", "1½ minutes"),
    ("120", "2 minutes"),
    ("180", "3 minutes"),
    ("300", "5 minutes"),
]


def scenario_order(form) -> list[str]:
    """The ticked scenarios ("scenario" checkboxes) in the host's order: by each one's
    "order-<id>" number where given (the page numbers them as they are ticked), then the
    rest in list order."""
    chosen = form.getlist("scenario")

    def position(pair):
        index, sid = pair
        raw = (form.get(f"order-{sid}") or "").strip()
        return (int(raw), index) if raw.isdigit() and len(raw) < 4 else (10_000, index)

    return [sid for _, sid in sorted(enumerate(chosen), key=position)]
