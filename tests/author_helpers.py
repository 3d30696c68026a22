"""Helpers for the author tests: editor form data from a document, an instructor's client."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

from tests.conftest import AuthActions, make_user

THREE_PART = {
    "title": "Shop on three services",
    "summary": "A small shop: web server, database and file storage.",
    "description": "A shop runs its **website** on EC2, keeps orders in a database, files in S3.",
    "parties": ["aws", "customer"],
    "components": [
        {"id": "web", "name": "Web server", "service": "ec2"},
        {"id": "db", "name": "Orders database", "service": "ec2"},
        {"id": "files", "name": "Product photos", "service": "s3"},
    ],
    "variants": [
        {"id": "db-on-ec2", "title": "Database on EC2", "services": {"db": "ec2"}},
        {"id": "db-on-rds", "title": "Database on RDS", "services": {"db": "rds"}},
    ],
    "tasks": [
        {
            "id": "patch-web",
            "text": "Patch the web server's operating system",
            "component": "web",
            "area": "guest-os-patching",
        },
        {
            "id": "patch-db",
            "text": "Apply database engine patches",
            "component": "db",
            "area": "db-engine-patching",
        },
        {
            "id": "photo-access",
            "text": "Decide who may read the photos",
            "component": "files",
            "area": "iam-access",
        },
        {
            "id": "racks",
            "text": "Guard the data centre doors",
            "component": "files",
            "area": "physical-security",
        },
    ],
}


def editor_data(doc: dict, csrf: str, action: str = "save") -> dict:
    """The editor's form fields for a document, as the browser would post them."""
    data = {
        "csrf_token": csrf,
        "action": action,
        "title": doc.get("title", ""),
        "summary": doc.get("summary", ""),
        "description": doc.get("description", ""),
    }
    if "shared" in doc.get("parties", []):
        data["shared"] = "on"
    for i, c in enumerate(doc.get("components", [])):
        data |= {
            f"components-{i}-id": c.get("id", ""),
            f"components-{i}-name": c["name"],
            f"components-{i}-service": c["service"],
            f"components-{i}-inside": c.get("inside", ""),
        }
    for i, v in enumerate(doc.get("variants", [])):
        data |= {f"variants-{i}-id": v.get("id", ""), f"variants-{i}-title": v["title"]}
        for cid, svc in v["services"].items():
            data[f"variants-{i}-service-{cid}"] = svc
    for i, t in enumerate(doc.get("tasks", [])):
        data |= {
            f"tasks-{i}-id": t.get("id", ""),
            f"tasks-{i}-text": t["text"],
            f"tasks-{i}-component": t["component"],
            f"tasks-{i}-area": t["area"],
        }
        if t.get("misconception"):
            data[f"tasks-{i}-misconception"] = str(t["misconception"])
    settings = doc.get("settings", {})
    data |= {
        "mode": settings.get("mode", "practice"),
        "max_attempts": str(settings.get("max_attempts") or ""),
        "feedback": settings.get("feedback", "always"),
        "pass_score": str(round(settings.get("pass_score", 0.8) * 100)),
    }
    if settings.get("feedback_per_card"):
        data["feedback_per_card"] = "on"
    return data


def signed_in(app, email="teacher@example.org", role="instructor"):
    """A new test client signed in as a new account of this role; returns (client, auth)."""
    make_user(app, email, role)
    client = app.test_client()
    auth = AuthActions(client)
    assert auth.login(email=email).status_code == 302
    return client, auth


def create_scenario(client, auth, title="Shop on three services", slug="shop") -> str:
    """Create a draft through the form; returns its id."""
    response = client.post(
        "/author/new", data={"title": title, "slug": slug, "csrf_token": auth.csrf("/author/")}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return slug


def save(client, auth, slug, doc, action="save"):
    """Post the editor form for a document."""
    return client.post(
        f"/author/scenarios/{slug}",
        data=editor_data(doc, auth.csrf(f"/author/scenarios/{slug}"), action),
    )


def grade(client, slug, answers, variant=None):
    """Play a published scenario through the API as a learner."""
    body = {"answers": answers}
    if variant:
        body["variant"] = variant
    return client.post(f"/api/v1/scenarios/{slug}/grade", json=body)


def text_of(html: str) -> str:
    """Visible-ish text of a page (tags dropped), to look for phrases."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


class _FormReader(HTMLParser):
    """Collects what a browser would submit from one form (see form_fields)."""

    def __init__(self, form_class: str):
        super().__init__()
        self.form_class = form_class
        self.inside = False
        self.in_template = 0
        self.fields: dict[str, str] = {}
        self.select: str | None = None
        self.first_option: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and self.form_class in (a.get("class") or ""):
            self.inside = True
        if not self.inside:
            return
        if tag == "template":
            self.in_template += 1
        if not self.in_template:
            self.field(tag, a)

    def field(self, tag, a):
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields[name] = a.get("value", "on")
            elif kind != "submit":
                self.fields[name] = a.get("value", "")
        elif tag == "select":
            self.select, self.first_option = name, None
        elif tag == "option" and self.select:
            if self.first_option is None:
                self.first_option = a.get("value", "")
                self.fields.setdefault(self.select, self.first_option)
            if "selected" in a:
                self.fields[self.select] = a.get("value", "")
        elif tag == "textarea":
            self.textarea = name
            self.fields[name] = ""

    def handle_endtag(self, tag):
        if tag == "template" and self.in_template:
            self.in_template -= 1
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "form":
            self.inside = False

    def handle_data(self, data):
        if self.textarea and not self.in_template:
            self.fields[self.textarea] += data


def form_fields(html: str, form_class: str = "js-editor") -> dict[str, str]:
    """The values a browser would submit from a form on the page (no JavaScript)."""
    reader = _FormReader(form_class)
    reader.feed(html)
    return reader.fields
