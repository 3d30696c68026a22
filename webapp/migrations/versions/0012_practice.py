"""adaptive practice

What each learner knows of each (area, service) pair (a spaced-repetition card per pair),
every graded placement of a pair, the rounds of practice cards dealt, and the pair sets an
instructor shares as a practice link.

Revision ID: 0012
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "practice_pairs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=80), nullable=False),
        sa.Column("provider", sa.String(length=40), nullable=False),
        sa.Column("area", sa.String(length=80), nullable=False),
        sa.Column("service", sa.String(length=80), nullable=False),
        sa.Column("state", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=True),
        sa.Column("stability", sa.Float(), nullable=True),
        sa.Column("difficulty", sa.Float(), nullable=True),
        sa.Column("due", sa.DateTime(), nullable=False),
        sa.Column("last_review", sa.DateTime(), nullable=True),
        sa.Column("reviews", sa.Integer(), nullable=False),
        sa.Column("lapses", sa.Integer(), nullable=False),
        sa.Column("last_result", sa.String(length=16), nullable=True),
        sa.Column("misconception", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_pairs")),
        sa.UniqueConstraint("owner", "provider", "area", "service", name="uq_practice_pairs_owner"),
    )
    op.create_index("ix_practice_pairs_due", "practice_pairs", ["owner", "due"])

    op.create_table(
        "practice_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=80), nullable=False),
        sa.Column("provider", sa.String(length=40), nullable=False),
        sa.Column("area", sa.String(length=80), nullable=False),
        sa.Column("service", sa.String(length=80), nullable=False),
        sa.Column("given", sa.String(length=16), nullable=True),
        sa.Column("expected", sa.String(length=16), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("misconception", sa.Integer(), nullable=True),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("attempt_id", sa.String(length=32), nullable=True),
        sa.Column("round_id", sa.String(length=32), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_reviews")),
    )
    op.create_index("ix_practice_reviews_owner", "practice_reviews", ["owner", "reviewed_at"])
    op.create_index(op.f("ix_practice_reviews_attempt_id"), "practice_reviews", ["attempt_id"])

    op.create_table(
        "practice_rounds",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("owner", sa.String(length=80), nullable=False),
        sa.Column("provider", sa.String(length=40), nullable=False),
        sa.Column("cards", sa.JSON(), nullable=False),
        sa.Column("pair_set", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("results", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_rounds")),
    )
    op.create_index("ix_practice_rounds_owner", "practice_rounds", ["owner", "created_at"])

    op.create_table(
        "practice_pair_sets",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("provider", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("pairs", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_pair_sets")),
    )


def downgrade() -> None:
    op.drop_table("practice_pair_sets")
    op.drop_index("ix_practice_rounds_owner", table_name="practice_rounds")
    op.drop_table("practice_rounds")
    op.drop_index(op.f("ix_practice_reviews_attempt_id"), table_name="practice_reviews")
    op.drop_index("ix_practice_reviews_owner", table_name="practice_reviews")
    op.drop_table("practice_reviews")
    op.drop_index("ix_practice_pairs_due", table_name="practice_pairs")
    op.drop_table("practice_pairs")
