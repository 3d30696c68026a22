"""Shared Responsibility Trainer: a web trainer for the AWS Shared Responsibility Model."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from .resources import resource_dir

if TYPE_CHECKING:  # the package itself imports no Flask, so webapp.domain stays light
    from flask import Flask

__version__ = "0.1.0"


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: config, extensions, content (rule set and scenarios), blueprints.

    Raises RuleSetError when the rule set is broken: the app refuses to start.
    """
    from flask import Flask

    from .config import instance_folder, load_config

    config = dict(config or {})
    app = Flask(
        __name__,
        instance_path=instance_folder(config.pop("INSTANCE_PATH", None)),
        instance_relative_config=True,
        template_folder=str(resource_dir("templates")),
        static_folder=str(resource_dir("static")),
    )
    load_config(app, config)
    _configure_logging(app)
    proxies = int(app.config.get("SRM_PROXIES") or 0)
    if proxies:  # behind a reverse proxy: trust its X-Forwarded-For/-Proto headers
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Flask documents wrapping wsgi_app in middleware; its types declare it a method
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )

    from .services.content import load_content

    load_content(app)
    _init_extensions(app)
    _register_blueprints(app)
    return app


def _init_extensions(app: Flask) -> None:
    """Database, CSRF, login, rate limits, and the app's own request handling."""
    from . import database, edge, lti_services, ratelimits, web
    from .extensions import csrf, db, limiter, login_manager

    db.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    ratelimits.configure(app)
    limiter.init_app(app)
    database.init_app(app)
    edge.init_app(app)
    web.init_app(app)
    lti_services.init_app(app)


def _register_blueprints(app: Flask) -> None:
    """The JSON API and the pages: learn, auth, author, admin, classroom, practice, LTI."""
    from . import admin, auth, author, classroom, learn, lti, practice, ratelimits
    from .api import bp as api_bp
    from .extensions import csrf

    csrf.exempt(api_bp)  # JSON-only bodies; calls made with a login session check the header
    app.register_blueprint(api_bp)
    app.register_blueprint(learn.bp)
    auth.init_app(app)
    author.init_app(app)
    app.register_blueprint(admin.bp)
    classroom.init_app(app)
    practice.init_app(app)
    lti.init_app(app)  # after auth: it takes over the session cookie's interface
    ratelimits.init_app(app)  # after every view exists: limits are set per endpoint


def _configure_logging(app: Flask) -> None:
    level = str(app.config.get("SRM_LOG_LEVEL", "INFO")).upper()
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("webapp").setLevel(level)
