"""Every route x every role: who may open what.

The routes come from app.url_map, so a new route fails this test until it has an entry in
EXPECTED: the authorization matrix stays honest as the product grows. Roles: anonymous,
a learner (anonymous with the learner cookie and an attempt), the instructor who owns the
scenario "mine", another instructor, and an admin.
"""

from __future__ import annotations

import pytest

from tests.helpers.authz import ROUTES, _client, _url, make_world
from tests.helpers.csrf import csrf_token_from

ROLES = ("anonymous", "learner", "instructor", "other", "admin")

# (endpoint, method): statuses for anonymous, learner, instructor, other instructor, admin.
# 302 for anonymous/learner on account pages is the redirect to /auth/login.
# A set means any of these statuses (the outcome past the access check is another page's
# business); every one of them still rules out the refusals the other roles get.
EXPECTED: dict[tuple[str, str], tuple[int | set[int], ...]] = {
    ("static", "GET"): (200, 200, 200, 200, 200),
    # learner pages and the JSON API are public
    ("learn.catalogue", "GET"): (200, 200, 200, 200, 200),
    ("learn.board", "GET"): (200, 200, 200, 200, 200),
    ("learn.submit", "POST"): (303, 303, 303, 303, 303),
    ("learn.result", "GET"): (200, 200, 200, 200, 200),
    ("learn.what_if", "GET"): (200, 200, 200, 200, 200),
    ("learn.attempts", "GET"): (200, 200, 200, 200, 200),  # each sees only their own
    # only the learner whose attempt it is may retry it
    ("learn.retry", "GET"): (403, 200, 403, 403, 403),
    ("learn.solution", "GET"): (200, 200, 200, 200, 200),
    ("api.list_scenarios", "GET"): (200, 200, 200, 200, 200),
    ("api.show_scenario", "GET"): (200, 200, 200, 200, 200),
    ("api.grade_scenario", "POST"): (200, 200, 200, 200, 200),
    ("api.check_card", "POST"): (400, 400, 400, 400, 400),  # no task given
    ("api.show_attempt", "GET"): (200, 200, 200, 200, 200),
    ("api.responsibility", "GET"): (200, 200, 200, 200, 200),
    ("api.rule_catalogue", "GET"): (200, 200, 200, 200, 200),
    ("api.list_providers", "GET"): (200, 200, 200, 200, 200),
    ("learn.comparison_index", "GET"): (200, 200, 200, 200, 200),
    ("learn.comparison", "GET"): (200, 200, 200, 200, 200),
    # sign-in pages: signed-in users are sent on from the login page
    ("auth.login", "GET"): (200, 200, 302, 302, 302),
    ("auth.login", "POST"): (401, 401, 302, 302, 302),
    ("auth.logout", "POST"): (302, 302, 302, 302, 302),
    ("auth.setup", "GET"): (404, 404, 404, 404, 404),  # no live token: the link is dead
    ("auth.setup", "POST"): (404, 404, 404, 404, 404),
    ("auth.invitation", "GET"): (404, 404, 404, 404, 404),
    ("auth.invitation", "POST"): (404, 404, 404, 404, 404),
    ("auth.reset", "GET"): (404, 404, 404, 404, 404),
    ("auth.reset", "POST"): (404, 404, 404, 404, 404),
    # author pages: instructors and admins; "mine" belongs to the instructor
    ("author.index", "GET"): (302, 302, 200, 200, 200),
    ("author.new", "GET"): (302, 302, 200, 200, 200),
    ("author.new", "POST"): (302, 302, 400, 400, 400),  # empty form: errors, nothing made
    ("author.edit", "GET"): (302, 302, 200, 403, 200),
    ("author.save", "POST"): (302, 302, 302, 403, 302),
    ("author.check", "POST"): (302, 302, 200, 403, 200),
    ("author.archive", "POST"): (302, 302, 302, 403, 302),
    ("author.restore", "POST"): (302, 302, 302, 403, 302),
    ("author.duplicate", "GET"): (302, 302, 200, 403, 200),
    ("author.duplicate", "POST"): (302, 302, 400, 403, 400),
    ("author.preview", "GET"): (302, 302, 200, 403, 200),
    ("author.preview", "POST"): (302, 302, 200, 403, 200),
    ("author.export", "GET"): (302, 302, 200, 403, 200),
    ("author.import_page", "GET"): (302, 302, 200, 200, 200),
    ("author.import_page", "POST"): (302, 302, 400, 400, 400),  # no files: nothing imported
    ("author.analytics", "GET"): (302, 302, 200, 403, 200),
    ("author.analytics_csv", "GET"): (302, 302, 200, 403, 200),
    ("author.analytics_practice", "POST"): (302, 302, 303, 403, 303),  # no pairs yet
    # account management: admins only
    ("admin.index", "GET"): (302, 302, 403, 403, 200),
    ("admin.invite", "POST"): (302, 302, 403, 403, 400),  # empty form
    ("admin.new_link", "POST"): (302, 302, 403, 403, 201),
    ("admin.reset_link", "POST"): (302, 302, 403, 403, 201),
    ("admin.disable", "POST"): (302, 302, 403, 403, 302),
    ("admin.enable", "POST"): (302, 302, 403, 403, 302),
    ("admin.lti_platforms", "GET"): (302, 302, 403, 403, 200),
    ("admin.lti_add_platform", "POST"): (302, 302, 403, 403, 400),  # empty form
    ("admin.lti_remove_platform", "POST"): (302, 302, 403, 403, 404),  # no such platform
    # LTI: the keys and configuration are public; login and launch come from a platform
    # (refused here: no parameters); the picker and a link's policy need that launch
    ("lti.jwks", "GET"): (200, 200, 200, 200, 200),
    ("lti.config_json", "GET"): (200, 200, 200, 200, 200),
    ("lti.login", "GET"): (400, 400, 400, 400, 400),
    ("lti.login", "POST"): (400, 400, 400, 400, 400),
    ("lti.launch", "POST"): (400, 400, 400, 400, 400),
    ("lti.deep_link", "GET"): (403, 403, 403, 403, 403),
    ("lti.deep_link", "POST"): (403, 403, 403, 403, 403),
    ("lti.score_policy", "POST"): (403, 403, 403, 403, 403),
    # only the host, launched from a course whose platform gives its roster
    ("lti.import_course_roster", "POST"): (302, 302, 403, 403, 403),
    # class sessions: "MATRIX42" is hosted by the instructor; admins may run any session
    ("classroom.host_index", "GET"): (302, 302, 200, 200, 200),
    ("classroom.host_index", "POST"): (302, 302, 400, 400, 400),  # empty form
    ("classroom.host_session", "GET"): (302, 302, 200, 403, 200),
    ("classroom.host_panel", "GET"): (302, 302, 200, 403, 200),
    ("classroom.host_report", "GET"): (302, 302, 200, 403, 200),
    ("classroom.host_action", "POST"): (302, 302, 302, 403, 302),
    ("classroom.host_leaderboard", "POST"): (302, 302, 302, 403, 302),
    ("classroom.host_remove", "POST"): (302, 302, 302, 403, 302),
    ("classroom.host_lock", "POST"): (302, 302, 302, 403, 302),
    ("classroom.host_live", "POST"): (302, 302, 302, 403, 302),
    ("classroom.host_present", "GET"): (302, 302, 200, 403, 200),
    ("classroom.host_present_panel", "GET"): (302, 302, 200, 403, 200),
    ("classroom.join", "GET"): (200, 200, 200, 200, 200),
    ("classroom.join", "POST"): (400, 400, 400, 400, 400),  # no nickname given
    ("classroom.play", "GET"): (302, 302, 302, 302, 302),  # not a participant: to /join
    ("classroom.play_panel", "GET"): (200, 200, 200, 200, 200),
    ("classroom.play_submit", "POST"): (302, 302, 302, 302, 302),
    ("classroom_api.create", "POST"): (403, 403, 400, 400, 400),  # no scenarios picked
    ("classroom_api.dashboard", "GET"): (403, 403, 200, 403, 200),
    ("classroom_api.report", "GET"): (403, 403, 200, 403, 200),
    # the host may act; whether "open" succeeds from the lobby is the classroom's business
    ("classroom_api.host_action", "POST"): (403, 403, {200, 409}, 403, {200, 409}),
    ("classroom_api.leaderboard", "POST"): (403, 403, 400, 403, 400),  # no "show" given
    ("classroom_api.remove", "POST"): (403, 403, 200, 403, 200),
    ("classroom_api.lock", "POST"): (403, 403, 400, 403, 400),  # no "locked" given
    ("classroom_api.live", "POST"): (403, 403, 400, 403, 400),  # no "show" given
    ("classroom_api.draft", "POST"): (403, 403, 403, 403, 403),  # not a participant
    ("classroom_api.join", "POST"): (400, 400, 400, 400, 400),  # no nickname given
    ("classroom_api.state", "GET"): (200, 200, 200, 200, 200),
    ("classroom_api.answers", "POST"): (403, 403, 403, 403, 403),  # not a participant
    ("classroom_api.me", "GET"): (403, 403, 403, 403, 403),
    # practice is public; a round exists only for the learner it was dealt to (none here)
    ("practice.practice", "GET"): (200, 200, 200, 200, 200),
    ("practice.submit", "POST"): (404, 404, 404, 404, 404),
    ("practice.result", "GET"): (404, 404, 404, 404, 404),
    ("practice.progress", "GET"): (200, 200, 200, 200, 200),
    ("practice.progress_csv", "GET"): (200, 200, 200, 200, 200),
    ("practice.progress_json", "GET"): (200, 200, 200, 200, 200),
    ("practice.host_pairs", "GET"): (302, 302, 200, 403, 200),
    ("practice.host_make_link", "POST"): (302, 302, 303, 403, 303),  # no pairs yet
    ("practice_api.deal_round", "POST"): (400, 400, 400, 400, 400),  # "answers" is no field
    ("practice_api.answer_round", "POST"): (404, 404, 404, 404, 404),
    ("practice_api.show_round", "GET"): (404, 404, 404, 404, 404),
    ("practice_api.progress", "GET"): (200, 200, 200, 200, 200),
}

