"""Helpers for the edge tests: every table's row count, to show a refused request stored
nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from webapp.extensions import db


def row_counts(app) -> dict[str, int]:
    """Rows in every table of the app's database, by table name."""
    with app.app_context():
        counts = {
            table.name: db.session.execute(select(func.count()).select_from(table)).scalar_one()
            for table in db.metadata.sorted_tables
        }
        db.session.remove()
    return counts
