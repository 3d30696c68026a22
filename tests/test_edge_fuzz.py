"""Fuzzing the edge: random and hostile requests to every JSON endpoint and the HTML forms.

No request may get a 5xx, and a rejected one (4xx) may store nothing (every table's rows
are counted before and after). Derandomised, so every run sends the same requests; sized
to take a few seconds. bench/fuzz_edge.py runs the same corpus longer and prints figures.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.edge_fuzz import World, api_requests, form_requests

FUZZ = settings(
    max_examples=100,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def world(app):
    return World(app)


def _report(world: World) -> None:
    figures = world.figures
    print(figures.line())
    assert figures.sent > 0
    assert not figures.failures, figures.failures[:10]


def test_fuzz_every_json_endpoint(world):
    @FUZZ
    @given(data=st.data())
    def run(data):
        status = world.send(data.draw(api_requests(world)))
        assert status < 500

    run()
    _report(world)
    assert world.figures.rejected > world.figures.sent // 3  # the corpus is mostly hostile


def test_fuzz_the_html_forms(world):
    @FUZZ
    @given(data=st.data())
    def run(data):
        status = world.send(data.draw(form_requests(world)))
        assert status < 500

    run()
    _report(world)
