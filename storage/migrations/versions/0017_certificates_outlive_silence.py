"""certificates outlive silence: a learner erased for inactivity leaves them, detached

Revision ID: 0017_certificates_outlive
Revises: 0016_learning_evidence
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# (alembic_version holds 32 characters: the id is shorter than the file's name)
revision: str = '0017_certificates_outlive'
down_revision: str | None = '0016_learning_evidence'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Batch mode: SQLite alters a foreign key by copying the table.
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_constraint('fk_certificate_learner', type_='foreignkey')
        batch_op.alter_column('learner_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(
            'fk_certificate_learner', 'learners', ['learner_id'], ['id'], ondelete='SET NULL'
        )


def downgrade() -> None:
    # A detached certificate has no learner to go back to: it goes.
    op.execute(sa.text('DELETE FROM certificates WHERE learner_id IS NULL'))
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_constraint('fk_certificate_learner', type_='foreignkey')
        batch_op.alter_column('learner_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(
            'fk_certificate_learner', 'learners', ['learner_id'], ['id'], ondelete='CASCADE'
        )
