"""learning records (xAPI statements to send)

Revision ID: 0007_lrs
Revises: 0004
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0007_lrs'
down_revision: str | None = '0006_certificates'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('learning_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.String(length=36), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('statement', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['learners.id'], name='fk_record_learner', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('statement_id')
    )
    with op.batch_alter_table('learning_records', schema=None) as batch_op:
        batch_op.create_index('ix_learning_records_due', ['state', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_learning_records_learner_id'), ['learner_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('learning_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_learning_records_learner_id'))
        batch_op.drop_index('ix_learning_records_due')

    op.drop_table('learning_records')
