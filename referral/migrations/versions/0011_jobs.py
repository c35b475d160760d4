"""jobs: background imports and exports; audit events name the import that made them

Revision ID: 0011j
Revises: 0009
Create Date: 2026-12-02 21:10:00
"""

from alembic import op
import sqlalchemy as sa

revision = '0011j'
down_revision = "0012"  # chained after the place addresses at merge
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'jobs',
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('kind', sa.Enum('import', 'export', name='job_kind', native_enum=False,
                                  create_constraint=True, length=32), nullable=False),
        sa.Column('status', sa.Enum('queued', 'running', 'done', 'failed', name='job_status', native_enum=False,
                                    create_constraint=True, length=32), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('payload', sa.String(500), nullable=True),
        sa.Column('created_by', sa.String(100), nullable=False),
        sa.Column('account_id', sa.String(36), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('progress_done', sa.Integer(), nullable=False),
        sa.Column('progress_total', sa.Integer(), nullable=True),
        sa.Column('result', sa.JSON(), nullable=True),
        sa.Column('error', sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs')),
    )
    op.create_index('ix_jobs_status_created_at', 'jobs', ['status', 'created_at'])
    op.create_index(op.f('ix_jobs_account_id'), 'jobs', ['account_id'])
    op.add_column('audit_events', sa.Column('import_id', sa.String(36), nullable=True))  # the triggers stay
    op.create_index(op.f('ix_audit_events_import_id'), 'audit_events', ['import_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_audit_events_import_id'), table_name='audit_events')
    op.drop_column('audit_events', 'import_id')  # SQLite 3.35+
    op.drop_index(op.f('ix_jobs_account_id'), table_name='jobs')
    op.drop_index('ix_jobs_status_created_at', table_name='jobs')
    op.drop_table('jobs')
