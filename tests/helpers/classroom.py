"""A class session from the test side: a host's client, learners joining and answering,
and answer keys (browser steps are in tests.helpers.class_browser)."""

from __future__ import annotations

import threading

from tests.conftest import AuthActions, count_rows, make_user
from tests.helpers.keys import COURSE, key_for
from webapp.models import Attempt, AttemptAnswer, Participant

__all__ = [
    "API",
    "COURSE",
    "SECOND",
    "Host",
    "answer",
    "join",
    "key_for",
    "played",
    "send_at_once",
    "stored",
]

SECOND = "ec2-web-server"
API = "/api/v1/sessions"


class Host:
    """A signed-in instructor's test client with its CSRF header."""

    def __init__(self, app, email: str, role: str = "instructor"):
        make_user(app, email, role)
        self.client = app.test_client()
        self.auth = AuthActions(self.client)
        response = self.auth.login(email)
        assert response.status_code in (302, 303), response.status_code
        self.headers = {"X-CSRFToken": self.auth.csrf("/host/")}

    def post(self, url: str, body: dict | None = None, **kwargs):
        return self.client.post(
            url, json=body if body is not None else {}, headers=self.headers, **kwargs
        )

    def create(self, scenarios=None, **extra) -> str:
        response = self.post(API, {"scenarios": scenarios or [COURSE], **extra})
        assert response.status_code == 201, response.get_json()
        return response.get_json()["code"]

    def act(self, code: str, *actions: str):
        response = None
        for action in actions:
            response = self.post(f"{API}/{code}/{action}")
            assert response.status_code == 200, (action, response.get_json())
        return response


def join(app, code: str, nickname: str):
    """A learner's client that joined; returns (client, token)."""
    learner = app.test_client()
    response = learner.post(f"{API}/{code}/join", json={"nickname": nickname})
    assert response.status_code == 201, response.get_json()
    return learner, response.get_json()["participant_token"]


def answer(learner, code, token, answers, scenario_id=COURSE, **extra):
    body = {"participant_token": token, "scenario_id": scenario_id, "answers": answers, **extra}
    return learner.post(f"{API}/{code}/answers", json=body)


def stored(app) -> tuple[int, int, int]:
    return (count_rows(app, Attempt), count_rows(app, AttemptAnswer), count_rows(app, Participant))


def send_at_once(app, code: str, token: str, answers: dict, n: int = 6) -> list[int]:
    """The same answer set sent n times at once, from n clients; the statuses, sorted."""
    statuses: list[int] = []
    barrier = threading.Barrier(n)

    def send():
        client = app.test_client()
        barrier.wait()
        statuses.append(answer(client, code, token, answers).status_code)

    threads = [threading.Thread(target=send) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return sorted(statuses)


def played(app, host, scenarios=None):
    """Ada all right, Bea wrong on the last two tasks, Cy sends nothing (Oracle on RDS)."""
    code = host.create(scenarios or [{"id": COURSE, "variant": "oracle-on-rds"}])
    ada, ta = join(app, code, "Ada")
    bea, tb = join(app, code, "Bea")
    join(app, code, "Cy")
    host.act(code, "open")
    key = key_for(app, COURSE, "oracle-on-rds")
    missed = list(key)[-2:]
    wrong = {**key, **{t: "aws" if key[t] == "customer" else "customer" for t in missed}}
    assert answer(ada, code, ta, key).status_code == 201
    assert answer(bea, code, tb, wrong).status_code == 201
    host.act(code, "close", "reveal")
    return code, key, missed
