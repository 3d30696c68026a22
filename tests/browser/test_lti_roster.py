"""The host's console after a course roster was imported: LMS names, and who is not here."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.helpers.class_browser import both_sizes, start_oracle_session
from tests.helpers.pages import serious
from webapp.extensions import db
from webapp.lti_services.nrps import Member
from webapp.models import ClassSession
from webapp.services.classroom.roster import import_roster, seat_lms_learner

pytestmark = pytest.mark.browser
ISSUER = "https://lms.example.test"
LEARNER = ("http://purl.imsglobal.org/vocab/lis/v2/membership#Learner",)


def _member(user_id: str, name: str) -> Member:
    return Member(user_id, name, None, None, None, LEARNER, "Active")


def test_the_console_names_roster_learners_and_lists_who_is_not_here(browser, live_server, page):
    code = start_oracle_session(page, live_server)
    app = live_server.app
    with app.app_context():
        cs = db.session.execute(select(ClassSession).where(ClassSession.code == code)).scalar_one()
        roster = [
            _member("u1", "Ada Lovelace"),
            _member("u2", "María-José Fernández de la Peña Olivares"),
            _member("u3", "Grace Hopper"),
        ]
        import_roster(db.session, cs, roster, issuer=ISSUER)
        seat_lms_learner(db.session, cs, ISSUER, "u2")
        db.session.commit()
    page.reload()
    people = page.get_by_role("region", name="In the room (1)")
    full = "María-José Fernández de la Peña Olivares"
    expect(people.get_by_role("listitem").filter(has_text=full)).to_have_count(1)
    expect(people.get_by_role("button", name=f"Remove {full}")).to_be_visible()
    expect(people.get_by_role("button", name="Remove")).to_have_count(1)  # the seated one only
    waiting = page.get_by_role("list", name="From the course roster, not here yet (2)")
    expect(waiting.get_by_role("listitem")).to_have_count(2)
    expect(waiting.get_by_text("Grace Hopper")).to_be_visible()
    both_sizes(page, "lti-roster-console")
    assert serious(page) == []
