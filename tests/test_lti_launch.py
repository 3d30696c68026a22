"""LTI 1.3 launches from the test platform: learner and instructor launches, the identity
attempts follow, framing and cookies, and every way a launch is refused."""

from __future__ import annotations

import logging
import time

import pytest
from sqlalchemy import select

from tests.conftest import count_rows
from tests.helpers.lti_platform import (
    CLAIM,
    COURSE_SCENARIO,
    COURSE_VARIANT,
    DL_MESSAGE,
    INSTRUCTOR,
    new_key,
)
from tests.learn_helpers import filled_form
from webapp.extensions import db
from webapp.models import Attempt, LtiIdentity, LtiNonce, LtiResourceLink, User


def _identity(app, sub: str) -> LtiIdentity:
    with app.app_context():
        found = db.session.execute(select(LtiIdentity).where(LtiIdentity.sub == sub))
        return found.scalar_one()


def _session(client) -> dict:
    with client.session_transaction() as sess:
        return dict(sess)


def test_a_learner_launch_opens_the_board_and_the_attempt_is_the_identitys(
    client, app, lti_platform
):
    response = lti_platform.launch(client)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(
        f"/scenarios/{COURSE_SCENARIO}?variant={COURSE_VARIANT}"
    )
    board = client.get(response.headers["Location"])
    assert board.status_code == 200
    graded = client.post(
        f"/scenarios/{COURSE_SCENARIO}", data=filled_form(client, app, variant=COURSE_VARIANT)
    )
    assert graded.status_code == 303
    identity = _identity(app, "sub-learner-1")
    assert identity.learner_id.startswith("lti-")
    assert identity.name == "Learner 1"
    assert identity.user_id is None
    with app.app_context():
        attempt = db.session.execute(select(Attempt)).scalar_one()
        assert attempt.learner_id == identity.learner_id
        assert attempt.user_id is None
        link = db.session.execute(select(LtiResourceLink)).scalar_one()
        assert (link.scenario_id, link.variant, link.mode) == (
            COURSE_SCENARIO,
            COURSE_VARIANT,
            "board",
        )
        assert link.context_title == "Cloud security"
        assert link.lineitem_url.endswith("/lineitems/link-1")
        assert "https://purl.imsglobal.org/spec/lti-ags/scope/score" in link.ags_scopes
        assert link.nrps_url.endswith("/memberships")
        assert link.score_policy == "latest"
    assert "srm_learner" not in {c.key for c in client._cookies.values()}


def test_the_same_person_in_another_browser_is_the_same_learner(app, lti_platform):
    first, second = app.test_client(), app.test_client()
    lti_platform.launch(first)
    client_data = filled_form(first, app, variant=COURSE_VARIANT)
    first.post(f"/scenarios/{COURSE_SCENARIO}", data=client_data)
    lti_platform.launch(second)
    assert _session(first)["lti"]["learner"] == _session(second)["lti"]["learner"]
    attempts = second.get("/attempts").get_data(as_text=True)
    assert "/attempts/" in attempts  # the first browser's attempt is listed in the second
    assert count_rows(app, LtiIdentity) == 1


def test_an_instructor_launch_signs_in_and_lands_on_the_analytics(client, app, lti_platform):
    response = lti_platform.launch(client, hint="teacher-1")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/author/scenarios/{COURSE_SCENARIO}/analytics")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "From your course: Cloud security" in page
    assert "Start a class session for this course" in page
    assert f"/host/?scenario={COURSE_SCENARIO}" in page
    identity = _identity(app, "sub-teacher-1")
    with app.app_context():
        user = db.session.get(User, identity.user_id)
        assert user.role == "instructor"
        assert user.email.endswith("@lti.invalid")
    assert _session(client)["_user_id"].startswith(f"{identity.user_id}:")
    assert client.get("/host/").status_code == 200  # signed in for this launch


