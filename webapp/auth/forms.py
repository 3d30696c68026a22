"""Sign-in, first-run and invitation forms (Flask-WTF, so each carries a CSRF token)."""

from __future__ import annotations

from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from ..edge import CheckedForm
from ..services.accounts import MAX_PASSWORD, MIN_PASSWORD


class LoginForm(CheckedForm):
    email = EmailField(
        "Email", validators=[DataRequired("Enter your email address."), Length(max=254)]
    )
    password = PasswordField(
        "Password", validators=[DataRequired("Enter your password."), Length(max=MAX_PASSWORD)]
    )


class NewPasswordMixin:
    password = PasswordField(
        "Password",
        description=f"At least {MIN_PASSWORD} characters.",
        validators=[
            DataRequired("Choose a password."),
            Length(
                min=MIN_PASSWORD,
                max=MAX_PASSWORD,
                message=f"Use {MIN_PASSWORD} to {MAX_PASSWORD} characters.",
            ),
        ],
    )
    confirm = PasswordField(
        "Repeat the password",
        validators=[
            DataRequired("Repeat the password."),
            EqualTo("password", "The two passwords differ."),
        ],
    )


class SetupForm(NewPasswordMixin, CheckedForm):
    email = EmailField(
        "Your email", validators=[DataRequired("Enter your email address."), Length(max=254)]
    )


class InvitationForm(NewPasswordMixin, CheckedForm):
    pass


class ResetForm(NewPasswordMixin, CheckedForm):
    pass


class EmptyForm(CheckedForm):
    """A form with only the CSRF token: for buttons that change something."""

    next = StringField()
