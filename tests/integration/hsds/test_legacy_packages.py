"""HSDS 1.x and 2.0 tabular packages are recognised and converted to 3.0 on the way in, the report
saying what changed."""

from __future__ import annotations

import shutil
from pathlib import Path

from referral.db import get_db
from referral.hsds import legacy, sources
from referral.models import Service, Site
from tests.integration.hsds.helpers import official, reference_only, run_import

ORG, SERVICE, LOCATION = (
    "11111111-1111-4111-8111-111111111111",
    "22222222-2222-4222-8222-222222222222",
    "33333333-3333-4333-8333-333333333333",
)
FILES = {
    "organizations.csv": f"id,name,description,url\n{ORG},Harbour Family Centre,Family support,https://harbour.example\n",
    "services.csv": f"id,organization_id,name,description,status,fees\n{SERVICE},{ORG},Family counselling,"
    "Counselling for families,active,free\n",
    "locations.csv": f"id,organization_id,name,latitude,longitude\n{LOCATION},{ORG},Harbour office,31.3,120.6\n",
    "services_at_location.csv": f"id,service_id,location_id\n44444444-4444-4444-8444-444444444444,{SERVICE},{LOCATION}\n",
    "physical_addresses.csv": f"id,location_id,address_1,address_2,address_3,city,state_province,postal_code,country\n"
    f"55555555-5555-4555-8555-555555555555,{LOCATION},1 Quay Road,Unit 2,Harbour side,"
    "Harbour City,HC,000000,CN\n",
    "taxonomy_terms.csv": "id,term,description,parent_id,taxonomy,language\n"
    "66666666-6666-4666-8666-666666666666,Counselling,,,local,en\n",
    "service_attributes.csv": f"id,service_id,taxonomy_term_id\n77777777-7777-4777-8777-777777777777,{SERVICE},"
    "66666666-6666-4666-8666-666666666666\n",
    "eligibility.csv": f"id,service_id,eligibility\n88888888-8888-4888-8888-888888888888,{SERVICE},Families with children\n",
    "regular_schedules.csv": f"id,service_id,weekday,opens_at,closes_at\n99999999-9999-4999-8999-999999999999,"
    f"{SERVICE},Monday,09:00,17:00\n",
    "payments_accepted.csv": f"id,service_id,payment\naaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa,{SERVICE},cash\n",
}


def _package(tmp_path: Path) -> Path:
    folder = tmp_path / "hsds-2.0"
    folder.mkdir()
    shutil.copy(official() / "legacy" / "datapackage-2.0.1.json", folder / "datapackage.json")
    for name, text in FILES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_an_hsds_2_package_is_recognised_by_its_descriptor(tmp_path) -> None:
    source = sources.open_path(_package(tmp_path))
    assert isinstance(source, legacy.LegacySource)
    assert (
        source.notes[0][1] == "an HSDS 2.0.1 tabular package: converted to HSDS 3.0 on the way in (each change below)"
    )


def test_an_hsds_2_package_imports_as_3_0_and_the_report_says_what_changed(app, tmp_path) -> None:
    reference_only(app, tmp_path)
    report = run_import(app, _package(tmp_path))
    assert report.ok and report.written, report.as_text()
    with app.app_context(), get_db().session() as session:
        service = session.get(Service, SERVICE)
        assert service.needs == ["mental_health.counseling"]
        assert service.eligibility_description == "Families with children"
        assert service.opening_hours == [{"weekday": "mo", "opens": "09:00", "closes": "17:00"}]
        site = session.get(Site, LOCATION)
        assert site.address == "1 Quay Road, Unit 2, Harbour side, Harbour City, HC, 000000, CN"
    notes = {(n["file"], n.get("field")): n["message"] for n in report.notes}
    assert notes[("organizations.csv", None)] == "read as HSDS 3.0 organization (url → website)"
    assert notes[("physical_addresses.csv", "address_3")] == "appended to address_2"
    assert notes[("payments_accepted.csv", None)] == "not read: HSDS 3.0 has no payments accepted"
    assert notes[("regular_schedules.csv", None)] == "read as HSDS 3.0 schedule (weekday → byday; freq = WEEKLY)"
