"""The JSON API, /api/v1: for the pages, for scripts and for curl."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from . import check, providers, routes  # noqa: E402,F401
