"""caseworkers limited to regions or an organisation; the labels a conversation opens with

Revision ID: 0013_caseworker_scope
Revises: 0012_broadcast_expiry
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013_caseworker_scope'
down_revision: str | None = '0012_broadcast_expiry'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('helpdesk_conversations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('region', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('organisation', sa.String(length=64), nullable=True))
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        # The accounts already there get no limits: they keep seeing the whole desk.
        batch_op.add_column(
            sa.Column('regions', sa.JSON(), server_default='[]', nullable=False)
        )
        batch_op.add_column(sa.Column('organisation', sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_column('organisation')
        batch_op.drop_column('regions')
    with op.batch_alter_table('helpdesk_conversations', schema=None) as batch_op:
        batch_op.drop_column('organisation')
        batch_op.drop_column('region')
