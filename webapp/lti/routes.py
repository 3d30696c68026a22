"""LTI 1.3 pages: the tool's JWKS and configuration, the OIDC login, the launch, the
deep-linking picker and the instructor's score policy for a link."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, logout_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from ..auth.forms import EmptyForm
from ..auth.sessions import start_session
from ..extensions import db
from ..models import LtiIdentity, LtiPlatform, LtiResourceLink, User
from . import adapter, bp, tool
from .adapter import STATE_COOKIE, LaunchError
from .framing import cross_site_cookie
from .keys import tool_key
from .launches import POLICIES, record_identity, record_learner, record_link, teaches

log = logging.getLogger("webapp.lti")
LOGIN_PARAMS = (
    "iss",
    "login_hint",
    "target_link_uri",
    "lti_message_hint",
    "client_id",
    "lti_deployment_id",
)


def _keysets() -> adapter.KeySets:
    found = current_app.extensions.get("lti_keysets")
    if found is None:
        found = adapter.KeySets(
            lifetime=float(current_app.config.get("SRM_LTI_JWKS_LIFETIME", 3600)),
            refetch_after=float(current_app.config.get("SRM_LTI_JWKS_REFETCH_AFTER", 10)),
        )
        current_app.extensions["lti_keysets"] = found
    return found


@bp.errorhandler(LaunchError)
def _refused(exc: LaunchError):
    """A refused login or launch: a log line, nothing stored, nobody signed in."""
    db.session.rollback()
    log.warning("LTI %s refused (%s): %s %s", request.endpoint, exc.code, exc.message, exc.detail)
    return render_template("lti/error.html", error=exc), exc.status


def _set_state_cookie(response: Response, value: str) -> None:
    secure = cross_site_cookie()
    response.set_cookie(
        STATE_COOKIE,
        value,
        max_age=adapter.STATE_MAX_AGE,
        httponly=True,
        secure=secure,
        samesite="None" if secure else "Lax",
        path=url_for("lti.launch").rsplit("/", 1)[0] + "/",
    )


@bp.get("/jwks")
def jwks():
    """The tool's public keys, for platforms checking its signed messages."""
    response = jsonify(tool_key(current_app).jwks)
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response


@bp.get("/config.json")
def config_json():
    """The tool's configuration, for platforms that take one as JSON."""
    return jsonify(tool.configuration())


def _login_params() -> dict[str, str]:
    values = request.values
    return {name: values[name][:2000] for name in LOGIN_PARAMS if values.get(name)}


def _login_platform(params: dict[str, str]) -> LtiPlatform:
    if "iss" not in params or "login_hint" not in params:
        raise LaunchError(400, "bad_login", "The platform's sign-in request is incomplete.")
    query = select(LtiPlatform).where(LtiPlatform.issuer == params["iss"][:255])
    if "client_id" in params:
        query = query.where(LtiPlatform.client_id == params["client_id"][:255])
    platforms = list(db.session.execute(query).scalars())
    if len(platforms) != 1:
        raise LaunchError(
            403 if not platforms else 400,
            "unknown_issuer" if not platforms else "ambiguous_client",
            "This learning platform is not registered with the trainer."
            if not platforms
            else "The platform must say which of its registrations (client_id) signs in.",
            f"iss {params['iss'][:200]!r}",
        )
    return platforms[0]


@bp.route("/login", methods=["GET", "POST"])
def login():
    """OIDC third-party initiated login: bind a state and nonce to this browser, then send
    it to the platform's authorisation endpoint."""
    params = _login_params()
    platform = _login_platform(params)
    begun = adapter.begin_login(
        current_app.config["SECRET_KEY"], request.cookies.get(STATE_COOKIE), platform, params
    )
    query = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": platform.client_id,
        "redirect_uri": url_for("lti.launch", _external=True),
        "login_hint": params["login_hint"],
        "state": begun.state,
        "nonce": begun.nonce,
    }
    if "lti_message_hint" in params:
        query["lti_message_hint"] = params["lti_message_hint"]
    separator = "&" if "?" in platform.auth_login_url else "?"
    response = redirect(platform.auth_login_url + separator + urlencode(query), 302)
    _set_state_cookie(response, begun.cookie)
    return response


