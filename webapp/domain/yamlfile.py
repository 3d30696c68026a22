"""YAML loading that remembers line numbers, so problems can be reported as file:line."""

from __future__ import annotations

from typing import Any

import yaml

from .errors import Problem
from .text import quote, shorten


class Located(dict):
    """A mapping from a YAML file that knows the line of itself and of each key."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LocatedList(list):
    """A sequence from a YAML file that knows its line."""

    line: int = 0


MAX_DEPTH = 32


class _Loader(yaml.SafeLoader):
    """SafeLoader without aliases and deep nesting: a few nested `*name` references can stand
    for millions of values (a "billion laughs" upload), and scenario and rule files need
    neither."""

    depth = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            raise yaml.composer.ComposerError(
                None,
                None,
                "aliases (*name) are not allowed: write the value out",
                self.peek_event().start_mark,
            )
        if self.depth >= MAX_DEPTH:  # the composer recurses: stop long before Python does
            raise yaml.composer.ComposerError(
                None, None, f"nested deeper than {MAX_DEPTH} levels", self.peek_event().start_mark
            )
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> Located:
    loader.flatten_mapping(node)
    result = Located()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str | int | float | bool) and key is not None:
            raise yaml.constructor.ConstructorError(
                None, None, "mapping keys must be plain values", key_node.start_mark
            )
        key = str(key)
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {quote(key)}", key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LocatedList:
    result = LocatedList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    return result


def _construct_timestamp(loader: _Loader, node: yaml.ScalarNode) -> str:
    """Dates stay text: no file needs date objects, and 2023-13-01 must not crash the parser."""
    return str(loader.construct_scalar(node))


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def load_yaml(text: str, filename: str) -> Any:
    """Parse YAML text; a syntax error becomes a Problem with the file and line."""
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        message = shorten(str(exc.problem or exc), 160)
        raise YamlProblem(Problem(f"invalid YAML: {message}", filename, line)) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(Problem(f"invalid YAML: {shorten(str(exc), 160)}", filename)) from None


class YamlProblem(Exception):
    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(str(problem))


def line_of(obj: Any, key: str | None = None) -> int | None:
    """The line of a located mapping (or of one of its keys), if known."""
    if isinstance(obj, Located):
        return obj.line_of(key) if key else obj.line
    if isinstance(obj, LocatedList):
        return obj.line
    return None
