"""What a class session refuses, and why: exceptions that name the problem, not a status.

The web layer maps each kind to its answer once (webapp.api.errors.class_error_status):
NotFound, Ended, Forbidden, Conflict and Invalid. Errors written in more than one place
have a named constructor here, so their wording is kept once.
"""

from __future__ import annotations

from typing import Any


class ClassError(Exception):
    """A request a class session cannot accept: a message and details for the person."""

    def __init__(self, message: str, details: list[Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = list(details or [])

    @classmethod
    def ended(cls) -> Ended:
        """The session has ended: nothing more can be done in it."""
        return Ended("this class session has ended")

    @classmethod
    def no_session(cls) -> NotFound:
        """No session has the code given."""
        return NotFound("no class session has this code", ["check the code on the host's screen"])

    @classmethod
    def bad_token(cls) -> Forbidden:
        """The participant token is missing, malformed or from another session."""
        return Forbidden(
            "this participant token is not valid for this session",
            ["join the session again from the join page"],
        )

    @classmethod
    def removed(cls) -> Forbidden:
        """The host removed this participant."""
        return Forbidden("the host removed you from this session")

    @classmethod
    def answering_closed(cls, hint: str = "wait for the host to open it") -> Conflict:
        """Answering is not open for the scenario named."""
        return Conflict("answering is closed for this scenario", [hint])


class NotFound(ClassError):
    """No such session, participant or host action."""


class Ended(ClassError):
    """The session has ended."""


class Forbidden(ClassError):
    """Not allowed for this person: a bad token, a removed learner, joining locked."""


class Conflict(ClassError):
    """Not allowed now: the session's phase or the answer sets already sent refuse it."""


class Invalid(ClassError):
    """The request itself is malformed."""
