"""Who may do what: the session's host (or an admin) runs it; learners hold a token cookie."""

from __future__ import annotations

from typing import overload

from flask import abort, request
from flask_login import current_user

from ..api.errors import ApiError
from ..auth.access import instructor_required, is_instructor
from ..extensions import csrf, db
from ..models import ClassSession
from ..services.classroom import sessions as svc

COOKIE_PREFIX = "srm_class_"
COOKIE_MAX_AGE = 12 * 3600


# The name practice host pages import: the one instructor decorator of webapp.auth.access
# (anonymous visitors go to the login page, which comes back here through redirect_target).
instructor_page = instructor_required


def hosted_session(code: str) -> ClassSession:
    """The session for a host page: 404 unknown, 403 if the user is not its host or an admin."""
    cs = svc.find_session(db.session, code)
    if not svc.may_host(current_user, cs):
        abort(403, "only the host of this session can see it")
    return cs


@overload
def api_host(code: str, *, check_csrf: bool = True) -> ClassSession: ...
@overload
def api_host(code: None = None, *, check_csrf: bool = True) -> None: ...
def api_host(code: str | None = None, *, check_csrf: bool = True) -> ClassSession | None:
    """For host JSON calls: an instructor login (403 otherwise), the CSRF header, the session."""
    if not is_instructor():
        raise ApiError(403, "this needs the host's instructor login")
    if check_csrf:
        csrf.protect()
    if code is None:
        return None
    cs = svc.find_session(db.session, code)
    if not svc.may_host(current_user, cs):
        raise ApiError(403, "only the host of this session can do this")
    return cs


def cookie_name(code: str) -> str:
    """The cookie that holds a learner's participant token for one session."""
    return COOKIE_PREFIX + code


def set_participant_cookie(response, code: str, token: str):
    """Remember the participant token in this browser (HttpOnly, SameSite=Lax)."""
    response.set_cookie(
        cookie_name(code),
        token,
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure,
    )
    return response


def cookie_token(code: str) -> str | None:
    """The participant token this browser holds for the session, if any."""
    return request.cookies.get(cookie_name(code))
