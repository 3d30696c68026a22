"""Bad input is refused at the edge: the exact requests an outside check found giving a 500
(NUL bytes, lone surrogates, deep JSON, open redirects, an alias-bomb upload), each now a
400, a form error next to its field, or a same-site redirect, with nothing stored."""

from __future__ import annotations

import io
from html import unescape

import pytest

from tests.author_helpers import THREE_PART, create_scenario, editor_data, signed_in
from tests.conftest import AuthActions, csrf_token_from, make_user
from tests.edge_helpers import row_counts
from tests.helpers.classroom import API, COURSE, join
from webapp.domain.text import quote, shorten, text_problem
from webapp.edge import InputError, json_depth_exceeds, parse_json, redirect_target

DEEP = "[" * 1000 + "]" * 1000  # 2 KB


# --- the checks themselves ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("a\x00b", "NUL"),
        ("\ud800", "surrogate"),
        ("bell\x07", "U+0007"),
        ("x\x1b[31m", "U+001B"),
        ("DEL\x7f", "U+007F"),
    ],
)
def test_text_problem_names_what_cannot_be_stored(value, problem):
    assert problem in text_problem(value)


@pytest.mark.parametrize("value", ["plain", "two\nlines\r\nand\ttabs", "Zoë · 東京 · 🙂", ""])
def test_text_problem_accepts_real_text(value):
    assert text_problem(value) is None


def test_quote_shows_a_short_escaped_prefix():
    quoted = quote("evil\x00\u2028" + "x" * 5000)
    assert quoted.startswith("'evil\\x00\\u2028xx")
    assert quoted.endswith("…'")
    assert len(quoted) < 60
    nested = [[[["deep"] * 9] * 9] * 9] * 9
    assert len(shorten(nested)) <= 41


def test_json_depth_is_counted_without_recursion():
    assert json_depth_exceeds("[" * 100_000)
    assert not json_depth_exceeds("[" * 32 + "]" * 32)
    assert json_depth_exceeds("[" * 33 + "]" * 33)
    assert not json_depth_exceeds('["' + "[" * 100 + '"]')  # brackets inside a string
    assert not json_depth_exceeds('["\\"' + "[" * 100 + '"]')  # after an escaped quote


@pytest.mark.parametrize(
    ("raw", "detail"),
    [
        (DEEP.encode(), "nested deeper than 32"),
        (b'{"a": "x\\u0000"}', "NUL"),
        (b'{"a": ["\\ud800"]}', "surrogate"),
        (b'{"\\u0000": 1}', "a key at $"),
        (b"\xff", "not UTF-8"),
    ],
)
def test_parse_json_refuses(raw, detail):
    with pytest.raises(InputError) as caught:
        parse_json(raw)
    assert caught.value.status == 400
    assert detail in " ".join(caught.value.details)


# --- NUL in a path segment or a query ----------------------------------------------------------

NUL_PAGES = [
    "/scenarios/%00",
    "/scenarios/aws%00x",
    "/join?code=%00",
    "/play/%00",
    "/play/AB%00CD/panel",
    "/attempts/%00",
    f"/scenarios/{COURSE}?variant=%00",
    "/?%00=1",
    "/auth/setup/%00",
    "/auth/invite/%00",
]
NUL_API = [
    "/api/v1/attempts/%00",
    "/api/v1/sessions/AB%00CD/state",
    "/api/v1/scenarios/%00",
    f"/api/v1/scenarios/{COURSE}?variant=%00",
    "/api/v1/responsibility?area=%00&service=ec2",
    "/api/v1/sessions/AB%00CD/me",
]


@pytest.mark.parametrize("path", NUL_PAGES)
def test_nul_in_a_page_address_is_a_400_page(client, path):
    response = client.get(path)
    assert response.status_code == 400
    assert "NUL character" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", NUL_API)
