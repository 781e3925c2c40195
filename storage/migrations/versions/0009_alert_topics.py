"""alert topics and the learner's time zone

Revision ID: 0009_alert_topics
Revises: 0004
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_alert_topics"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("learners") as batch:
        batch.add_column(sa.Column("timezone", sa.String(length=64), nullable=True))
    op.create_table(
        "alert_topics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["learners.id"], name="fk_alert_topic_learner", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("learner_id", "topic", name="uq_alert_learner_topic"),
    )
    op.create_index("ix_alert_topics_learner_id", "alert_topics", ["learner_id"])
    op.create_index("ix_alert_topics_topic", "alert_topics", ["topic"])


def downgrade() -> None:
    op.drop_index("ix_alert_topics_topic", table_name="alert_topics")
    op.drop_index("ix_alert_topics_learner_id", table_name="alert_topics")
    op.drop_table("alert_topics")
    with op.batch_alter_table("learners") as batch:
        batch.drop_column("timezone")
