"""Deep Linking 2.0: the scenarios an instructor may place in a course, and the signed
LtiDeepLinkingResponse that hands them back to the platform as ltiResourceLink items."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

import jwt

from ..services.content import content
from .adapter import CLAIM, DL_CLAIM, VERSION
from .keys import ToolKey
from .launches import MODES

SCORE_MAXIMUM = 100
MODE_TITLES = {"board": "Sort the cards (graded)", "practice": "Practice the pairs"}


@dataclass(frozen=True)
class Choice:
    """One scenario chosen: which variant, which mode."""

    scenario_id: str
    title: str
    variant: str | None
    mode: str

    @property
    def resource_id(self) -> str:
        return ":".join([self.scenario_id, self.variant or "", self.mode])


def offer() -> list[dict[str, Any]]:
    """The scenarios on offer, each with its variants (id, title)."""
    library = content().library
    return [
        {
            "id": scenario.id,
            "title": scenario.title,
            "variants": [(v.id, v.title) for v in scenario.variants],
        }
        for scenario in library.scenarios.values()
    ]


def read_choices(form: Any) -> tuple[list[Choice], dict[str, str]]:
    """The choices in the picker's form, and errors by field name."""
    library = content().library
    choices: list[Choice] = []
    errors: dict[str, str] = {}
    for scenario_id in form.getlist("scenario"):
        scenario = library.scenarios.get(scenario_id)
        if scenario is None:
            errors["scenario"] = "Choose scenarios from the list."
            continue
        variants = [v.id for v in scenario.variants]
        variant = form.get(f"variant-{scenario_id}") or (variants[0] if variants else None)
        if variants and variant not in variants:
            errors[f"variant-{scenario_id}"] = "Choose one of this scenario's variants."
            continue
        mode = form.get(f"mode-{scenario_id}") or "board"
        if mode not in MODES:
            errors[f"mode-{scenario_id}"] = "Choose how learners use this scenario."
            continue
        title = scenario.title
        if variant:
            title += f" ({next(v.title for v in scenario.variants if v.id == variant)})"
        choices.append(Choice(scenario_id, title, variant if variants else None, mode))
    if not choices and not errors:
        errors["scenario"] = "Choose at least one scenario."
    return choices, errors


def content_item(choice: Choice, launch_url: str) -> dict[str, Any]:
    """An ltiResourceLink item with its line item and the custom parameters a launch reads."""
    custom = {"scenario": choice.scenario_id, "mode": choice.mode}
    if choice.variant:
        custom["variant"] = choice.variant
    item: dict[str, Any] = {
        "type": "ltiResourceLink",
        "title": choice.title,
        "url": launch_url,
        "custom": custom,
    }
    if choice.mode == "board":
        item["lineItem"] = {
            "scoreMaximum": SCORE_MAXIMUM,
            "label": choice.title,
            "resourceId": choice.resource_id,
        }
    return item


def response_jwt(
    key: ToolKey,
    request: dict[str, Any],
    choices: list[Choice],
    launch_url: str,
) -> str:
    """The signed LtiDeepLinkingResponse for a deep-linking request (kept in the session:
    issuer, client id, deployment id, data)."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": request["client_id"],
        "aud": [request["issuer"]],
        "azp": request["client_id"],
        "iat": now,
        "exp": now + 600,
        "nonce": secrets.token_urlsafe(16),
        CLAIM + "message_type": "LtiDeepLinkingResponse",
        CLAIM + "version": VERSION,
        CLAIM + "deployment_id": request["deployment_id"],
        DL_CLAIM + "content_items": [content_item(c, launch_url) for c in choices],
    }
    if request.get("data") is not None:
        claims[DL_CLAIM + "data"] = request["data"]
    return jwt.encode(claims, key.private_pem, algorithm="RS256", headers={"kid": key.kid})