# built-in scenarios: anyone signed in may read, preview, export and duplicate, and see their
# analytics (an instructor's count only the sessions they hosted); nobody edits them
BUILTIN_EXPECTED: dict[tuple[str, str], tuple[int, ...]] = {
    ("author.edit", "GET"): (302, 302, 200, 200, 200),
    ("author.save", "POST"): (302, 302, 403, 403, 403),
    ("author.check", "POST"): (302, 302, 403, 403, 403),
    ("author.archive", "POST"): (302, 302, 403, 403, 403),
    ("author.restore", "POST"): (302, 302, 403, 403, 403),
    ("author.duplicate", "GET"): (302, 302, 200, 200, 200),
    ("author.preview", "GET"): (302, 302, 200, 200, 200),
    ("author.export", "GET"): (302, 302, 200, 200, 200),
    ("author.analytics", "GET"): (302, 302, 200, 200, 200),
    ("author.analytics_csv", "GET"): (302, 302, 200, 200, 200),
    ("author.analytics_practice", "POST"): (302, 302, 303, 303, 303),
}


def test_every_route_has_an_expected_entry():
    missing = [(e, m, r) for e, m, r in ROUTES if (e, m) not in EXPECTED]
    assert not missing, f"add these routes to EXPECTED in {__name__}: {missing}"
    stale = set(EXPECTED) - {(e, m) for e, m, _ in ROUTES}
    assert not stale, f"EXPECTED names routes that no longer exist: {sorted(stale)}"


