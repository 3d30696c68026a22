"""Sign in and out, first-run admin setup, invitation and password-reset links."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user

from ..edge import fields_checked_by_form, redirect_target
from ..extensions import db, limiter
from ..models import User
from ..services import accounts
from . import bp, throttle
from .forms import InvitationForm, LoginForm, ResetForm, SetupForm
from .sessions import end_sessions, start_session

WAIT = {
    "account": "Too many wrong passwords for this account. Try again in {seconds} seconds.",
    "address": "Too many failed sign-ins from your network. Try again in {seconds} seconds.",
}
LINK_USED = "This link was already used or is no longer valid."


def _safe_next(target: str | None) -> str:
    """A local path to go to after signing in; anything else goes to the author's page."""
    return redirect_target(target, url_for("author.index"))


def _link_limit() -> str:
    return "30 per minute"


@bp.route("/login", methods=["GET", "POST"])
@fields_checked_by_form
def login():
    """Sign in with email and password."""
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    status, headers = 200, {}
    if form.validate_on_submit():
        address = get_remote_address()
        seconds, brake = throttle.wait_for(address, form.email.data)
        if seconds and brake is not None:  # a wait always names its brake
            form.password.errors.append(WAIT[brake].format(seconds=seconds))
            status, headers = 429, {"Retry-After": str(seconds)}
        else:
            user = accounts.authenticate(db.session, form.email.data, form.password.data)
            # end the read before the counters write their own (SQLite has one writer)
            db.session.rollback()
            if user is not None:
                throttle.succeeded(form.email.data)
                start_session(user)
                return redirect(_safe_next(request.args.get("next")))
            throttle.failed(address, form.email.data)
            form.password.errors.append("That email and password do not match an active account.")
            status = 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status, headers


@bp.post("/logout")
def logout():
    """Sign out: this session and every copy of its cookie end on the server."""
    if current_user.is_authenticated:
        end_sessions(current_user._get_current_object())
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


def _live_link(token: str, purpose: str):
    row = accounts.find_token(db.session, token, purpose)
    if row is None:
        abort(404, LINK_USED)
    return row


@bp.route("/setup/<token>", methods=["GET", "POST"])
@fields_checked_by_form
@limiter.limit(_link_limit, key_func=get_remote_address, methods=["POST"])
def setup(token: str):
    """First run: whoever holds the printed link creates the admin account, once."""
    row = _live_link(token, "setup")
    form = SetupForm()
    if form.validate_on_submit():
        try:
            user = accounts.complete_setup(db.session, row, form.email.data, form.password.data)
        except accounts.AccountError as exc:
            db.session.rollback()
            getattr(form, exc.field or "email").errors.append(str(exc))
        except accounts.LinkUsed:
            db.session.rollback()
            abort(404, LINK_USED)
        else:
            db.session.commit()
            start_session(user)
            flash("Your admin account is ready. You can invite instructors from Admin.", "success")
            return redirect(url_for("admin.index"))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/setup.html", form=form), status


def _password_link_page(token: str, purpose: str, form_class, template: str, welcome: str):
    """An invitation or reset link: choose a password, once; other sessions end."""
    row = _live_link(token, purpose)
    user = db.session.get(User, row.user_id)
    if user is None:  # password links are made for an account, and go with it
        abort(404, LINK_USED)
    form = form_class()
    if form.validate_on_submit():
        try:
            accounts.use_password_link(db.session, row, form.password.data)
        except accounts.LinkUsed:
            db.session.rollback()
            abort(404, LINK_USED)
        db.session.commit()
        if user.active:
            start_session(user)
            flash(welcome, "success")
            return redirect(url_for("author.index"))
        flash("Your password is set, but an admin has disabled the account.", "info")
        return redirect(url_for("auth.login"))
    status = 400 if request.method == "POST" else 200
    return render_template(template, form=form, email=user.email), status


@bp.route("/invite/<token>", methods=["GET", "POST"])
@fields_checked_by_form
@limiter.limit(_link_limit, key_func=get_remote_address, methods=["POST"])
def invitation(token: str):
    """An invited instructor chooses a password, once."""
    return _password_link_page(
        token, "invite", InvitationForm, "auth/invite.html", "Welcome! Your account is ready."
    )


@bp.route("/reset/<token>", methods=["GET", "POST"])
@fields_checked_by_form
@limiter.limit(_link_limit, key_func=get_remote_address, methods=["POST"])
def reset(token: str):
    """A reset link from an admin: choose a new password, once."""
    return _password_link_page(
        token,
        "reset",
        ResetForm,
        "auth/reset.html",
        "Your new password is set. Other sessions of your account are signed out.",
    )
