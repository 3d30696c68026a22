"""Admin pages: invite instructors, switch accounts off and on, register LMSs (LTI)."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from . import lti_routes, routes  # noqa: E402,F401
