"""Names and Role Provisioning Services: a course's members, page by page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import requests

from .ags import authorized
from .client import PlatformClient, ServiceError, json_body
from .tokens import SCOPE_MEMBERSHIPS, TokenCache

MEMBERSHIPS_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
MAX_PAGES = 200  # a course of tens of thousands; a platform that links pages in a loop stops
TEXT_MAX = 200

LEARNER_ROLES = ("Learner", "Student")
INSTRUCTOR_ROLES = ("Instructor", "TeachingAssistant", "ContentDeveloper", "Mentor", "Faculty")


@dataclass(frozen=True)
class Member:
    user_id: str
    name: str | None
    given_name: str | None
    family_name: str | None
    email: str | None
    roles: tuple[str, ...]
    status: str  # Active, Inactive or Deleted

    @property
    def learner(self) -> bool:
        """A learner in the course (by LTI role), not teaching it."""
        short = {role.rsplit("#", 1)[-1].rsplit("/", 1)[-1] for role in self.roles}
        return bool(short & set(LEARNER_ROLES)) and not short & set(INSTRUCTOR_ROLES)

    @property
    def active(self) -> bool:
        return self.status == "Active"

    @property
    def full_name(self) -> str | None:
        """The name to show: the platform's full name, else given and family names."""
        joined = " ".join(p for p in (self.given_name, self.family_name) if p)
        return self.name or joined or None


def members(
    client: PlatformClient,
    tokens: TokenCache,
    http: requests.Session,
    memberships_url: str,
) -> list[Member]:
    """Every member of the context, following the platform's Link: rel="next" pages."""
    found: list[Member] = []
    url: str | None = memberships_url
    seen: set[str] = set()
    while url and url not in seen:
        if len(seen) >= MAX_PAGES:
            raise ServiceError(f"GET {memberships_url}: more than {MAX_PAGES} pages", 502)
        seen.add(url)
        response = authorized(
            client,
            tokens,
            http,
            (SCOPE_MEMBERSHIPS,),
            "GET",
            url,
            headers={"Accept": MEMBERSHIPS_TYPE},
        )
        body = json_body(response)
        rows = body.get("members") if isinstance(body, dict) else None
        if not isinstance(rows, list):
            raise ServiceError(f"GET {url}: the answer holds no members list", 502)
        found.extend(m for m in (_member(row) for row in rows) if m is not None)
        following = response.links.get("next", {}).get("url")
        url = urljoin(url, following) if following else None
    return found


def _text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    cleaned = "".join(ch for ch in value if ch.isprintable()).strip()
    return cleaned[:TEXT_MAX] or None


def _member(row: Any) -> Member | None:
    """A member from one entry of the list; None for an entry without a user id."""
    if not isinstance(row, dict):
        return None
    user_id = _text(row.get("user_id"))
    if user_id is None:
        return None
    roles = row.get("roles")
    return Member(
        user_id=user_id,
        name=_text(row.get("name")),
        given_name=_text(row.get("given_name")),
        family_name=_text(row.get("family_name")),
        email=_text(row.get("email")),
        roles=tuple(r for r in roles if isinstance(r, str))[:20] if isinstance(roles, list) else (),
        status=_text(row.get("status")) or "Active",
    )
