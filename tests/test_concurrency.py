"""Concurrent submissions are all stored: no 'database is locked', nothing lost."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.conftest import count_rows
from tests.helpers.api import GRADE
from webapp.models import Attempt, ScenarioVersion


def test_parallel_submissions_are_all_stored(app):
    def submit(n: int) -> list[int]:
        client = app.test_client()
        statuses = []
        for i in range(6):
            variant = "oracle-on-rds" if (n + i) % 2 else "oracle-on-ec2"
            response = client.post(
                GRADE, json={"variant": variant, "answers": {"patch-oracle": "aws"}}
            )
            statuses.append(response.status_code)
        return statuses

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = [s for batch in pool.map(submit, range(8)) for s in batch]
    assert statuses == [200] * 48
    assert count_rows(app, Attempt) == 48
    assert count_rows(app, ScenarioVersion) == 1  # racing first submissions share one snapshot
