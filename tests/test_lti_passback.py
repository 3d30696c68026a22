"""A whole LTI course, end to end: a platform launches a learner, the learner's graded
attempt reaches the platform's gradebook through the outbox, and an instructor launched
from the course brings its roster into a class session, where a launched learner takes
their seat under their course name."""

from __future__ import annotations

import re

import pytest
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select

from tests.conftest import count_rows
from tests.helpers.lti_platform import AGS_CLAIM, COURSE_SCENARIO, COURSE_VARIANT, NRPS_CLAIM
from tests.helpers.lti_platform import TestPlatform as CoursePlatform
from tests.helpers.lti_platform_services import CLIENT_ID, PlatformServices, ToolKey
from tests.learn_helpers import filled_form
from webapp.extensions import db
from webapp.lti.keys import tool_key
from webapp.lti.passback import grade_target
from webapp.lti_services import client_resolver
from webapp.lti_services.client import new_http
from webapp.lti_services.delivery import deliver_due
from webapp.lti_services.tokens import TokenCache
from webapp.models import ClassSession, Participant, RosterEntry, ScoreOutbox

SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"


@pytest.fixture
def course(app):
    """One platform: launches (JWKS, auth) on one loopback server, its token, grade and
    roster services on another, registered with the app as an admin would."""
    key = tool_key(app)
    public = (
        serialization.load_pem_private_key(key.private_pem, password=None)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    services = PlatformServices(ToolKey(key.kid, key.private_pem.decode(), public)).start()
    services.members = [
        {"user_id": "sub-learner-1", "name": "Learner One", "roles": ["Learner"]},
        {"user_id": "sub-learner-2", "name": "Grace Hopper", "roles": ["Learner"]},
        {"user_id": "sub-teacher-1", "name": "Teacher One", "roles": ["Instructor"]},
    ]
    platform = CoursePlatform(client_id=CLIENT_ID).serve()
    app.config["SRM_LTI_JWKS_REFETCH_AFTER"] = 0
    from webapp.lti.registry import Registration, add_platform

    with app.app_context():
        add_platform(
            db.session,
            Registration(**{**platform.registration(), "auth_token_url": services.token_url}),
        )
        db.session.commit()
    lineitem = services.add_lineitem(label="Sort the tasks", resource_link_id="link-1")
    claims = {
        AGS_CLAIM: {
            "scope": [LINEITEM_SCOPE, SCORE_SCOPE],
            "lineitems": services.lineitems_url,
            "lineitem": lineitem,
        },
        NRPS_CLAIM: {
            "context_memberships_url": services.memberships_url,
            "service_versions": ["2.0"],
        },
    }
    yield platform, services, lineitem, claims
    platform.stop()
    services.stop()


def _send(app) -> None:
    with app.app_context():
        resolve = client_resolver(app)
        assert resolve is not None  # the LTI registration told the sender how
        deliver_due(db.session, resolve, new_http(), tokens=TokenCache())


def test_a_launched_learners_attempt_reaches_the_gradebook_once(app, client, course):
    platform, services, lineitem, claims = course
    launched = platform.launch(client, "learner-1", change=claims)
    assert launched.status_code == 303
    answered = client.post(
        f"/scenarios/{COURSE_SCENARIO}",
        data=filled_form(client, app, COURSE_SCENARIO, COURSE_VARIANT, wrong=4),
    )
    assert answered.status_code == 303
    assert count_rows(app, ScoreOutbox) == 1
    _send(app)
    score = services.gradebook[(lineitem, "sub-learner-1")]
    assert score["scoreMaximum"] == 100
    assert 0 < score["scoreGiven"] < 100  # four of the cards were placed wrongly
    assert (score["activityProgress"], score["gradingProgress"]) == ("Completed", "FullyGraded")
    _send(app)  # a second run finds nothing left to send
    assert len(services.received.scores) == 1


def test_anonymous_learners_and_other_scenarios_send_nothing(app, client, course):
    platform, _, _, claims = course
    stranger = app.test_client()
    stranger.post(f"/scenarios/{COURSE_SCENARIO}", data=filled_form(stranger, app))
    assert count_rows(app, ScoreOutbox) == 0
    platform.launch(client, "learner-1", change=claims)
    with app.app_context():
        from webapp.models import LtiIdentity

        learner = db.session.execute(select(LtiIdentity.learner_id)).scalar_one()
        assert grade_target(learner, COURSE_SCENARIO) is not None
        assert grade_target(learner, "ec2-web-server") is None  # not launched for that one
        assert grade_target("a-browser-learner", COURSE_SCENARIO) is None


def test_the_best_attempt_policy_sends_only_improvements(app, client, course):
    platform, services, lineitem, claims = course
    teacher = app.test_client()
    platform.launch(teacher, "teacher-1", change=claims)
    page = teacher.get(f"/author/scenarios/{COURSE_SCENARIO}/analytics").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    link = re.search(r'action="(/lti/links/\d+/policy)"', page)
    assert token
    assert link
    saved = teacher.post(link.group(1), data={"csrf_token": token.group(1), "score_policy": "best"})
    assert saved.status_code == 303
    platform.launch(client, "learner-1", change=claims)
    for wrong in (2, 6):  # a good attempt, then a worse one
        client.post(
            f"/scenarios/{COURSE_SCENARIO}",
            data=filled_form(client, app, COURSE_SCENARIO, COURSE_VARIANT, wrong=wrong),
        )
    _send(app)
    assert len(services.received.scores) == 1
    assert services.gradebook[(lineitem, "sub-learner-1")]["scoreGiven"] > 50


def _host_page(teacher, code: str) -> str:
    return teacher.get(f"/host/{code}").get_data(as_text=True)


def test_an_instructor_brings_the_course_roster_into_a_class(app, client, course):
    platform, services, _, claims = course
    teacher = app.test_client()
    platform.launch(teacher, "teacher-1", change=claims)
    token = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"',
        teacher.get("/host/").get_data(as_text=True),
    )
    assert token
    created = teacher.post(
        "/api/v1/sessions",
        json={"scenarios": [COURSE_SCENARIO]},
        headers={"X-CSRFToken": token.group(1)},
    )
    assert created.status_code == 201, created.get_json()
    code = created.get_json()["code"]
    page = _host_page(teacher, code)
    form = re.search(r'action="(/lti/links/\d+/roster/[^"]+)"', page)
    assert form, "the host console offers the course roster"
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert csrf
    refused = teacher.post(form.group(1), data={})  # no CSRF token: nothing imported
    assert refused.status_code == 400
    assert count_rows(app, RosterEntry) == 0
    imported = teacher.post(form.group(1), data={"csrf_token": csrf.group(1)})
    assert imported.status_code == 303
    page = _host_page(teacher, code)
    assert "Grace Hopper" in page  # on the roster, not in the room yet
    # a launched learner joins by the code alone and sits under their course name
    platform.launch(client, "learner-1", change=claims)
    joined = client.post("/join", data={"code": code, "nickname": "", **_join_token(client, code)})
    assert joined.status_code in (302, 303), joined.get_data(as_text=True)[:400]
    with app.app_context():
        cs = db.session.execute(select(ClassSession).where(ClassSession.code == code)).scalar_one()
        seated = db.session.execute(
            select(Participant).where(Participant.session_id == cs.id)
        ).scalar_one()
        assert seated.lms_user_id == "sub-learner-1"
        assert seated.nickname == "Learner One"


def _join_token(client, code: str) -> dict[str, str]:
    page = client.get(f"/join?code={code}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token
    return {"csrf_token": token.group(1)}


def test_someone_elses_class_or_a_stranger_cannot_import_a_roster(app, course):
    platform, _, _, claims = course
    stranger = app.test_client()
    response = stranger.post("/lti/links/1/roster/ABCDEF", data=_join_token(stranger, "ABCDEF"))
    assert response.status_code in (302, 303)  # to the sign-in page
    assert "/login" in response.headers["Location"]
    teacher = app.test_client()
    platform.launch(teacher, "teacher-1", change=claims)
    token = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"',
        teacher.get("/host/").get_data(as_text=True),
    )
    assert token
    missing = teacher.post("/lti/links/1/roster/ZZZZZZ", data={"csrf_token": token.group(1)})
    assert missing.status_code == 404
    assert count_rows(app, RosterEntry) == 0
