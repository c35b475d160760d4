"""places.aliases: local, old and colloquial names of a place (港区, 县府街), any language

Revision ID: 0007
Revises: 0002
Create Date: 2026-12-02 16:15:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # existing rows get an empty list; the model supplies [] for new rows, so no server default stays
    with op.batch_alter_table('places', schema=None) as batch_op:
        batch_op.add_column(sa.Column('aliases', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
    with op.batch_alter_table('places', schema=None) as batch_op:
        batch_op.alter_column('aliases', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('places', schema=None) as batch_op:
        batch_op.drop_column('aliases')
