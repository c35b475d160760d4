"""versioned reference data (the needs taxonomy loaded by init-db); services.eligibility_description and area_names

Revision ID: 0005
Revises: 0003
Create Date: 2026-12-02 15:50:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reference_data',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('version', sa.String(length=64), nullable=False),
    sa.Column('items', sa.Integer(), nullable=False),
    sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_reference_data'))
    )
    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.add_column(sa.Column('eligibility_description', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('area_names', sa.JSON(), nullable=False, server_default='[]'))


def downgrade() -> None:
    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.drop_column('area_names')
        batch_op.drop_column('eligibility_description')
    op.drop_table('reference_data')
