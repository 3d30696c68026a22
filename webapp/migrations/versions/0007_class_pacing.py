"""class pacing: countdowns, drafts sent on close, locked joining, the live distribution

A session may close answering by itself at closes_at; learners' placements are kept as
drafts while answering is open and sent for them when it closes (attempts.class_sent_by
says so). The host can lock joining and choose to see the room's placements while answering
is open.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("class_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closes_at", sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("join_locked", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("show_live", sa.Boolean(), nullable=False, server_default=sa.false())
        )

    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("class_sent_by", sa.String(length=10), nullable=True))

    op.create_table(
        "class_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("class_scenario_id", sa.Integer(), nullable=False),
        sa.Column("class_try", sa.Integer(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["class_scenario_id"],
            ["class_session_scenarios.id"],
            name=op.f("fk_class_drafts_class_scenario_id_class_session_scenarios"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name=op.f("fk_class_drafts_participant_id_participants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_class_drafts")),
        sa.UniqueConstraint(
            "participant_id", "class_scenario_id", name="uq_class_drafts_participant_scenario"
        ),
    )
    with op.batch_alter_table("class_drafts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_class_drafts_class_scenario_id"), ["class_scenario_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_class_drafts_participant_id"), ["participant_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("class_drafts")
    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.drop_column("class_sent_by")
    with op.batch_alter_table("class_sessions", schema=None) as batch_op:
        batch_op.drop_column("show_live")
        batch_op.drop_column("join_locked")
        batch_op.drop_column("closes_at")
