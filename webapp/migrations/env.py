"""Alembic environment: runs on the connection the app hands over (webapp.database.upgrade)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

import webapp.models  # noqa: F401  (registers every table on the metadata)
from webapp.extensions import db

config = context.config
target_metadata = db.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:  # plain `alembic` command line: needs sqlalchemy.url
        url = config.get_main_option("sqlalchemy.url")
        if url is None:
            raise RuntimeError("alembic needs sqlalchemy.url (or a connection from the app)")
        engine = create_engine(url)
        with engine.begin() as conn:
            _run(conn)
        return
    _run(connection)


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
