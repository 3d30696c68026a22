"""Helpers for the edge tests: every table's row count, to show a refused request stored
nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from webapp.extensions import db


def row_counts(app) -> dict[str, int]:
    """Rows in every table of the app's database, by table name (one query)."""
    tables = db.metadata.sorted_tables
    counts = select(
        *[
            select(func.count()).select_from(table).scalar_subquery().label(table.name)
            for table in tables
        ]
    )
    with app.app_context():
        row = db.session.execute(counts).one()
        db.session.remove()
    return dict(zip([t.name for t in tables], row, strict=True))
