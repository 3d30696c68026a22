"""Errors raised by the domain core. Each carries readable problems, never a traceback."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file or an input, located where possible.

    Besides the readable message, a problem can say what it is (``code``, e.g. ``no-rule``)
    and what it is about (a task, component or variant id, the ``field`` within it, the
    variant it arises under), so callers such as the editor never parse the wording.
    """

    message: str
    file: str | None = None
    line: int | None = None
    code: str | None = None
    task_id: str | None = None
    component_id: str | None = None
    variant_id: str | None = None
    field: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The problem as JSON: what it is, what it is about, its message; file and line
        only when it is located in a file."""
        out = asdict(self)
        for key in ("file", "line"):
            if out[key] is None:
                del out[key]
        return out

    def __str__(self) -> str:
        if self.file and self.line:
            return f"{self.file}:{self.line}: {self.message}"
        if self.file:
            return f"{self.file}: {self.message}"
        return self.message


class DomainError(Exception):
    """Base class: a list of problems, each readable on its own."""

    def __init__(self, problems: list[Problem] | list[str] | str):
        if isinstance(problems, str):
            problems = [problems]
        self.problems: list[Problem] = [
            p if isinstance(p, Problem) else Problem(str(p)) for p in problems
        ]
        super().__init__(self.summary())

    def summary(self) -> str:
        """All problems on one line (used when the app refuses to start)."""
        return "; ".join(str(p) for p in self.problems)

    @property
    def details(self) -> list[str]:
        return [str(p) for p in self.problems]


class RuleSetError(DomainError):
    """The rule set file is broken: unknown ids, conflicts, missing explanation or source."""


class ScenarioError(DomainError):
    """A scenario file does not fit the schema or the rule set."""


class NoRuleError(DomainError):
    """No rule decides who owns this area on this service. Never guessed."""

    def __init__(self, area: str, service: str):
        self.area = area
        self.service = service
        super().__init__(f"no rule decides who owns area '{area}' on service '{service}'")


class UnknownProviderError(DomainError):
    """No rule set speaks for this provider. Never guessed."""

    def __init__(self, provider: str, known: list[str]):
        self.provider = provider
        self.known = known
        super().__init__(f"unknown provider '{provider}' (use {', '.join(known)})")


class GradingError(DomainError):
    """The answers cannot be graded: unknown tasks, parties or variant."""
