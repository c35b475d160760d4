"""Loading seed directories: counts, idempotence, all-or-nothing."""

from __future__ import annotations

import json
import math
import shutil

import pytest
from sqlalchemy import func, select

from referral import seeding
from referral.config import PROJECT_ROOT
from referral.db import get_db
from referral.models import DirectoryState, NeedTerm, Organization, Place, Service, ServiceAtLocation, Site
from tests.builders import MINI, seed_mini

SEEDS = PROJECT_ROOT / "seeds"


def counts(app) -> dict[str, int]:
    with app.app_context(), get_db().session() as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model))
            for model in (NeedTerm, Place, Organization, Site, Service, ServiceAtLocation)
        }


def test_the_mini_region_loads_every_table(app):
    seed_mini(app)
    assert counts(app) == {
        "need_terms": 7,
        "places": 5,
        "organizations": 2,
        "sites": 2,
        "services": 4,
        "service_at_location": 3,
    }


def test_seeding_twice_updates_in_place_and_never_duplicates(app):
    seed_mini(app)
    with app.app_context(), get_db().session() as session:
        ids_before = set(session.scalars(select(Service.id)))
    seed_mini(app)
    with app.app_context(), get_db().session() as session:
        assert set(session.scalars(select(Service.id))) == ids_before
    assert counts(app)["services"] == 4


def test_seeded_ids_are_stable_uuids_of_their_keys(app):
    seed_mini(app)
    with app.app_context(), get_db().session() as session:
        service = session.get(Service, seeding.stable_id("service", "east-autism"))
        assert service.name == "孤独症康复训练"
        assert service.needs == ["development.autism"]
        assert service.capacity == "waitlist" and service.wait_days == 30


def test_a_broken_region_writes_nothing(app, tmp_path):
    region = tmp_path / "broken"
    shutil.copytree(MINI, region)
    data = json.loads((region / "organizations.json").read_text(encoding="utf-8"))
    data["organizations"][1]["services"][0]["needs"] = ["no.such.need"]
    (region / "organizations.json").write_text(json.dumps(data), encoding="utf-8")
    with app.app_context(), get_db().session(write=True) as session:
        with pytest.raises(seeding.SeedError, match="broken"):
            seeding.load(session, MINI / "needs.json", region)
    assert set(counts(app).values()) == {0}
    with app.app_context(), get_db().session() as session:
        assert session.scalar(select(DirectoryState.version)) == 0


def test_a_missing_file_is_named(app, tmp_path):
    with app.app_context(), get_db().session(write=True) as session:
        with pytest.raises(seeding.SeedError, match="places.json: no such file"):
            seeding.load(session, MINI / "needs.json", tmp_path)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def test_the_demo_region_loads_at_the_promised_size_with_sites_inside_their_towns(app):
    with app.app_context(), get_db().session(write=True) as session:
        report = seeding.load(session, SEEDS / "needs.json", SEEDS / "regions" / "suzhou-zhenjiang")
    assert report.terms >= 40 and report.places >= 120
    assert report.organizations >= 80 and report.sites >= 150 and report.services >= 300
    with app.app_context(), get_db().session() as session:
        places = {p.code: p for p in session.scalars(select(Place))}
        for site in session.scalars(select(Site)):
            place = places[site.place_code]
            assert haversine_km(site.latitude, site.longitude, place.latitude, place.longitude) <= 3.0, site.name
        depth = {t.code.count(".") for t in session.scalars(select(NeedTerm))}
        assert depth >= {0, 1}


def test_a_service_restricted_to_a_group_outside_the_vocabulary_is_refused_naming_it(app, tmp_path):
    region = tmp_path / "groups"
    shutil.copytree(MINI, region)
    data = json.loads((region / "organizations.json").read_text(encoding="utf-8"))
    service = data["organizations"][1]["services"][0]
    service["target_groups"] = ["migrant", "astronaut_family"]
    (region / "organizations.json").write_text(json.dumps(data), encoding="utf-8")
    with app.app_context(), get_db().session(write=True) as session, pytest.raises(seeding.SeedError) as refused:
        seeding.load(session, MINI / "needs.json", region)
    assert str(refused.value) == (
        f"{region / 'organizations.json'}: target groups not in the vocabulary "
        f"(referral/data/target_groups.json): {service['key']}: astronaut_family"
    )
    assert set(counts(app).values()) == {0}
