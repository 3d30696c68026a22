"""Who may open a page: decorators for instructor and admin pages."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user

from ..extensions import login_manager


def instructor_required(view):
    """Signed-in instructors and admins; everyone else is sent to the login page."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return view(*args, **kwargs)

    return wrapper


def admin_required(view):
    """Admins only: anonymous visitors go to the login page, instructors get 403."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not current_user.is_admin:
            abort(403, "Only admins can manage accounts.")
        return view(*args, **kwargs)

    return wrapper
