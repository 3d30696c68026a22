"""The way in: header links by role, the host's sessions first, "Run in class" and "Preview"."""

from __future__ import annotations

import re
from html import unescape

import pytest

from tests.author_helpers import THREE_PART, create_scenario, save, signed_in

COURSE = "s3-vpc-ec2-oracle"


def nav_links(html: str) -> dict[str, str]:
    """The header's links: visible name -> href."""
    nav = re.search(r'<nav class="site-nav" aria-label="Main">(.*?)</nav>', html, re.S).group(1)
    links = re.findall(r'<a href="([^"]+)"[^>]*>(.*?)</a>', nav, re.S)
    return {unescape(re.sub(r"<[^>]+>", "", name)).strip(): href for href, name in links}


def nav_buttons(html: str) -> list[str]:
    nav = re.search(r'<nav class="site-nav" aria-label="Main">(.*?)</nav>', html, re.S).group(1)
    return [b.strip() for b in re.findall(r"<button[^>]*>(.*?)</button>", nav, re.S)]


@pytest.mark.parametrize("path", ["/", f"/scenarios/{COURSE}", "/join", "/auth/login"])
def test_a_learner_finds_the_class_and_the_sign_in_from_any_page(client, path):
    html = client.get(path).get_data(as_text=True)
    assert nav_links(html) == {"Scenarios": "/", "Join a class": "/join", "Sign in": "/auth/login"}
    assert nav_buttons(html) == []


def test_the_current_page_is_marked_in_the_header(client):
    html = client.get("/join").get_data(as_text=True)
    assert re.search(r'<a href="/join" aria-current="page">Join a class</a>', html)


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("instructor", {"Scenarios": "/", "Classes": "/host/", "Author": "/author/"}),
        (
            "admin",
            {"Scenarios": "/", "Classes": "/host/", "Author": "/author/", "Admin": "/admin/"},
        ),
    ],
)
def test_signed_in_staff_get_their_own_links(app, role, expected):
    client, _ = signed_in(app, f"{role}@example.org", role)
    for path in ("/", "/host/", "/author/"):
        html = client.get(path).get_data(as_text=True)
        assert nav_links(html) == expected, path
        assert nav_buttons(html) == ["Log out"]
    html = client.get("/host/").get_data(as_text=True)
    assert '<a href="/host/" aria-current="page">Classes</a>' in html


def test_after_logout_the_learner_links_come_back(app):
    client, auth = signed_in(app)
    auth.logout()
    assert "Sign in" in nav_links(client.get("/").get_data(as_text=True))


def test_the_host_sees_their_sessions_before_the_start_form(app):
    from tests.helpers.classroom import Host

    host = Host(app, "host@example.org")
    code = host.create()
    html = host.client.get("/host/").get_data(as_text=True)
    sessions, start = html.index('id="list-heading"'), html.index('id="new-heading"')
    assert sessions < start
    assert html.index(code) < start
    assert 'href="#new-heading"' in html  # a jump to the form past a long list


def _checked(html: str) -> set[str]:
    return set(
        re.findall(
            r'<input type="checkbox" id="pick-([^"]+)" name="scenario" '
            r'value="[^"]+" checked>',
            html,
        )
    )


def test_run_in_class_pre_selects_the_scenario_and_its_variant(app):
    client, _ = signed_in(app)
    html = client.get(f"/host/?scenario={COURSE}&variant-{COURSE}=oracle-on-rds").get_data(
        as_text=True
    )
    assert _checked(html) == {COURSE}
    assert re.search(r'<option value="oracle-on-rds" selected>', html)
    assert "Chosen: Web app with an Oracle database." in html
    # nothing is started by the link: it only fills in the form
    from tests.conftest import count_rows
    from webapp.models import ClassSession

    assert count_rows(app, ClassSession) == 0


def test_run_in_class_with_an_unknown_scenario_just_shows_the_form(app):
    client, _ = signed_in(app)
    response = client.get("/host/?scenario=no-such&scenario=Ghost&variant-no-such=x")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _checked(html) == set()
    assert "Chosen:" not in html
    # a NUL cannot be stored: refused at the edge, like any other address holding one
    assert client.get("/host/?scenario=%00").status_code == 400


def _links_of(html: str, title: str) -> dict[str, str]:
    """The links of one scenario's row on /author/ (name without the hidden part -> href)."""
    row = re.search(
        r'<li class="scenario-list__item">\s*<a class="scenario-list__title" '
        r'href="[^"]+">' + re.escape(title) + r"</a>(.*?)</li>",
        html,
        re.S,
    ).group(1)
    links = re.findall(r'<a href="([^"]+)">(.*?)<span class="visually-hidden">', row, re.S)
    return {unescape(name).strip(): unescape(href) for href, name in links}


def test_author_index_offers_preview_and_run_in_class(app):
    client, auth = signed_in(app)
    draft = create_scenario(client, auth, title="Still a draft", slug="draft")
    published = create_scenario(client, auth, slug="shop")
    save(client, auth, published, THREE_PART, action="publish")
    html = client.get("/author/").get_data(as_text=True)
    assert _links_of(html, "Web app with an Oracle database") == {
        "Preview": f"/author/scenarios/{COURSE}/preview",
        "Run in class": f"/host/?scenario={COURSE}#new-heading",
        "Analytics": f"/author/scenarios/{COURSE}/analytics",
        "Duplicate": f"/author/scenarios/{COURSE}/duplicate",
    }
    assert _links_of(html, "Shop on three services") == {
        "Preview": "/author/scenarios/shop/preview",
        "Run in class": "/host/?scenario=shop#new-heading",
        "Analytics": "/author/scenarios/shop/analytics",
    }
    assert "Run in class" not in _links_of(html, "Still a draft")  # drafts cannot be played
    assert client.get(f"/author/scenarios/{draft}/preview").status_code == 200
    run = client.get("/host/?scenario=shop").get_data(as_text=True)
    assert _checked(run) == {"shop"}
