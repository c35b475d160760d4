"""An editor writes the card fields through the directory API; they are validated like the rest."""

from __future__ import annotations

from referral.seeding import stable_id
from tests.builders import change, seed_mini

COUNSELLING = stable_id("service", "east-counselling")
WEST_HALL = stable_id("site", "west-family-hall")
CARD = {
    "application_process": "电话预约",
    "wait_time": "三天内回电",
    "translations": {"application_process": {"en": "Call to book"}},
    "required_documents": [{"document": "户口簿", "names": {"en": "Household register"}}],
    "alerts": [{"text": "春节暂停", "texts": {"en": "Closed at Spring Festival"}}],
    "contacts": [{"title": "接案社工", "titles": {"en": "Intake social worker"}, "phone": "0512-1"}],
    "phones": [{"number": "12355", "purpose": "hotline"}],
    "opening_hours": [{"weekday": "sa", "opens": "00:00", "closes": "24:00"}],
    "delivered_languages": ["zh", "en"],
    "serves_school": WEST_HALL,
}


def test_the_card_fields_of_a_service_are_written_and_read_back(app, client, admin_headers):
    seed_mini(app)
    patched = change(client, "PATCH", f"/v1/services/{COUNSELLING}", admin_headers, json=CARD)
    assert patched.status_code == 200, patched.get_json()
    body = client.get(f"/v1/services/{COUNSELLING}").get_json()
    assert {key: body[key] for key in CARD} == CARD


BAD = {
    "a phone purpose that is not listed": ({"phones": [{"number": "1", "purpose": "pager"}]}, "phones[0].purpose"),
    "a translation of a field that has none": ({"translations": {"name": {"en": "x"}}}, "translations"),
    "a closing time past midnight": (
        {"opening_hours": [{"weekday": "mo", "opens": "09:00", "closes": "25:00"}]},
        "opening_hours[0].closes",
    ),
    "a school that is not a site": ({"serves_school": "nowhere"}, "serves_school"),
}


def test_wrong_card_fields_are_refused_naming_the_field(app, client, admin_headers):
    seed_mini(app)
    for case, (payload, field) in BAD.items():
        refused = change(client, "PATCH", f"/v1/services/{COUNSELLING}", admin_headers, json=payload)
        assert refused.status_code == 422, case
        assert any(e["field"].startswith(field) for e in refused.get_json()["errors"]), (case, refused.get_json())
