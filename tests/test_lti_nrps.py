"""Rosters (LTI Names and Role Provisioning): a course's members, page by page, brought into a
class session so the host's dashboard and report name learners as the LMS does."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from tests.helpers.classroom import API, COURSE, Host, answer, key_for
from tests.helpers.lti_platform_services import ISSUER, PlatformServices, make_tool_key
from webapp.extensions import db
from webapp.lti_services.client import ServiceError, new_http
from webapp.lti_services.nrps import Member, members
from webapp.lti_services.tokens import SCOPE_MEMBERSHIPS, TokenCache
from webapp.models import ClassSession, Participant, RosterEntry
from webapp.services.classroom.errors import ClassError
from webapp.services.classroom.roster import (
    import_roster,
    nickname_from,
    not_arrived,
    seat_lms_learner,
)

LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
COURSE_MEMBERS = [
    {
        "user_id": "u-ada",
        "name": "Ada Lovelace",
        "given_name": "Ada",
        "family_name": "Lovelace",
        "email": "ada@example.edu",
        "roles": [LEARNER],
        "status": "Active",
    },
    {"user_id": "u-bea", "given_name": "Beatriz", "family_name": "Ñúñez", "roles": ["Learner"]},
    {"user_id": "u-tom", "name": "Tom Teacher", "roles": [INSTRUCTOR], "status": "Active"},
    {"name": "no id, skipped", "roles": [LEARNER]},
    {"user_id": "u-cy", "name": "Cy Young", "roles": [LEARNER], "status": "Inactive"},
    {"user_id": "u-dee", "name": "Dee Dee", "roles": [LEARNER], "status": "Active"},
]


@pytest.fixture(scope="module")
def tool_key():
    return make_tool_key()


@pytest.fixture
def platform(tool_key):
    services = PlatformServices(tool_key, page_size=2).start()
    services.members = list(COURSE_MEMBERS)
    yield services
    services.stop()


def fetch(platform) -> list[Member]:
    return members(platform.client(), TokenCache(), new_http(), platform.memberships_url)


def test_members_are_read_across_every_page(platform):
    found = fetch(platform)
    assert [m.user_id for m in found] == ["u-ada", "u-bea", "u-tom", "u-cy", "u-dee"]
    assert len(platform.received.membership_pages) == 3  # 6 entries, 2 a page
    assert platform.received.refused == []  # token, scope and Accept were as required
    ada, bea, tom, cy, _ = found
    assert (ada.name, ada.given_name, ada.family_name) == ("Ada Lovelace", "Ada", "Lovelace")
    assert ada.email == "ada@example.edu"
    assert ada.roles == (LEARNER,)
    assert bea.full_name == "Beatriz Ñúñez"  # no "name": given and family names
    assert bea.status == "Active"
    assert (ada.learner, bea.learner, tom.learner) == (True, True, False)
    assert (cy.active, cy.learner) == (False, True)
    assert platform.received.token_requests[0]["scope"] == SCOPE_MEMBERSHIPS


def test_a_memberships_url_the_platform_refuses_is_an_error(platform):
    platform.revoke_tokens()
    cache = TokenCache()
    with pytest.raises(ServiceError) as refused:
        members(platform.client(), cache, new_http(), f"{platform.url}/nowhere")
    assert refused.value.status == 404
    assert not refused.value.retry


def test_nicknames_made_from_lms_names_follow_the_join_rules():
    assert nickname_from("Ada Lovelace") == "Ada Lovelace"
    assert nickname_from("  María-José   O'Neil  ") == "María-José O'Neil"
    assert nickname_from("Dr. <script>Evil</script>") == "Dr. scriptEvilscript"
    assert len(nickname_from("A" * 80)) == 24
    assert nickname_from("@@@") == "Learner"
    assert nickname_from(None) == "Learner"


def _session(app, host) -> tuple[str, int]:
    code = host.create()
    with app.app_context():
        cs = db.session.execute(select(ClassSession).where(ClassSession.code == code)).scalar_one()
        return code, cs.id


def test_a_roster_import_names_learners_on_the_dashboard_and_in_the_report(app, platform):
    host = Host(app, "teacher@example.org")
    code, cs_id = _session(app, host)
    roster = fetch(platform)
    with app.app_context():
        cs = db.session.get(ClassSession, cs_id)
        result = import_roster(db.session, cs, roster, issuer=ISSUER)
        db.session.commit()
        assert (result.added, result.updated, result.left, result.learners) == (5, 0, 0, 3)
        kept = db.session.execute(select(RosterEntry)).scalars().all()
        assert {e.user_id for e in kept} == {"u-ada", "u-bea", "u-tom", "u-cy", "u-dee"}
        assert not hasattr(RosterEntry, "email")  # the address is not kept
        assert not_arrived(db.session, cs) == ["Ada Lovelace", "Beatriz Ñúñez", "Dee Dee"]
        ada, ada_token = seat_lms_learner(db.session, cs, ISSUER, "u-ada")
        bea, bea_token = seat_lms_learner(db.session, cs, ISSUER, "u-bea")
        db.session.commit()
        assert (ada.nickname, ada.display_name) == ("Ada Lovelace", "Ada Lovelace")
        assert bea.nickname == "Beatriz Ñúñez"

    host.act(code, "open")
    key = key_for(app, COURSE, "oracle-on-ec2")
    learner = app.test_client()
    assert answer(learner, code, ada_token, key).status_code == 201
    assert answer(learner, code, bea_token, key).status_code == 201

    dash = host.client.get(f"{API}/{code}/dashboard").get_json()
    assert [(p["name"], p["status"]) for p in dash["people"]] == [
        ("Ada Lovelace", "sent"),
        ("Beatriz Ñúñez", "sent"),
    ]
    assert dash["not_arrived"] == ["Dee Dee"]  # the teacher and an inactive learner are not
    page = host.client.get(f"/host/{code}").get_data(as_text=True)
    assert "Ada Lovelace" in page
    assert "From the course roster, not here yet (1)" in page
    assert "Dee Dee" in page

    host.act(code, "reveal", "end")
    report = host.client.get(f"{API}/{code}/report").get_json()
    assert [p["name"] for p in report["participants"]] == ["Ada Lovelace", "Beatriz Ñúñez"]
    rows = list(
        csv.DictReader(
            io.StringIO(host.client.get(f"{API}/{code}/report?format=csv").get_data(as_text=True))
        )
    )
    assert {r["name"] for r in rows} == {"Ada Lovelace", "Beatriz Ñúñez"}
    assert "Beatriz Ñúñez" in host.client.get(f"/host/{code}/report").get_data(as_text=True)


def test_importing_again_renames_seated_learners_and_marks_who_left(app, platform):
    host = Host(app, "teacher@example.org")
    _, cs_id = _session(app, host)
    with app.app_context():
        cs = db.session.get(ClassSession, cs_id)
        import_roster(db.session, cs, fetch(platform), issuer=ISSUER)
        ada, _ = seat_lms_learner(db.session, cs, ISSUER, "u-ada")
        db.session.commit()
        platform.members = [
            {**COURSE_MEMBERS[0], "name": "Ada King"},
            COURSE_MEMBERS[1],
            COURSE_MEMBERS[2],
        ]
        again = import_roster(db.session, cs, fetch(platform), issuer=ISSUER)
        db.session.commit()
        # Dee left the course (Cy was inactive already)
        assert (again.added, again.updated, again.left, again.learners) == (0, 3, 1, 2)
        assert db.session.get(Participant, ada.id).display_name == "Ada King"
        assert not_arrived(db.session, cs) == ["Beatriz Ñúñez"]


def test_seating_a_learner_again_keeps_one_seat_and_a_new_token(app, platform):
    host = Host(app, "teacher@example.org")
    _, cs_id = _session(app, host)
    with app.app_context():
        cs = db.session.get(ClassSession, cs_id)
        first, old = seat_lms_learner(db.session, cs, ISSUER, "u-x", name="Sam Same")
        twin, _ = seat_lms_learner(db.session, cs, ISSUER, "u-y", name="Sam Same")
        again, new = seat_lms_learner(db.session, cs, ISSUER, "u-x")
        db.session.commit()
        assert again.id == first.id
        assert old != new
        assert (first.nickname, twin.nickname) == ("Sam Same", "Sam Same 2")  # both unique
        assert twin.display_name == "Sam Same"
        first.removed = True
        db.session.commit()
        with pytest.raises(ClassError):
            seat_lms_learner(db.session, cs, ISSUER, "u-x")
        cs.join_locked = True
        db.session.commit()
        with pytest.raises(ClassError):  # locked: a stranger to the roster stays out
            seat_lms_learner(db.session, cs, ISSUER, "u-stranger", name="Who")


def test_a_roster_cannot_be_imported_into_an_ended_session(app, platform):
    host = Host(app, "teacher@example.org")
    code, cs_id = _session(app, host)
    host.act(code, "end")
    with app.app_context():
        cs = db.session.get(ClassSession, cs_id)
        with pytest.raises(ClassError):
            import_roster(db.session, cs, fetch(platform), issuer=ISSUER)
        db.session.rollback()
        assert db.session.execute(select(RosterEntry)).first() is None
