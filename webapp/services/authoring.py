"""Authored scenarios: create, save the working copy, publish as versions, archive, duplicate.

An authored scenario is a ScenarioRecord whose `draft` holds the editor's working copy.
Publishing validates the copy (build_scenario, as lint does) and makes it a ScenarioVersion
that learners play. A version that attempts (or a class) already use is never changed:
publishing again then adds a new version, so every attempt keeps the one it was graded on.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, selectinload

from ..domain import RuleSet, Scenario, build_scenario, to_document
from ..domain.scenario import ID_PATTERN
from ..domain.text import quote
from ..models import Attempt, ClassSessionScenario, ScenarioRecord, ScenarioVersion, User
from ..models.base import utcnow
from .content import Content, Playable, content, mark_changed

log = logging.getLogger(__name__)


class AuthoringError(ValueError):
    """A request the editor cannot carry out; the message says why."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def slugify(text: str, limit: int = 60) -> str:
    """Lowercase letters, digits and hyphens, from any text."""
    slug = re.sub(r"[^a-z0-9]+", "-", (text or "").lower()).strip("-")
    return slug[:limit].rstrip("-")


def builtin_ids() -> set[str]:
    """Ids of the built-in scenarios: authored ones may not take them."""
    return set(content().library.scenarios)


def check_new_slug(session: Session, slug: str) -> str:
    """A free, well-formed id for a new authored scenario, or AuthoringError."""
    slug = (slug or "").strip()
    if not ID_PATTERN.match(slug):
        raise AuthoringError(
            "Use lowercase letters, digits and hyphens (up to 80), "
            "starting with a letter or digit.",
            "slug",
        )
    if slug in builtin_ids():
        raise AuthoringError(f"{quote(slug)} is a built-in scenario. Choose another id.", "slug")
    if session.execute(select(ScenarioRecord.id).where(ScenarioRecord.slug == slug)).first():
        raise AuthoringError(f"A scenario with the id {quote(slug)} already exists.", "slug")
    return slug


def free_slug(session: Session, base: str) -> str:
    """`base`, or `base-2`, `base-3`... whichever is not taken."""
    base = slugify(base) or "scenario"
    taken = builtin_ids() | set(
        session.execute(
            select(ScenarioRecord.slug).where(ScenarioRecord.slug.like(f"{base}%"))
        ).scalars()
    )
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def blank_document(slug: str, title: str) -> dict[str, Any]:
    """The starting point of a new scenario."""
    return {
        "id": slug,
        "title": title,
        "summary": "",
        "description": "",
        "parties": ["aws", "customer"],
        "components": [],
        "tasks": [],
    }


def canonical(doc: dict[str, Any], rules: RuleSet) -> dict[str, Any]:
    """The document in the exact file shape when it validates; as given otherwise."""
    try:
        return to_document(build_scenario(doc, rules, doc.get("id") or "editor"))
    except Exception:  # noqa: BLE001 - a draft may be incomplete; it is kept as typed
        return doc


def create_scenario(
    session: Session,
    owner: User | None,
    slug: str,
    title: str,
    document: dict[str, Any] | None = None,
) -> ScenarioRecord:
    """A new draft owned by `owner` (flushes)."""
    slug = check_new_slug(session, slug)
    doc = copy.deepcopy(document) if document else blank_document(slug, title)
    doc["id"] = slug
    if title:
        doc["title"] = title
    record = ScenarioRecord(
        slug=slug,
        origin="authored",
        status="draft",
        owner_id=owner.id if owner else None,
        draft=doc,
    )
    session.add(record)
    session.flush()
    return record


def get_record(session: Session, slug: str) -> ScenarioRecord | None:
    """The stored scenario with this id (authored, or a built-in's snapshot record)."""
    return session.execute(
        select(ScenarioRecord).where(ScenarioRecord.slug == slug)
    ).scalar_one_or_none()


def can_edit(user: User, record: ScenarioRecord) -> bool:
    """Authors edit their own scenarios; admins edit any authored one."""
    return record.origin == "authored" and (user.is_admin or record.owner_id == user.id)


def can_see_analytics(user: User, record: ScenarioRecord | None, slug: str) -> bool:
    """Analytics of an authored scenario: its author and admins; of a built-in: any
    instructor (who sees only their own classes' attempts, see analytics_host)."""
    if record is not None and record.origin == "authored":
        return can_edit(user, record)
    return slug in builtin_ids()


def analytics_host(user: User, record: ScenarioRecord | None) -> int | None:
    """Whose class sessions the analytics count: None for every attempt (the author, an
    admin); an instructor on a built-in sees only the sessions they hosted, because the
    catalogue's and other instructors' learners are not theirs to see."""
    if user.is_admin or (record is not None and can_edit(user, record)):
        return None
    return user.id


