"""Instructor and admin accounts, and the one-time first-run setup token."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Model, utcnow

ROLES = ("instructor", "admin")


class User(UserMixin, Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default="instructor")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # part of every login session's id: bumping it (logout, new password) ends them all
    session_generation: Mapped[int] = mapped_column(default=1, server_default="1")

    def get_id(self) -> str:  # Flask-Login: "<id>:<generation>", checked on every request
        return f"{self.id}:{self.session_generation}"

    @property
    def is_active(self) -> bool:  # Flask-Login: a disabled account cannot log in
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class SetupToken(Model):
    """A one-time link: first run (creates the admin), an invitation or a password reset.

    Only a hash of the token is stored; the link dies once used or past expires_at.
    """

    __tablename__ = "setup_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]
    purpose: Mapped[str] = mapped_column(String(20), default="setup")  # setup | invite | reset
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    expires_at: Mapped[datetime | None]
