"""answers_graded: sent once per stored attempt, inside the transaction that stores it."""

from __future__ import annotations

from tests.helpers.api import GRADE, ORACLE
from tests.helpers.keys import key_for
from webapp import signals
from webapp.models import Attempt


def test_a_stored_attempt_is_announced_once_with_its_report(app, client):
    seen: list[dict] = []

    def receiver(sender, **kw):
        seen.append(kw)

    signals.answers_graded.connect(receiver)
    try:
        key = key_for(app, ORACLE, "oracle-on-rds")
        response = client.post(GRADE, json={"variant": "oracle-on-rds", "answers": key})
        assert response.status_code == 200
        refused = client.post(GRADE, json={"variant": "no-such", "answers": key})
        assert refused.status_code == 400
    finally:
        signals.answers_graded.disconnect(receiver)
    assert len(seen) == 1
    event = seen[0]
    assert event["report"].correct == len(key)
    assert event["participant_id"] is None
    with app.app_context():
        from webapp.extensions import db

        assert db.session.get(Attempt, event["attempt_id"]) is not None
