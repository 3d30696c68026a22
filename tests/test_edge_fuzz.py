"""Fuzzing the edge: random and hostile requests to every JSON endpoint and the HTML forms.

No request may get a 5xx, and a rejected one (4xx) may store nothing (every table's rows
are counted before and after). Derandomised, so every run sends the same requests; sized
to take a few seconds. bench/fuzz_edge.py runs the same corpus longer and prints figures.
"""

from __future__ import annotations

import pytest

from tests.edge_fuzz import World, api_requests, form_requests, fuzz

EXAMPLES = 100  # per corpus: a few seconds on a quiet machine


@pytest.fixture
def world(app):
    return World(app)


@pytest.mark.parametrize("corpus", [api_requests, form_requests], ids=["json-api", "html-forms"])
def test_fuzz(world, corpus):
    figures = fuzz(world, corpus, EXAMPLES)
    print(figures.line())
    assert figures.sent >= EXAMPLES
    assert not figures.failures, figures.failures[:10]
    assert figures.rejected > figures.sent // 3  # the corpus is mostly hostile
