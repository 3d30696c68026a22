"""Grade passback (LTI Assignment and Grade Services) against a platform on loopback.

Tokens (a signed client assertion the platform verifies, cached until shortly before they
expire), scores with their fields, the outbox (retries with backoff while the platform is
down, one delivery however many senders run), the latest/best policies, and refusals kept.
"""

from __future__ import annotations

import random
import re
import threading
import time
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from tests.helpers.api import GRADE, ORACLE
from tests.helpers.keys import key_for
from tests.helpers.lti_platform_services import (
    CLIENT_ID,
    ISSUER,
    PlatformServices,
    make_tool_key,
)
from webapp.cli import main
from webapp.domain.schema import Settings
from webapp.extensions import db
from webapp.lti_services import client as client_module
from webapp.lti_services import set_client_resolver
from webapp.lti_services.ags import Policy
from webapp.lti_services.client import ServiceError, new_http
from webapp.lti_services.delivery import (
    FIRST_RETRY,
    LEASE,
    LONGEST_RETRY,
    deliver_due,
    retry_delay,
)
from webapp.lti_services.grades import GradeTarget, connect_grades, progress_for
from webapp.lti_services.outbox import ScoreTarget, enqueue_score
from webapp.lti_services.sender import start_sender
from webapp.lti_services.tokens import SCOPE_SCORE, TOKENS, TokenCache, client_assertion
from webapp.models import ScoreOutbox
from webapp.signals import answers_graded

# an hour ahead: a score enqueued during the test is due at T0
T0 = (datetime.now(UTC) + timedelta(hours=1)).replace(tzinfo=None, microsecond=123456)


@pytest.fixture(scope="module")
def tool_key():
    return make_tool_key()


@pytest.fixture
def platform(tool_key):
    services = PlatformServices(tool_key).start()
    yield services
    services.stop()


@pytest.fixture
def tokens():
    return TokenCache()


@pytest.fixture
def lineitem(platform):
    return platform.add_lineitem()


def resolver(platform):
    client = platform.client()
    return lambda issuer: client if issuer == ISSUER else None


def enqueue(app, lineitem, attempt="a1", user="learner-1", score=50.0, at=T0, maximum=100.0, **kw):
    with app.app_context():
        row = enqueue_score(
            db.session,
            ScoreTarget(ISSUER, lineitem, user),
            attempt_id=attempt,
            score_given=score,
            score_maximum=maximum,
            attempted_at=at,
            **kw,
        )
        db.session.commit()
        return None if row is None else row.id


def deliver(app, platform, tokens, now=None, **kw):
    with app.app_context():
        return deliver_due(db.session, resolver(platform), new_http(), now, tokens=tokens, **kw)


def rows(app):
    with app.app_context():
        found = db.session.execute(select(ScoreOutbox).order_by(ScoreOutbox.id)).scalars().all()
        db.session.expunge_all()
        return found


# --- tokens ---------------------------------------------------------------------------


def test_the_assertion_is_signed_with_the_tool_key_and_names_the_client(platform, tool_key):
    client = platform.client()
    one, two = client_assertion(client), client_assertion(client)
    claims = jwt.decode(one, tool_key.public_pem, algorithms=["RS256"], audience=client.token_url)
    assert claims["iss"] == claims["sub"] == CLIENT_ID
    assert claims["exp"] - claims["iat"] == 300
    assert jwt.get_unverified_header(one)["kid"] == tool_key.kid
    other = jwt.decode(two, tool_key.public_pem, algorithms=["RS256"], audience=client.token_url)
    assert claims["jti"] != other["jti"]
    audience = platform.client(audience="https://lms.example.test/oauth").audience
    assert audience == "https://lms.example.test/oauth"


def test_a_token_is_kept_until_shortly_before_it_expires(platform):
    platform.token_lifetime = 600
    clock = [1000.0]
    cache = TokenCache(clock=lambda: clock[0])
    client, http = platform.client(), new_http()
    first = cache.token(client, [SCOPE_SCORE], http)
    clock[0] += 500  # 100 s left: still kept
    assert cache.token(client, [SCOPE_SCORE], http) == first
    assert len(platform.received.token_requests) == 1
    clock[0] += 45  # 55 s left: renewed before it can expire in flight
    renewed = cache.token(client, [SCOPE_SCORE], http)
    assert renewed != first
    assert len(platform.received.token_requests) == 2
    assert platform.received.token_requests[0]["scope"] == SCOPE_SCORE
    assert platform.received.refused == []  # the platform verified both assertions


