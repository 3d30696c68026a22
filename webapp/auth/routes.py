"""Sign in and out, first-run admin setup, and invitation links."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user

from ..edge import fields_checked_by_form, redirect_target
from ..extensions import db, limiter
from ..services import accounts
from . import bp
from .forms import EmptyForm, InvitationForm, LoginForm, SetupForm

TOO_MANY = "Too many sign-in attempts. Wait a minute, then try again."


def _account_key() -> str:
    return "login-account:" + accounts.normalise_email(request.form.get("email", ""))


def _account_limit() -> str:
    return current_app.config.get("SRM_LOGIN_LIMIT_ACCOUNT", "5 per minute;30 per hour")


def _address_limit() -> str:
    return current_app.config.get("SRM_LOGIN_LIMIT_ADDRESS", "20 per minute;200 per hour")


def _failed(response) -> bool:
    """Only failed sign-ins count against the limits (a success redirects)."""
    return response.status_code != 302


def _safe_next(target: str | None) -> str:
    """A local path to go to after signing in; anything else goes to the author's page."""
    return redirect_target(target, url_for("author.index"))


@bp.route("/login", methods=["GET", "POST"])
@fields_checked_by_form
@limiter.limit(_account_limit, key_func=_account_key, methods=["POST"], deduct_when=_failed,
               error_message=TOO_MANY)
@limiter.limit(_address_limit, key_func=get_remote_address, methods=["POST"],
               deduct_when=_failed, error_message=TOO_MANY)
def login():
    """Sign in with email and password."""
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        user = accounts.authenticate(db.session, form.email.data, form.password.data)
        if user is not None:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors.append("That email and password do not match an active account.")
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout():
    """Sign out (a form post with a CSRF token, so no other site can sign you out)."""
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400, "The form expired. Reload the page and try again.")
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/setup/<token>", methods=["GET", "POST"])
@fields_checked_by_form
@limiter.limit(_address_limit, key_func=get_remote_address, methods=["POST"],
               deduct_when=_failed, error_message=TOO_MANY)
def setup(token: str):
    """First run: whoever holds the printed link creates the admin account, once."""
    row = accounts.find_token(db.session, token, "setup")
    if row is None:
        abort(404, "This setup link was already used or is no longer valid.")
    form = SetupForm()
    if form.validate_on_submit():
        try:
            user = accounts.complete_setup(db.session, row, form.email.data, form.password.data)
        except accounts.AccountError as exc:
            getattr(form, exc.field or "email").errors.append(str(exc))
        else:
            db.session.commit()
            login_user(user)
            flash("Your admin account is ready. You can invite instructors from Admin.",
                  "success")
            return redirect(url_for("admin.index"))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/setup.html", form=form), status


@bp.route("/invite/<token>", methods=["GET", "POST"])
@fields_checked_by_form
@limiter.limit(_address_limit, key_func=get_remote_address, methods=["POST"],
               deduct_when=_failed, error_message=TOO_MANY)
def invitation(token: str):
    """An invited instructor chooses a password, once."""
    row = accounts.find_token(db.session, token, "invite")
    if row is None:
        abort(404, "This invitation was already used or has expired. Ask an admin for a new one.")
    from ..models import User

    user = db.session.get(User, row.user_id)
    form = InvitationForm()
    if form.validate_on_submit():
        accounts.accept_invitation(db.session, row, form.password.data)
        db.session.commit()
        if user.active:
            login_user(user)
            flash("Welcome! Your account is ready.", "success")
            return redirect(url_for("author.index"))
        flash("Your password is set, but an admin has disabled the account.", "info")
        return redirect(url_for("auth.login"))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/invite.html", form=form, email=user.email), status
