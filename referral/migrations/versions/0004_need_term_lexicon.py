"""need terms: description, lexicon of everyday expressions, audience (whose need), priority (a danger) for the text reader

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-02 16:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('need_terms', schema=None) as batch_op:
        batch_op.add_column(sa.Column('description', sa.JSON(), server_default='{}', nullable=False))
        batch_op.add_column(sa.Column('lexicon', sa.JSON(), server_default='{}', nullable=False))
        batch_op.add_column(sa.Column('audience', sa.String(length=16), server_default='child', nullable=False))
        batch_op.add_column(sa.Column('priority', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('need_terms', schema=None) as batch_op:
        batch_op.drop_column('priority')
        batch_op.drop_column('audience')
        batch_op.drop_column('lexicon')
        batch_op.drop_column('description')
