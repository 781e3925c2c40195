"""nudges and spaced review

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('review_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.String(length=64), nullable=False),
    sa.Column('module_id', sa.String(length=64), nullable=False),
    sa.Column('question_id', sa.String(length=64), nullable=False),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('right_in_a_row', sa.Integer(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retired', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['learner_id'], ['learners.id'], name='fk_review_learner', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('learner_id', 'course_id', 'question_id', name='uq_review_question')
    )
    with op.batch_alter_table('review_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_items_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_items_learner_id'), ['learner_id'], unique=False)

    with op.batch_alter_table('learners', schema=None) as batch_op:
        batch_op.add_column(sa.Column('nudge_hour', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('nudged_on', sa.String(length=10), nullable=True))
        batch_op.create_index(batch_op.f('ix_learners_nudge_hour'), ['nudge_hour'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('learners', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_learners_nudge_hour'))
        batch_op.drop_column('nudged_on')
        batch_op.drop_column('nudge_hour')

    with op.batch_alter_table('review_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_items_learner_id'))
        batch_op.drop_index(batch_op.f('ix_review_items_due_at'))

    op.drop_table('review_items')
