"""The instructor's scenario editor, previews, import/export and analytics, under /author."""

from flask import Blueprint, Flask

bp = Blueprint("author", __name__, url_prefix="/author")


def init_app(app: Flask) -> None:
    """Register the pages (published authored scenarios reach the catalogue through
    services.content, which asks services.authoring for them)."""
    from . import analytics_routes, preview_routes, routes, transfer_routes  # noqa: F401

    app.register_blueprint(bp)