def test_the_instructor_chooses_the_score_policy_of_the_link(client, app, lti_platform):
    from tests.helpers.csrf import csrf_token_from

    lti_platform.launch(client, hint="teacher-1")
    path = f"/author/scenarios/{COURSE_SCENARIO}/analytics"
    token = csrf_token_from(client, path)
    with app.app_context():
        link_id = db.session.execute(select(LtiResourceLink.id)).scalar_one()
    response = client.post(
        f"/lti/links/{link_id}/policy", data={"score_policy": "best", "csrf_token": token}
    )
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(LtiResourceLink, link_id).score_policy == "best"
    refused = client.post(
        f"/lti/links/{link_id}/policy", data={"score_policy": "worst", "csrf_token": token}
    )
    assert refused.status_code == 400
    learner = app.test_client()
    lti_platform.launch(learner)
    token = csrf_token_from(learner, f"/scenarios/{COURSE_SCENARIO}")
    assert (
        learner.post(
            f"/lti/links/{link_id}/policy", data={"score_policy": "latest", "csrf_token": token}
        ).status_code
        == 403
    )


def test_a_practice_link_opens_practice_on_the_scenarios_provider(client, lti_platform):
    response = lti_platform.launch(client, custom={"scenario": COURSE_SCENARIO, "mode": "practice"})
    assert response.status_code == 303
    assert "/practice?provider=aws" in response.headers["Location"]


def test_a_rotated_platform_key_is_fetched_again(client, app, lti_platform):
    assert lti_platform.launch(client).status_code == 303
    assert lti_platform.jwks_fetches == 1
    lti_platform.rotate()
    assert lti_platform.launch(app.test_client()).status_code == 303
    assert lti_platform.jwks_fetches == 2
    assert lti_platform.launch(app.test_client()).status_code == 303
    assert lti_platform.jwks_fetches == 2  # cached


def test_launched_pages_may_be_framed_by_the_platform_only(client, lti_platform):
    response = lti_platform.launch(client)
    board = client.get(response.headers["Location"])
    policy = board.headers["Content-Security-Policy"]
    assert f"frame-ancestors {lti_platform.url}" in policy
    assert "X-Frame-Options" not in board.headers
    stranger = client.application.test_client().get("/")
    assert "frame-ancestors 'none'" in stranger.headers["Content-Security-Policy"]
    assert stranger.headers["X-Frame-Options"] == "DENY"


def test_over_https_the_launch_cookies_work_inside_a_cross_site_frame(app, lti_platform):
    client = app.test_client()
    lti_platform.tool_url = "https://localhost"
    login = client.post(
        "/lti/login", data=lti_platform.login_params("learner-1"), base_url="https://localhost"
    )
    state_cookie = login.headers["Set-Cookie"]
    assert "SameSite=None" in state_cookie
    assert "Secure" in state_cookie
    from urllib.parse import parse_qs, urlsplit

    query = {k: v[0] for k, v in parse_qs(urlsplit(login.headers["Location"]).query).items()}
    assert query["redirect_uri"] == "https://localhost/lti/launch"
    token = lti_platform.id_token("learner-1", query["nonce"])
    launched = client.post(
        "/lti/launch",
        data={"id_token": token, "state": query["state"]},
        base_url="https://localhost",
    )
    assert launched.status_code == 303
    session_cookie = next(
        v for v in launched.headers.getlist("Set-Cookie") if v.startswith("session=")
    )
    assert "SameSite=None" in session_cookie
    assert "Secure" in session_cookie


# --- refusals ---------------------------------------------------------------------------


def _expired(now: int) -> dict:
    return {"iat": now - 4000, "exp": now - 3000}


