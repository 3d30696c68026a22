"""After grading: the verdict line, retry the wrong ones, the solution on the board, the
learner's attempts page and the diagram's stacks, which are part of the answer key."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest

from tests.conftest import SCENARIOS, count_rows
from tests.learn_helpers import COURSE, filled_form, hidden_fields, key_for
from webapp.models import Attempt

EXAM = "exam-held-back"


@pytest.fixture(scope="module")
def scenario_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scenarios")
    text = (SCENARIOS / f"{COURSE}.yaml").read_text(encoding="utf-8")
    (folder / f"{COURSE}.yaml").write_text(text, encoding="utf-8")
    exam = text.replace(f"id: {COURSE}", f"id: {EXAM}").replace(
        "settings:\n  mode: practice\n",
        "settings:\n  mode: assessment\n  max_attempts: 2\n  feedback: after-last\n",
    )
    (folder / f"{EXAM}.yaml").write_text(exam, encoding="utf-8")
    return folder


@pytest.fixture
def app_config(scenario_dir):
    return {"SRM_SCENARIOS_DIR": str(scenario_dir)}


def send(client, app, slug=COURSE, wrong=0, variant=None) -> str:
    response = client.post(
        f"/scenarios/{slug}", data=filled_form(client, app, slug, variant, wrong=wrong)
    )
    assert response.status_code == 303
    return response.headers["Location"].rsplit("/", 1)[-1]


def page(client, url: str) -> str:
    return unescape(client.get(url).get_data(as_text=True))


def wrong_tasks(app, wrong: int, variant: str | None = "oracle-on-ec2") -> list[str]:
    """The tasks filled_form answers wrongly: the first `wrong` of the key's order."""
    return list(key_for(app, COURSE, variant))[:wrong]


# --- the result page ------------------------------------------------------------------


def test_verdict_line_says_passed_or_not_and_the_best_so_far(client, app):
    first = send(client, app, wrong=0)
    html = page(client, f"/attempts/{first}")
    assert "Passed: 100%, at or above the pass mark of 80%." in html
    second = send(client, app, wrong=8)
    html = page(client, f"/attempts/{second}")
    assert "Not passed yet: 50%, below the pass mark of 80%." in html
    assert "Your best so far: 100%." in html


def test_misplaced_cards_come_first_and_correct_ones_are_folded(client, app):
    attempt_id = send(client, app, wrong=3)
    html = page(client, f"/attempts/{attempt_id}")
    folded = html.index('<details class="results-more">')
    assert html.index("To look at again (3)") < folded
    assert "Placed correctly (13)" in html[folded:]
    assert html[:folded].count('class="result result--incorrect"') == 3
    assert 'class="result result--correct"' not in html[:folded]
    assert html[folded:].count('class="result result--correct"') == 13


def test_result_links_retry_solution_and_the_attempts_page(client, app):
    attempt_id = send(client, app, wrong=2)
    html = page(client, f"/attempts/{attempt_id}")
    assert f'href="/attempts/{attempt_id}/retry"' in html
    assert f'href="/attempts/{attempt_id}/solution"' in html
    assert 'href="/attempts"' in html
    assert "Where the line falls" in html
    assert "dg-layer--customer" in html


def test_no_retry_offer_when_every_card_was_right(client, app):
    attempt_id = send(client, app, wrong=0)
    html = page(client, f"/attempts/{attempt_id}")
    assert "/retry" not in html
    assert f'href="/attempts/{attempt_id}/solution"' in html


# --- retry the wrong ones -------------------------------------------------------------


def test_retry_holds_exactly_the_correct_placements(client, app):
    attempt_id = send(client, app, wrong=4)
    key = key_for(app, COURSE, "oracle-on-ec2")
    wrong = set(wrong_tasks(app, 4))
    html = client.get(f"/attempts/{attempt_id}/retry").get_data(as_text=True)
    raw = re.search(r'data-initial-placements="([^"]*)"', html)
    assert raw is not None
    held = json.loads(unescape(raw.group(1)))
    assert held == {t: p for t, p in key.items() if t not in wrong}
    checked = dict(re.findall(r'name="answer-([a-z0-9-]+)" value="([a-z]+)" checked', html))
    assert checked == held
    assert hidden_fields(html)["variant"] == "oracle-on-ec2"
    assert "The 12 cards you placed correctly are already on the board" in unescape(html)


def test_retry_is_graded_as_a_new_attempt(client, app):
    attempt_id = send(client, app, wrong=4)
    html = client.get(f"/attempts/{attempt_id}/retry").get_data(as_text=True)
    data = hidden_fields(html)
    data.update(
        {
            f"answer-{t}": p
            for t, p in re.findall(r'name="answer-([a-z0-9-]+)" value="([a-z]+)" checked', html)
        }
    )
    key = key_for(app, COURSE, "oracle-on-ec2")
    for task in wrong_tasks(app, 4):  # the learner fixes the four in the tray
        data[f"answer-{task}"] = key[task]
    before = count_rows(app, Attempt)
    response = client.post(f"/scenarios/{COURSE}", data=data)
    assert response.status_code == 303
    new_id = response.headers["Location"].rsplit("/", 1)[-1]
    assert new_id != attempt_id
    assert count_rows(app, Attempt) == before + 1
    assert "Passed: 100%" in page(client, f"/attempts/{new_id}")
    # the first attempt is unchanged
    assert "Not passed yet: 75%" in page(client, f"/attempts/{attempt_id}")