def test_nul_in_an_api_address_is_a_400_with_details(client, path):
    response = client.get(path)
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "the request holds text that cannot be stored"
    assert any("NUL character" in d for d in body["details"])


def test_nul_in_the_address_of_host_pages_and_posts(app, host):
    code = host.create()
    before = row_counts(app)
    for path in ["/host/AB%00CD", "/host/AB%00CD/panel", "/host/AB%00CD/report"]:
        assert host.client.get(path).status_code == 400, path
    for path in [
        f"{API}/AB%00CD/open",
        f"{API}/AB%00CD/join",
        f"{API}/AB%00CD/answers",
        f"{API}/{code}/participants/1/remove?x=%00",
    ]:
        response = host.post(path, {"nickname": "Ada"})
        assert response.status_code == 400, path
        assert response.get_json()["details"]
    assert row_counts(app) == before


def test_state_poll_with_a_nul_is_refused_before_the_fast_path(app, host):
    code = host.create()
    client = app.test_client()
    assert client.get(f"{API}/{code}/state").status_code == 200
    assert client.get(f"{API}/{code[:3]}%00{code[3:]}/state").status_code == 400


# --- NUL in form fields: an error next to the field ------------------------------------------


def test_login_with_a_nul_in_the_email_is_an_error_next_to_the_field(app, client):
    make_user(app)
    token = csrf_token_from(client)
    before = row_counts(app)
    response = client.post(
        "/auth/login",
        data={"email": "a\x00@example.org", "password": "whatever", "csrf_token": token},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    error = html[html.index('id="email-error"') :]
    assert "This contains a NUL character. Remove it and try again." in error[:300]
    assert row_counts(app) == before


def test_join_form_with_a_nul_in_the_nickname(app, host):
    code = host.create()
    learner = app.test_client()
    token = csrf_token_from(learner, "/join")
    before = row_counts(app)
    response = learner.post(
        "/join", data={"csrf_token": token, "code": code, "nickname": "Ada\x00"}
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "This contains a NUL character" in html[html.index('id="nickname-error"') :][:300]
    assert row_counts(app) == before


def test_editor_save_with_a_control_character_marks_the_field(app):
    client, auth = signed_in(app)
    slug = create_scenario(client, auth)
    doc = {**THREE_PART, "tasks": [{**THREE_PART["tasks"][0], "text": "Patch\x00 the OS"}]}
    before = row_counts(app)
    response = client.post(
        f"/author/scenarios/{slug}", data=editor_data(doc, auth.csrf(f"/author/scenarios/{slug}"))
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Nothing was saved" in html
    assert "This contains a NUL character. Remove it and try again." in html
    assert 'id="tasks-0-text"' in html
    assert 'aria-invalid="true"' in html
    assert row_counts(app) == before


def test_host_start_form_with_a_nul_scenario_id(app, host):
    page = host.client.get("/host/").get_data(as_text=True)
    import re

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    before = row_counts(app)
    response = host.client.post(
        "/host/",
        data={
            "csrf_token": token,
            "scenario": "x\x00",
            "feedback": "after-reveal",
            "answer_sets": "1",
        },
    )
    assert response.status_code == 400
    assert "NUL character" in response.get_data(as_text=True)
    assert row_counts(app) == before


def test_upload_with_a_nul_in_the_file_name(app):
    client, auth = signed_in(app)
    before = row_counts(app)
    response = client.post(
        "/author/import",
        content_type="multipart/form-data",
        data={
            "csrf_token": auth.csrf("/author/"),
            "files": [(io.BytesIO(b"id: x\n"), "bad\x00name.yaml")],
        },
    )
    assert response.status_code == 400
    assert "NUL character" in response.get_data(as_text=True)
    assert row_counts(app) == before


# --- NUL or lone surrogates in JSON bodies -------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"scenarios": ["\ud800"]},
        {"scenarios": [COURSE + "\x00"]},
        {"scenarios": [{"id": COURSE, "variant": "\ud800"}]},
        {"scenarios": [COURSE], "\x00": 1},
    ],
)
def test_class_start_with_bad_text_is_a_400(app, host, body):
    before = row_counts(app)
    response = host.post(API, body)
    assert response.status_code == 400
    assert response.get_json()["error"] == "the request holds text that cannot be stored"
    assert row_counts(app) == before


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("scenario_id", "\ud800"),
        ("scenario_id", "s3\x00"),
        ("participant_token", "\x00" * 30),
        ("answers", {"patch-oracle\x00": "aws"}),
        ("answers", {"patch-oracle": "\udfff"}),
    ],
)
def test_class_answers_with_bad_text_are_a_400(app, host, field, value):
    code = host.create()
    host.act(code, "open")
    learner, token = join(app, code, "Ada")
    body = {"participant_token": token, "scenario_id": COURSE, "answers": {}, field: value}
    before = row_counts(app)
    response = learner.post(f"{API}/{code}/answers", json=body)
    assert response.status_code == 400
    assert response.get_json()["details"]
    assert row_counts(app) == before