REFUSALS = {
    "bad signature": ({"key": "other"}, 401, "bad_signature"),
    "unknown key id": ({"kid": "nobody"}, 401, "unknown_kid"),
    "unknown issuer": ({"change": {"iss": "https://elsewhere.example"}}, 403, "unknown_issuer"),
    "unknown deployment": (
        {"change": {CLAIM + "deployment_id": "deployment-9"}},
        403,
        "unknown_deployment",
    ),
    "wrong audience": ({"change": {"aud": "another-tool"}}, 401, "wrong_audience"),
    "wrong azp": (
        {"change": {"aud": ["trainer-client-1", "x"], "azp": "x"}},
        401,
        "wrong_azp",
    ),
    "several audiences, no azp": (
        {"change": {"aud": ["trainer-client-1", "x"]}},
        401,
        "wrong_azp",
    ),
    "expired": ({"change": "expired"}, 401, "expired"),
    "issued in the future": ({"change": "future"}, 401, "not_yet_valid"),
    "wrong nonce": ({"change": {"nonce": "made-up"}}, 401, "wrong_nonce"),
    "no nonce": ({"drop": ("nonce",)}, 401, "missing_claim"),
    "wrong message type": (
        {"change": {CLAIM + "message_type": "LtiSubmissionReviewRequest"}},
        400,
        "wrong_message_type",
    ),
    "wrong version": ({"change": {CLAIM + "version": "1.1"}}, 400, "wrong_version"),
    "wrong state": ({"state": "not-a-state"}, 400, "bad_state"),
    "missing state": ({"state": ""}, 400, "bad_launch"),
    "no resource link": ({"drop": (CLAIM + "resource_link",)}, 400, "missing_resource_link"),
    "unknown scenario": ({"custom": {"scenario": "no-such"}}, 404, "unknown_scenario"),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_a_bad_launch_is_refused_with_a_page_and_a_log_line_and_stores_nothing(
    client, app, lti_platform, caplog, case
):
    arguments, status, code = REFUSALS[case]
    arguments = dict(arguments)
    now = int(time.time())
    if arguments.get("change") == "expired":
        arguments["change"] = _expired(now)
    elif arguments.get("change") == "future":
        arguments["change"] = {"iat": now + 3600, "exp": now + 4000}
    if arguments.get("key") == "other":
        arguments["key"] = new_key(kid=lti_platform.signing_key.kid)
    with caplog.at_level(logging.WARNING, logger="webapp.lti"):
        response = lti_platform.launch(client, hint="teacher-1", **arguments)
    assert response.status_code == status
    assert "could not open this activity" in response.get_data(as_text=True)
    assert any(code in record.getMessage() for record in caplog.records)
    session = _session(client)
    assert "_user_id" not in session
    assert "lti" not in session
    for model in (LtiIdentity, LtiNonce, LtiResourceLink, User):
        assert count_rows(app, model) == 0


def test_a_replayed_launch_is_refused(client, app, lti_platform):
    auth = lti_platform.login(client)
    cookie = client.get_cookie("srm_lti_state", path="/lti/")
    token = lti_platform.id_token("learner-1", auth["nonce"])
    assert (
        client.post("/lti/launch", data={"id_token": token, "state": auth["state"]}).status_code
        == 303
    )
    other = app.test_client()  # a copy of the browser's state cookie, and the same id_token
    other.set_cookie("srm_lti_state", cookie.value, path="/lti/")
    replay = other.post("/lti/launch", data={"id_token": token, "state": auth["state"]})
    assert replay.status_code == 401
    assert "used already" in replay.get_data(as_text=True)
    assert "lti" not in _session(other)
    assert count_rows(app, LtiNonce) == 1


def test_a_launch_from_another_browser_is_refused(app, lti_platform):
    victim, attacker = app.test_client(), app.test_client()
    auth = lti_platform.login(victim)
    lti_platform.login(attacker)  # the attacker has a state cookie of their own
    token = lti_platform.id_token("learner-1", auth["nonce"])
    response = attacker.post("/lti/launch", data={"id_token": token, "state": auth["state"]})
    assert response.status_code == 400
    assert "lti" not in _session(attacker)


def test_a_launch_without_its_state_cookie_offers_a_new_window(app, lti_platform):
    framed = app.test_client()
    auth = lti_platform.login(framed)
    framed.delete_cookie("srm_lti_state", path="/lti/")  # the browser blocked it in the frame
    token = lti_platform.id_token("learner-1", auth["nonce"])
    response = framed.post("/lti/launch", data={"id_token": token, "state": auth["state"]})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Open in a new window" in page
    assert 'target="_blank"' in page
    assert 'name="login_hint" value="learner-1"' in page
    assert count_rows(app, LtiIdentity) == 0


def test_a_login_from_an_unknown_platform_is_refused(client, lti_platform):
    params = {**lti_platform.login_params("learner-1"), "iss": "https://elsewhere.example"}
    response = client.post("/lti/login", data=params)
    assert response.status_code == 403
    assert "not registered" in response.get_data(as_text=True)
    assert client.get("/lti/login").status_code == 400


def test_a_learner_cannot_open_deep_linking(client, app, lti_platform):
    response = lti_platform.launch(client, message_type=DL_MESSAGE)
    assert response.status_code == 403
    assert count_rows(app, LtiIdentity) == 0


def test_sub_roles_of_instructor_count_as_teaching():
    from webapp.lti.launches import teaches

    assert teaches([INSTRUCTOR])
    assert teaches(
        ["http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"]
    )
    assert teaches(["http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"])
    assert not teaches(["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"])
    assert not teaches("Instructor")


def test_two_copies_of_a_launch_at_once_let_one_in(app, lti_platform):
    import threading

    auth = lti_platform.login(first := app.test_client())
    cookie = first.get_cookie("srm_lti_state", path="/lti/")
    token = lti_platform.id_token("learner-1", auth["nonce"])
    clients = [first, app.test_client()]
    clients[1].set_cookie("srm_lti_state", cookie.value, path="/lti/")
    start = threading.Barrier(2)
    statuses: list[int] = []

    def send(client):
        start.wait()
        response = client.post("/lti/launch", data={"id_token": token, "state": auth["state"]})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=send, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses) == [303, 401]
    assert count_rows(app, LtiNonce) == 1
    assert count_rows(app, LtiIdentity) == 1


