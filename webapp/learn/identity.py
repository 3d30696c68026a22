"""Who is looking: the anonymous learner id (a random id in a signed, long-lived cookie),
the signed-in account and the class tokens a browser holds. Web layer: it reads the request
and sets the cookie; services get the resulting Viewer or learner id as arguments."""

from __future__ import annotations

import secrets
from functools import lru_cache

from flask import Flask, g, request, session
from itsdangerous import BadSignature, URLSafeSerializer

from ..services.visibility import Viewer

COOKIE = "srm_learner"
MAX_AGE = 365 * 24 * 3600


@lru_cache(maxsize=4)
def _serializer(secret_key: str) -> URLSafeSerializer:
    """The learner cookie's signer, built once per secret key."""
    return URLSafeSerializer(secret_key, salt="srm-learner")


def lti_learner_id() -> str | None:
    """The learner id of the identity a learning platform launched in this session, if any:
    it stands for that person (issuer and subject) in every browser they launch from."""
    launched = session.get("lti")
    learner = launched.get("learner") if isinstance(launched, dict) else None
    return learner if isinstance(learner, str) else None


def current_learner_id(create: bool = True) -> str | None:
    """This browser's learner id, or the launched LTI identity's; with create, a browser
    without one gets a new id (set on the response)."""
    if "learner_id" in g:
        return g.learner_id
    launched = lti_learner_id()
    if launched is not None:
        g.learner_id = launched
        return launched
    from flask import current_app

    raw = request.cookies.get(COOKIE)
    learner_id = None
    if raw:
        try:
            learner_id = _serializer(current_app.config["SECRET_KEY"]).loads(raw)
        except BadSignature:
            learner_id = None
    if learner_id is None and create:
        learner_id = secrets.token_hex(16)
        g.new_learner_cookie = _serializer(current_app.config["SECRET_KEY"]).dumps(learner_id)
    g.learner_id = learner_id
    return learner_id


def current_viewer() -> Viewer:
    """Who is looking at this request: the signed-in active account, if any, this browser's
    learner id and the class participant tokens it holds."""
    from flask_login import current_user

    from ..classroom.access import COOKIE_PREFIX

    user = (
        current_user
        if (current_user.is_authenticated and getattr(current_user, "active", True))
        else None
    )
    tokens = {
        name[len(COOKIE_PREFIX) :]: value
        for name, value in request.cookies.items()
        if name.startswith(COOKIE_PREFIX)
    }
    learner_id = current_learner_id(create=False)
    durable = learner_id is not None and learner_id == lti_learner_id()
    return Viewer(user, learner_id, tokens, durable_learner=durable)


def record_attempt(playable, variant: str | None, answers, order: list[str] | None):
    """Grade and store this browser's attempt (the caller commits); a new browser gets its
    learner cookie with it. Raises GradingError or AttemptLimitReached as the service does."""
    from ..extensions import db
    from ..services import content
    from ..services.grading import grade_and_record

    current_learner_id()
    return grade_and_record(
        db.session,
        playable,
        variant,
        answers,
        current_viewer(),
        task_order=order,
        source=content.content(),
    )


def init_app(app: Flask) -> None:
    @app.after_request
    def _set_learner_cookie(response):
        value = g.get("new_learner_cookie")
        if value:
            response.set_cookie(
                COOKIE,
                value,
                max_age=MAX_AGE,
                httponly=True,
                samesite="Lax",
                secure=request.is_secure,
            )
        return response