def test_join_with_a_surrogate_nickname(app, host):
    code = host.create()
    before = row_counts(app)
    response = app.test_client().post(f"{API}/{code}/join", json={"nickname": "Ada\ud800"})
    assert response.status_code == 400
    assert "surrogate" in response.get_json()["details"][0]
    assert row_counts(app) == before


def test_grading_with_bad_text_is_a_400(app, client):
    before = row_counts(app)
    for body in (
        {"answers": {"patch-oracle": "aws\x00"}},
        {"variant": "\ud800"},
        {"answers": {"\ud83d": "aws"}},
    ):
        response = client.post(f"/api/v1/scenarios/{COURSE}/grade", json=body)
        assert response.status_code == 400, body
    assert row_counts(app) == before


# --- deep JSON on every endpoint that reads a JSON body ----------------------------------------

READS_JSON = {
    "api.grade_scenario",
    "classroom_api.create",
    "classroom_api.leaderboard",
    "classroom_api.join",
    "classroom_api.answers",
    "api.check_card",
    "practice_api.deal_round",
}


def _post_api_rules(app):
    return sorted(
        (
            r
            for r in app.url_map.iter_rules()
            if r.rule.startswith("/api/") and "POST" in (r.methods or ())
        ),
        key=lambda r: r.rule,
    )


def test_deep_json_is_refused_by_every_json_endpoint(app, host):
    from flask import url_for

    code = host.create()
    host.act(code, "open")
    values = {
        "code": code,
        "scenario_id": COURSE,
        "action": "next",
        "participant_id": 1,
        "round_id": "0" * 32,
    }
    with app.test_request_context():
        urls = [
            (rule.endpoint, url_for(rule.endpoint, **{k: values[k] for k in rule.arguments}))
            for rule in _post_api_rules(app)
        ]
    before = row_counts(app)
    seen = set()
    for endpoint, url in urls:
        for client, headers in ((app.test_client(), {}), (host.client, host.headers)):
            response = client.post(url, data=DEEP, content_type="application/json", headers=headers)
            assert response.status_code < 500, url
            if endpoint in READS_JSON and response.status_code == 400:
                assert "nested deeper than 32" in response.get_json()["details"][0], url
                seen.add(endpoint)
    assert seen == READS_JSON
    assert row_counts(app) == before


# --- redirects stay on the site -------------------------------------------------------------------

EVIL_NEXT = [
    "/%09/evil.example",
    "//evil.example",
    "/%5Cevil.example",
    "%5C%5Cevil.example",
    "https://evil.example/",
    "/%0d/x",
    "javascript:alert(1)",
    "%20//evil.example",
    "/%0a/evil.example",
    "http:evil.example",
    "///evil.example",
    "/%E2%80%83/evil",
]


