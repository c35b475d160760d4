"""the audit trail refuses DELETE as well as UPDATE

Revision ID: 0008
Revises: 0002
Create Date: 2026-12-02 16:20:00
"""

from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    """0002's trigger refuses UPDATE; these refuse DELETE and, on PostgreSQL, TRUNCATE (which
    skips row triggers), with 0002's function."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
            "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
        )
    else:
        op.execute(
            "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
            "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()"
        )


def downgrade() -> None:
    on_table = "" if op.get_bind().dialect.name == "sqlite" else " ON audit_events"
    op.execute("DROP TRIGGER IF EXISTS audit_events_no_delete" + on_table)
    if on_table:
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_truncate" + on_table)
