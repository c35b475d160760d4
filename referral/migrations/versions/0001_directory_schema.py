"""directory schema: places, need terms, organizations, sites, services and their links

Revision ID: 0001
Revises: 
Create Date: 2026-11-30 04:11:32.168223
"""

from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('directory_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_directory_state_single_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_state'))
    )
    op.create_table('need_terms',
    sa.Column('code', sa.String(length=100), nullable=False),
    sa.Column('parent_code', sa.String(length=100), nullable=True),
    sa.Column('labels', sa.JSON(), nullable=False),
    sa.Column('synonyms', sa.JSON(), nullable=False),
    sa.Column('open_eligibility', sa.String(length=200), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['parent_code'], ['need_terms.code'], name=op.f('fk_need_terms_parent_code_need_terms')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_need_terms'))
    )
    with op.batch_alter_table('need_terms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_need_terms_parent_code'), ['parent_code'], unique=False)

    op.create_table('organizations',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('descriptions', sa.JSON(), nullable=False),
    sa.Column('kind', sa.Enum('ngo', 'social_work_centre', 'school', 'hospital', 'government', 'community_centre', 'rehabilitation_centre', 'university', 'other', name='organization_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('phone', sa.String(length=64), nullable=True),
    sa.Column('website', sa.String(length=500), nullable=True),
    sa.Column('status', sa.Enum('active', 'inactive', 'suspended', name='organization_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('names', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organizations'))
    )
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organizations_status'), ['status'], unique=False)

    op.create_table('places',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('parent_code', sa.String(length=32), nullable=True),
    sa.Column('kind', sa.Enum('city', 'district', 'town', name='place_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('names', sa.JSON(), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=False),
    sa.Column('longitude', sa.Float(), nullable=False),
    sa.CheckConstraint('latitude BETWEEN -90 AND 90', name=op.f('ck_places_latitude_range')),
    sa.CheckConstraint('longitude BETWEEN -180 AND 180', name=op.f('ck_places_longitude_range')),
    sa.ForeignKeyConstraint(['parent_code'], ['places.code'], name=op.f('fk_places_parent_code_places')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_places'))
    )
    with op.batch_alter_table('places', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_places_parent_code'), ['parent_code'], unique=False)

    op.create_table('services',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('organization_id', sa.String(length=36), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('descriptions', sa.JSON(), nullable=False),
    sa.Column('minimum_age', sa.Float(), nullable=True),
    sa.Column('maximum_age', sa.Float(), nullable=True),
    sa.Column('genders', sa.JSON(), nullable=False),
    sa.Column('target_groups', sa.JSON(), nullable=False),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('modes', sa.JSON(), nullable=False),
    sa.Column('cost', sa.Enum('free', 'subsidized', 'fee', name='service_cost', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('cost_text', sa.String(length=500), nullable=True),
    sa.Column('capacity', sa.Enum('accepting', 'waitlist', 'full', name='service_capacity', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('wait_days', sa.Integer(), nullable=True),
    sa.Column('intensity', sa.Enum('prevention', 'support', 'intensive', name='service_intensity', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('area_radius_km', sa.Float(), nullable=True),
    sa.Column('status', sa.Enum('active', 'inactive', 'suspended', name='service_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('verified_at', sa.Date(), nullable=True),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('names', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("wait_days IS NULL OR capacity = 'waitlist'", name=op.f('ck_services_wait_only_on_waitlist')),
    sa.CheckConstraint('area_radius_km > 0', name=op.f('ck_services_area_radius_positive')),
    sa.CheckConstraint('maximum_age >= 0 AND maximum_age <= 120', name=op.f('ck_services_maximum_age_range')),
    sa.CheckConstraint('minimum_age <= maximum_age', name=op.f('ck_services_age_order')),
    sa.CheckConstraint('minimum_age >= 0 AND minimum_age <= 120', name=op.f('ck_services_minimum_age_range')),
    sa.CheckConstraint('wait_days >= 0', name=op.f('ck_services_wait_days_positive')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_services_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_services')),
    sa.UniqueConstraint('id', 'organization_id', name=op.f('uq_services_id_organization_id'))
    )
    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_services_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_services_status'), ['status'], unique=False)

    op.create_table('sites',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('organization_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.Enum('office', 'school_station', 'practice_base', 'community_centre', 'rehabilitation_centre', 'clinic', 'service_station', 'other', name='site_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('address', sa.String(length=500), nullable=True),
    sa.Column('place_code', sa.String(length=32), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=False),
    sa.Column('longitude', sa.Float(), nullable=False),
    sa.Column('phone', sa.String(length=64), nullable=True),
    sa.Column('opening_hours', sa.JSON(), nullable=False),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('accessibility', sa.Text(), nullable=True),
    sa.Column('status', sa.Enum('active', 'inactive', 'suspended', name='site_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('names', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('latitude BETWEEN -90 AND 90', name=op.f('ck_sites_latitude_range')),
    sa.CheckConstraint('longitude BETWEEN -180 AND 180', name=op.f('ck_sites_longitude_range')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_sites_organization_id_organizations')),
    sa.ForeignKeyConstraint(['place_code'], ['places.code'], name=op.f('fk_sites_place_code_places')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sites')),
    sa.UniqueConstraint('id', 'organization_id', name=op.f('uq_sites_id_organization_id'))
    )
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sites_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sites_place_code'), ['place_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_sites_status'), ['status'], unique=False)

    op.create_table('service_areas',
    sa.Column('service_id', sa.String(length=36), nullable=False),
    sa.Column('place_code', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['place_code'], ['places.code'], name=op.f('fk_service_areas_place_code_places')),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_service_areas_service_id_services'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('service_id', 'place_code', name=op.f('pk_service_areas'))
    )
    with op.batch_alter_table('service_areas', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_areas_place_code'), ['place_code'], unique=False)

    op.create_table('service_at_location',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('service_id', sa.String(length=36), nullable=False),
    sa.Column('site_id', sa.String(length=36), nullable=False),
    sa.Column('organization_id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['service_id', 'organization_id'], ['services.id', 'services.organization_id'], name='fk_service_at_location_service_organization', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['site_id', 'organization_id'], ['sites.id', 'sites.organization_id'], name='fk_service_at_location_site_organization'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_at_location')),
    sa.UniqueConstraint('service_id', 'site_id', name=op.f('uq_service_at_location_service_id_site_id'))
    )
    with op.batch_alter_table('service_at_location', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_at_location_service_id'), ['service_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_at_location_site_id'), ['site_id'], unique=False)

    op.create_table('service_needs',
    sa.Column('service_id', sa.String(length=36), nullable=False),
    sa.Column('need_code', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['need_code'], ['need_terms.code'], name=op.f('fk_service_needs_need_code_need_terms')),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_service_needs_service_id_services'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('service_id', 'need_code', name=op.f('pk_service_needs'))
    )
    with op.batch_alter_table('service_needs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_needs_need_code'), ['need_code'], unique=False)
    # The one row the change check reads; the version starts at 0 for an empty directory.
    state = sa.table("directory_state", sa.column("id", sa.Integer), sa.column("version", sa.Integer),
                     sa.column("changed_at", sa.DateTime(timezone=True)))
    op.bulk_insert(state, [{"id": 1, "version": 0, "changed_at": datetime.now(timezone.utc)}])


def downgrade() -> None:
    with op.batch_alter_table('service_needs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_needs_need_code'))

    op.drop_table('service_needs')
    with op.batch_alter_table('service_at_location', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_at_location_site_id'))
        batch_op.drop_index(batch_op.f('ix_service_at_location_service_id'))

    op.drop_table('service_at_location')
    with op.batch_alter_table('service_areas', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_areas_place_code'))

    op.drop_table('service_areas')
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sites_status'))
        batch_op.drop_index(batch_op.f('ix_sites_place_code'))
        batch_op.drop_index(batch_op.f('ix_sites_organization_id'))

    op.drop_table('sites')
    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_services_status'))
        batch_op.drop_index(batch_op.f('ix_services_organization_id'))

    op.drop_table('services')
    with op.batch_alter_table('places', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_places_parent_code'))

    op.drop_table('places')
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organizations_status'))

    op.drop_table('organizations')
    with op.batch_alter_table('need_terms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_need_terms_parent_code'))

    op.drop_table('need_terms')
    op.drop_table('directory_state')