@pytest.mark.parametrize("raw", EVIL_NEXT)
def test_login_never_redirects_off_the_site(app, raw):
    make_user(app)
    client = app.test_client()
    token = csrf_token_from(client)
    response = client.post(
        f"/auth/login?next={raw}",
        data={
            "email": "teacher@example.org",
            "password": "correct horse battery staple",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/author/"
    again = client.get(f"/auth/login?next={raw}")  # signed in already: the same rule
    assert again.status_code == 302
    assert again.headers["Location"] == "/author/"


def test_login_follows_a_same_site_next(app):
    make_user(app)
    client = app.test_client()
    response = AuthActions(client).login()
    assert response.status_code == 302
    response = client.get("/auth/login?next=/host/%3Fx%3D1")
    assert response.headers["Location"] == "/host/?x=1"


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/host/", "/host/"),
        ("/author/scenarios/shop?x=1", "/author/scenarios/shop?x=1"),
        ("/\t/evil.example", "/"),
        ("/\\evil", "/"),
        ("\\/evil", "/"),
        (" /ok", "/ok"),
        ("/\u3000/evil", "/"),
        (None, "/"),
        ("", "/"),
        ("ok", "/"),
        ("/a\r\n/b", "/a/b"),
    ],
)
def test_redirect_target(target, expected):
    assert redirect_target(target, "/") == expected


# --- YAML uploads ---------------------------------------------------------------------------------


def _alias_bomb() -> str:
    """Seven levels of 9-way aliases under parties: about 4.8 million values from 0.4 KB."""
    lines = [
        "id: bomb",
        "title: Bomb",
        "summary: s",
        'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    ]
    for level in range(1, 7):
        refs = ",".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{refs}]")
    lines.append("parties: [*a6]")
    return "\n".join(lines) + "\n"


def _upload(client, auth, name, text):
    return client.post(
        "/author/import",
        content_type="multipart/form-data",
        data={"csrf_token": auth.csrf("/author/"), "files": [(io.BytesIO(text.encode()), name)]},
    )


def test_alias_bomb_upload_is_refused_with_a_small_page(app):
    bomb = _alias_bomb()
    assert len(bomb) < 600
    client, auth = signed_in(app)
    before = row_counts(app)
    response = _upload(client, auth, "bomb.yaml", bomb)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "bomb.yaml:5: invalid YAML: aliases (*name) are not allowed" in html
    assert len(html) < 40_000
    assert row_counts(app) == before


def test_deeply_nested_yaml_upload_is_refused(app):
    client, auth = signed_in(app)
    response = _upload(client, auth, "deep.yaml", "parties: " + "[" * 5000 + "]" * 5000 + "\n")
    assert response.status_code == 400
    assert "nested deeper than 32 levels" in response.get_data(as_text=True)


def test_upload_errors_quote_a_short_prefix_of_a_value(app):
    client, auth = signed_in(app)
    huge = "z" * 20_000
    text = (
        f"id: shop-two\ntitle: T\nsummary: S\nparties: [aws, customer, {huge}]\n"
        f"components:\n  - {{id: web, name: Web, service: {huge}}}\n"
        f"tasks:\n  - {{id: t, text: T, component: web, area: {huge}}}\n"
        f"{'y' * 1000}: 1\n"
    )
    response = _upload(client, auth, "big.yaml", text)
    assert response.status_code == 400
    html = unescape(response.get_data(as_text=True))
    for start in (
        "unknown party 'zzzz",
        "unknown service 'zzzz",
        "unknown area 'zzzz",
        "unknown field 'yyyy",
    ):
        assert start in html
    assert "z" * 41 not in html
    assert "y" * 41 not in html
    assert len(html) < 40_000


def test_api_messages_quote_a_short_prefix(client):
    response = client.get("/api/v1/attempts/" + "q" * 3000)
    assert response.status_code == 404
    assert len(response.get_json()["error"]) < 80
