"""The card fields travel from seed files through the database into the matching core's snapshot."""

from __future__ import annotations

import json
import shutil

from referral import seeding, snapshot
from referral.db import get_db
from referral.matching import types as core
from tests.builders import MINI

CARD = {
    "application_process": "电话预约后到站面谈",
    "wait_time": "3个工作日内回电",
    "translations": {
        "application_process": {"en": "Call to book, then meet at the station"},
        "wait_time": {"en": "Call back within 3 working days"},
        "cost_text": {"en": "Free"},
    },
    "required_documents": [{"document": "户口簿", "names": {"en": "Household register"}}],
    "alerts": [{"text": "春节期间暂停", "texts": {"en": "Closed over Spring Festival"}}],
    "contacts": [{"title": "接案社工", "titles": {"en": "Intake social worker"}, "phone": "0512-1"}],
    "phones": [{"number": "12355", "purpose": "hotline"}],
    "opening_hours": [{"weekday": "su", "opens": "00:00", "closes": "24:00"}],
    "delivered_languages": ["zh", "en"],
    "serves_school": "west-family-hall",  # a site of the other organization, loaded before it
}


def seeded_directory(app, tmp_path) -> core.Directory:
    region = tmp_path / "card"
    shutil.copytree(MINI, region)
    data = json.loads((region / "organizations.json").read_text(encoding="utf-8"))
    data["organizations"][0]["services"][0].update(CARD)
    data["organizations"][0]["sites"][0].update(
        phone="0512-0",
        phones=[{"number": "0512-2", "purpose": "intake"}],
        accessibility="无障碍坡道",
        translations={"accessibility": {"en": "Step-free ramp"}},
    )
    (region / "organizations.json").write_text(json.dumps(data), encoding="utf-8")
    with app.app_context(), get_db().session(write=True) as session:
        seeding.load(session, MINI / "needs.json", region)
    with app.app_context(), get_db().session() as session:
        return snapshot.load(session)


def test_a_seeded_card_reaches_the_core_snapshot_with_its_translations(app, tmp_path):
    directory = seeded_directory(app, tmp_path)
    service = next(s for s in directory.services if s.id == seeding.stable_id("service", "east-counselling"))
    assert service.application_process.in_language("en") == "Call to book, then meet at the station"
    assert service.wait_time == core.Text("3个工作日内回电", {"en": "Call back within 3 working days"})
    assert service.required_documents == (core.Text("户口簿", {"en": "Household register"}),)
    assert service.alerts[0].in_language("zh") == "春节期间暂停"
    assert service.contacts == (core.Contact(core.Text("接案社工", {"en": "Intake social worker"}), phone="0512-1"),)
    assert service.phones == (core.Phone("12355", "hotline"),)
    assert service.hours == (core.Hours(6, "00:00", "24:00"),)
    assert service.delivered_languages == frozenset({"zh", "en"})
    assert service.cost_texts == {"en": "Free"}
    assert service.serves_school == seeding.stable_id("site", "west-family-hall")
    assert {"西山社区中心", "Xishan community hall", "西区家庭服务社", "West Family Services"} <= service.school_names


def test_a_site_lists_its_main_phone_first_then_its_other_lines(app, tmp_path):
    directory = seeded_directory(app, tmp_path)
    site = next(s for s in directory.services if s.sites).sites[0]
    assert site.phones == (core.Phone("0512-0", "main"), core.Phone("0512-2", "intake"))
    assert site.accessibility == core.Text("无障碍坡道", {"en": "Step-free ramp"})
    assert site.hours == (core.Hours(0, "08:30", "17:00"),)


def test_services_without_card_data_read_as_empty_cards(app, tmp_path):
    directory = seeded_directory(app, tmp_path)
    service = next(s for s in directory.services if s.id == seeding.stable_id("service", "east-autism"))
    assert (service.application_process, service.required_documents, service.contacts, service.serves_school) == (
        None,
        (),
        (),
        None,
    )
