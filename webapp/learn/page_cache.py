"""Learners' pages rendered once per content, then filled in for each viewer.

A page whose HTML depends only on published content (the catalogue, a scenario's board) is
rendered with slots where a viewer's own parts go: the CSRF token, the CSP nonce, the
learner's best scores, the board's shuffled cards. The rendered text is split at its slots
once and kept per worker, keyed by the content it shows (scenario ids and content hashes,
the rule set's digest), so publishing, which changes what is listed, changes the key.
A request fills the slots: a join of strings instead of a template run.

Only anonymous viewers with no flashed message get a filled page: the header of a
signed-in account (its links, its log-out form) and a flash are rendered as before.
Nothing put in a slot or in the cached text comes from the answer key.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from flask import current_app, render_template, session
from markupsafe import Markup

from ..cache import BoundedCache
from ..headers import signed_in

_SLOT = re.compile("\x00([^\x00]*)\x00")


def slot(name: str) -> Markup:
    """A place for a viewer's own text in a page rendered for every viewer."""
    return Markup(f"\x00{name}\x00")


@dataclass(frozen=True)
class Page:
    """Rendered text split at its slots: literal, slot name, literal, ..., literal."""

    parts: tuple[str, ...]

    @classmethod
    def compile(cls, html: str) -> Page:
        return cls(tuple(_SLOT.split(html)))

    def fill(self, value: Callable[[str], str]) -> str:
        """The page with each slot replaced by value(slot name)."""
        out = list(self.parts)
        for i in range(1, len(out), 2):
            out[i] = value(out[i])
        return "".join(out)


def best_score(value: object) -> Markup:
    """The "Your best" cell of the catalogue: a percentage, or "Not tried yet"."""
    if isinstance(value, Markup):  # a slot, filled per viewer
        return value
    if value is None:
        return Markup("Not tried yet")
    return Markup("<strong>{}%</strong>").format(int(round(float(value) * 100, 0)))  # type: ignore[arg-type]


def cacheable() -> bool:
    """Whether this request may get a filled page: anonymous, nothing flashed."""
    if not current_app.config.get("SRM_PAGE_CACHE", True):
        return False
    return not signed_in() and "_flashes" not in session


def pages() -> BoundedCache[Any]:
    """This worker's rendered pages (and what building their keys needs)."""
    cache = current_app.extensions.get("srm_pages")
    if cache is None:
        cache = current_app.extensions.setdefault("srm_pages", BoundedCache(256))
    return cache


def render(template: str, **context: Any) -> str:
    """A template rendered for every viewer: the CSRF token and the nonce as slots."""
    return render_template(
        template, csrf_token=lambda: slot("csrf"), csp_nonce=lambda: slot("nonce"), **context
    )


def cached(key: Hashable, render: Callable[[], str]) -> Page:
    """The compiled page under this content key, rendered once when missing."""
    return pages().get_or_build(key, lambda: Page.compile(render()))


def card_slot(task_id: str) -> Markup:
    """Where a board's card starts (its task id) or ends (no id) in a page kept rendered."""
    return slot(f"card:{task_id}" if task_id else "card-end")


@dataclass(frozen=True)
class Board:
    """A board page kept rendered: the page with one "cards" slot, and each card's HTML."""

    page: Page
    cards: dict[str, str]

    @classmethod
    def compile(cls, html: str) -> Board:
        parts = _SLOT.split(html)
        starts = [i for i in range(1, len(parts), 2) if parts[i].startswith("card:")]
        ends = [i for i in range(1, len(parts), 2) if parts[i] == "card-end"]
        if not starts or len(starts) != len(ends):
            return cls(Page(tuple(parts)), {})
        cards = {parts[i].removeprefix("card:"): parts[i + 1] for i in starts}
        return cls(Page((*parts[: starts[0]], "cards", *parts[ends[-1] + 1 :])), cards)
