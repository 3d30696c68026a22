"""What joins a launch to the platform's services: which platform a score goes to, which
line item a launched learner's attempt counts toward, and the course roster of a class.

The launch side (this package) keeps the registrations and resource links; the service calls
(webapp.lti_services) take a PlatformClient and a GradeTarget and know nothing of these
tables. This module builds those from the tables.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from flask import Flask, abort, current_app, flash, redirect, session, url_for
from flask_login import current_user
from sqlalchemy import select

from ..auth.access import instructor_required
from ..auth.forms import EmptyForm
from ..classroom.access import hosted_session
from ..extensions import db
from ..lti_services import set_client_resolver
from ..lti_services.ags import Policy
from ..lti_services.client import PlatformClient, ServiceError, new_http
from ..lti_services.grades import GradeTarget, connect_grades
from ..lti_services.nrps import members
from ..lti_services.tokens import TokenCache
from ..models import ClassSession, LtiIdentity, LtiLinkLearner, LtiPlatform, LtiResourceLink
from ..services.classroom import roster
from ..services.classroom.errors import ClassError
from . import bp
from .keys import tool_key

log = logging.getLogger(__name__)

LEARNER_PREFIX = "lti-"  # launched learners' ids (see launches.record_identity)
_tokens = TokenCache()  # roster calls; the score sender keeps its own
_connected = threading.Lock()
_receiver: Any = None


def client_for(app: Flask, issuer: str) -> PlatformClient | None:
    """The registered platform of this issuer as the service calls see it."""
    platform = (
        db.session.execute(
            select(LtiPlatform).where(LtiPlatform.issuer == issuer).order_by(LtiPlatform.id)
        )
        .scalars()
        .first()
    )
    if platform is None:
        return None
    key = tool_key(app)
    return PlatformClient(
        issuer=platform.issuer,
        client_id=platform.client_id,
        token_url=platform.auth_token_url,
        tool_kid=key.kid,
        tool_private_pem=key.private_pem.decode(),
    )


def grade_target(learner_id: str, scenario_id: str) -> GradeTarget | None:
    """Where a launched learner's score for this scenario goes: the line item of the
    resource link they last opened it through. Learners who did not come from a platform
    cost no query."""
    if not learner_id.startswith(LEARNER_PREFIX):
        return None
    row = db.session.execute(
        select(LtiResourceLink, LtiIdentity.sub, LtiPlatform.issuer)
        .join(LtiLinkLearner, LtiLinkLearner.link_id == LtiResourceLink.id)
        .join(LtiIdentity, LtiIdentity.id == LtiLinkLearner.identity_id)
        .join(LtiPlatform, LtiPlatform.id == LtiResourceLink.platform_id)
        .where(
            LtiIdentity.learner_id == learner_id,
            LtiResourceLink.scenario_id == scenario_id,
            LtiResourceLink.mode == "board",
        )
        .order_by(LtiLinkLearner.last_launch_at.desc(), LtiLinkLearner.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    link, sub, issuer = row
    return GradeTarget(
        issuer=issuer,
        lineitem_url=link.lineitem_url,
        user_sub=sub,
        policy=Policy(link.score_policy)
        if link.score_policy in ("latest", "best")
        else Policy.LATEST,
        lineitems_url=link.lineitems_url,
        resource_link_id=link.resource_link_id,
        label=link.context_title,
    )


def init_app(app: Flask) -> None:
    """Scores of launched learners go to their platform; the sender finds platforms here."""
    global _receiver
    set_client_resolver(app, lambda issuer: client_for(app, issuer))
    with _connected:  # blinker keeps receivers for every app: connect once per process
        if _receiver is None:
            _receiver = connect_grades(grade_target)

    @app.context_processor
    def _roster_link() -> dict:
        return {"lti_roster_link": roster_link}


# --- the course roster in a class session -------------------------------------------------


def roster_link() -> LtiResourceLink | None:
    """The resource link this instructor launched, when its course offers a roster."""
    launched = session.get("lti")
    link_id = launched.get("link") if isinstance(launched, dict) else None
    if not isinstance(link_id, int) or not current_user.is_authenticated:
        return None
    link = db.session.get(LtiResourceLink, link_id)
    return link if link is not None and link.nrps_url else None


@bp.post("/links/<int:link_id>/roster/<code>")
@instructor_required
def import_course_roster(link_id: int, code: str):
    """Bring the launched course's members into one of this instructor's class sessions."""
    cs = hosted_session(code)  # 404 unknown, 403 someone else's
    link = roster_link()
    if link is None or link.id != link_id:
        abort(403, "Open this tool from your course to bring its roster in.")
    if not EmptyForm().validate_on_submit():
        return _back(cs, "The form had expired: send it again.")
    platform = db.session.get_one(LtiPlatform, link.platform_id)
    client = client_for(current_app._get_current_object(), platform.issuer)  # type: ignore[attr-defined]
    if client is None or link.nrps_url is None:
        abort(409, "This course's platform is no longer registered.")
    try:
        found = members(client, _tokens, new_http(), link.nrps_url)
        result = roster.import_roster(db.session, cs, found, issuer=platform.issuer)
    except ServiceError as exc:
        db.session.rollback()
        log.warning("LTI roster of link %s not read: %s", link.id, exc)
        return _back(cs, "The course's platform did not give its roster. Try again later.")
    except ClassError as exc:
        db.session.rollback()
        return _back(cs, exc.message[:1].upper() + exc.message[1:] + ".")
    db.session.commit()
    log.info("LTI roster of link %s into session %s: %s", link.id, cs.id, result)
    plural = "s" if result.learners != 1 else ""
    flash(f"The course roster is in: {result.learners} learner{plural}.", "success")
    return redirect(url_for("classroom.host_session", code=cs.code), 303)


def _back(cs: ClassSession, message: str):
    flash(message, "error")
    return redirect(url_for("classroom.host_session", code=cs.code), 303)


def launched_seat_identity() -> tuple[str, str, str | None] | None:
    """(issuer, subject, name) of the learner a platform launched in this session, for a
    class seat of their own (webapp.services.classroom.roster.seat_lms_learner)."""
    launched = session.get("lti")
    identity_id = launched.get("identity") if isinstance(launched, dict) else None
    if (
        not isinstance(identity_id, int)
        or not isinstance(launched, dict)
        or "learner" not in launched
    ):
        return None
    row = db.session.execute(
        select(LtiPlatform.issuer, LtiIdentity.sub, LtiIdentity.name)
        .join(LtiPlatform, LtiPlatform.id == LtiIdentity.platform_id)
        .where(LtiIdentity.id == identity_id)
    ).first()
    return (row[0], row[1], row[2]) if row is not None else None
