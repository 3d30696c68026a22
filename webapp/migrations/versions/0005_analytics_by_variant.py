"""analytics by variant: the attempts' covering index holds the variant too

The analytics page now splits a scenario's attempts per variant (and filters on one), so
the variant joins the columns of ix_attempts_analytics: those figures are still read from
the index alone, without visiting the attempts table.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

INDEX = "ix_attempts_analytics"
COLUMNS = [
    "scenario_slug",
    "score",
    "correct",
    "total",
    "version_id",
    "learner_id",
    "participant_id",
]


def upgrade() -> None:
    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.drop_index(INDEX)
        batch_op.create_index(INDEX, [*COLUMNS, "variant"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.drop_index(INDEX)
        batch_op.create_index(INDEX, COLUMNS, unique=False)
