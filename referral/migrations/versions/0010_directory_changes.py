"""directory_changes: which services each directory version changed, so workers apply deltas

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-02 16:40:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'directory_changes',
        sa.Column('version', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('service_ids', sa.JSON(), nullable=True),
        sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('version'),
    )


def downgrade() -> None:
    op.drop_table('directory_changes')
