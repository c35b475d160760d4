"""The demo directory reads as a local professional would trust it: realistic areas, hotlines and
emergency services always accepting and open 24 hours, cost texts written per service, the narrowest
true tags, delivery languages as card data, and every card field filled (in both languages)."""

import json
from collections import Counter

import pytest

from referral.config import PROJECT_ROOT

REGION = PROJECT_ROOT / "seeds" / "regions" / "suzhou-zhenjiang"
ORGANIZATIONS = json.loads((REGION / "organizations.json").read_text(encoding="utf-8"))["organizations"]
PLACES = {p["code"]: p for p in json.loads((REGION / "places.json").read_text(encoding="utf-8"))["places"]}
SERVICES = [(org, s) for org in ORGANIZATIONS for s in org["services"]]
SITES = {site["key"]: site for org in ORGANIZATIONS for site in org["sites"]}
ALL_DAY = {(d, "00:00", "24:00") for d in ("mo", "tu", "we", "th", "fr", "sa", "su")}
TOWN_WORDS = ("镇", "街道")  # the demo region's words for towns and streets (region data, not code)
URGENT_NEEDS = {"protection.emergency_placement", "mental_health.crisis"}


def ids(pairs):
    return [s["key"] for _, s in pairs]


def urgent(service) -> bool:
    return bool(URGENT_NEEDS & set(service["needs"])) or any(
        p["purpose"] == "hotline" for p in service.get("phones", [])
    )


def test_municipal_services_serve_their_whole_municipality_not_one_town():
    municipal = [
        (o, s)
        for o, s in SERVICES
        if o["kind"] in ("government", "hospital", "rehabilitation_centre")
        and not any(w in o["name"] + s["name"] for w in TOWN_WORDS)
    ]
    assert len(municipal) > 50
    for _org, service in municipal:
        assert all(PLACES[code]["kind"] != "town" for code in service["area_places"]), service["key"]


def test_every_service_has_an_area():
    for _, service in SERVICES:
        assert service["area_places"] or service["area_radius_km"] is not None, service["key"]


@pytest.mark.parametrize("key", ids([(o, s) for o, s in SERVICES if urgent(s)]))
def test_hotlines_and_emergency_services_always_accept_and_are_open_24_hours(key):
    service = next(s for _, s in SERVICES if s["key"] == key)
    assert service["capacity"] == "accepting" and service["wait_days"] is None
    assert {(h["weekday"], h["opens"], h["closes"]) for h in service["opening_hours"]} == ALL_DAY
    assert service["phones"], "a number to call at any hour"


def test_there_are_hotlines_and_emergency_services_to_check():
    assert sum(urgent(s) for _, s in SERVICES) >= 10


def test_no_cost_text_is_copied_between_services():
    texts = Counter(s["cost_text"] for _, s in SERVICES if s["cost_text"])
    assert [t for t, n in texts.items() if n > 1] == []
    for _, service in SERVICES:
        assert (service["cost"] == "free") == (service["cost_text"] is None), service["key"]


def test_tags_are_the_narrowest_true_ones():
    for _, service in SERVICES:
        needs = set(service["needs"])
        broader = {n for n in needs for other in needs if other.startswith(n + ".")}
        assert broader == set(), (service["key"], broader)  # a tag beside its own narrower tag only broadens
        if "family.caregiver_support" in needs:
            assert not needs & {"disability", "disability.rehabilitation"}, service[
                "key"
            ]  # respite is not rehabilitation


def test_delivery_languages_are_card_data_and_required_languages_are_real_requirements():
    for _, service in SERVICES:
        assert service["delivered_languages"], service["key"]
        assert not service["languages"] or service["delivered_languages"] == service["languages"], service["key"]
    assert not any(s["languages"] == ["zh"] for _, s in SERVICES)


def has_english(text_field: dict, translations: dict | None = None) -> bool:
    return bool((translations or {}).get("en"))


@pytest.mark.parametrize("key", ids(SERVICES))
def test_every_card_field_is_filled_in_both_languages(key):
    org, service = next((o, s) for o, s in SERVICES if s["key"] == key)
    sites = [SITES[k] for k in service["sites"]]
    translations = service["translations"]
    assert service["phones"] or any(site["phones"] for site in sites)
    assert service["opening_hours"] or all(site["opening_hours"] for site in sites)
    assert service["application_process"] and translations["application_process"]["en"]
    assert service["wait_time"] and translations["wait_time"]["en"]
    assert service["required_documents"] and all(d["names"]["en"] for d in service["required_documents"])
    assert service["contacts"] and all(c["titles"]["en"] and c["name"] is None for c in service["contacts"])
    assert not service["cost_text"] or translations["cost_text"]["en"]
    assert service["names"]["en"] and service["descriptions"]["en"]
    for site in sites:
        assert site["accessibility"] and site["translations"]["accessibility"]["en"]


def test_a_schools_own_services_name_the_school_they_serve():
    for org, service in SERVICES:
        if org["kind"] == "school" and any(SITES[k]["kind"] == "school_station" for k in service["sites"]):
            assert SITES[service["serves_school"]]["kind"] == "school_station", service["key"]
