"""Launched pages inside the LMS's frame: a frame-ancestors policy naming exactly the
registered platforms' origins, and, over HTTPS, the session cookie sent back from inside a
cross-site frame (SameSite=None; Secure) once a launch has put its identity in it."""

from __future__ import annotations

from flask import Flask, Response, request, session

from ..auth import SessionInterface
from ..extensions import db
from ..headers import relax_csp_now


def launched() -> bool:
    """Whether this session came from an LTI launch."""
    return isinstance(session.get("lti"), dict)


def cross_site_cookie() -> bool:
    """Cookies a framed launch relies on go out as SameSite=None; Secure: only possible
    (and only needed) over HTTPS."""
    return request.is_secure


class LaunchSessionInterface(SessionInterface):
    """The app's signed session cookie, sent from inside a cross-site frame after a launch."""

    def get_cookie_samesite(self, app: Flask) -> str | None:
        if launched() and cross_site_cookie():
            return "None"
        return super().get_cookie_samesite(app)


def _frame_policy(response: Response) -> Response:
    if request.blueprint == "lti" or launched():
        from .launches import frame_origins

        origins = frame_origins(db.session)
        if origins:
            relax_csp_now(frame_ancestors=" ".join(origins))
    return response


def init_app(app: Flask) -> None:
    app.session_interface = LaunchSessionInterface()
    app.after_request(_frame_policy)  # runs before the security headers (registered earlier)
