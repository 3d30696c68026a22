"""A learner's answers survive a lost reply: the page sends the same numbered set again.

Behind a proxy, an app server that dies after storing an answer set leaves the learner with
a "502 Bad Gateway" instead of the reply. The page sends the set again with the same
number; the server answers 409 "already answered", and the page shows the set as received.
The database holds the set once.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import func, select

from tests.helpers.class_browser import FOLLOW, join_as, place_all, start_oracle_session, status
from webapp.extensions import db
from webapp.models import Attempt


def _sent_answer_sets(app) -> int:
    with app.app_context():
        return db.session.execute(
            select(func.count()).select_from(Attempt).where(Attempt.participant_id.is_not(None))
        ).scalar_one()


def test_a_reply_lost_after_storing_is_resent_and_counted_once(browser, live_server, page):
    url = live_server.url
    code = start_oracle_session(page, live_server)

    ctx, ann = join_as(browser, url, code, "Ann", "")
    sent = []
    errors = []
    ann.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    def lose_the_first_reply(route):
        sent.append(route.request.post_data_json)
        reply = route.fetch()  # the server stores the set ...
        if len(sent) == 1:  # ... and the proxy loses its reply
            route.fulfill(status=502, body="Bad Gateway", content_type="text/html")
        else:
            route.fulfill(response=reply)

    try:
        ann.route(re.compile(r".*/api/v1/sessions/[^/]+/answers$"), lose_the_first_reply)
        page.get_by_role("button", name="Open answering").click()
        expect(ann.get_by_role("heading", name="Sort the tasks")).to_be_visible(timeout=FOLLOW)
        place_all(ann, "Customer")
        ann.get_by_role("button", name="Send answers").click()
        expect(status(ann, "Your answers are in")).to_be_visible(timeout=FOLLOW)
        expect(ann.get_by_text("Not sent")).to_have_count(0)
        assert len(sent) == 2, sent
        assert sent[0]["answer_set"] == sent[1]["answer_set"] == 1
        assert sent[0]["answers"] == sent[1]["answers"]
        assert _sent_answer_sets(live_server.app) == 1
        expect(page.locator(".tally dd").nth(1)).to_contain_text("1", timeout=FOLLOW)
    finally:
        ctx.close()
    # the browser reports the 502 and the 409 as failed loads; nothing else went wrong
    assert [e for e in errors if "Failed to load resource" not in e] == []
