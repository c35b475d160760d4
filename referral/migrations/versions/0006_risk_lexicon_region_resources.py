"""risk lexicon and region resources (emergency lines, duties, screening scales)

Revision ID: 0006
Revises: 0002
Create Date: 2026-12-02 15:46:23.335402
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('region_resources',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('region', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.Enum('hotline', 'duty', 'scale', name='region_resource_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('names', sa.JSON(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=True),
    sa.Column('texts', sa.JSON(), nullable=False),
    sa.Column('always_open', sa.Boolean(), nullable=True),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('places', sa.JSON(), nullable=False),
    sa.Column('grades', sa.JSON(), nullable=False),
    sa.CheckConstraint("kind <> 'hotline' OR number IS NOT NULL", name=op.f('ck_region_resources_hotline_has_number')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_region_resources')),
    sa.UniqueConstraint('region', 'kind', 'key', name=op.f('uq_region_resources_region_kind_key'))
    )
    with op.batch_alter_table('region_resources', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_region_resources_region'), ['region'], unique=False)

    op.create_table('risk_categories',
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('need_code', sa.String(length=100), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('labels', sa.JSON(), nullable=False),
    sa.Column('phrases', sa.JSON(), nullable=False),
    sa.Column('patterns', sa.JSON(), nullable=False),
    sa.Column('exclusions', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_risk_categories'))
    )


def downgrade() -> None:
    op.drop_table('risk_categories')
    with op.batch_alter_table('region_resources', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_region_resources_region'))

    op.drop_table('region_resources')
