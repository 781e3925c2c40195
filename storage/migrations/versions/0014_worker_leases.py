"""worker leases: which worker claimed a push, and the leases held in the database

Revision ID: 0014_worker_leases
Revises: 0013_caseworker_scope
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014_worker_leases'
down_revision: str | None = '0013_caseworker_scope'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'worker_leases',
        sa.Column('worker_id', sa.String(length=32), nullable=False),
        sa.Column('beats', sa.Integer(), nullable=False),
        sa.Column('renewed_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('worker_id'),
    )
    # Rows claimed before this migration keep claimed_by empty: they go back after
    # SENDA_CLAIM_TIMEOUT, as before.
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('claimed_by')
    op.drop_table('worker_leases')
