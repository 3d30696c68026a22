"""Practice reviews folded into their pairs when next read

Reviews from scenario attempts and class answer sets are stored pending, in the attempt's
own transaction, and folded into the learner's pair states the next time those are read:
grading no longer runs the scheduler for every placement.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("practice_reviews") as batch:
        batch.add_column(
            sa.Column("pending", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_index(
        "ix_practice_reviews_pending",
        "practice_reviews",
        ["owner", "id"],
        sqlite_where=sa.text("pending = 1"),
        postgresql_where=sa.text("pending"),
    )


def downgrade() -> None:
    op.drop_index("ix_practice_reviews_pending", table_name="practice_reviews")
    with op.batch_alter_table("practice_reviews") as batch:
        batch.drop_column("pending")
