"""referrals, webhooks outbox and deliveries, gap counters

Revision ID: 0009
Revises: 0010
Create Date: 2026-12-02 16:30:38.299543
"""

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('gap_counts',
    sa.Column('place_code', sa.String(length=32), nullable=False),
    sa.Column('need_code', sa.String(length=64), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('place_code', 'need_code', 'month', name=op.f('pk_gap_counts'))
    )
    op.create_table('webhook_subscriptions',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('account_id', sa.String(length=36), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('secret_sealed', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('active', 'disabled', name='subscription_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_webhook_subscriptions_account_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_subscriptions'))
    )
    with op.batch_alter_table('webhook_subscriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webhook_subscriptions_account_id'), ['account_id'], unique=False)

    op.create_table('outbox_events',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('subscription_id', sa.String(length=36), nullable=False),
    sa.Column('event_type', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'delivered', 'failed', name='outbox_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['subscription_id'], ['webhook_subscriptions.id'], name=op.f('fk_outbox_events_subscription_id_webhook_subscriptions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_events'))
    )
    with op.batch_alter_table('outbox_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_events_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_events_subscription_id'), ['subscription_id'], unique=False)

    op.create_table('referrals',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('service_id', sa.String(length=36), nullable=False),
    sa.Column('site_id', sa.String(length=36), nullable=True),
    sa.Column('organization_id', sa.String(length=36), nullable=False),
    sa.Column('referrer_account_id', sa.String(length=36), nullable=True),
    sa.Column('referrer', sa.String(length=100), nullable=False),
    sa.Column('needs', sa.JSON(), nullable=False),
    sa.Column('urgency', sa.Enum('routine', 'soon', 'urgent', name='referral_urgency', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('status', sa.Enum('requested', 'received', 'accepted', 'declined', 'in_progress', 'completed', 'cancelled', 'failed', name='referral_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('decline_reason', sa.Enum('no_capacity', 'not_eligible', 'outside_area', 'family_not_reachable', 'other', name='decline_reason', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('message_sealed', sa.Text(), nullable=True),
    sa.Column('child_ref_sealed', sa.Text(), nullable=True),
    sa.Column('family_contact_sealed', sa.Text(), nullable=True),
    sa.Column('consent_sealed', sa.Text(), nullable=True),
    sa.Column('has_family_contact', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('purged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("(status = 'declined') = (decline_reason IS NOT NULL)", name=op.f('ck_referrals_declined_has_reason')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_referrals_organization_id_organizations')),
    sa.ForeignKeyConstraint(['referrer_account_id'], ['accounts.id'], name=op.f('fk_referrals_referrer_account_id_accounts')),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_referrals_service_id_services')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_referrals_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referrals'))
    )
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referrals_closed_at'), ['closed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_referrals_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referrals_referrer_account_id'), ['referrer_account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referrals_service_id'), ['service_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referrals_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_referrals_updated_at'), ['updated_at'], unique=False)

    op.create_table('webhook_deliveries',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.String(length=36), nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('error', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['outbox_id'], ['outbox_events.id'], name=op.f('fk_webhook_deliveries_outbox_id_outbox_events')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_deliveries'))
    )
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webhook_deliveries_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_webhook_deliveries_outbox_id'), ['outbox_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_webhook_deliveries_subscription_id'), ['subscription_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhook_deliveries_subscription_id'))
        batch_op.drop_index(batch_op.f('ix_webhook_deliveries_outbox_id'))
        batch_op.drop_index(batch_op.f('ix_webhook_deliveries_at'))

    op.drop_table('webhook_deliveries')
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referrals_updated_at'))
        batch_op.drop_index(batch_op.f('ix_referrals_status'))
        batch_op.drop_index(batch_op.f('ix_referrals_service_id'))
        batch_op.drop_index(batch_op.f('ix_referrals_referrer_account_id'))
        batch_op.drop_index(batch_op.f('ix_referrals_organization_id'))
        batch_op.drop_index(batch_op.f('ix_referrals_closed_at'))

    op.drop_table('referrals')
    with op.batch_alter_table('outbox_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_events_subscription_id'))
        batch_op.drop_index(batch_op.f('ix_outbox_events_status'))

    op.drop_table('outbox_events')
    with op.batch_alter_table('webhook_subscriptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhook_subscriptions_account_id'))

    op.drop_table('webhook_subscriptions')
    op.drop_table('gap_counts')
