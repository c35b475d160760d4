"""The /hsds API writes times as the export does: with the configured TIMEZONE's UTC offset."""

from __future__ import annotations

import json

from referral.db import get_db
from referral.hsds import package
from tests.builders import seed_mini


def _exported(app):
    with app.app_context(), get_db().session() as session:
        return json.loads(package.to_json(session, timezone=app.config["TIMEZONE"]))


def _times(obj) -> list[str]:
    """Every opens_at and closes_at anywhere in ``obj``."""
    if isinstance(obj, dict):
        return [v for k, v in obj.items() if k in ("opens_at", "closes_at")] + [
            t for k, v in obj.items() for t in _times(v)
        ]
    return [t for v in obj for t in _times(v)] if isinstance(obj, list) else []


def test_a_service_from_the_api_is_the_service_of_the_export_times_and_all(app, client) -> None:
    seed_mini(app)
    exported = {s["id"]: s for org in _exported(app) for s in org.get("services", [])}
    assert _times(list(exported.values())) and all(t.endswith("+08:00") for t in _times(list(exported.values())))
    for sid, svc in exported.items():
        served = client.get(f"/hsds/services/{sid}").get_json()
        assert {k: v for k, v in served.items() if k != "organization"} == svc
    full = client.get("/hsds/services?full=true&per_page=100").get_json()["contents"]
    assert [{k: v for k, v in s.items() if k != "organization"} for s in full] == [exported[s["id"]] for s in full]


def test_organizations_and_locations_from_the_api_have_the_times_of_the_export(app, client) -> None:
    seed_mini(app)
    organizations = _exported(app)
    for org in organizations:
        assert client.get(f"/hsds/organizations/{org['id']}").get_json() == org
    locations = {loc["id"]: loc for org in organizations for loc in org.get("locations", [])}
    assert _times(list(locations.values()))
    links = client.get("/hsds/service_at_locations?full=true&per_page=100").get_json()["contents"]
    assert links and all(
        link["location"].get("schedules") == locations[link["location_id"]].get("schedules")
        and link["service"]
        == next(s for org in organizations for s in org.get("services", []) if s["id"] == link["service_id"])
        for link in links
    )
    one = client.get(f"/hsds/service_at_locations/{links[0]['id']}").get_json()
    assert one["location"].get("schedules") == locations[one["location_id"]].get("schedules")
