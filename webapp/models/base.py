"""Shared column helpers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, ClassVar

from ..extensions import db


def utcnow() -> datetime:
    """Timezone-aware now, stored naive-UTC portably by the column type."""
    return datetime.now(UTC).replace(tzinfo=None)


# db.Model is made at runtime from the declarative Base (with Flask-SQLAlchemy's query
# property and table naming added); the type checker sees it as that Base, whose mapped
# classes each have a Table (not just any FromClause) as __table__.
if TYPE_CHECKING:
    from sqlalchemy import Table

    from ..extensions import Base

    class Model(Base):
        __abstract__ = True
        __table__: ClassVar[Table]
else:
    Model = db.Model
