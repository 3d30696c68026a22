"""LTI 1.3: launches from a learning platform (LMS), deep linking, the tool's keys."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("lti", __name__, url_prefix="/lti")

from . import passback, picker_routes, routes  # noqa: E402,F401


def init_app(app: Flask) -> None:
    """The LTI pages (login and launch are posted by the platform: no CSRF token), the
    frame policy of launched pages and the cookies a framed launch needs."""
    from ..extensions import csrf
    from . import framing

    csrf.exempt(routes.login)
    csrf.exempt(routes.launch)
    app.register_blueprint(bp)
    framing.init_app(app)
    passback.init_app(app)

    @app.context_processor
    def _course_panel() -> dict:
        from ..auth.forms import EmptyForm

        return {"lti_course_link": routes.course_link, "lti_form": EmptyForm}
