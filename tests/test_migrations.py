"""The migrations build exactly the schema the models describe, and 0004 keeps class answers."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from tests.conftest import make_app
from webapp import database
from webapp.extensions import db

T = "2026-01-01 00:00:00"


def _differences(connection) -> list:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, db.metadata)


def test_migrated_schema_matches_the_models(empty_database, tmp_path):
    app = make_app(empty_database, tmp_path)
    database.upgrade(app)
    with app.app_context():
        with db.engine.connect() as connection:
            assert _differences(connection) == []
        db.engine.dispose()


def _seed_class_answers(conn) -> None:
    """A session with one scenario and two participants who each answered once (pre-0004)."""
    conn.execute(
        text(
            "INSERT INTO users (id, email, role, password_hash, active, created_at) "
            "VALUES (1, 'h@example.org', 'instructor', 'x', true, :t)"
        ),
        {"t": T},
    )
    conn.execute(
        text(
            "INSERT INTO scenarios (id, slug, origin, status, created_at, updated_at)"
            " VALUES (1, 'alpha', 'builtin', 'published', :t, :t)"
        ),
        {"t": T},
    )
    conn.execute(
        text(
            "INSERT INTO scenario_versions (id, scenario_id, number, content_hash, "
            "document, created_at) VALUES (1, 1, 1, :h, '{}', :t)"
        ),
        {"h": "1" * 64, "t": T},
    )
    conn.execute(
        text(
            "INSERT INTO class_sessions (id, code, host_id, phase, current_index, "
            "state_version, show_leaderboard, feedback_after_reveal, created_at) "
            "VALUES (1, 'ABCDEF', 1, 'open', 0, 1, false, true, :t)"
        ),
        {"t": T},
    )
    conn.execute(
        text(
            "INSERT INTO class_session_scenarios (id, session_id, position, "
            "scenario_slug, version_id) VALUES (1, 1, 0, 'alpha', 1)"
        )
    )
    for pid in (1, 2):
        conn.execute(
            text(
                "INSERT INTO participants (id, session_id, nickname, nickname_key, "
                "token_hash, removed, joined_at) VALUES (:p, 1, :n, :n, :h, false, "
                ":t)"
            ),
            {"p": pid, "n": f"p{pid}", "h": str(pid) * 64, "t": T},
        )
        conn.execute(
            text(
                "INSERT INTO attempts (id, scenario_slug, version_id, participant_id,"
                " class_scenario_id, answers, score, correct, total, created_at) "
                "VALUES (:a, 'alpha', 1, :p, 1, '{}', 1.0, 1, 1, :t)"
            ),
            {"a": f"a{pid}", "p": pid, "t": T},
        )
        conn.execute(
            text(
                "INSERT INTO attempt_answers (attempt_id, task_id, position, given, "
                "expected, correct, scenario_slug, version_id) VALUES (:a, 't1', 0, "
                "'aws', 'aws', true, 'alpha', 1)"
            ),
            {"a": f"a{pid}"},
        )


def _seeded_at(empty_database, tmp_path, revision: str, *more: str):
    """An app whose database is migrated to `revision` and holds the class answers (and any
    further statements), then migrated to the newest revision."""
    app = make_app(empty_database, tmp_path)
    database.upgrade(app, revision)
    with app.app_context():
        with db.engine.begin() as conn:
            _seed_class_answers(conn)
            for statement in more:
                conn.execute(text(statement))
        db.engine.dispose()
    database.upgrade(app)
    return app


def test_0004_numbers_existing_class_answers_and_allows_later_tries(empty_database, tmp_path):
    app = _seeded_at(empty_database, tmp_path, "0003")
    with app.app_context():
        with db.engine.begin() as conn:
            tries = conn.execute(text("SELECT id, class_try FROM attempts ORDER BY id")).all()
            assert [tuple(r) for r in tries] == [("a1", 1), ("a2", 1)]
            assert conn.execute(text("SELECT answer_sets FROM class_sessions")).scalar() == 1
            # rebuilding "attempts" (SQLite) must not cascade into the verdicts
            assert conn.execute(text("SELECT count(*) FROM attempt_answers")).scalar() == 2
            # a second try is now a row of its own; the same try twice is still refused
            conn.execute(
                text(
                    "INSERT INTO attempts (id, scenario_slug, version_id, "
                    "participant_id, class_scenario_id, class_try, answers, score, "
                    "correct, total, created_at) VALUES ('a1b', 'alpha', 1, 1, 1, 2,"
                    " '{}', 0.0, 0, 1, :t)"
                ),
                {"t": T},
            )
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO attempts (id, scenario_slug, version_id, "
                    "participant_id, class_scenario_id, class_try, answers, score, "
                    "correct, total, created_at) VALUES ('a1c', 'alpha', 1, 1, 1, 2,"
                    " '{}', 0.0, 0, 1, :t)"
                ),
                {"t": T},
            )
        uniques = {
            u["name"]: u["column_names"]
            for u in inspect(db.engine).get_unique_constraints("attempts")
        }
        assert uniques["uq_attempts_participant_try"] == [
            "participant_id",
            "class_scenario_id",
            "class_try",
        ]
        assert "uq_attempts_participant_scenario" not in uniques
        db.engine.dispose()
    database.downgrade(app, "0003")  # down again: the last try of each stays
    with app.app_context():
        with db.engine.connect() as conn:
            left = conn.execute(text("SELECT id FROM attempts ORDER BY id")).scalars().all()
            assert left == ["a1b", "a2"]
            verdicts = conn.execute(text("SELECT attempt_id FROM attempt_answers")).scalars()
            assert list(verdicts) == ["a2"]
        db.engine.dispose()


def test_0006_keeps_a_reveal_on_screen_and_every_attempt(empty_database, tmp_path):
    app = _seeded_at(
        empty_database,
        tmp_path,
        "0005",
        "INSERT INTO class_session_scenarios (id, session_id, position, "
        "scenario_slug, version_id) VALUES (2, 1, 1, 'alpha', 1)",
        "UPDATE class_sessions SET phase = 'revealed'",
    )
    with app.app_context():
        with db.engine.connect() as conn:
            revealed = conn.execute(
                text("SELECT id, revealed_at IS NOT NULL FROM class_session_scenarios ORDER BY id")
            ).all()
            assert [tuple(r) for r in revealed] == [(1, True), (2, False)]
            owners = conn.execute(text("SELECT user_id FROM attempts")).scalars().all()
            assert owners == [None, None]
            assert conn.execute(text("SELECT count(*) FROM attempt_answers")).scalar() == 2
        db.engine.dispose()
    database.downgrade(app, "0005")
    with app.app_context():
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM attempts")).scalar() == 2
            assert conn.execute(text("SELECT count(*) FROM attempt_answers")).scalar() == 2
        db.engine.dispose()
