"""the directory of services: uploaded versions, and counts of what people asked and reported

Revision ID: 0010_directory
Revises: 0009_outbox_unsent
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0010_directory'
down_revision: str | None = '0009_outbox_unsent'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'directory_uploads',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('uploaded_by', sa.String(length=254), nullable=False),
        sa.Column('entries', sa.Integer(), nullable=False),
        sa.Column('csv', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'directory_asks',
        sa.Column('state', sa.String(length=40), nullable=False),
        sa.Column('need', sa.String(length=20), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('state', 'need'),
    )
    op.create_table(
        'directory_reports',
        sa.Column('service_id', sa.String(length=64), nullable=False),
        sa.Column('problem', sa.String(length=20), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('service_id', 'problem'),
    )


def downgrade() -> None:
    op.drop_table('directory_reports')
    op.drop_table('directory_asks')
    op.drop_table('directory_uploads')
