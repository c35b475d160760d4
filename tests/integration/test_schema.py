"""The migrated database is exactly what the models declare, and it enforces the rules itself."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from referral import migrate
from referral.db import Base, get_db
from referral.models import DirectoryState, Organization, Service, ServiceAtLocation, Site
from tests.builders import seed_mini


def test_migrating_an_empty_database_gives_the_schema_the_models_declare(app):
    with app.app_context():
        engine = get_db().engine
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
        assert migrate.current(engine) == migrate.head()


def test_a_new_database_starts_at_directory_version_zero(app):
    with app.app_context(), get_db().session() as session:
        assert session.scalar(select(DirectoryState.version)) == 0


ROWS = {
    "an unknown organization kind": (Organization, {"id": "o9", "name": "x", "kind": "club"}),
    "a minimum age above the maximum": (
        Service,
        {"id": "s9", "organization_id": "ORG", "name": "x", "modes": ["remote"], "minimum_age": 12, "maximum_age": 6},
    ),
    "a wait on a service that is not waitlisted": (
        Service,
        {
            "id": "s9",
            "organization_id": "ORG",
            "name": "x",
            "modes": ["remote"],
            "capacity": "accepting",
            "wait_days": 10,
        },
    ),
    "a latitude off the globe": (
        Site,
        {"id": "x9", "organization_id": "ORG", "name": "x", "kind": "office", "latitude": 91, "longitude": 0},
    ),
    "a site of an organization that does not exist": (
        Site,
        {"id": "x9", "organization_id": "nobody", "name": "x", "kind": "office", "latitude": 1, "longitude": 1},
    ),
}


@pytest.mark.parametrize("case", ROWS, ids=list(ROWS))
def test_the_database_itself_refuses(app, case):
    model, values = ROWS[case]
    seed_mini(app)
    with app.app_context(), get_db().session(write=True) as session:
        org_id = session.scalars(select(Organization.id)).first()
        values = {k: (org_id if v == "ORG" else v) for k, v in values.items()}
        with pytest.raises(IntegrityError):
            session.execute(insert(model).values(**values, names={}))
            session.commit()


def test_the_database_refuses_a_service_at_a_site_of_another_organization(app):
    seed_mini(app)
    with app.app_context(), get_db().session(write=True) as session:
        east, west = session.scalars(select(Organization).order_by(Organization.name)).all()
        service_id = session.scalars(select(Service.id).where(Service.organization_id == east.id)).first()
        site_id = session.scalars(select(Site.id).where(Site.organization_id == west.id)).first()
        with pytest.raises(IntegrityError):
            session.execute(
                insert(ServiceAtLocation).values(
                    id="link9", service_id=service_id, site_id=site_id, organization_id=east.id
                )
            )
            session.commit()
