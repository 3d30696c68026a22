"""Practice reviews held until their attempt's feedback may be seen

A review from an assessment that holds its feedback back, or from a class answer set, says
whether a placement was right: it is folded into the learner's practice history only once
they may see that attempt's feedback (visibility.placements_visible decides).

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("practice_reviews") as batch:
        batch.add_column(sa.Column("held", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("practice_reviews") as batch:
        batch.drop_column("held")