def test_threads_asking_at_once_share_one_token_request(platform):
    cache, client = TokenCache(), platform.client()
    start, got = threading.Barrier(6), []

    def ask():
        start.wait()
        got.append(cache.token(client, [SCOPE_SCORE], new_http()))

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(got)) == 1
    assert len(platform.received.token_requests) == 1


def test_an_assertion_signed_with_another_key_is_refused(platform):
    stranger = platform.client(tool_private_pem=make_tool_key().private_pem)
    with pytest.raises(ServiceError) as refused:
        TokenCache().token(stranger, [SCOPE_SCORE], new_http())
    assert refused.value.status == 400
    assert not refused.value.retry
    assert "bad client assertion" in platform.received.refused[0][2]


# --- from a graded attempt to the platform -------------------------------------------------


def test_a_graded_attempt_reaches_the_line_item_with_its_fields(app, client, platform, tokens):
    lineitem = platform.add_lineitem()
    asked = []

    def lookup(learner_id, scenario_id):
        asked.append((learner_id, scenario_id))
        return GradeTarget(ISSUER, lineitem, "sub-ada", score_maximum=20.0)

    receiver = connect_grades(lookup)
    try:
        key = key_for(app, ORACLE, "oracle-on-rds")
        wrong = next(iter(key))
        answers = {**key, wrong: "aws" if key[wrong] != "aws" else "customer"}
        assert (
            client.post(GRADE, json={"variant": "oracle-on-rds", "answers": answers}).status_code
            == 200
        )
    finally:
        answers_graded.disconnect(receiver)
    assert asked[0][1] == ORACLE
    assert asked[0][0]
    [row] = rows(app)
    assert row.status == "pending"
    done = deliver(app, platform, tokens)
    assert done.sent == [row.id]
    [score] = platform.received.scores
    assert score["lineitem"] == lineitem
    assert score["userId"] == "sub-ada"
    assert score["scoreMaximum"] == 20.0
    assert score["scoreGiven"] == pytest.approx(20.0 * (len(key) - 1) / len(key))
    assert score["activityProgress"] == "Completed"
    assert score["gradingProgress"] == "FullyGraded"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00", score["timestamp"])
    stamp = datetime.fromisoformat(score["timestamp"]).replace(tzinfo=None)
    assert stamp == row.attempted_at  # the attempt's own time, not the send's
    assert rows(app)[0].status == "sent"


def test_a_learner_without_a_launch_sends_nothing(app, client):
    receiver = connect_grades(lambda learner_id, scenario_id: None)
    try:
        key = key_for(app, ORACLE, "oracle-on-rds")
        assert (
            client.post(GRADE, json={"variant": "oracle-on-rds", "answers": key}).status_code == 200
        )
    finally:
        answers_graded.disconnect(receiver)
    assert rows(app) == []


def test_an_assessment_with_attempts_left_is_submitted_not_completed(app):
    limited = Settings(mode="assessment", max_attempts=3)
    with app.app_context():
        assert progress_for(db.session, limited, ORACLE, "nobody", None) == "Submitted"
        assert progress_for(db.session, Settings(), ORACLE, "nobody", None) == "Completed"
        used_up = Settings(mode="assessment", max_attempts=0)
        assert progress_for(db.session, used_up, ORACLE, "nobody", None) == "Completed"


def test_a_launch_with_only_a_line_items_url_finds_or_makes_its_line_item(app, platform, tokens):
    target = GradeTarget(
        ISSUER,
        None,
        "sub-bea",
        lineitems_url=platform.lineitems_url,
        resource_link_id="rl-9",
        label="Oracle on RDS",
    ).score_target()
    assert target is not None
    assert target.container
    with app.app_context():
        for n in (1, 2):
            enqueue_score(
                db.session,
                target,
                attempt_id=f"c{n}",
                score_given=10.0 * n,
                score_maximum=100.0,
                attempted_at=T0 + timedelta(minutes=n),
            )
        db.session.commit()
    assert len(deliver(app, platform, tokens).sent) == 2
    [made] = platform.received.lineitems_made
    assert made == {"label": "Oracle on RDS", "scoreMaximum": 100.0, "resourceLinkId": "rl-9"}
    posted = {s["lineitem"] for s in platform.received.scores}
    assert posted == {
        url for url, item in platform.lineitems.items() if item["resourceLinkId"] == "rl-9"
    }
    assert len(posted) == 1
    assert all(r.resolved_url in posted for r in rows(app))


# --- the outbox -------------------------------------------------------------------------


