"""The directory API: create, read, update, soft-delete and filtered lists."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from referral.db import get_db
from referral.models import DirectoryState, Service
from referral.seeding import stable_id
from tests import builders
from tests.builders import change, seed_mini

EAST = stable_id("organization", "east-care")
WEST = stable_id("organization", "west-family")
EAST_OFFICE = stable_id("site", "east-care-office")
WEST_HALL = stable_id("site", "west-family-hall")


def names(response) -> list[str]:
    return [item["name"] for item in response.get_json()["items"]]


def version(app) -> int:
    with app.app_context(), get_db().session() as session:
        return session.scalar(select(DirectoryState.version))


def test_an_organization_created_by_an_admin_is_readable_by_anyone(client, admin_headers):
    created = client.post("/v1/organizations", json=builders.organization(), headers=admin_headers)
    assert created.status_code == 201
    body = created.get_json()
    assert body["kind"] == "social_work_centre" and body["status"] == "active" and body["version"] == 1
    read = client.get(f"/v1/organizations/{body['id']}")
    assert read.status_code == 200
    assert read.get_json() == body


def test_a_service_is_created_with_its_needs_areas_and_sites(app, client, admin_headers):
    seed_mini(app)
    payload = builders.service(
        EAST,
        needs=["mental_health.counseling", "family"],
        area_places=["T1"],
        sites=[EAST_OFFICE],
        capacity="waitlist",
        wait_days=14,
    )
    created = client.post("/v1/services", json=payload, headers=admin_headers)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert (body["needs"], body["area_places"], body["sites"]) == (
        ["family", "mental_health.counseling"],
        ["T1"],
        [EAST_OFFICE],
    )  # lists come back sorted
    assert (body["capacity"], body["wait_days"], body["minimum_age"]) == ("waitlist", 14, 10.0)


def test_a_service_naming_a_target_group_outside_the_vocabulary_is_refused(app, client, admin_headers):
    seed_mini(app)
    payload = builders.service(EAST, target_groups=["migrant", "martian"])
    refused = client.post("/v1/services", json=payload, headers=admin_headers)
    assert refused.status_code == 422
    assert [(e["field"], e["detail"]) for e in refused.get_json()["errors"]] == [
        ("target_groups[1]", "not a target group: martian")
    ]
    created = client.post(
        "/v1/services", json={**payload, "target_groups": ["migrant", "student"]}, headers=admin_headers
    )
    assert created.status_code == 201 and created.get_json()["target_groups"] == ["migrant", "student"]
    patched = change(
        client, "PATCH", f"/v1/services/{created.get_json()['id']}", admin_headers, json={"target_groups": ["pirate"]}
    )
    assert patched.status_code == 422 and patched.get_json()["errors"][0]["field"] == "target_groups[0]"


def test_every_write_bumps_the_directory_version(app, client, admin_headers):
    seed_mini(app)
    before = version(app)
    created = client.post("/v1/organizations", json=builders.organization(), headers=admin_headers).get_json()
    change(client, "PATCH", f"/v1/organizations/{created['id']}", admin_headers, json={"phone": "123"})
    change(client, "DELETE", f"/v1/organizations/{created['id']}", admin_headers)
    assert version(app) == before + 3


def test_patch_changes_only_the_fields_sent_and_bumps_the_record_version(app, client, admin_headers):
    seed_mini(app)
    service_id = stable_id("service", "east-counselling")
    patched = change(client, "PATCH", f"/v1/services/{service_id}", admin_headers, json={"capacity": "full"})
    assert patched.status_code == 200
    body = patched.get_json()
    assert (body["capacity"], body["name"], body["needs"], body["version"]) == (
        "full",
        "儿童心理咨询",
        ["mental_health.counseling"],
        2,
    )


def test_a_patch_that_breaks_a_cross_field_rule_is_refused_and_changes_nothing(app, client, admin_headers):
    seed_mini(app)
    service_id = stable_id("service", "east-counselling")  # ages 6-18
    refused = change(client, "PATCH", f"/v1/services/{service_id}", admin_headers, json={"minimum_age": 20})
    assert refused.status_code == 422
    assert refused.get_json()["errors"] == [
        {"field": "maximum_age", "pointer": "/maximum_age", "detail": "must not be below minimum_age"}
    ]
    assert client.get(f"/v1/services/{service_id}").get_json()["minimum_age"] == 6.0


def test_a_service_cannot_be_offered_at_another_organizations_site(app, client, admin_headers):
    seed_mini(app)
    refused = client.post("/v1/services", json=builders.service(EAST, sites=[WEST_HALL]), headers=admin_headers)
    assert refused.status_code == 422
    assert refused.get_json()["errors"] == [
        {"field": "sites[0]", "pointer": "/sites/0", "detail": "belongs to another organization"}
    ]
    with app.app_context(), get_db().session() as session:
        assert len(session.scalars(select(Service)).all()) == 4


def test_an_unknown_need_code_is_refused_with_suggestions(app, client, admin_headers):
    seed_mini(app)
    refused = client.post(
        "/v1/services", json=builders.service(EAST, needs=["mental_health.counselling"]), headers=admin_headers
    )
    assert refused.status_code == 422
    error = refused.get_json()["errors"][0]
    assert error["field"] == "needs[0]"
    assert error["suggestions"][0] == "mental_health.counseling"


def test_delete_is_soft_the_record_stays_readable_but_leaves_lists(app, client, admin_headers):
    seed_mini(app)
    service_id = stable_id("service", "east-counselling")
    assert change(client, "DELETE", f"/v1/services/{service_id}", admin_headers).get_json()["status"] == "inactive"
    assert client.get(f"/v1/services/{service_id}").get_json()["status"] == "inactive"
    assert "儿童心理咨询" not in names(client.get("/v1/services"))
    assert "儿童心理咨询" in names(client.get("/v1/services?status=inactive"))


@pytest.mark.parametrize(
    "query, expected",
    [
        ("", ["儿童心理咨询", "孤独症康复训练", "家庭教育指导课堂"]),  # active only
        ("?need=mental_health", ["儿童心理咨询"]),  # a top-level code includes its descendants
        ("?need=development.autism&place=D1", ["孤独症康复训练"]),
        ("?place=D2", ["家庭教育指导课堂"]),  # offered at a site in the district
        ("?place=T1", ["儿童心理咨询", "孤独症康复训练"]),
        ("?accepting=true", ["儿童心理咨询", "家庭教育指导课堂"]),
        ("?status=any", ["儿童心理咨询", "危机热线", "孤独症康复训练", "家庭教育指导课堂"]),
        (f"?organization={WEST}", ["家庭教育指导课堂"]),
        ("?q=parenting", ["家庭教育指导课堂"]),  # fuzzy on the English name
        ("?q=心理咨询", ["儿童心理咨询"]),  # and on the Chinese one
        ("?q=自闭症", ["孤独症康复训练"]),  # a synonym the taxonomy knows: services meeting the need
        ("?q=talking therapy", ["儿童心理咨询"]),  # an English synonym, though no name holds it
        ("?q=心理", ["儿童心理咨询"]),  # a word of the name (token containment)
        ("?q=councelling", ["儿童心理咨询"]),  # a typo, read as the need it means
        ("?q=zzzz", []),  # nothing meant: nothing found
    ],
)
def test_service_lists_filter_as_documented(app, client, query, expected):
    seed_mini(app)
    response = client.get(f"/v1/services{query}")
    assert response.status_code == 200
    assert sorted(names(response)) == sorted(expected)


def test_an_organization_is_found_by_a_word_inside_its_name(app, client):
    seed_mini(app)
    assert names(client.get("/v1/organizations?q=关爱")) == ["东区关爱中心"]


def test_lists_are_paginated_in_an_envelope(app, client):
    seed_mini(app)
    first = client.get("/v1/services?per_page=2&page=1").get_json()
    second = client.get("/v1/services?per_page=2&page=2").get_json()
    assert (first["total"], first["page"], first["per_page"], len(first["items"])) == (3, 1, 2, 2)
    assert len(second["items"]) == 1
    assert {i["id"] for i in first["items"]}.isdisjoint({i["id"] for i in second["items"]})


def test_an_unknown_place_filter_is_a_422_with_suggestions(app, client):
    seed_mini(app)
    response = client.get("/v1/services?place=T3")
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "place"
    assert "T1" in response.get_json()["errors"][0]["suggestions"]


def test_sites_filter_by_organization_and_place(app, client):
    seed_mini(app)
    assert names(client.get(f"/v1/sites?organization={EAST}")) == ["东港办公室"]
    assert names(client.get("/v1/sites?place=D2")) == ["西山社区中心"]
