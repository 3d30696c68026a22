"""A refused LTI login or launch."""

from __future__ import annotations


class LaunchError(Exception):
    """A launch refused: status, a code for the log, a sentence for the page."""

    def __init__(self, status: int, code: str, message: str, detail: str = ""):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.detail = detail
