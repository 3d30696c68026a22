"""Cross-cutting web concerns: error pages, versioned static URLs, template helpers."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from . import headers
from .api.errors import error_body
from .domain import PARTY_NAMES
from .domain.grader import Verdict
from .domain.phases import Phase
from .domain.rules import CONTROL_NAMES, Party
from .domain.schema import Feedback, Mode
from .learn import identity as learners
from .learn.page_cache import best_score
from .markdown import render_markdown

log = logging.getLogger(__name__)


def wants_json() -> bool:
    return request.path.startswith("/api/")


def whole_percent(value: float) -> int:
    """A share in percent, rounded and kept within 0-100 (the pct-N classes of widths.css)."""
    return max(0, min(100, round(float(value))))


def init_app(app: Flask) -> None:
    _static_versions(app)
    headers.init_app(app)  # first, so it runs after the other hooks and sees their cookies
    learners.init_app(app)
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["pct"] = whole_percent
    app.jinja_env.filters["best_score"] = best_score
    app.jinja_env.globals["party_name"] = lambda p: PARTY_NAMES.get(p, p or "Unanswered")
    app.jinja_env.globals["control_name"] = lambda c: CONTROL_NAMES.get(c or "", "")
    # the closed sets, so templates compare with Phase.OPEN rather than a bare "open"
    app.jinja_env.globals.update(
        Phase=Phase, Party=Party, Verdict=Verdict, Mode=Mode, Feedback=Feedback
    )

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if wants_json():
            details = getattr(exc, "details", [])
            return jsonify(error_body(exc.description or exc.name, details)), exc.code
        try:
            return render_template("error.html", error=exc), exc.code
        except Exception:  # noqa: BLE001 - an error page must never fail
            return f"{exc.code} {exc.name}", exc.code

    @app.errorhandler(Exception)
    def _unexpected(_exc: Exception):
        log.exception("unexpected error on %s %s", request.method, request.path)
        if wants_json():
            return jsonify(error_body("internal error")), 500
        return "500 Internal Server Error", 500

    @app.after_request
    def _static_caching(response):
        if request.endpoint == "static" and request.args.get("v"):
            response.cache_control.public = True
            response.cache_control.max_age = app.config["SRM_STATIC_MAX_AGE"]
            response.cache_control.immutable = True
        return response


def _static_versions(app: Flask) -> None:
    """url_for('static', ...) gets ?v=<content hash>: cached for a year, busted on change."""
    hashes: dict[str, str] = {}
    static = Path(app.static_folder or "")

    @app.url_defaults
    def _add_version(endpoint: str, values: dict) -> None:
        if endpoint != "static" or "filename" not in values or "v" in values:
            return
        name = values["filename"]
        digest = hashes.get(name) if not app.debug else None
        if digest is None:
            try:
                digest = hashlib.sha256((static / name).read_bytes()).hexdigest()[:12]
            except OSError:
                return
            hashes[name] = digest
        values["v"] = digest
