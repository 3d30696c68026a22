"""authoring: working copies, published versions, invitation links

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scenarios", schema=None) as batch_op:
        batch_op.add_column(sa.Column("draft", sa.JSON(), nullable=True))

    with op.batch_alter_table("scenario_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("published_at", sa.DateTime(), nullable=True))

    with op.batch_alter_table("setup_tokens", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("purpose", sa.String(length=20), nullable=False, server_default="setup")
        )
        batch_op.add_column(sa.Column("user_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_setup_tokens_user_id_users"),
            "users",
            ["user_id"],
            ["id"],
            ondelete="CASCADE",
        )

    # per-scenario analytics read attempts by scenario and score (median, distribution)
    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_attempts_scenario_slug_score", ["scenario_slug", "score"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_attempts_scenario_slug_score")

    with op.batch_alter_table("setup_tokens", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_setup_tokens_user_id_users"), type_="foreignkey")
        batch_op.drop_column("expires_at")
        batch_op.drop_column("user_id")
        batch_op.drop_column("purpose")

    with op.batch_alter_table("scenario_versions", schema=None) as batch_op:
        batch_op.drop_column("published_at")

    with op.batch_alter_table("scenarios", schema=None) as batch_op:
        batch_op.drop_column("draft")