def test_only_the_learner_who_made_the_attempt_may_retry_it(client, app):
    attempt_id = send(client, app, wrong=4)
    stranger = app.test_client()
    stranger.get("/")
    assert stranger.get(f"/attempts/{attempt_id}/retry").status_code == 403
    html = page(stranger, f"/attempts/{attempt_id}")  # practice: the result is shareable
    assert "/retry" not in html
    assert "Your best so far" not in html


@pytest.mark.parametrize(
    "path",
    [
        "/attempts/nope/retry",
        "/attempts/nope/solution",
        "/attempts/" + "a" * 300 + "/retry",
        "/attempts/%00%ff/solution",
        "/attempts/..%2F..%2Fetc/retry",
        "/attempts/nope",
        "/attempts/nope/what-if/oracle-on-rds",
    ],
)
def test_bad_attempt_ids_are_not_found_not_errors(client, path):
    assert client.get(path).status_code in (400, 404)


# --- held-back feedback: no key, no stack, no retry -----------------------------------


def test_board_page_draws_the_diagram_without_stacks(client):
    html = page(client, f"/scenarios/{COURSE}")
    assert '<figure class="diagram"' in html
    assert "dg-box--container" in html
    assert "dg-layer" not in html
    assert "Who carries its tasks" not in html


def test_held_back_assessment_result_has_no_stack_retry_or_solution(client, app):
    attempt_id = send(client, app, slug=EXAM, wrong=4)
    html = page(client, f"/attempts/{attempt_id}")
    assert "Cards held back" in html
    assert "dg-layer" not in html
    assert "Who carries its tasks" not in html
    assert "/retry" not in html
    assert "/solution" not in html
    assert client.get(f"/attempts/{attempt_id}/retry").status_code == 403
    assert client.get(f"/attempts/{attempt_id}/solution").status_code == 403
    assert "Attempts: 1 of 2 used · 1 left." in html


def test_no_attempts_left_links_to_the_attempts_page(client, app):
    send(client, app, slug=EXAM, wrong=4)
    send(client, app, slug=EXAM, wrong=4)
    html = page(client, f"/scenarios/{EXAM}")
    assert "No attempts left" in html
    assert 'href="/attempts"' in html


# --- the solution on the board --------------------------------------------------------


def test_solution_lays_every_card_in_its_expected_zone(client, app):
    attempt_id = send(client, app, wrong=2)
    key = key_for(app, COURSE, "oracle-on-ec2")
    html = page(client, f"/attempts/{attempt_id}/solution")
    zones = {party: html[html.index(f'id="solution-{party}"') :] for party in ("aws", "customer")}
    aws_part = zones["aws"][: zones["aws"].find('id="solution-customer"')]
    counts = {p: sum(1 for v in key.values() if v == p) for p in ("aws", "customer")}
    assert aws_part.count('class="solution-card"') == counts["aws"]
    assert html.count('class="solution-card"') == 16
    assert html.count('class="solution-card__mine"') == 2
    assert "dg-layer--aws" in html


# --- the attempts page ----------------------------------------------------------------


def test_attempts_page_lists_only_this_learners_attempts(client, app):
    mine = [send(client, app, wrong=1), send(client, app, wrong=5, variant="oracle-on-rds")]
    other = app.test_client()
    theirs = send(other, app, wrong=2)
    html = page(client, "/attempts")
    for attempt_id in mine:
        assert f'href="/attempts/{attempt_id}"' in html
    assert theirs not in html
    assert "Oracle on Amazon RDS" in html
    assert "94% (15 of 16)" in html
    assert html.index(mine[1]) < html.index(mine[0])  # newest first
    other_html = page(other, "/attempts")
    assert theirs in other_html
    assert all(a not in other_html for a in mine)


def test_attempts_page_for_a_new_browser_is_empty(app):
    fresh = app.test_client()
    response = fresh.get("/attempts")
    assert response.status_code == 200
    assert "You have not sent a board yet" in unescape(response.get_data(as_text=True))


def test_catalogue_links_the_attempts_page(client):
    assert 'href="/attempts"' in client.get("/").get_data(as_text=True)


# --- what-if: the line moves -----------------------------------------------------------


def test_what_if_draws_both_variants_with_the_database_stack_moving(client, app):
    attempt_id = send(client, app, wrong=0)
    html = page(client, f"/attempts/{attempt_id}/what-if/oracle-on-rds")
    texts = re.findall(r'<ul id="whatif-diagram-(\d)-text">(.*?)</details>', html, re.S)
    assert [n for n, _ in texts] == ["0", "1"]

    def database_line(block: str) -> str:
        return re.search(r"<strong>Oracle database</strong>[^<]*", block).group(0)

    on_ec2, on_rds = (database_line(b) for _, b in texts)
    assert "Customer: 4 tasks" in on_ec2 or "Customer: 5 tasks" in on_ec2
    assert on_ec2 != on_rds
    assert "Amazon RDS" in on_rds


def test_attempts_page_follows_the_account_where_signed_in(app):
    from tests.conftest import AuthActions, make_user

    make_user(app, "player@example.org")
    browser = app.test_client()
    anonymous = send(browser, app, wrong=3)  # before signing in: this browser's, no account
    assert AuthActions(browser).login("player@example.org").status_code in (302, 303)
    signed = send(browser, app, wrong=1)
    elsewhere = app.test_client()
    assert AuthActions(elsewhere).login("player@example.org").status_code in (302, 303)
    html = page(elsewhere, "/attempts")
    assert signed in html
    assert anonymous not in html
    assert "with your account" in html
    assert elsewhere.get(f"/attempts/{signed}/retry").status_code == 200
    assert elsewhere.get(f"/attempts/{anonymous}/retry").status_code == 403
