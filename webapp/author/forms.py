"""Forms of the author pages (Flask-WTF: each carries a CSRF token)."""

from __future__ import annotations

from flask_wtf.file import MultipleFileField
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Optional

from ..edge import CheckedForm


class NewScenarioForm(CheckedForm):
    title = StringField(
        "Title", validators=[DataRequired("Give the scenario a title."), Length(max=200)]
    )
    slug = StringField(
        "Id",
        validators=[Optional(), Length(max=80)],
        description="Used in links and file names: lowercase letters, digits "
        "and hyphens. Leave it empty to make one from the title. "
        "It cannot change later.",
    )


class DuplicateForm(NewScenarioForm):
    pass


class ImportForm(CheckedForm):
    files = MultipleFileField(
        "Scenario files (.yaml)",
        description="One or several files. If any file has a problem, nothing is imported.",
    )


class EditorForm(CheckedForm):
    """Only the CSRF token: the editor's rows are read by webapp.author.editor."""


class PracticeLinkForm(CheckedForm):
    """CSRF for making a practice link from the pairs learners still get wrong."""
