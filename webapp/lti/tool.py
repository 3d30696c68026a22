"""The tool's configuration as a platform's admin enters it: its URLs, and the JSON that
platforms taking a configuration document (Canvas's developer keys) read."""

from __future__ import annotations

from typing import Any

from flask import url_for

SCOPES = [
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
    "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
]
TITLE = "Shared Responsibility Trainer"
DESCRIPTION = "Sort cloud security tasks between the provider and the customer, and learn why."


def urls() -> dict[str, str]:
    """Login (OIDC initiation), launch (redirect URI, also for deep linking), JWKS, config."""
    return {
        "login": url_for("lti.login", _external=True),
        "launch": url_for("lti.launch", _external=True),
        "deep_link": url_for("lti.launch", _external=True),
        "jwks": url_for("lti.jwks", _external=True),
        "config": url_for("lti.config_json", _external=True),
    }


def configuration() -> dict[str, Any]:
    """The tool's configuration document (Canvas's "Paste JSON" developer key format)."""
    found = urls()
    return {
        "title": TITLE,
        "description": DESCRIPTION,
        "oidc_initiation_url": found["login"],
        "target_link_uri": found["launch"],
        "public_jwk_url": found["jwks"],
        "scopes": SCOPES,
        "extensions": [
            {
                "platform": "canvas.instructure.com",
                "privacy_level": "public",
                "settings": {
                    "placements": [
                        {
                            "placement": "assignment_selection",
                            "message_type": "LtiDeepLinkingRequest",
                            "target_link_uri": found["deep_link"],
                        },
                        {
                            "placement": "link_selection",
                            "message_type": "LtiDeepLinkingRequest",
                            "target_link_uri": found["deep_link"],
                        },
                    ]
                },
            }
        ],
        "custom_fields": {},
    }
