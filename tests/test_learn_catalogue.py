"""The catalogue as a path: start here, time estimates, filters without JavaScript, modes."""

from __future__ import annotations

import re
import shutil
from dataclasses import replace

import pytest

from tests.conftest import SCENARIOS
from tests.learn_helpers import COURSE
from webapp.learn import catalogue
from webapp.services import content

OTHERS = ("s3-static-data-lake.yaml", "rds-managed-database.yaml")


@pytest.fixture(scope="module")
def scenario_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scenarios")
    for name in (f"{COURSE}.yaml", *OTHERS):
        shutil.copy(SCENARIOS / name, folder / name)
    text = (SCENARIOS / f"{COURSE}.yaml").read_text(encoding="utf-8")
    text = text.replace(f"id: {COURSE}", "id: aaa-exam").replace(
        "settings:\n  mode: practice\n", "settings:\n  mode: assessment\n  max_attempts: 2\n"
    )
    (folder / "aaa-exam.yaml").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def app_config(scenario_dir):
    return {"SRM_SCENARIOS_DIR": str(scenario_dir)}


def titles(html: str) -> list[str]:
    return re.findall(r'class="scenario-card__title"><a href="/scenarios/([^"]+)"', html)


def card_of(html: str, slug: str) -> str:
    start = html.index(f'href="/scenarios/{slug}"')
    return html[start : html.index("\n</li>", start)]


def test_the_course_activity_comes_first_under_start_here(client):
    html = client.get("/").get_data(as_text=True)
    assert titles(html)[0] == COURSE  # before "aaa-exam", which sorts first by name
    assert html.index("Start here") < html.index(f'href="/scenarios/{COURSE}"')
    assert html.index(f'href="/scenarios/{COURSE}"') < html.index("Then try")
    assert sorted(titles(html)) == sorted(
        [COURSE, "aaa-exam", "s3-static-data-lake", "rds-managed-database"]
    )


def test_each_card_gives_a_time_from_its_task_count(client, app):
    html = client.get("/").get_data(as_text=True)
    with app.app_context():
        tasks = len(content.content().library.get(COURSE).tasks)
    assert tasks == 16
    assert f"<dt>Time</dt><dd>about {catalogue.minutes_for(16)} min</dd>" in card_of(html, COURSE)
    assert catalogue.minutes_for(16) == 10
    assert catalogue.minutes_for(4) < catalogue.minutes_for(16) < catalogue.minutes_for(40)


def test_the_mode_is_shown_only_where_it_is_not_practice(client):
    html = client.get("/").get_data(as_text=True)
    assert "<dt>Mode</dt>" not in card_of(html, COURSE)
    assert "<dt>Mode</dt><dd>Assessment</dd>" in card_of(html, "aaa-exam")
    assert "Practice" not in html


def test_filter_by_service_model_is_a_plain_get_form(client):
    html = client.get("/").get_data(as_text=True)
    assert re.search(r'<form class="filters" method="get" action="/"', html)
    assert '<option value="managed">Managed service (PaaS)</option>' in html
    managed = client.get("/?model=managed").get_data(as_text=True)
    assert sorted(titles(managed)) == sorted([COURSE, "aaa-exam", "rds-managed-database"])
    assert '<option value="managed" selected>' in managed
    assert "3 of 4 scenarios match." in managed
    abstracted = client.get("/?model=abstracted&provider=aws").get_data(as_text=True)
    assert "s3-static-data-lake" in titles(abstracted)
    assert "rds-managed-database" not in titles(abstracted)


@pytest.mark.parametrize(
    "query",
    [
        "?model=nope",
        "?provider=%F0%9F%92%A5",
        "?model=&provider=",
        "?model=" + "x" * 5000,
        "?provider=azure",
    ],
)
def test_unknown_filter_values_show_everything_and_never_fail(client, query):
    response = client.get("/" + query)
    assert response.status_code == 200
    assert len(titles(response.get_data(as_text=True))) == 4


def test_a_filter_that_matches_nothing_says_so(client, app):
    with app.app_context():
        course = content.content().library.get(COURSE)
        rules = content.rules()
    listing = catalogue.build([course], rules, {}, {"model": "saas"})
    assert listing.filters.model == ""  # no scenario here touches SaaS: no such filter
    entry = catalogue.entry(course, rules, None)
    azure = replace(entry, provider="azure", start_here=False)
    filters = catalogue.read_filters({"provider": "azure"}, [entry, azure])
    assert filters == catalogue.Filters(provider="azure")
    assert [catalogue.matches(e, filters) for e in (entry, azure)] == [False, True]
    assert catalogue.provider_of(course) == "aws"
    assert catalogue.provider_name("azure") == "Microsoft Azure"


def test_nul_in_a_filter_is_refused_at_the_edge(client):
    assert client.get("/?model=%00").status_code == 400
