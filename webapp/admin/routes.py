"""Account management for admins: invitations, reset links, disabling."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from ..auth.access import admin_required
from ..auth.forms import EmptyForm
from ..edge import fields_checked_by_form
from ..extensions import db
from ..models import User
from ..services import accounts
from . import bp
from .forms import InviteForm


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404, "No such account.")
    return user


def _require_csrf() -> None:
    if not EmptyForm().validate_on_submit():
        abort(400, "The form expired. Reload the page and try again.")


@bp.get("/")
@admin_required
def index():
    """Every account, with invite, disable and enable controls."""
    return render_template(
        "admin/users.html",
        users=accounts.list_users(db.session),
        form=InviteForm(),
        action_form=EmptyForm(),
        is_pending=accounts.is_pending,
    )


@bp.post("/users")
@fields_checked_by_form
@admin_required
def invite():
    """Create an invited account and show its one-time link."""
    form = InviteForm()
    if form.validate_on_submit():
        try:
            user = accounts.create_user(db.session, form.email.data, form.role.data, None)
        except accounts.AccountError as exc:
            getattr(form, exc.field or "email").errors.append(str(exc))
        else:
            return _show_link(user, "invite")
    return render_template(
        "admin/users.html",
        users=accounts.list_users(db.session),
        form=form,
        action_form=EmptyForm(),
        is_pending=accounts.is_pending,
    ), 400


@bp.post("/users/<int:user_id>/link")
@admin_required
def new_link(user_id: int):
    """A fresh invitation link for an account that has not chosen its password yet."""
    _require_csrf()
    user = _user_or_404(user_id)
    if not accounts.is_pending(user):
        abort(409, "This account already has a password.")
    return _show_link(user, "invite")


@bp.post("/users/<int:user_id>/reset")
@admin_required
def reset_link(user_id: int):
    """A one-time link that sets a new password on an account (it ends the other sessions)."""
    _require_csrf()
    user = _user_or_404(user_id)
    if accounts.is_pending(user):
        return _show_link(user, "invite")  # no password yet: the invitation does the same
    return _show_link(user, "reset")


def _show_link(user: User, purpose: str):
    """Issue a one-time link of this purpose and show it once."""
    if purpose == "reset":
        token = accounts.issue_reset(db.session, user)
        link = url_for("auth.reset", token=token, _external=True)
    else:
        token = accounts.issue_invitation(db.session, user)
        link = url_for("auth.invitation", token=token, _external=True)
    db.session.commit()
    return render_template("admin/invited.html", user=user, link=link, purpose=purpose), 201


@bp.post("/users/<int:user_id>/disable")
@admin_required
def disable(user_id: int):
    """Switch an account off: it is signed out and cannot sign in."""
    _require_csrf()
    user = _user_or_404(user_id)
    if user.id == current_user.id:
        flash("You cannot disable your own account.", "error")
        return redirect(url_for("admin.index"))
    user.active = False
    db.session.commit()
    flash(f"{user.email} is disabled.", "success")
    return redirect(url_for("admin.index"))


@bp.post("/users/<int:user_id>/enable")
@admin_required
def enable(user_id: int):
    """Switch an account back on."""
    _require_csrf()
    user = _user_or_404(user_id)
    user.active = True
    db.session.commit()
    flash(f"{user.email} can sign in again.", "success")
    return redirect(url_for("admin.index"))
