"""analytics: covering indexes; verdicts carry their attempt's scenario and version

Per-task analytics group attempt_answers by (task, given, correct) for one scenario. Joining
every verdict to its attempt to filter by scenario took seconds on 100,000 attempts; with the
scenario and version copied onto each verdict, one index range scan answers the query. The
attempts' (scenario, score) index grows into a covering one for the score histogram and the
learner count, so those read no table rows either.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

INDEX = "ix_attempt_answers_analytics"
ATTEMPTS_INDEX = "ix_attempts_analytics"
ATTEMPTS_COLUMNS = [
    "scenario_slug",
    "score",
    "correct",
    "total",
    "version_id",
    "learner_id",
    "participant_id",
]


def upgrade() -> None:
    with op.batch_alter_table("attempt_answers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scenario_slug", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("version_id", sa.Integer(), nullable=True))

    # existing verdicts take their attempt's scenario and version (portable correlated update)
    answers = sa.table(
        "attempt_answers",
        sa.column("attempt_id"),
        sa.column("scenario_slug"),
        sa.column("version_id"),
    )
    attempts = sa.table(
        "attempts", sa.column("id"), sa.column("scenario_slug"), sa.column("version_id")
    )
    mine = attempts.c.id == answers.c.attempt_id
    op.execute(
        answers.update().values(
            scenario_slug=sa.select(attempts.c.scenario_slug).where(mine).scalar_subquery(),
            version_id=sa.select(attempts.c.version_id).where(mine).scalar_subquery(),
        )
    )

    with op.batch_alter_table("attempt_answers", schema=None) as batch_op:
        batch_op.alter_column("scenario_slug", existing_type=sa.String(length=80), nullable=False)
        batch_op.alter_column("version_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(
            INDEX, ["scenario_slug", "task_id", "given", "correct", "version_id"], unique=False
        )

    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_attempts_scenario_slug_score")
        batch_op.create_index(ATTEMPTS_INDEX, ATTEMPTS_COLUMNS, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.drop_index(ATTEMPTS_INDEX)
        batch_op.create_index(
            "ix_attempts_scenario_slug_score", ["scenario_slug", "score"], unique=False
        )

    with op.batch_alter_table("attempt_answers", schema=None) as batch_op:
        batch_op.drop_index(INDEX)
        batch_op.drop_column("version_id")
        batch_op.drop_column("scenario_slug")
