"""Deep Linking 2.0: an instructor picks scenarios, the tool answers with a signed
LtiDeepLinkingResponse that the platform can verify with the tool's JWKS."""

from __future__ import annotations

import re
from html import unescape

import jwt

from tests.helpers.csrf import csrf_token_from
from tests.helpers.lti_platform import (
    CLAIM,
    CLIENT_ID,
    COURSE_SCENARIO,
    DEPLOYMENT_ID,
    DL_CLAIM,
    DL_MESSAGE,
)


def _open_picker(client, lti_platform):
    response = lti_platform.launch(client, hint="teacher-1", message_type=DL_MESSAGE)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/lti/deep-link")
    page = client.get("/lti/deep-link")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def _verify(client, token: str) -> dict:
    jwks = client.get("/lti/jwks").get_json()
    kid = jwt.get_unverified_header(token)["kid"]
    key = next(jwt.PyJWK.from_dict(k) for k in jwks["keys"] if k["kid"] == kid)
    return jwt.decode(
        token, key.key, algorithms=["RS256"], audience=None, options={"verify_aud": False}
    )


def test_an_instructor_picks_scenarios_and_gets_a_signed_response(client, app, lti_platform):
    from webapp.services.content import content

    with app.app_context():
        scenarios = list(content().library.scenarios)
    second = next(s for s in scenarios if s != COURSE_SCENARIO)
    html = _open_picker(client, lti_platform)
    assert "Add scenarios to your course" in html
    assert COURSE_SCENARIO in html
    token = csrf_token_from(client, "/lti/deep-link")
    response = client.post(
        "/lti/deep-link",
        data={
            "csrf_token": token,
            "scenario": [COURSE_SCENARIO, second],
            f"variant-{COURSE_SCENARIO}": "oracle-on-rds",
            f"mode-{COURSE_SCENARIO}": "board",
            f"mode-{second}": "practice",
        },
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'action="{lti_platform.url}/deep-link-return"' in page
    assert "js/lti-return.js" in page
    assert "<script>" not in page
    assert f"form-action 'self' {lti_platform.url}" in response.headers["Content-Security-Policy"]
    signed = unescape(re.search(r'name="JWT" value="([^"]+)"', page).group(1))
    claims = _verify(client, signed)
    assert claims["iss"] == CLIENT_ID
    assert claims["aud"] == [lti_platform.issuer]
    assert claims[CLAIM + "message_type"] == "LtiDeepLinkingResponse"
    assert claims[CLAIM + "version"] == "1.3.0"
    assert claims[CLAIM + "deployment_id"] == DEPLOYMENT_ID
    assert claims[DL_CLAIM + "data"] == "opaque-platform-data"
    first, other = claims[DL_CLAIM + "content_items"]
    assert first["type"] == "ltiResourceLink"
    assert first["url"] == "http://localhost/lti/launch"
    assert first["custom"] == {
        "scenario": COURSE_SCENARIO,
        "variant": "oracle-on-rds",
        "mode": "board",
    }
    assert first["lineItem"]["scoreMaximum"] == 100
    assert first["lineItem"]["resourceId"] == f"{COURSE_SCENARIO}:oracle-on-rds:board"
    assert first["lineItem"]["label"] == first["title"]
    assert other["custom"]["mode"] == "practice"
    assert "lineItem" not in other
    # the request is answered once: the picker is gone from the session afterwards
    assert client.get("/lti/deep-link").status_code == 403
    # a launch of the first item opens the board under the variant chosen
    learner = app.test_client()
    launched = lti_platform.launch(learner, custom=first["custom"], resource_link_id="link-dl")
    assert launched.headers["Location"].endswith(
        f"/scenarios/{COURSE_SCENARIO}?variant=oracle-on-rds"
    )


def test_the_picker_says_what_is_missing_next_to_the_field(client, lti_platform):
    _open_picker(client, lti_platform)
    token = csrf_token_from(client, "/lti/deep-link")
    response = client.post("/lti/deep-link", data={"csrf_token": token})
    assert response.status_code == 400
    assert 'id="scenario-error"' in response.get_data(as_text=True)
    response = client.post(
        "/lti/deep-link",
        data={"csrf_token": token, "scenario": COURSE_SCENARIO, f"variant-{COURSE_SCENARIO}": "x"},
    )
    assert response.status_code == 400
    assert f'id="variant-{COURSE_SCENARIO}-error"' in response.get_data(as_text=True)
    no_token = client.post("/lti/deep-link", data={"scenario": COURSE_SCENARIO})
    assert no_token.status_code == 400
    assert "security token" in no_token.get_data(as_text=True)


def test_the_picker_is_only_for_a_deep_linking_launch(client):
    assert client.get("/lti/deep-link").status_code == 403
    token = csrf_token_from(client, "/")
    assert client.post("/lti/deep-link", data={"csrf_token": token}).status_code == 403
