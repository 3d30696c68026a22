"""Who may open a page: the one place for access decorators and the role checks they use.

Every blueprint uses these (author, admin, classroom pages). A signed-in account is an
instructor or an admin (``User.is_admin``); disabled accounts cannot sign in at all.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user

from ..extensions import login_manager

View = TypeVar("View", bound=Callable[..., Any])


def is_instructor() -> bool:
    """Signed in with an active instructor or admin account."""
    return bool(
        current_user.is_authenticated
        and current_user.is_active
        and (current_user.is_admin or current_user.role == "instructor")
    )


def is_admin() -> bool:
    """Signed in with an admin account."""
    return bool(current_user.is_authenticated and current_user.is_admin)


def login_required(view: View) -> View:
    """Signed-in accounts only; anonymous visitors are sent to the login page."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def instructor_required(view: View) -> View:
    """Signed-in instructors and admins; everyone else is sent to the login page."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not is_instructor():
            abort(403)
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def admin_required(view: View) -> View:
    """Admins only: anonymous visitors go to the login page, instructors get 403."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not is_admin():
            abort(403, "Only admins can manage accounts.")
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
