"""Learning platforms (LTI 1.3) for admins: the tool's configuration to hand to a platform,
and the platforms registered, to add and remove."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for

from ..auth.access import admin_required
from ..auth.forms import EmptyForm
from ..edge import fields_checked_by_form
from ..extensions import db
from ..lti import tool
from ..lti.keys import tool_key
from ..lti.registry import Registration, RegistrationError, add_platform, list_platforms
from ..lti.registry import remove_platform as remove
from . import bp
from .forms import PlatformForm


def _page(form: PlatformForm, status: int = 200):
    import json

    return render_template(
        "admin/lti.html",
        form=form,
        action_form=EmptyForm(),
        platforms=list_platforms(db.session),
        urls=tool.urls(),
        kid=tool_key(current_app).kid,
        configuration=json.dumps(tool.configuration(), indent=2),
    ), status


@bp.get("/lti")
@admin_required
def lti_platforms():
    """The tool's URLs and JSON configuration, and the registered platforms."""
    return _page(PlatformForm())


@bp.post("/lti")
@fields_checked_by_form
@admin_required
def lti_add_platform():
    """Register a platform (or another deployment of one)."""
    form = PlatformForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    reg = Registration(
        form.issuer.data,
        form.client_id.data,
        form.deployment_id.data,
        form.auth_login_url.data,
        form.auth_token_url.data,
        form.keyset_url.data,
        form.frame_origins.data or "",
    )
    try:
        platform, new = add_platform(db.session, reg)
    except RegistrationError as exc:
        db.session.rollback()
        getattr(form, exc.field).errors.append(str(exc))
        return _page(form, 400)
    db.session.commit()
    flash(f"{'Registered' if new else 'Updated'} {platform.issuer}.", "success")
    return redirect(url_for("admin.lti_platforms"), 303)


@bp.post("/lti/<int:platform_id>/remove")
@admin_required
def lti_remove_platform(platform_id: int):
    """Remove a platform: its launches stop working at once."""
    if not EmptyForm().validate_on_submit():
        abort(400, "The form expired. Reload the page and try again.")
    platform = remove(db.session, platform_id)
    if platform is None:
        abort(404, "No such platform.")
    db.session.commit()
    flash(f"Removed {platform.issuer}.", "success")
    return redirect(url_for("admin.lti_platforms"), 303)
