"""LTI grade passback outbox and course rosters

Scores waiting to reach a learning platform's gradebook (one row per attempt and line
item, retried until delivered), the course roster a class session imported from the LMS,
and each participant's LMS identity and name.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lti_score_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=255), nullable=False),
        sa.Column("lineitem_url", sa.String(length=2000), nullable=False),
        sa.Column("container", sa.Boolean(), nullable=False),
        sa.Column("resource_link_id", sa.String(length=255), nullable=True),
        sa.Column("label", sa.String(length=255), nullable=True),
        sa.Column("resolved_url", sa.String(length=2000), nullable=True),
        sa.Column("user_sub", sa.String(length=255), nullable=False),
        sa.Column("score_given", sa.Float(), nullable=False),
        sa.Column("score_maximum", sa.Float(), nullable=False),
        sa.Column("activity_progress", sa.String(length=20), nullable=False),
        sa.Column("grading_progress", sa.String(length=20), nullable=False),
        sa.Column("policy", sa.String(length=10), nullable=False),
        sa.Column("attempt_id", sa.String(length=64), nullable=False),
        sa.Column("attempted_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("next_try_at", sa.DateTime(), nullable=False),
        sa.Column("claim", sa.String(length=32), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_score_outbox")),
        sa.UniqueConstraint("attempt_id", "lineitem_url", name="uq_lti_score_outbox_attempt"),
    )
    op.create_index("ix_lti_score_outbox_due", "lti_score_outbox", ["status", "next_try_at"])
    op.create_index(
        "ix_lti_score_outbox_target", "lti_score_outbox", ["issuer", "lineitem_url", "user_sub"]
    )
    op.create_table(
        "class_roster",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=255), nullable=False),
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("learner", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["class_sessions.id"],
            name=op.f("fk_class_roster_session_id_class_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_class_roster")),
        sa.UniqueConstraint("session_id", "issuer", "user_id", name="uq_class_roster_member"),
    )
    op.create_index(op.f("ix_class_roster_session_id"), "class_roster", ["session_id"])
    with op.batch_alter_table("participants") as batch:
        batch.add_column(sa.Column("lms_issuer", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("lms_user_id", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("display_name", sa.String(length=200), nullable=True))
        batch.create_unique_constraint(
            "uq_participants_lms_user", ["session_id", "lms_issuer", "lms_user_id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("participants") as batch:
        batch.drop_constraint("uq_participants_lms_user", type_="unique")
        batch.drop_column("display_name")
        batch.drop_column("lms_user_id")
        batch.drop_column("lms_issuer")
    op.drop_index(op.f("ix_class_roster_session_id"), table_name="class_roster")
    op.drop_table("class_roster")
    op.drop_index("ix_lti_score_outbox_target", table_name="lti_score_outbox")
    op.drop_index("ix_lti_score_outbox_due", table_name="lti_score_outbox")
    op.drop_table("lti_score_outbox")
