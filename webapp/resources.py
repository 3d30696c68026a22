"""Where the templates, static files and scenarios are: in the wheel, or beside the source."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """webapp/<name> in an installed wheel; <repo>/<name> in a source checkout."""
    inside = _PACKAGE / name
    if inside.is_dir():
        return inside
    return _PACKAGE.parent / name
