"""places.address: the address parts a place fixes for every address in it (country, state_province,
postal_code…), which HSDS exports write into each location's address

Revision ID: 0012
Revises: 0009
Create Date: 2026-12-02 21:15:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0014'  # chained after the passwords at merge
branch_labels = None
depends_on = None


def upgrade() -> None:
    # existing rows get an empty object; the model supplies {} for new rows, so no server default stays
    with op.batch_alter_table('places', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address', sa.JSON(), nullable=False, server_default=sa.text("'{}'")))
    with op.batch_alter_table('places', schema=None) as batch_op:
        batch_op.alter_column('address', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('places', schema=None) as batch_op:
        batch_op.drop_column('address')
