"""The assessment attempt limit holds when one learner submits twice at the same moment."""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import SCENARIOS, TEST_DATABASE_URL, count_rows
from webapp.learn.identity import COOKIE
from webapp.models import Attempt
from webapp.services import grading

SLUG = "exam-two-tries"
GRADE = f"/api/v1/scenarios/{SLUG}/grade"

pytestmark = pytest.mark.skipif(
    not (TEST_DATABASE_URL or "").startswith("postgresql"),
    reason="SQLite serialises writers with BEGIN IMMEDIATE; the race needs PostgreSQL",
)


@pytest.fixture
def app_config(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scenarios")
    text = (SCENARIOS / "s3-vpc-ec2-oracle.yaml").read_text(encoding="utf-8")
    text = text.replace("id: s3-vpc-ec2-oracle", f"id: {SLUG}")
    settings = "settings:\n  mode: assessment\n  max_attempts: 2\n"
    text = text.replace("settings:\n  mode: practice\n", settings)
    assert settings in text
    (folder / f"{SLUG}.yaml").write_text(text, encoding="utf-8")
    return {"SRM_SCENARIOS_DIR": str(folder)}


def test_simultaneous_last_attempts_store_only_one(app, monkeypatch):
    first = app.test_client()
    assert first.post(GRADE, json={"answers": {}}).status_code == 200  # one of two used
    learner = first.get_cookie(COOKIE).value
    clients = [app.test_client(), app.test_client()]
    for client in clients:
        client.set_cookie(COOKIE, learner, domain="localhost")

    # Both requests count their attempts, then wait for each other before storing: without a
    # lock both see one attempt left. With it the second waits at the lock until the first has
    # committed, the barrier times out and the second counts two.
    barrier = threading.Barrier(2, timeout=2)
    counted = threading.local()
    real_status = grading.attempt_status

    def status_then_wait(*args, **kwargs):
        status = real_status(*args, **kwargs)
        if not getattr(counted, "done", False):
            counted.done = True
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait()
        return status

    monkeypatch.setattr(grading, "attempt_status", status_then_wait)
    with ThreadPoolExecutor(max_workers=2) as pool:
        statuses = sorted(
            pool.map(lambda c: c.post(GRADE, json={"answers": {}}).status_code, clients)
        )

    assert statuses == [200, 403]
    assert count_rows(app, Attempt) == 2
