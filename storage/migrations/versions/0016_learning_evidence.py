"""learning evidence: pre-test answers (erased with the learner), module ratings and comments
(linked to nobody), and whether a module's rating was asked

Revision ID: 0016_learning_evidence
Revises: 0015_tidy_chat
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0016_learning_evidence'
down_revision: str | None = '0015_tidy_chat'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('module_progress', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('rating_asked', sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        'pretest_answers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('learner_id', sa.Integer(), nullable=False),
        sa.Column('course_id', sa.String(length=64), nullable=False),
        sa.Column('question_id', sa.String(length=64), nullable=False),
        sa.Column('phase', sa.String(length=8), nullable=False),
        sa.Column('correct', sa.Boolean(), nullable=False),
        sa.Column('answered_on', sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ['learner_id'], ['learners.id'], name='fk_pretest_learner', ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint(
            'learner_id', 'course_id', 'question_id', 'phase', name='uq_pretest_answer'
        ),
    )
    with op.batch_alter_table('pretest_answers', schema=None) as batch_op:
        batch_op.create_index('ix_pretest_answers_learner_id', ['learner_id'], unique=False)
    op.create_table(
        'module_ratings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('course_id', sa.String(length=64), nullable=False),
        sa.Column('module_id', sa.String(length=64), nullable=False),
        sa.Column('role', sa.String(length=16), nullable=False),
        sa.Column('organisation', sa.String(length=64), nullable=False),
        sa.Column('scale', sa.String(length=8), nullable=False),
        sa.Column('value', sa.Integer(), nullable=False),
        sa.Column('rated_on', sa.Date(), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint(
            'course_id',
            'module_id',
            'role',
            'organisation',
            'scale',
            'value',
            'rated_on',
            name='uq_module_rating',
        ),
    )
    with op.batch_alter_table('module_ratings', schema=None) as batch_op:
        batch_op.create_index('ix_module_ratings_organisation', ['organisation'], unique=False)
    op.create_table(
        'learner_comments',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('course_id', sa.String(length=64), nullable=False),
        sa.Column('module_id', sa.String(length=64), nullable=False),
        sa.Column('role', sa.String(length=16), nullable=False),
        sa.Column('text', sa.String(length=500), nullable=False),
        sa.Column('written_on', sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('learner_comments', schema=None) as batch_op:
        batch_op.create_index(
            'ix_learner_comments_course', ['course_id', 'module_id'], unique=False
        )
        batch_op.create_index('ix_learner_comments_written_on', ['written_on'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('learner_comments', schema=None) as batch_op:
        batch_op.drop_index('ix_learner_comments_written_on')
        batch_op.drop_index('ix_learner_comments_course')
    op.drop_table('learner_comments')
    with op.batch_alter_table('module_ratings', schema=None) as batch_op:
        batch_op.drop_index('ix_module_ratings_organisation')
    op.drop_table('module_ratings')
    with op.batch_alter_table('pretest_answers', schema=None) as batch_op:
        batch_op.drop_index('ix_pretest_answers_learner_id')
    op.drop_table('pretest_answers')
    with op.batch_alter_table('module_progress', schema=None) as batch_op:
        batch_op.drop_column('rating_asked')
