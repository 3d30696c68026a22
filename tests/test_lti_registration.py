"""Registering learning platforms (shell and admin page), and the tool's own key pair and
configuration as a platform reads them."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from tests.conftest import count_rows, make_user
from tests.helpers.csrf import csrf_token_from
from webapp.models import LtiDeployment, LtiPlatform

MOODLE = {
    "issuer": "https://moodle.school.example",
    "client-id": "Xy12abc",
    "deployment-id": "3",
    "auth-login-url": "https://moodle.school.example/mod/lti/auth.php",
    "auth-token-url": "https://moodle.school.example/mod/lti/token.php",
    "keyset-url": "https://moodle.school.example/mod/lti/certs.php",
}


def _args(values: dict[str, str]) -> list[str]:
    return [part for name, value in values.items() for part in (f"--{name}", value)]


def test_the_shell_adds_lists_and_removes_platforms(app, runner):
    from webapp.cli import main

    added = runner.invoke(main, ["lti", "add-platform", *_args(MOODLE)])
    assert added.exit_code == 0, added.output
    assert "registered platform" in added.output
    again = runner.invoke(main, ["lti", "add-platform", *_args({**MOODLE, "deployment-id": "4"})])
    assert "updated platform" in again.output
    assert count_rows(app, LtiPlatform) == 1
    assert count_rows(app, LtiDeployment) == 2
    listed = runner.invoke(main, ["lti", "list"])
    assert "https://moodle.school.example\tXy12abc\t3,4" in listed.output
    platform_id = listed.output.split("\t", 1)[0]
    removed = runner.invoke(main, ["lti", "remove", platform_id])
    assert removed.exit_code == 0
    assert "removed platform" in removed.output
    assert count_rows(app, LtiPlatform) == 0
    assert count_rows(app, LtiDeployment) == 0
    assert runner.invoke(main, ["lti", "remove", "99"]).exit_code == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"keyset-url": "http://moodle.school.example/certs"}, "--keyset-url: Give an https://"),
        ({"issuer": "moodle"}, "--issuer: Give an https://"),
        ({"client-id": " "}, "--client-id: Fill this in"),
        ({"deployment-id": "x" * 300}, "--deployment-id: At most 255"),
    ],
)
def test_the_shell_refuses_a_bad_registration_and_stores_nothing(app, runner, change, message):
    from webapp.cli import main

    result = runner.invoke(main, ["lti", "add-platform", *_args({**MOODLE, **change})])
    assert result.exit_code == 1
    assert message in result.output
    assert count_rows(app, LtiPlatform) == 0


def _admin(client, app):
    from tests.conftest import AuthActions

    make_user(app, "admin@example.org", role="admin")
    AuthActions(client).login("admin@example.org")


def test_the_admin_page_shows_the_tools_configuration(client, app):
    _admin(client, app)
    page = client.get("/admin/lti").get_data(as_text=True)
    for url in ("/lti/login", "/lti/launch", "/lti/jwks", "/lti/config.json"):
        assert f"http://localhost{url}" in page
    assert "oidc_initiation_url" in page  # the JSON configuration


def test_the_admin_page_adds_and_removes_a_platform(client, app):
    _admin(client, app)
    token = csrf_token_from(client, "/admin/lti")
    form = {name.replace("-", "_"): value for name, value in MOODLE.items()}
    added = client.post("/admin/lti", data={**form, "csrf_token": token})
    assert added.status_code == 303
    page = client.get("/admin/lti").get_data(as_text=True)
    assert "https://moodle.school.example" in page
    assert "Xy12abc" in page
    with app.app_context():
        from webapp.extensions import db

        platform_id = db.session.query(LtiPlatform.id).scalar()
    removed = client.post(f"/admin/lti/{platform_id}/remove", data={"csrf_token": token})
    assert removed.status_code == 303
    assert count_rows(app, LtiPlatform) == 0
    assert client.post("/admin/lti/99/remove", data={"csrf_token": token}).status_code == 404


def test_a_bad_url_on_the_admin_page_shows_next_to_its_field(client, app):
    _admin(client, app)
    token = csrf_token_from(client, "/admin/lti")
    form = {name.replace("-", "_"): value for name, value in MOODLE.items()}
    response = client.post(
        "/admin/lti", data={**form, "keyset_url": "ftp://x", "csrf_token": token}
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="keyset_url-error"' in page
    assert "Give an https://" in page
    assert count_rows(app, LtiPlatform) == 0
    no_token = client.post("/admin/lti", data=form)
    assert no_token.status_code == 400
    assert count_rows(app, LtiPlatform) == 0


def test_only_admins_register_platforms(client, app):
    from tests.conftest import AuthActions

    assert client.get("/admin/lti").status_code in (302, 401, 403)
    make_user(app, "teacher@example.org")
    AuthActions(client).login()
    assert client.get("/admin/lti").status_code == 403


def test_the_tool_key_is_made_once_private_and_published(client, app):
    from webapp.lti.keys import KEY_FILE, tool_key

    jwks = client.get("/lti/jwks").get_json()
    path = Path(app.instance_path) / KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key = tool_key(app)
    assert jwks == {"keys": [key.public_jwk]}
    assert key.public_jwk["kid"] == key.kid
    assert "d" not in key.public_jwk
    assert b"PRIVATE KEY" in key.private_pem
    app.extensions.pop("lti_tool_key")
    assert tool_key(app).kid == key.kid  # read back from the instance folder, not made anew


def test_the_json_configuration_names_the_tools_urls(client):
    config = client.get("/lti/config.json").get_json()
    assert config["oidc_initiation_url"] == "http://localhost/lti/login"
    assert config["target_link_uri"] == "http://localhost/lti/launch"
    assert config["public_jwk_url"] == "http://localhost/lti/jwks"
    assert any("lti-ags/scope/score" in s for s in config["scopes"])


def test_removing_a_platform_stops_its_launches(client, app, lti_platform, runner):
    from webapp.cli import main

    assert lti_platform.launch(client).status_code == 303
    listed = runner.invoke(main, ["lti", "list"])
    runner.invoke(main, ["lti", "remove", listed.output.split("\t", 1)[0]])
    response = app.test_client().post("/lti/login", data=lti_platform.login_params("learner-1"))
    assert response.status_code == 403