def test_enqueuing_the_same_attempt_twice_keeps_one_row(app, lineitem):
    first = enqueue(app, lineitem, attempt="same")
    again = enqueue(app, lineitem, attempt="same", score=90.0)
    assert first == again
    [row] = rows(app)
    assert row.score_given == 50.0
    other_item = enqueue(app, lineitem + "&other=1", attempt="same")
    assert other_item != first  # another line item is another gradebook column


def test_a_down_platform_keeps_the_score_and_retries_with_backoff(app, platform, tokens, lineitem):
    enqueue(app, lineitem)
    platform.fail("500")
    now = T0 + timedelta(seconds=1)
    assert deliver(app, platform, tokens, now).retried
    [row] = rows(app)
    assert (row.status, row.tries) == ("pending", 1)
    assert "500" in row.last_error
    wait = (row.next_try_at - now).total_seconds()
    assert FIRST_RETRY / 2 <= wait <= FIRST_RETRY
    assert deliver(app, platform, tokens, now + timedelta(seconds=1)).handled == 0  # not due

    later = row.next_try_at
    assert deliver(app, platform, tokens, later).retried
    [row] = rows(app)
    assert row.tries == 2
    assert FIRST_RETRY <= (row.next_try_at - later).total_seconds() <= 2 * FIRST_RETRY

    platform.heal()
    assert deliver(app, platform, tokens, row.next_try_at).sent == [row.id]
    assert deliver(app, platform, tokens, row.next_try_at + timedelta(hours=9)).handled == 0
    assert len(platform.received.scores) == 1
    [row] = rows(app)
    assert (row.status, row.tries, row.last_error) == ("sent", 3, None)


def test_the_backoff_doubles_up_to_its_cap_with_jitter():
    rng = random.Random(7)
    for tries in range(1, 30):
        ceiling = min(FIRST_RETRY * 2 ** (tries - 1), LONGEST_RETRY)
        assert ceiling / 2 <= retry_delay(tries, rng) <= ceiling
    assert retry_delay(1, rng, at_least=120.0) >= 120.0
    assert len({retry_delay(3, rng) for _ in range(20)}) > 1


@pytest.mark.parametrize("mode", ["timeout", "401", "429", "500"])
def test_a_hang_a_refused_token_or_a_rate_limit_is_retried(
    app, platform, tokens, lineitem, monkeypatch, mode
):
    monkeypatch.setattr(client_module, "TIMEOUT", (5.0, 1.0))
    platform.hang_seconds = 3.0
    enqueue(app, lineitem)
    tokens.token(platform.client(), [SCOPE_SCORE], new_http())  # the hang is the score's
    platform.fail(mode, times=2 if mode == "401" else 1)  # a 401 is tried again at once
    assert deliver(app, platform, tokens, T0).retried
    [row] = rows(app)
    assert row.status == "pending"
    assert row.last_error
    if mode == "429":  # the platform's Retry-After is honoured as a floor
        assert row.next_try_at > T0
    assert deliver(app, platform, tokens, T0 + timedelta(days=1)).sent == [row.id]
    assert len(platform.received.scores) == 1


def test_a_revoked_token_is_replaced_and_the_score_sent_at_once(app, platform, tokens, lineitem):
    enqueue(app, lineitem)
    tokens.token(platform.client(), [SCOPE_SCORE], new_http())
    platform.revoke_tokens()  # the kept token no longer works
    assert deliver(app, platform, tokens, T0).sent
    assert len(platform.received.token_requests) == 2
    assert len(platform.received.scores) == 1
    assert platform.received.refused[0][1] == 401


def test_a_down_token_endpoint_is_retried(app, platform, tokens, lineitem):
    enqueue(app, lineitem)
    platform.fail("500", endpoint="token")
    assert deliver(app, platform, tokens, T0).retried
    platform.heal()
    assert deliver(app, platform, tokens, T0 + timedelta(days=1)).sent
    assert len(platform.received.scores) == 1


def test_a_refusal_is_kept_with_its_error_and_not_retried(app, platform, tokens, lineitem):
    enqueue(app, lineitem)
    enqueue(app, lineitem, attempt="a2", user="nobody-knows")
    platform.fail("400", times=1)
    done = deliver(app, platform, tokens, T0)
    assert len(done.failed) == 1
    assert len(done.sent) == 1
    failed = next(r for r in rows(app) if r.status == "failed")
    assert "400" in failed.last_error
    assert "invalid_request" in failed.last_error
    assert deliver(app, platform, tokens, T0 + timedelta(days=30)).handled == 0


