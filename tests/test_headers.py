"""Security headers: the Content-Security-Policy, Cache-Control on private answers, HSTS.

Every GET route is opened by every kind of visitor (the authorization matrix's routes and
sample data), so a new page is checked as soon as it exists.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask

from tests.conftest import ROOT, make_app
from tests.helpers.authz import ROUTES, _client, _url, make_world
from webapp.headers import CSP, policy, relax_csp

SIGNED_IN = ("instructor", "admin")
DIRECTIVES = {
    "default-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


@pytest.fixture
def world(app):
    return make_world(app)


def parse_csp(value: str) -> dict[str, str]:
    parts = (p.strip().split(None, 1) for p in value.split(";") if p.strip())
    return {p[0]: (p[1] if len(p) > 1 else "") for p in parts}


def _get_cases():
    for endpoint, method, rule in ROUTES:
        if method != "GET":
            continue
        for role in ("anonymous", "learner", "instructor", "admin"):
            yield pytest.param(endpoint, rule, role, id=f"{endpoint}-{role}")


@pytest.mark.parametrize(("endpoint", "rule", "role"), list(_get_cases()))
def test_every_page_has_the_policy_and_signed_in_answers_are_not_stored(
    app,
    world,
    endpoint,
    rule,
    role,
):
    client = _client(app, world, role)
    slug = "mine" if endpoint.startswith("author.") else "s3-vpc-ec2-oracle"
    response = client.get(_url(endpoint, rule, world, slug))
    body = response.get_data(as_text=True)
    response.close()
    assert response.status_code < 500
    if response.mimetype == "text/html":
        csp = parse_csp(response.headers.get("Content-Security-Policy", ""))
        for name, value in DIRECTIVES.items():
            assert csp.get(name) == value, f"{name} on {rule}: {csp}"
        assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
        assert "unsafe-eval" not in response.headers["Content-Security-Policy"]
        assert response.headers["X-Frame-Options"] == "DENY"
        _assert_nothing_inline_but_the_nonce(body, csp)
    cache = response.headers.get("Cache-Control", "")
    if endpoint == "static":
        assert "no-store" not in cache
    elif role in SIGNED_IN:
        assert "no-store" in cache, f"{rule} for {role}: Cache-Control {cache!r}"


def _assert_nothing_inline_but_the_nonce(html: str, csp: dict[str, str]) -> None:
    assert not re.search(r"<[a-z][^>]*\sstyle=", html, re.I), "a style attribute"
    assert not re.search(r"<[a-z][^>]*\son[a-z]+=", html, re.I), "an inline event handler"
    nonces = set(re.findall(r"'nonce-([^']+)'", csp.get("script-src", "")))
    for tag in re.findall(r"<script\b[^>]*>", html, re.I):
        if re.search(r"\ssrc=", tag):
            continue
        found = re.search(r'\snonce="([^"]+)"', tag)
        assert found, f"an inline script without the nonce: {tag}"
        assert found.group(1) in nonces, f"an inline script without the nonce: {tag}"


def test_the_import_map_carries_a_fresh_nonce_per_response(client):
    first = client.get("/scenarios/s3-vpc-ec2-oracle")
    second = client.get("/scenarios/s3-vpc-ec2-oracle")
    nonces = []
    for response in (first, second):
        html = response.get_data(as_text=True)
        tag = re.search(r'<script type="importmap" nonce="([^"]+)">', html)
        assert tag, "the board page's import map has no nonce"
        assert f"'nonce-{tag.group(1)}'" in response.headers["Content-Security-Policy"]
        nonces.append(tag.group(1))
    assert nonces[0] != nonces[1]


def test_a_page_without_an_inline_script_gets_no_nonce(client):
    response = client.get("/")
    assert "nonce-" not in response.headers["Content-Security-Policy"]
    assert parse_csp(response.headers["Content-Security-Policy"])["script-src"] == "'self'"


def test_json_answers_carry_no_page_policy(client):
    response = client.get("/api/v1/scenarios")
    assert response.status_code == 200
    assert "Content-Security-Policy" not in response.headers
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_templates_hold_no_inline_styles_handlers_or_scripts():
    problems = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = path.read_text()
        for pattern, what in (
            (r"\sstyle=", "style attribute"),
            (r"<[a-z][^>]*\son[a-z]+=", "event handler"),
            (r"<script\b(?![^>]*\bsrc=)(?![^>]*\bnonce=)[^>]*>", "inline script without the nonce"),
        ):
            for match in re.finditer(pattern, text, re.I):
                line = text.count("\n", 0, match.start()) + 1
                problems.append(f"{path.relative_to(ROOT)}:{line}: {what}")
    assert not problems, problems


def test_one_view_can_relax_its_policy(_migrated, tmp_path):
    app = make_app(_migrated, tmp_path)

    @app.get("/embedded")
    @relax_csp(frame_ancestors="https://lms.example.org")
    def embedded():
        return "<!doctype html><p>in a frame</p>"

    with app.test_client() as client:
        framed = client.get("/embedded")
        other = client.get("/")
    assert parse_csp(framed.headers["Content-Security-Policy"])["frame-ancestors"] == (
        "https://lms.example.org"
    )
    assert "X-Frame-Options" not in framed.headers
    assert parse_csp(framed.headers["Content-Security-Policy"])["object-src"] == "'none'"
    assert parse_csp(other.headers["Content-Security-Policy"])["frame-ancestors"] == "'none'"
    assert other.headers["X-Frame-Options"] == "DENY"


def test_relax_csp_refuses_an_unknown_directive():
    with pytest.raises(ValueError, match="frame-ancestor"):
        relax_csp(frame_ancestor="*")


def test_policy_is_built_from_one_table():
    built = parse_csp(policy())
    assert built == CSP
    assert parse_csp(policy(nonce="abc"))["script-src"] == "'self' 'nonce-abc'"
    assert CSP["script-src"] == "'self'"  # building a policy never changes the table


# --- Cache-Control on learners' private answers ------------------------------------------


def test_a_learner_with_a_cookie_gets_uncached_pages(app, client):
    graded = client.post(
        "/api/v1/scenarios/s3-vpc-ec2-oracle/grade",
        json={"answers": {}, "variant": "oracle-on-ec2"},
    )
    assert "srm_learner" in graded.headers.get("Set-Cookie", "")
    assert "no-store" in graded.headers["Cache-Control"]
    result = client.get(f"/attempts/{graded.get_json()['attempt_id']}")
    assert result.status_code == 200
    assert "no-store" in result.headers["Cache-Control"]
    assert "no-store" in client.get("/").headers["Cache-Control"]  # shows the best scores


def test_a_visitor_without_cookies_gets_no_needless_no_store(app):
    response = app.test_client().get("/")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")


def test_versioned_static_files_stay_cacheable_when_signed_in(app, client, auth):
    from tests.conftest import make_user

    make_user(app)
    assert auth.login().status_code == 302
    html = client.get("/author/").get_data(as_text=True)
    href = re.search(r'href="(/static/css/app\.css\?v=[^"]+)"', html).group(1)
    response = client.get(href)
    response.close()
    assert "no-store" not in response.headers["Cache-Control"]
    assert "max-age=" in response.headers["Cache-Control"]


def test_the_state_poll_keeps_its_revalidation_for_learners(app, world):
    """Learners' polls keep `no-cache` with an ETag (the 304 path); nothing overrides it."""
    learner = world["learner"]
    learner.set_cookie("srm_class_" + world["code"], "matrix")
    response = learner.get(f"/api/v1/sessions/{world['code']}/state")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["ETag"]


# --- Strict-Transport-Security -----------------------------------------------------------


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/").headers
    secure = client.get("/", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"


@pytest.mark.parametrize(("proxies", "expected"), [(0, False), (1, True)])
def test_hsts_behind_a_proxy_needs_srm_proxies(_migrated, tmp_path, proxies, expected):
    app: Flask = make_app(_migrated, tmp_path, SRM_PROXIES=proxies)
    response = app.test_client().get("/", headers={"X-Forwarded-Proto": "https"})
    assert ("Strict-Transport-Security" in response.headers) is expected


def test_hsts_can_be_turned_off(_migrated, tmp_path):
    app = make_app(_migrated, tmp_path, SRM_HSTS_MAX_AGE=0)
    response = app.test_client().get("/", base_url="https://localhost")
    assert "Strict-Transport-Security" not in response.headers
