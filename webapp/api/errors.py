"""JSON errors and JSON request parsing shared by every /api/v1 endpoint."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from ..edge import InputError, parse_json, read_body
from ..services.classroom.errors import ClassError, Conflict, Ended, Forbidden, Invalid, NotFound

# each kind of refusal a class session gives, as an HTTP status (the only place that says)
CLASS_ERROR_STATUS: dict[type[ClassError], int] = {
    Invalid: 400,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    Ended: 410,
}


def error_body(message: str, details: list[Any] | None = None) -> dict[str, Any]:
    """Every JSON error's shape: its message (as `message`, and as `error` for the clients
    written before it was named so) and the details, a list."""
    return {"error": message, "message": message, "details": list(details or [])}


class ApiError(HTTPException):
    """An error answered as {"error", "message", "details"} with a status code."""

    code: int  # always set: the status given

    def __init__(self, status: int, message: str, details: list[Any] | None = None):
        super().__init__(description=message)
        self.code = status
        self.details = details or []

    def get_response(self, environ=None, scope=None):  # noqa: ARG002 - werkzeug's signature
        response = jsonify(error_body(self.description or "", self.details))
        response.status_code = self.code
        return response


def json_body() -> dict[str, Any]:
    """The request's JSON object; 415, 413 or 400 with a clear message otherwise.

    Size (chunked bodies included), depth and text are checked by webapp.edge.
    """
    limit = current_app.config["SRM_API_MAX_BODY"]
    if request.content_length is not None and request.content_length > limit:
        raise ApiError(413, f"request body is larger than {limit // 1024} KB")
    if request.mimetype != "application/json":
        raise ApiError(
            415,
            "send the body as JSON with Content-Type: application/json",
            [f"got content type '{request.mimetype or 'none'}'"],
        )
    try:
        data = parse_json(read_body(limit))
    except InputError as exc:
        raise ApiError(exc.status, exc.message, exc.details) from None
    if not isinstance(data, dict):
        raise ApiError(400, "the body must be a JSON object", [f"got {type(data).__name__}"])
    return data


def class_error_status(exc: ClassError) -> int:
    """The HTTP status of a class session's refusal."""
    return next(
        (status for kind, status in CLASS_ERROR_STATUS.items() if isinstance(exc, kind)), 400
    )


def init_app(app: Flask) -> None:
    """Answer a ClassError raised by any view: nothing it wrote is kept, and the answer is
    the app's usual error (JSON under /api/, the error page elsewhere)."""

    @app.errorhandler(ClassError)
    def _class_error(exc: ClassError):
        from ..extensions import db

        db.session.rollback()
        return app.handle_http_exception(
            ApiError(class_error_status(exc), exc.message, exc.details)
        )
