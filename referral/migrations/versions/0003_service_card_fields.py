"""the card a worker acts on: phones, hours, how to refer, documents, contacts, alerts, languages

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 15:50:00.000000

Existing rows get empty lists/maps (server defaults used only while adding the columns).
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

SITE_JSON = ('phones', 'translations')
SERVICE_JSON = ('required_documents', 'alerts', 'contacts', 'phones', 'opening_hours',
                'delivered_languages', 'translations')
EMPTY = {'translations': '{}'}


def _json(name: str) -> sa.Column:
    return sa.Column(name, sa.JSON(), nullable=False, server_default=sa.text(f"'{EMPTY.get(name, '[]')}'"))


def upgrade() -> None:
    with op.batch_alter_table('sites', schema=None) as batch_op:
        for name in SITE_JSON:
            batch_op.add_column(_json(name))
    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.add_column(sa.Column('application_process', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('wait_time', sa.String(length=500), nullable=True))
        for name in SERVICE_JSON:
            batch_op.add_column(_json(name))
        batch_op.add_column(sa.Column('serves_school', sa.String(length=36), nullable=True))
        batch_op.create_index(batch_op.f('ix_services_serves_school'), ['serves_school'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_services_serves_school_sites'), 'sites',
                                    ['serves_school'], ['id'], ondelete='SET NULL')
    for table, names in (('sites', SITE_JSON), ('services', SERVICE_JSON)):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name in names:
                batch_op.alter_column(name, server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_services_serves_school_sites'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_services_serves_school'))
        for name in ('serves_school', *SERVICE_JSON, 'wait_time', 'application_process'):
            batch_op.drop_column(name)
    with op.batch_alter_table('sites', schema=None) as batch_op:
        for name in SITE_JSON:
            batch_op.drop_column(name)
