"""The phases a live class session moves through."""

from __future__ import annotations

from enum import StrEnum


class Phase(StrEnum):
    """Where a class session is: learners gather in the lobby, answer while it is open,
    wait while it is closed, see the key once revealed; an ended session is over."""

    LOBBY = "lobby"
    OPEN = "open"
    CLOSED = "closed"
    REVEALED = "revealed"
    ENDED = "ended"


LIVE_PHASES: tuple[Phase, ...] = (Phase.LOBBY, Phase.OPEN, Phase.CLOSED, Phase.REVEALED)