def authored_for(session: Session, user: User) -> list[ScenarioRecord]:
    """The authored scenarios this user may edit, most recently changed first."""
    query = select(ScenarioRecord).where(ScenarioRecord.origin == "authored")
    if not user.is_admin:
        query = query.where(ScenarioRecord.owner_id == user.id)
    return list(
        session.execute(
            query.order_by(ScenarioRecord.updated_at.desc(), ScenarioRecord.id.desc())
        ).scalars()
    )


def save_draft(
    session: Session, record: ScenarioRecord, doc: dict[str, Any], rules: RuleSet
) -> None:
    """Replace the working copy (the id stays the record's)."""
    doc = dict(doc)
    doc["id"] = record.slug
    record.draft = canonical(doc, rules)
    record.updated_at = utcnow()
    session.flush()


def current_version(record: ScenarioRecord) -> ScenarioVersion | None:
    """The version learners play now: the one published last."""
    live = [v for v in record.versions if v.published_at is not None]
    return max(live, key=lambda v: (v.published_at, v.number)) if live else None


def has_unpublished_changes(record: ScenarioRecord) -> bool:
    """Whether the working copy differs from what learners play."""
    version = current_version(record)
    return version is None or version.document != record.draft


def version_in_use(session: Session, version: ScenarioVersion) -> bool:
    """Whether an attempt or a class already points at this version."""
    return bool(
        session.execute(
            select(
                exists().where(Attempt.version_id == version.id)
                | exists().where(ClassSessionScenario.version_id == version.id)
            )
        ).scalar()
    )


def publish(session: Session, record: ScenarioRecord, rules: RuleSet) -> ScenarioVersion:
    """Make the working copy live. Raises ScenarioError (nothing changes) when it does not
    validate; adds a new version when the current one is already used by attempts."""
    scenario = build_scenario(record.draft, rules, record.slug)
    doc = to_document(scenario)
    now = utcnow()
    same = next((v for v in record.versions if v.content_hash == scenario.content_hash), None)
    latest = record.versions[-1] if record.versions else None
    if same is not None:
        version = same
    elif latest is not None and not version_in_use(session, latest):
        version = latest
        version.document, version.content_hash, version.created_at = doc, scenario.content_hash, now
    else:
        version = ScenarioVersion(
            scenario=record,
            number=(latest.number + 1 if latest else 1),
            content_hash=scenario.content_hash,
            document=doc,
        )
        session.add(version)
    version.published_at = now
    record.draft = doc
    record.status = "published"
    record.updated_at = now
    mark_changed(session)
    session.flush()
    return version


def archive(session: Session, record: ScenarioRecord) -> None:
    """Take the scenario out of the catalogue; attempts and results stay."""
    record.status = "archived"
    record.updated_at = utcnow()
    mark_changed(session)
    session.flush()


def restore(session: Session, record: ScenarioRecord) -> None:
    """Bring an archived scenario back as a draft."""
    record.status = "draft"
    record.updated_at = utcnow()
    mark_changed(session)
    session.flush()


def source_document(session: Session, slug: str) -> tuple[dict[str, Any], ScenarioRecord | None]:
    """The document of any scenario: a built-in's file content or an authored working copy."""
    builtin = content().library.get(slug)
    if builtin is not None:
        return to_document(builtin), None
    record = get_record(session, slug)
    # an authored record is made with its draft, so one without is not a scenario to edit
    if record is None or record.origin != "authored" or record.draft is None:
        raise LookupError(slug)
    return copy.deepcopy(record.draft), record


def duplicate(
    session: Session, owner: User, source: dict[str, Any], slug: str, title: str
) -> ScenarioRecord:
    """A new draft with the source's content under a new id and title."""
    return create_scenario(session, owner, slug, title.strip() or source.get("title", ""), source)


# --- the catalogue hook --------------------------------------------------------------------


def _scenario_of(version: ScenarioVersion, source: Content) -> Scenario | None:
    """The playable scenario of a version, built once per worker for its content and rule set
    (None when the rule set no longer accepts it)."""
    rules = source.rules
    key = (version.id, version.content_hash, rules.digest)
    hit = source.scenarios.get(key)
    if hit is not None:
        return hit or None
    try:
        scenario: Scenario | bool = build_scenario(version.document, rules, version.scenario.slug)
    except Exception:  # noqa: BLE001 - a rule-set change can break an old version
        log.error(
            "authored scenario %s v%s no longer validates", version.scenario.slug, version.number
        )
        scenario = False  # remembered as "not playable" (the cache holds no None)
    return source.scenarios.put(key, scenario) or None


def published_playables(session: Session, source: Content) -> list[Playable]:
    """Published authored scenarios at their current version (the content's authored source)."""
    query = (
        select(ScenarioRecord)
        .where(ScenarioRecord.origin == "authored", ScenarioRecord.status == "published")
        .options(selectinload(ScenarioRecord.versions))
    )
    items = []
    for record in session.execute(query).scalars():
        version = current_version(record)
        scenario = _scenario_of(version, source) if version else None
        if (
            version is not None
            and scenario is not None
            and scenario.id not in source.library.scenarios
        ):
            items.append(Playable(scenario, "authored", version.id))
    return items