def test_a_platform_no_longer_registered_fails_its_scores(app, platform, tokens, lineitem):
    with app.app_context():
        enqueue_score(
            db.session,
            ScoreTarget("https://gone.example", lineitem, "u"),
            attempt_id="g",
            score_given=1.0,
            score_maximum=1.0,
            attempted_at=T0,
        )
        db.session.commit()
    assert deliver(app, platform, tokens, T0).failed
    assert "no platform https://gone.example" in rows(app)[0].last_error
    assert platform.received.scores == []


def test_a_sender_that_died_mid_send_leaves_the_row_due_after_its_lease(
    app, platform, tokens, lineitem
):
    row_id = enqueue(app, lineitem)
    with app.app_context():  # claimed by a sender that never came back
        row = db.session.get(ScoreOutbox, row_id)
        row.claim, row.next_try_at = "dead-sender", T0 + LEASE
        db.session.commit()
    assert deliver(app, platform, tokens, T0).handled == 0
    assert deliver(app, platform, tokens, T0 + LEASE).sent == [row_id]
    assert len(platform.received.scores) == 1


def test_two_senders_at_once_deliver_each_score_once(app, platform, lineitem):
    for n in range(24):
        enqueue(app, lineitem, attempt=f"a{n}", user=f"learner-{n}")
    start, results, errors = threading.Barrier(2), [], []

    def sender():
        try:
            start.wait()
            with app.app_context():
                for _ in range(6):
                    results.append(deliver_due(db.session, resolver(platform), new_http(), limit=4))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    sent = [i for done in results for i in done.sent]
    assert len(sent) == len(set(sent)) == 24
    users = [s["userId"] for s in platform.received.scores]
    assert sorted(users) == sorted(f"learner-{n}" for n in range(24))
    assert {r.status for r in rows(app)} == {"sent"}


# --- policies ---------------------------------------------------------------------------


def test_best_sends_only_a_score_that_beats_the_best_so_far(app, lineitem):
    best = {"policy": Policy.BEST}
    assert enqueue(app, lineitem, attempt="b1", score=50.0, **best)
    assert enqueue(app, lineitem, attempt="b2", score=40.0, **best) is None
    assert enqueue(app, lineitem, attempt="b3", score=50.0, **best) is None
    assert enqueue(app, lineitem, attempt="b4", score=80.0, **best)
    assert enqueue(app, lineitem, attempt="b5", score=10.0, user="another", **best)
    assert [r.attempt_id for r in rows(app)] == ["b1", "b4", "b5"]


def test_best_ignores_a_score_the_platform_refused(app, platform, tokens, lineitem):
    enqueue(app, lineitem, attempt="b1", score=90.0, policy=Policy.BEST)
    platform.fail("400", times=1)
    assert deliver(app, platform, tokens, T0).failed
    assert enqueue(app, lineitem, attempt="b2", score=60.0, policy=Policy.BEST)


def test_latest_sends_every_attempt_and_the_platform_keeps_the_newest(
    app, platform, tokens, lineitem
):
    for n, score in enumerate((70.0, 40.0, 55.0)):
        enqueue(app, lineitem, attempt=f"l{n}", score=score, at=T0 + timedelta(minutes=n))
    assert len(deliver(app, platform, tokens).sent) == 3
    assert platform.gradebook[(lineitem, "learner-1")]["scoreGiven"] == 55.0


def test_an_older_score_is_not_sent_after_a_newer_one_arrived(app, platform, tokens, lineitem):
    enqueue(app, lineitem, attempt="old", score=90.0, at=T0)
    enqueue(app, lineitem, attempt="new", score=30.0, at=T0 + timedelta(minutes=5))
    platform.fail("500", times=1)  # the older one fails, the newer one goes through
    done = deliver(app, platform, tokens, T0 + timedelta(minutes=6))
    assert len(done.retried) == 1
    assert len(done.sent) == 1
    later = deliver(app, platform, tokens, T0 + timedelta(days=1))
    assert len(later.superseded) == 1
    assert [s["scoreGiven"] for s in platform.received.scores] == [30.0]


# --- the command line and the background sender ---------------------------------------


def test_send_scores_says_when_no_platform_is_registered(monkeypatch, _migrated, tmp_path):
    monkeypatch.setenv("SRM_SQLALCHEMY_DATABASE_URI", _migrated)
    result = CliRunner().invoke(main, ["lti", "send-scores"])
    assert result.exit_code == 2
    assert "no LTI platform" in result.output


