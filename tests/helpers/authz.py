"""The authorization matrix's world: every route of the app, the accounts of each role, a
scenario of the instructor's own with an attempt, a class session, and sample URL values.

The matrix (tests/test_authz_matrix.py) and the header checks (tests/test_headers.py) open
every route with these."""

from __future__ import annotations

import re

from werkzeug.security import generate_password_hash

from tests.conftest import make_app
from tests.helpers.csrf import csrf_token_from
from webapp.extensions import db
from webapp.models import User

__all__ = ["MINE", "PASSWORD", "ROUTES", "_client", "_url", "make_world"]

PASSWORD = "matrix password 123"

MINE = {
    "id": "mine",
    "title": "Mine",
    "summary": "An instructor's scenario.",
    "parties": ["aws", "customer"],
    "components": [{"id": "web", "name": "Web server", "service": "ec2"}],
    "tasks": [
        {"id": "patch", "text": "Patch the OS", "component": "web", "area": "guest-os-patching"}
    ],
}


def _routes(app) -> list[tuple[str, str, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, rule.rule))
    return sorted(set(found))


def _all_routes() -> list[tuple[str, str, str]]:
    import tempfile
    from pathlib import Path

    folder = Path(tempfile.mkdtemp())
    return _routes(make_app(f"sqlite:///{folder / 'routes.sqlite3'}", folder))


ROUTES = _all_routes()


def _user(email, role, password=PASSWORD):
    # a cheap hash keeps 200+ sign-ins fast; the login code path is the real one
    user = User(
        email=email,
        role=role,
        active=True,
        password_hash=generate_password_hash(password, "pbkdf2:sha256:1000"),
    )
    db.session.add(user)
    return user


def make_world(app) -> dict:
    """Users, an authored published scenario with an attempt, a pending invitation."""
    from webapp.services import authoring
    from webapp.services.content import rules

    with app.app_context():
        owner = _user("owner@example.org", "instructor")
        other = _user("other@example.org", "instructor")
        _user("admin@example.org", "admin")
        pending = User(email="pending@example.org", role="instructor", password_hash="!")
        db.session.add(pending)
        db.session.flush()
        record = authoring.create_scenario(db.session, owner, "mine", "Mine", MINE)
        authoring.publish(db.session, record, rules())
        cs, participant = _class_session(owner)
        db.session.commit()
        ids = {
            "other": other.id,
            "pending": pending.id,
            "code": cs.code,
            "participant": participant.id,
        }
    learner = app.test_client()
    attempt = learner.post(
        "/api/v1/scenarios/s3-vpc-ec2-oracle/grade",
        json={"answers": {}, "variant": "oracle-on-ec2"},
    ).get_json()
    return {"attempt": attempt["attempt_id"], "learner": learner, **ids}


def _class_session(host):
    """A class session hosted by the owner, on a built-in scenario, with one participant."""
    import hashlib

    from webapp.models import ClassSession, ClassSessionScenario, Participant
    from webapp.services import content

    version = content.snapshot_version(
        db.session, content.find_published(db.session, "ec2-web-server")
    )
    cs = ClassSession(
        code="MATRIX42", host_id=host.id, phase="lobby", current_index=0, state_version=1
    )
    cs.scenarios = [
        ClassSessionScenario(
            position=0, scenario_slug="ec2-web-server", version_id=version.id, variant=None
        )
    ]
    participant = Participant(
        nickname="Kim", nickname_key="kim", token_hash=hashlib.sha256(b"matrix").hexdigest()
    )
    cs.participants = [participant]
    db.session.add(cs)
    db.session.flush()
    return cs, participant


def _client(app, world, role):
    if role == "learner":
        return world["learner"]
    client = app.test_client()
    if role != "anonymous":
        email = {
            "instructor": "owner@example.org",
            "other": "other@example.org",
            "admin": "admin@example.org",
        }[role]
        token = csrf_token_from(client)
        response = client.post(
            "/auth/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 302, f"{role} could not sign in"
    return client


def _url(endpoint: str, rule: str, world: dict, slug: str) -> str:
    values = {
        "scenario_id": "s3-vpc-ec2-oracle",
        "attempt_id": world["attempt"],
        "variant": "oracle-on-rds",
        "slug": slug,
        "token": "not-a-live-token",
        "filename": "css/app.css",
        "code": world["code"],
        "action": "open",
        "participant_id": str(world["participant"]),
        "comparison_id": "aws-azure-web-app",
        "round_id": "0" * 32,
        "platform_id": "999",
        "link_id": "999",
        "user_id": str(world["pending"] if endpoint == "admin.new_link" else world["other"]),
    }
    url = rule
    for name in re.findall(r"<(?:[^:>]+:)?([^>]+)>", rule):
        assert name in values, f"no sample value for <{name}> in {rule}: add one to _url"
        url = re.sub(rf"<(?:[^:>]+:)?{name}>", values[name], url)
    if endpoint == "api.responsibility":
        url += "?area=guest-os-patching&service=ec2"
    return url
