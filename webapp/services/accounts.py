"""Instructor and admin accounts: creation, sign-in checks, one-time setup and invitation links."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import delete, func, or_, select, text, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ..models import SetupToken, User
from ..models.base import utcnow
from ..models.users import ROLES

MIN_PASSWORD = 12
MAX_PASSWORD = 256
INVITE_LIFETIME = timedelta(days=7)
RESET_LIFETIME = timedelta(days=1)
EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
# compared against when the email is unknown, so a wrong email costs as long as a wrong password
_DUMMY_HASH = generate_password_hash("not-a-real-password")

if TYPE_CHECKING:
    from sqlalchemy import CursorResult


class LinkUsed(Exception):
    """A one-time link that another request used first (or that just expired)."""


class AccountError(ValueError):
    """Input that cannot become an account: the message says what to change."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def normalise_email(email: str) -> str:
    """Emails compare case-insensitively and without surrounding spaces."""
    return (email or "").strip().lower()


def check_email(email: str) -> str:
    """The normalised email, or AccountError when it does not look like one."""
    email = normalise_email(email)
    if len(email) > 254 or not EMAIL_PATTERN.match(email):
        raise AccountError("Enter an email address like name@example.org.", "email")
    return email


def check_password(password: str) -> str:
    """The password, or AccountError when it is too short or too long."""
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(f"Use at least {MIN_PASSWORD} characters.", "password")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"Use at most {MAX_PASSWORD} characters.", "password")
    return password


def hash_password(password: str) -> str:
    """A salted hash with werkzeug's default algorithm (scrypt)."""
    return generate_password_hash(password)


def find_user(session: Session, email: str) -> User | None:
    """The account with this email, if any."""
    return session.execute(
        select(User).where(User.email == normalise_email(email))
    ).scalar_one_or_none()


def create_user(session: Session, email: str, role: str, password: str | None) -> User:
    """A new account (flushes). Without a password the account waits for its invitation."""
    email = check_email(email)
    if role not in ROLES:
        raise AccountError(f"Role must be one of {', '.join(ROLES)}.", "role")
    if find_user(session, email) is not None:
        raise AccountError("An account with this email already exists.", "email")
    # "!" never matches a werkzeug hash: an invited account cannot sign in before it is set up
    password_hash = hash_password(check_password(password)) if password is not None else "!"
    user = User(email=email, role=role, password_hash=password_hash, active=True)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active account whose email and password match, or None (same cost either way)."""
    user = find_user(session, email)
    if user is None or not user.password_hash.startswith(("scrypt:", "pbkdf2:")):
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or ""):
        return None
    return user if user.active else None


def end_sessions(session: Session, user: User) -> None:
    """Bump the account's session generation: every login session issued so far ends."""
    session.execute(
        update(User)
        .where(User.id == user.id)
        .values(session_generation=User.session_generation + 1)
    )
    session.refresh(user)


def admin_exists(session: Session) -> bool:
    """Whether any admin account exists (first run is over)."""
    return (
        session.execute(
            select(func.count()).select_from(User).where(User.role == "admin")
        ).scalar_one()
        > 0
    )


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_setup_token(session: Session) -> str:
    """A fresh first-run token (returned once, stored hashed); older unused ones are revoked."""
    for old in session.execute(
        select(SetupToken).where(SetupToken.purpose == "setup", SetupToken.used_at.is_(None))
    ).scalars():
        session.delete(old)
    token = secrets.token_urlsafe(32)
    session.add(SetupToken(token_hash=_digest(token), purpose="setup"))
    session.flush()
    return token


def _issue_link(session: Session, user: User, purpose: str, lifetime: timedelta) -> str:
    """A link token for one account; its earlier unused links of this purpose are revoked."""
    session.execute(
        delete(SetupToken).where(
            SetupToken.purpose == purpose,
            SetupToken.user_id == user.id,
            SetupToken.used_at.is_(None),
        )
    )
    token = secrets.token_urlsafe(32)
    session.add(
        SetupToken(
            token_hash=_digest(token),
            purpose=purpose,
            user_id=user.id,
            expires_at=utcnow() + lifetime,
        )
    )
    session.flush()
    return token


def issue_invitation(session: Session, user: User) -> str:
    """A link token letting an invited instructor choose a password; earlier links are revoked."""
    return _issue_link(session, user, "invite", INVITE_LIFETIME)


def issue_reset(session: Session, user: User) -> str:
    """A one-day link token that sets a new password on an account; earlier ones are revoked."""
    return _issue_link(session, user, "reset", RESET_LIFETIME)


def find_token(session: Session, token: str, purpose: str) -> SetupToken | None:
    """The live (unused, unexpired) token of this purpose, or None."""
    if not token or len(token) > 200:
        return None
    row = session.execute(
        select(SetupToken).where(
            SetupToken.token_hash == _digest(token), SetupToken.purpose == purpose
        )
    ).scalar_one_or_none()
    if row is None or row.used_at is not None:
        return None
    if row.expires_at is not None and row.expires_at < utcnow():
        return None
    if purpose == "setup" and admin_exists(session):
        return None
    return row


def consume(session: Session, token: SetupToken) -> None:
    """Mark a link used, or raise LinkUsed: of any number of simultaneous uses one wins.

    One conditional UPDATE: on PostgreSQL a concurrent use waits for the row lock and then
    finds used_at set; on SQLite writers queue (BEGIN IMMEDIATE) and the later one finds it.
    """
    now = utcnow()
    result = cast(
        "CursorResult[Any]",
        session.execute(
            update(SetupToken)
            .where(
                SetupToken.id == token.id,
                SetupToken.used_at.is_(None),
                or_(SetupToken.expires_at.is_(None), SetupToken.expires_at >= now),
            )
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        ),
    )
    if result.rowcount != 1:
        raise LinkUsed()
    session.refresh(token)


def _first_admin_lock(session: Session) -> None:
    """Serialise first-run set-ups, so two setup links used at once make one admin, not two.

    PostgreSQL: a transaction-scoped advisory lock; SQLite already runs one writer at a time.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext('srm-first-admin'))"))


def complete_setup(session: Session, token: SetupToken, email: str, password: str) -> User:
    """Create the first admin with a live setup token; the token dies (LinkUsed if it was)."""
    check_email(email)
    check_password(password)
    _first_admin_lock(session)
    if admin_exists(session):
        raise LinkUsed()
    consume(session, token)
    return create_user(session, email, "admin", password)


def set_password(session: Session, user: User, password: str) -> User:
    """A new password for an account; every session it had ends."""
    user.password_hash = hash_password(check_password(password))
    session.flush()
    end_sessions(session, user)
    return user


def use_password_link(session: Session, token: SetupToken, password: str) -> User:
    """An invitation or reset link sets the account's password, once (LinkUsed otherwise)."""
    check_password(password)
    consume(session, token)
    # password links are made for an account, and go with it when it is deleted
    return set_password(session, session.get_one(User, token.user_id), password)


def list_users(session: Session) -> list[User]:
    """Every account, admins first, then by email."""
    return list(session.execute(select(User).order_by(User.role, User.email)).scalars())


def is_pending(user: User) -> bool:
    """An invited account that has not chosen its password yet."""
    return user.password_hash == "!"
