"""Rate-limit counters kept in the database, so every worker and machine counts together."""

from __future__ import annotations

from sqlalchemy import Float, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Model


class RateLimitCounter(Model):
    """One counter of the `limits` library: hits in the current window, and when it ends."""

    __tablename__ = "rate_limits"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int]
    expires_at: Mapped[float] = mapped_column(Float, index=True)  # Unix time
