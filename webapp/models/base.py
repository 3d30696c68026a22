"""Shared column helpers."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Timezone-aware now, stored naive-UTC portably by the column type."""
    return datetime.now(UTC).replace(tzinfo=None)