@pytest.mark.parametrize(
    "token",
    ["not-a-jwt", "a.b.c", "eyJhbGciOiJub25lIn0.eyJpc3MiOjF9.", "x" * 20000],
)
def test_a_garbled_id_token_is_a_clear_400(client, app, lti_platform, token):
    auth = lti_platform.login(client)
    response = client.post("/lti/launch", data={"id_token": token, "state": auth["state"]})
    assert response.status_code in (400, 401)
    assert "could not open this activity" in response.get_data(as_text=True)
    assert count_rows(app, LtiNonce) == 0


def test_an_unreachable_key_set_refuses_the_launch_without_a_500(client, app, lti_platform):
    auth = lti_platform.login(client)
    token = lti_platform.id_token("learner-1", auth["nonce"])
    lti_platform.stop()  # the platform's JWKS no longer answers
    response = client.post("/lti/launch", data={"id_token": token, "state": auth["state"]})
    assert response.status_code == 502
    assert "signing keys could not be read" in response.get_data(as_text=True)
    assert "lti" not in _session(client)
    assert count_rows(app, LtiIdentity) == 0


def test_the_launched_instructor_sees_the_courses_learners_in_the_analytics(app, lti_platform):
    learner = app.test_client()
    lti_platform.launch(learner)
    learner.post(
        f"/scenarios/{COURSE_SCENARIO}", data=filled_form(learner, app, variant=COURSE_VARIANT)
    )
    stranger = app.test_client()  # a learner of the catalogue, not of the course
    stranger.post(f"/scenarios/{COURSE_SCENARIO}", data=filled_form(stranger, app))
    teacher = app.test_client()
    lti_platform.launch(teacher, hint="teacher-1")
    page = teacher.get(f"/author/scenarios/{COURSE_SCENARIO}/analytics").get_data(as_text=True)
    assert "your course's learners" in page
    assert "<dt>Attempts</dt><dd>1</dd>" in page
