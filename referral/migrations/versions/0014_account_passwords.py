"""account passwords: a login and a password hash for signing in to the web pages

Revision ID: 0014
Revises: 0009
Create Date: 2026-12-02 21:30:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('accounts', sa.Column('login', sa.String(length=64), nullable=True))
    op.add_column('accounts', sa.Column('password_hash', sa.String(length=255), nullable=True))
    op.create_index('ix_accounts_login', 'accounts', ['login'], unique=True)


def downgrade() -> None:
    op.drop_index('ix_accounts_login', table_name='accounts')
    with op.batch_alter_table('accounts') as batch:
        batch.drop_column('password_hash')
        batch.drop_column('login')