def _expected(state: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    """The login this launch answers (kept in the state cookie), the login parameters, and
    the cookie's other launches; a missing cookie shows the new-window fallback."""
    secret = current_app.config["SECRET_KEY"]
    decoded = adapter.read_state(secret, state)
    pending = adapter.read_states(secret, request.cookies.get(STATE_COOKIE))
    if STATE_COOKIE not in request.cookies:
        raise _CookieBlocked(decoded.get("login") or {})
    if decoded["ref"] not in pending:
        raise LaunchError(
            400,
            "wrong_state",
            "This launch does not match a sign-in started in this browser. Open the activity "
            "again from your course.",
        )
    expected = pending.pop(decoded["ref"])
    return expected, decoded.get("login") or {}, adapter.write_states(secret, pending)


class _CookieBlocked(LaunchError):
    def __init__(self, login: dict[str, Any]):
        super().__init__(
            400,
            "no_state_cookie",
            "Your browser did not send back the cookie this launch needs, as browsers do "
            "when they block cookies inside another site's frame.",
        )
        self.login = {k: str(v) for k, v in login.items() if k in LOGIN_PARAMS}


@bp.errorhandler(_CookieBlocked)
def _cookie_blocked(exc: _CookieBlocked):
    """The launch came back without its state cookie: offer the launch in a new window."""
    db.session.rollback()
    log.warning("LTI launch refused (%s): %s", exc.code, exc.message)
    return render_template("lti/new_window.html", error=exc, login=exc.login), exc.status


@bp.post("/launch")
def launch():
    """The platform's form-posted id_token: checked in full, then the learner's board, the
    instructor's analytics, or the deep-linking picker."""
    id_token = request.form.get("id_token", "")
    state = request.form.get("state", "")
    if not id_token or not state:
        raise LaunchError(400, "bad_launch", "The launch is missing its id_token or state.")
    expected, _login, remaining = _expected(state)
    checked = adapter.validate(db.session, _keysets(), id_token, expected)
    instructor = teaches(checked.claim("roles"))
    if checked.message_type == adapter.DEEP_LINKING:
        response = _deep_linking_launch(checked, instructor)
    else:
        response = _resource_launch(checked, instructor)
    _set_state_cookie(response, remaining)
    return response


def _sign_in(identity: LtiIdentity, instructor: bool, extra: dict[str, Any]) -> None:
    """The launched identity takes over this session (nothing from before survives)."""
    if instructor:
        start_session(db.session.get_one(User, identity.user_id))
    else:
        if current_user.is_authenticated:
            logout_user()
        session.clear()
        session.permanent = True
    launched = {"identity": identity.id, **extra}
    if not instructor:
        launched["learner"] = identity.learner_id
    session["lti"] = launched


def _resource_launch(checked: adapter.Launch, instructor: bool) -> Response:
    link = record_link(db.session, checked)
    identity = record_identity(db.session, checked, instructor)
    if not instructor:
        record_learner(db.session, link, identity)
    db.session.commit()
    _sign_in(identity, instructor, {"link": link.id})
    log.info("LTI launch: identity %s link %s instructor %s", identity.id, link.id, instructor)
    if instructor:
        target = url_for("author.analytics", slug=link.scenario_id)
    elif link.mode == "practice":
        provider = _provider(link.scenario_id)
        target = url_for("practice.practice", provider=provider)
    else:
        target = url_for("learn.board", scenario_id=link.scenario_id, variant=link.variant)
    return redirect(target, 303)


def _provider(scenario_id: str) -> str:
    from ..services.content import content

    return content().library.scenarios[scenario_id].provider


def _deep_linking_launch(checked: adapter.Launch, instructor: bool) -> Response:
    if not instructor:
        raise LaunchError(403, "not_instructor", "Only instructors can add scenarios to a course.")
    found = checked.claims.get(adapter.DL_CLAIM + "deep_linking_settings")
    settings: dict[str, Any] = found if isinstance(found, dict) else {}
    return_url = settings.get("deep_link_return_url")
    if not isinstance(return_url, str) or urlsplit(return_url).scheme not in ("http", "https"):
        raise LaunchError(400, "bad_deep_link", "The platform gave no place to return content.")
    identity = record_identity(db.session, checked, True)
    db.session.commit()
    request_kept = {
        "issuer": checked.platform.issuer,
        "client_id": checked.platform.client_id,
        "deployment_id": checked.deployment.deployment_id,
        "return_url": return_url,
        "data": settings.get("data") if isinstance(settings.get("data"), str) else None,
        "multiple": settings.get("accept_multiple", True) is not False,
    }
    _sign_in(identity, True, {"deep_link": request_kept})
    log.info("LTI deep linking: identity %s", identity.id)
    return redirect(url_for("lti.deep_link"), 303)


def course_link(slug: str) -> LtiResourceLink | None:
    """The resource link this instructor launched to reach the scenario, if any."""
    launched = session.get("lti")
    link_id = launched.get("link") if isinstance(launched, dict) else None
    if not isinstance(link_id, int) or not current_user.is_authenticated:
        return None
    link = db.session.get(LtiResourceLink, link_id)
    return link if link is not None and link.scenario_id == slug else None


@bp.post("/links/<int:link_id>/policy")
def score_policy(link_id: int):
    """The instructor chooses which attempt's score goes to the course's gradebook."""
    link = db.session.get(LtiResourceLink, link_id)
    if link is None or course_link(link.scenario_id) is not link:
        abort(403, "Only the instructor who launched this link can change it.")
    form = EmptyForm()
    policy = request.form.get("score_policy")
    if not form.validate_on_submit() or policy not in POLICIES:
        abort(400, "Choose the latest or the best attempt, and send the form again.")
    link.score_policy = policy
    db.session.commit()
    flash(
        "The course's gradebook now gets each learner's "
        + ("latest" if policy == "latest" else "best")
        + " attempt.",
        "success",
    )
    return redirect(url_for("author.analytics", slug=link.scenario_id), 303)
