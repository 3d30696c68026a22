"""The invitation form."""

from __future__ import annotations

from wtforms import EmailField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from ..edge import CheckedForm


class InviteForm(CheckedForm):
    email = EmailField(
        "Email", validators=[DataRequired("Enter the instructor's email."), Length(max=254)]
    )
    role = SelectField(
        "Role",
        choices=[SelectChoice("instructor", "Instructor"), SelectChoice("admin", "Admin")],
        default="instructor",
        description="Admins can also manage accounts.",
    )
