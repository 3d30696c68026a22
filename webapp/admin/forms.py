"""The invitation form and the learning platform registration form."""

from __future__ import annotations

from wtforms import EmailField, SelectField, StringField
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


class PlatformForm(CheckedForm):
    """A learning platform's registration, as its admin hands it over."""

    issuer = StringField(
        "Issuer",
        validators=[DataRequired("Enter the platform's issuer."), Length(max=1000)],
        description="The platform's iss, an https:// address (Moodle: the site's address).",
    )
    client_id = StringField(
        "Client ID", validators=[DataRequired("Enter the client ID."), Length(max=255)]
    )
    deployment_id = StringField(
        "Deployment ID", validators=[DataRequired("Enter the deployment ID."), Length(max=255)]
    )
    auth_login_url = StringField(
        "Authentication request URL",
        validators=[DataRequired("Enter the authentication URL."), Length(max=1000)],
    )
    auth_token_url = StringField(
        "Access token URL",
        validators=[DataRequired("Enter the access token URL."), Length(max=1000)],
    )
    keyset_url = StringField(
        "Public keyset URL",
        validators=[DataRequired("Enter the public keyset URL."), Length(max=1000)],
    )
    frame_origins = StringField(
        "Other origins that frame the trainer (optional)",
        validators=[Length(max=1000)],
        description="Separated by spaces. Canvas: your school's address, e.g. "
        "https://school.instructure.com.",
    )
