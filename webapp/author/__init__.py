"""The instructor's scenario editor, previews, import/export and analytics, under /author."""

from flask import Blueprint, Flask

bp = Blueprint("author", __name__, url_prefix="/author")


def init_app(app: Flask) -> None:
    """Register the pages and let published authored scenarios into the catalogue and API."""
    from ..services.authoring import published_playables
    from . import analytics_routes, preview_routes, routes, transfer_routes  # noqa: F401

    app.register_blueprint(bp)
    app.extensions["srm_content"].authored_source = published_playables