def test_send_scores_delivers_what_is_due(app, platform, lineitem, monkeypatch, _migrated):
    from webapp.lti.registry import Registration, add_platform

    with app.app_context():  # registered as an admin would (the scores' resolver is faked)
        add_platform(
            db.session,
            Registration(
                issuer=ISSUER,
                client_id=CLIENT_ID,
                deployment_id="d-1",
                auth_login_url=f"{platform.url}/auth",
                auth_token_url=platform.token_url,
                keyset_url=f"{platform.url}/jwks",
            ),
        )
        db.session.commit()
    enqueue(app, lineitem)
    monkeypatch.setenv("SRM_SQLALCHEMY_DATABASE_URI", _migrated)
    monkeypatch.setattr("webapp.lti_services.client_resolver", lambda _app: resolver(platform))
    TOKENS.clear()  # the process's tokens: none from another test's platform
    result = CliRunner().invoke(main, ["lti", "send-scores"])
    assert result.exit_code == 0, result.output
    assert "sent 1, retried 0, failed 0" in result.output
    assert "outbox: 0 waiting, 1 sent" in result.output
    assert len(platform.received.scores) == 1


def test_the_background_sender_is_off_in_tests_and_delivers_when_started(app, platform, lineitem):
    assert app.config["LTI_SCORE_SENDER"] is False
    set_client_resolver(app, resolver(platform))
    enqueue(app, lineitem, at=datetime.now(UTC).replace(tzinfo=None))
    sender = start_sender(app, interval=0.05)
    try:
        for _ in range(400):  # a bound on waiting, not a timing assertion
            if platform.received.scores:
                break
            time.sleep(0.05)
    finally:
        sender.stop()
    assert len(platform.received.scores) == 1
    assert [r.status for r in rows(app)] == ["sent"]


def test_a_score_out_of_range_is_not_stored(app, lineitem):
    for given, maximum in ((5.0, 0.0), (-1.0, 10.0), (11.0, 10.0), (float("nan"), 10.0)):
        with pytest.raises(ValueError, match="cannot be sent"):
            enqueue(app, lineitem, attempt=f"x{given}", score=given, maximum=maximum)
    assert rows(app) == []


def test_a_redirect_is_not_taken_for_a_delivery(app, platform, tokens, lineitem):
    enqueue(app, lineitem)
    platform.fail("302", times=1)
    assert deliver(app, platform, tokens, T0).failed
    assert "302" in rows(app)[0].last_error
    assert platform.received.scores == []


def test_send_scores_joins_an_lti_group_another_module_made():
    import click

    from webapp.lti_services.cli import register

    root = click.Group("root")
    made = click.Group("lti")
    made.add_command(click.Command("add-platform"))
    root.add_command(made)
    register(root)
    assert root.commands["lti"] is made
    assert set(made.commands) == {"add-platform", "send-scores"}


def test_a_fault_while_queueing_never_costs_the_learner_the_attempt(app, client, caplog):
    from webapp.models import Attempt

    broken = GradeTarget(ISSUER, "https://lms.example.test/li", "sub-x", score_maximum=0.0)
    receiver = connect_grades(lambda learner_id, scenario_id: broken)
    try:
        key = key_for(app, ORACLE, "oracle-on-rds")
        response = client.post(GRADE, json={"variant": "oracle-on-rds", "answers": key})
    finally:
        answers_graded.disconnect(receiver)
    assert response.status_code == 200
    with app.app_context():
        assert db.session.execute(select(Attempt)).scalars().all()
    assert rows(app) == []
    assert "not stored for sending" in caplog.text


def test_serve_starts_the_sender_only_when_on_and_platforms_are_known(app, platform):
    from webapp.lti_services import CLIENTS
    from webapp.lti_services.sender import serve_hook

    app.config["LTI_SCORE_SENDER"] = False
    serve_hook(app, "127.0.0.1", 8000)
    assert "srm_lti_sender" not in app.extensions  # switched off
    app.config["LTI_SCORE_SENDER"] = True
    registration = app.extensions.pop(CLIENTS)  # a build without the LTI registration
    serve_hook(app, "127.0.0.1", 8000)
    assert "srm_lti_sender" not in app.extensions  # nothing to resolve issuers with
    assert registration is not None
    set_client_resolver(app, resolver(platform))
    serve_hook(app, "127.0.0.1", 8000)
    sender = app.extensions.pop("srm_lti_sender")
    sender.stop()
    assert sender.interval == 5.0
