"""An assessment launched from a platform: the attempt limit and the feedback follow the
person (issuer and subject) into any browser, as a signed-in account's do."""

from __future__ import annotations

import pytest

from tests.helpers.leaks import board_attempt, key_leaks, readable
from tests.helpers.modes import COURSE_FILE, _scenario

EXAM = "exam-after-last"


@pytest.fixture(scope="module")
def scenario_dir(tmp_path_factory):
    import shutil

    folder = tmp_path_factory.mktemp("scenarios")
    shutil.copy(COURSE_FILE, folder)
    _scenario(
        folder, EXAM, "settings:\n  mode: assessment\n  max_attempts: 2\n  feedback: after-last\n"
    )
    return folder


@pytest.fixture
def app_config(scenario_dir):
    return {"SRM_SCENARIOS_DIR": str(scenario_dir)}


def test_the_attempt_limit_and_feedback_follow_the_launched_learner(app, lti_platform):
    first_browser, second_browser = app.test_client(), app.test_client()
    custom = {"scenario": EXAM, "mode": "board"}
    assert lti_platform.launch(first_browser, custom=custom).status_code == 303
    first = board_attempt(first_browser, app, EXAM, wrong=4)
    held = first_browser.get(f"/attempts/{first}")
    assert key_leaks(app, held, EXAM) == 0  # one attempt left: feedback still held back
    assert lti_platform.launch(second_browser, custom=custom).status_code == 303
    assert "Attempts: 1 of 2 used · 1 left." in readable(second_browser.get(f"/scenarios/{EXAM}"))
    last = board_attempt(second_browser, app, EXAM, wrong=2)
    assert "No attempts left" in readable(first_browser.get(f"/scenarios/{EXAM}"))
    for viewer, attempt_id in ((second_browser, last), (first_browser, first)):
        result = viewer.get(f"/attempts/{attempt_id}")
        assert key_leaks(app, result, EXAM) > 0
    # another learner of the same course holding the address sees the score only
    classmate = app.test_client()
    lti_platform.launch(classmate, hint="learner-2", custom=custom)
    assert key_leaks(app, classmate.get(f"/attempts/{first}"), EXAM) == 0
