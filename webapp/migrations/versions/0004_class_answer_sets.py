"""class answer sets: the host sets how many answer sets a learner may send per scenario

A class attempt now carries its try number (1, 2, ...). The unique constraint moves from
(participant, class scenario) to (participant, class scenario, try): each try is still
stored exactly once, and a retried or concurrent duplicate still meets the constraint.
Sessions default to one answer set per scenario, as before.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

OLD = "uq_attempts_participant_scenario"
NEW = "uq_attempts_participant_try"


def upgrade() -> None:
    with op.batch_alter_table("class_sessions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("answer_sets", sa.Integer(), nullable=False, server_default="1")
        )

    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("class_try", sa.Integer(), nullable=True))

    attempts = sa.table("attempts", sa.column("participant_id"), sa.column("class_try"))
    op.execute(attempts.update().where(attempts.c.participant_id.is_not(None)).values(class_try=1))

    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.drop_constraint(OLD, type_="unique")
        batch_op.create_unique_constraint(NEW, ["participant_id", "class_scenario_id", "class_try"])


def downgrade() -> None:
    # one answer set per participant and scenario fits the old constraint: keep the last,
    # the one that counted (verdicts first: SQLite may not cascade)
    earlier = (
        "SELECT id FROM attempts WHERE participant_id IS NOT NULL AND class_try < "
        "(SELECT max(a2.class_try) FROM attempts a2 WHERE a2.participant_id = "
        "attempts.participant_id AND a2.class_scenario_id = attempts.class_scenario_id)"
    )
    op.execute(sa.text(f"DELETE FROM attempt_answers WHERE attempt_id IN ({earlier})"))
    op.execute(sa.text(f"DELETE FROM attempts WHERE id IN ({earlier})"))
    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.drop_constraint(NEW, type_="unique")
        batch_op.create_unique_constraint(OLD, ["participant_id", "class_scenario_id"])
        batch_op.drop_column("class_try")

    with op.batch_alter_table("class_sessions", schema=None) as batch_op:
        batch_op.drop_column("answer_sets")
