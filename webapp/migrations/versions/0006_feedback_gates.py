"""feedback gates: a class scenario remembers its reveal; attempts remember their account

The host may move to the next scenario without revealing the answers, so "revealed" is kept
per class scenario instead of being guessed from the session's position. An attempt made by
a signed-in account records it, so an assessment counts that account's attempts in any
browser. Of existing class scenarios only those on a screen showing a reveal now count as
revealed; for the others nobody knows, so their answers stay closed.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("class_session_scenarios", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revealed_at", sa.DateTime(), nullable=True))

    # a session showing a reveal right now keeps it: its current scenario counts as revealed
    items = sa.table(
        "class_session_scenarios",
        sa.column("session_id"),
        sa.column("position"),
        sa.column("revealed_at"),
    )
    sessions = sa.table(
        "class_sessions", sa.column("id"), sa.column("phase"), sa.column("current_index")
    )
    showing = sa.select(sessions.c.id).where(
        sessions.c.id == items.c.session_id,
        sessions.c.phase == "revealed",
        sessions.c.current_index == items.c.position,
    )
    op.execute(items.update().where(showing.exists()).values(revealed_at=sa.func.now()))

    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("user_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_attempts_user_id"), ["user_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_attempts_user_id_users"),
            "users",
            ["user_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_attempts_user_id_users"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_attempts_user_id"))
        batch_op.drop_column("user_id")

    with op.batch_alter_table("class_session_scenarios", schema=None) as batch_op:
        batch_op.drop_column("revealed_at")
