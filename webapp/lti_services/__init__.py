"""LTI 1.3 Advantage services the tool calls on a platform: tokens, grades and rosters.

Everything a call needs arrives as arguments: a PlatformClient (who the platform is and the
tool's key for it) and an HTTP session. Nothing here reads the LTI registration tables, so
the launch side can change its storage without touching grade passback.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from flask import Flask

    from .client import PlatformClient


def init_app(app: Flask) -> None:
    """Let `srm-trainer serve` start the background score sender (off while testing)."""
    app.config.setdefault("LTI_SCORE_SENDER", not app.testing)
    app.config.setdefault("LTI_SCORE_SENDER_INTERVAL", 5.0)
    from .sender import serve_hook

    app.extensions.setdefault("srm_serve_hooks", []).append(serve_hook)


CLIENTS = "srm_lti_clients"


def set_client_resolver(app: Flask, resolve: Callable[[str], PlatformClient | None]) -> None:
    """Tell the score senders how to find a registered platform by its issuer (the LTI
    registration does this; the resolver runs inside an app context)."""
    app.extensions[CLIENTS] = resolve


def client_resolver(app: Flask) -> Callable[[str], PlatformClient | None] | None:
    """The registered platforms' resolver; None while no LTI registration is set up."""
    return app.extensions.get(CLIENTS)