@pytest.fixture
def world(app):
    return make_world(app)


def _request(client, method, url):
    if method == "GET":
        response = client.get(url)
        response.close()
        return response
    if url.startswith("/api/"):
        # calls made with a login session carry the CSRF header, as the pages' fetch() does
        headers = {"X-CSRFToken": csrf_token_from(client, "/")}
        return client.post(url, json={"answers": {}}, headers=headers)
    data = {"csrf_token": csrf_token_from(client, "/")}
    if url.startswith("/auth/login"):
        data |= {"email": "nobody@example.org", "password": "wrong password here"}
    return client.post(url, data=data)


def _cases(table):
    for endpoint, method, rule in ROUTES:
        if (endpoint, method) not in table:
            continue
        for i, role in enumerate(ROLES):
            yield pytest.param(
                endpoint,
                method,
                rule,
                role,
                table[(endpoint, method)][i],
                id=f"{endpoint}-{method}-{role}",
            )


@pytest.mark.parametrize(("endpoint", "method", "rule", "role", "status"), list(_cases(EXPECTED)))
def test_route_role_status(app, world, endpoint, method, rule, role, status):
    client = _client(app, world, role)
    response = _request(client, method, _url(endpoint, rule, world, "mine"))
    assert response.status_code in (status if isinstance(status, set) else {status}), (
        f"{method} {rule} as {role}: {response.status_code}, expected {status}"
    )


@pytest.mark.parametrize(
    ("endpoint", "method", "rule", "role", "status"), list(_cases(BUILTIN_EXPECTED))
)
def test_builtin_scenario_route_role_status(app, world, endpoint, method, rule, role, status):
    client = _client(app, world, role)
    response = _request(client, method, _url(endpoint, rule, world, "s3-vpc-ec2-oracle"))
    assert response.status_code == status, (
        f"{method} {rule} (built-in) as {role}: {response.status_code}, expected {status}"
    )


def test_a_scenario_that_does_not_exist_is_404_for_everyone_signed_in(app, world):
    for role in ("instructor", "other", "admin"):
        client = _client(app, world, role)
        for path in (
            "/author/scenarios/nope",
            "/author/scenarios/nope/analytics",
            "/author/scenarios/nope/export.yaml",
        ):
            assert client.get(path).status_code == 404, (role, path)
