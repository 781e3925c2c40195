"""the help desk: conversations and their encrypted messages

Revision ID: 0011_helpdesk
Revises: 0010_directory
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011_helpdesk'
down_revision: str | None = '0010_directory'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'helpdesk_conversations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('learner_id', sa.Integer(), nullable=False),
        sa.Column('topic', sa.String(length=16), nullable=False),
        sa.Column('urgent', sa.Boolean(), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_message_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('first_answer_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('taken_by', sa.String(length=254), nullable=True),
        sa.Column('late_notice_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('outcome', sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ['learner_id'], ['learners.id'], name='fk_helpdesk_learner', ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('helpdesk_conversations', schema=None) as batch_op:
        batch_op.create_index('ix_helpdesk_conversations_learner_id', ['learner_id'])
        batch_op.create_index('ix_helpdesk_conversations_closed_at', ['closed_at'])
        batch_op.create_index('ix_helpdesk_open', ['closed_at', 'urgent', 'opened_at'])
    op.create_table(
        'helpdesk_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('conversation_id', sa.Integer(), nullable=False),
        sa.Column('author', sa.String(length=8), nullable=False),
        sa.Column('staff', sa.String(length=254), nullable=True),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('body', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ['conversation_id'],
            ['helpdesk_conversations.id'],
            name='fk_helpdesk_message',
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('helpdesk_messages', schema=None) as batch_op:
        batch_op.create_index('ix_helpdesk_messages_conversation_id', ['conversation_id'])


def downgrade() -> None:
    op.drop_table('helpdesk_messages')
    op.drop_table('helpdesk_conversations')
