"""Security headers of every response, decided here and nowhere else.

* Content-Security-Policy on every HTML page: scripts, styles, images and forms from this
  site only, nothing may frame it. A page's import map (an inline script element that holds
  data, not code) carries the per-response nonce from `csp_nonce()`; nothing else inline
  runs. One view can relax a directive with `@relax_csp(...)`, one response with
  `relax_csp_now(...)` (framing by the LMSs registered at the time).
* Cache-Control: no-store on anything served to a signed-in user, and on learners' pages
  that read or set their private cookies, unless the view chose its own caching.
* Strict-Transport-Security when the request came over HTTPS (request.is_secure, which
  honours X-Forwarded-Proto only with SRM_PROXIES set).

Flask-Talisman does much of this, but trusts a client's X-Forwarded-Proto without a proxy
in front, and puts a policy and a nonce on JSON answers too, which the state polls answered
outside Flask (webapp.classroom.poll) could not match.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from flask import Flask, Response, current_app, g, request, session

CSP: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
# cookies that tie a response to one learner (the anonymous learner, a class participant)
PRIVATE_COOKIE_PREFIXES = ("srm_learner", "srm_class_")


def relax_csp(**directives: str) -> Callable:
    """Decorate a view to change some directives of its policy, e.g.
    `@relax_csp(frame_ancestors="https://lms.example.org")`; the X-Frame-Options header is
    dropped when framing is allowed."""
    changes = {name.replace("_", "-"): value for name, value in directives.items()}
    unknown = set(changes) - set(CSP)
    if unknown:
        raise ValueError(f"unknown CSP directive(s): {', '.join(sorted(unknown))}")

    def decorate(view: Callable) -> Callable:
        # a Callable declares no such attribute: it is set on the view function object
        setattr(view, "csp_changes", {**getattr(view, "csp_changes", {}), **changes})  # noqa: B010
        return view

    return decorate


def relax_csp_now(**directives: str) -> None:
    """Change some directives of this response's policy only (e.g. frame-ancestors naming
    the learning platforms registered now, which no decorator can know)."""
    changes = {name.replace("_", "-"): value for name, value in directives.items()}
    unknown = set(changes) - set(CSP)
    if unknown:
        raise ValueError(f"unknown CSP directive(s): {', '.join(sorted(unknown))}")
    g.csp_changes = {**g.get("csp_changes", {}), **changes}


def csp_nonce() -> str:
    """The nonce of this response's policy (made on first use, once per request)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def policy(changes: dict[str, str] | None = None, nonce: str | None = None) -> str:
    """The Content-Security-Policy header value."""
    directives = {**CSP, **(changes or {})}
    if nonce:
        directives["script-src"] += f" 'nonce-{nonce}'"
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def _view_changes() -> dict[str, str]:
    view = current_app.view_functions.get(request.endpoint or "")
    changes = getattr(view, "csp_changes", {}) if view else {}
    return {**changes, **g.get("csp_changes", {})}


def signed_in() -> bool:
    """Whether a signed-in account is looking (no session or remember cookie: no)."""
    from flask_login import current_user

    config = current_app.config
    login_cookies = (
        config["SESSION_COOKIE_NAME"],
        config.get("REMEMBER_COOKIE_NAME", "remember_token"),
    )
    if "_login_user" not in g and not any(name in request.cookies for name in login_cookies):
        return False  # no session and no remember cookie: nobody signed in (saves the load)
    loaded = "_login_user" in g
    if not loaded and "_user_id" not in session and login_cookies[1] not in request.cookies:
        return False  # a session (a CSRF secret, say) that names no account
    return bool(getattr(current_user, "is_authenticated", False))


def _private(response: Response) -> bool:
    if "Set-Cookie" in response.headers:
        return True
    return any(name.startswith(PRIVATE_COOKIE_PREFIXES) for name in request.cookies)


def apply(response: Response) -> Response:
    """Add this response's security headers (an after_request hook)."""
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    changes = _view_changes()
    if "frame-ancestors" not in changes:
        headers.setdefault("X-Frame-Options", "DENY")
    if response.mimetype == "text/html":
        headers["Content-Security-Policy"] = policy(changes, g.get("csp_nonce"))
    if request.endpoint != "static":
        if signed_in():
            response.cache_control.no_cache = None
            response.cache_control.public = False
            response.cache_control.no_store = True
        elif "Cache-Control" not in headers and _private(response):
            response.cache_control.no_store = True
    max_age = int(current_app.config.get("SRM_HSTS_MAX_AGE") or 0)
    if request.is_secure and max_age > 0:
        headers["Strict-Transport-Security"] = f"max-age={max_age}"
    return response


def init_app(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.after_request(apply)
