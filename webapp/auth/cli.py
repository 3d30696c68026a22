"""srm-trainer users ...: scripted account set-up."""

from __future__ import annotations

import sys
from contextlib import contextmanager

import click
from sqlalchemy.exc import OperationalError, ProgrammingError

from ..models.users import ROLES


def cli_app():
    """The app under test (Flask's CLI runner passes it in) or a freshly created one."""
    from flask.cli import ScriptInfo

    info = click.get_current_context().find_object(ScriptInfo)
    if info is not None and info.create_app is not None:
        return info.load_app()
    from ..cli import make_app

    return make_app()


@contextmanager
def database_session():
    """An app context whose session is the database; a missing schema ends with a hint."""
    from ..extensions import db

    app = cli_app()
    with app.app_context():
        try:
            yield db.session
        except (OperationalError, ProgrammingError) as exc:
            db.session.rollback()
            click.echo(
                f"error: the database is not ready ({exc.orig}); "
                "run `srm-trainer db upgrade` first",
                err=True,
            )
            sys.exit(2)


@click.group("users")
def users_group() -> None:
    """Instructor and admin accounts."""


@users_group.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default="instructor", show_default=True)
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input.",
)
def create_command(email: str, role: str, password_stdin: bool) -> None:
    """Create an account that can sign in at /auth/login."""
    from ..services import accounts

    password = _read_password(password_stdin)
    with database_session() as session:
        try:
            user = accounts.create_user(session, email, role, password)
        except accounts.AccountError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        session.commit()
        click.echo(f"created {user.role} {user.email}")


@users_group.command("set-password")
@click.argument("email")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input.",
)
def set_password_command(email: str, password_stdin: bool) -> None:
    """Give an account a new password; every session it had is signed out."""
    from ..services import accounts

    password = _read_password(password_stdin)
    with database_session() as session:
        user = accounts.find_user(session, email)
        if user is None:
            click.echo(
                f"error: no account with the email {accounts.normalise_email(email)}", err=True
            )
            sys.exit(1)
        try:
            accounts.set_password(session, user, password)
        except accounts.AccountError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        session.commit()
        state = "" if user.active else " (the account is disabled: enable it under /admin)"
        click.echo(f"new password set for {user.email}; its sessions are signed out{state}")


def _read_password(from_stdin: bool) -> str:
    """The first line of standard input, or a hidden prompt asked twice."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@users_group.command("list")
def list_command() -> None:
    """List accounts: email, role, and whether each can sign in."""
    from ..services import accounts

    with database_session() as session:
        for user in accounts.list_users(session):
            state = "active" if user.active else "disabled"
            if accounts.is_pending(user):
                state = "invited"
            click.echo(f"{user.email}\t{user.role}\t{state}")


def register(main: click.Group) -> None:
    """Add `users` to the srm-trainer command."""
    main.add_command(users_group)
