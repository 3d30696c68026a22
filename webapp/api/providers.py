"""The providers whose rule sets the trainer knows, and choosing one in a request."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request

from ..domain import DEFAULT_PROVIDER, RuleSet, UnknownProviderError
from ..domain.text import quote
from ..services import content
from . import bp
from .errors import ApiError


def provider_rules(value: str | None = None) -> RuleSet:
    """The rule set a request names with ?provider= (AWS when absent); 400 when unknown."""
    provider = request.args.get("provider", "") if value is None else value
    try:
        return content.rules().for_provider(provider or DEFAULT_PROVIDER)
    except UnknownProviderError as exc:
        raise ApiError(
            400, f"unknown provider {quote(provider)}", [f"use one of {', '.join(exc.known)}"]
        ) from None


def provider_summary(rules: RuleSet) -> dict[str, Any]:
    """A provider as scripts and pages see it: its id, title, parties and service models."""
    return {
        "id": rules.provider,
        "name": rules.name,
        "title": rules.title,
        "default": rules.provider == DEFAULT_PROVIDER,
        "parties": [{"id": pid, "label": label} for pid, label in rules.parties.items()],
        "models": [{"id": mid, "name": name} for mid, name in rules.models.items()],
    }


@bp.get("/providers")
def list_providers():
    """Every provider with a rule set: id, title, parties with their labels, models."""
    return jsonify({"providers": [provider_summary(r) for r in content.rules().providers.values()]})
