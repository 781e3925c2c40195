"""tidy chat: a learner may have Senda delete the chat's messages; ids of what people wrote

Revision ID: 0015_tidy_chat
Revises: 0014_worker_leases
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015_tidy_chat'
down_revision: str | None = '0014_worker_leases'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('learners', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('tidy_chat', sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column('chat_cleared_until', sa.DateTime(timezone=True), nullable=True)
        )
    op.create_table(
        'chat_message_ids',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('learner_id', sa.Integer(), nullable=False),
        sa.Column('message_id', sa.String(length=32), nullable=False),
        sa.Column('written_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['learner_id'], ['learners.id'], name='fk_chat_message_learner', ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('chat_message_ids', schema=None) as batch_op:
        batch_op.create_index('ix_chat_message_ids_learner_id', ['learner_id'], unique=False)
        batch_op.create_index('ix_chat_message_ids_written_at', ['written_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('chat_message_ids', schema=None) as batch_op:
        batch_op.drop_index('ix_chat_message_ids_written_at')
        batch_op.drop_index('ix_chat_message_ids_learner_id')
    op.drop_table('chat_message_ids')
    with op.batch_alter_table('learners', schema=None) as batch_op:
        batch_op.drop_column('chat_cleared_until')
        batch_op.drop_column('tidy_chat')
