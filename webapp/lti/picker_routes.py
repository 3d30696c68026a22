"""The deep-linking picker: the scenarios an instructor adds to a course, answered to the
platform as a signed deep-linking response."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import abort, current_app, render_template, request, session, url_for
from flask_login import current_user

from ..auth.forms import EmptyForm
from ..headers import relax_csp_now
from . import bp, deep_linking
from .keys import tool_key


def _deep_link_request() -> dict[str, Any]:
    launched = session.get("lti")
    kept = launched.get("deep_link") if isinstance(launched, dict) else None
    if not isinstance(kept, dict) or not current_user.is_authenticated:
        abort(403, 'Open this page from your course\'s "add content" in the platform.')
    return kept


@bp.route("/deep-link", methods=["GET", "POST"])
def deep_link():
    """Pick scenarios (variant and mode each) to add to the course; posting sends them back
    to the platform as a signed deep-linking response."""
    kept = _deep_link_request()
    form = EmptyForm()
    errors: dict[str, str] = {}
    if request.method == "POST":
        if not form.validate_on_submit():
            errors["form"] = "This form expired. Choose again and send it."
        else:
            choices, errors = deep_linking.read_choices(request.form)
            if len(choices) > 1 and not kept["multiple"]:
                errors["scenario"] = "The platform takes one scenario here: choose one."
            if not errors:
                return _deep_link_response(kept, choices)
    return render_template(
        "lti/deep_link.html",
        form=form,
        offer=deep_linking.offer(),
        modes=deep_linking.MODE_TITLES,
        errors=errors,
        chosen=request.form,
        multiple=kept["multiple"],
    ), (400 if errors else 200)


def _deep_link_response(kept: dict[str, Any], choices: list[deep_linking.Choice]):
    token = deep_linking.response_jwt(
        tool_key(current_app), kept, choices, url_for("lti.launch", _external=True)
    )
    launched = dict(session["lti"])
    launched.pop("deep_link", None)  # one response per request from the platform
    session["lti"] = launched
    parts = urlsplit(kept["return_url"])
    relax_csp_now(form_action=f"'self' {parts.scheme}://{parts.netloc}")
    return render_template(
        "lti/deep_link_return.html", return_url=kept["return_url"], jwt=token, choices=choices
    )
