"""Pure conversions: schedules to opening hours, cost options, language tags, addresses."""

from __future__ import annotations

import pytest

from referral.hsds import mapping


def test_a_weekly_schedule_becomes_opening_hours_per_weekday() -> None:
    hours, reason = mapping.opening_hours(
        {"freq": "WEEKLY", "byday": "MO,TU", "opens_at": "9:00:00", "closes_at": "17:30"}
    )
    assert reason is None
    assert hours == [
        {"weekday": "mo", "opens": "09:00", "closes": "17:30"},
        {"weekday": "tu", "opens": "09:00", "closes": "17:30"},
    ]


@pytest.mark.parametrize(
    ("schedule", "reason"),
    [
        ({"freq": "MONTHLY", "byday": "1MO", "opens_at": "09:00", "closes_at": "10:00"}, "freq MONTHLY"),
        ({"byday": "MO"}, "no opens_at"),
        ({"byday": "MO", "opens_at": "18:00", "closes_at": "09:00"}, "not before"),
        ({"opens_at": "09:00", "closes_at": "10:00"}, "no byday"),
    ],
)
def test_schedules_that_are_not_weekly_hours_say_why(schedule, reason) -> None:
    hours, why = mapping.opening_hours(schedule)
    assert hours == [] and reason in why


def test_hours_group_back_into_weekly_schedules() -> None:
    hours = [{"weekday": d, "opens": "09:00", "closes": "17:00"} for d in ("fr", "mo")]
    hours.append({"weekday": "sa", "opens": "10:00", "closes": "12:00"})
    assert mapping.weekly_schedules(hours) == [("09:00", "17:00", ["mo", "fr"]), ("10:00", "12:00", ["sa"])]


@pytest.mark.parametrize(
    ("options", "fees", "expected"),
    [
        ([{"option": "free"}], None, ("free", None, True)),  # our own export
        ([{"option": "subsidized"}], "200 a month", ("subsidized", "200 a month", True)),
        ([{"option": "No charge", "amount": 0}], None, ("free", "No charge 0", True)),
        ([{"option": "Per session", "amount": 20, "currency": "NZD"}], None, ("fee", "Per session 20 NZD", True)),
        ([{"option": "Sliding scale"}], None, ("subsidized", "Sliding scale", True)),
        ([], "A donation is welcome", ("fee", "A donation is welcome", True)),
        ([], None, ("fee", mapping.UNKNOWN_COST_TEXT, False)),  # unknown: never claimed free, reported
    ],
)
def test_cost_options_become_free_subsidized_or_fee(options, fees, expected) -> None:
    assert mapping.cost(options, fees) == expected


@pytest.mark.parametrize(
    ("code", "name", "tag"),
    [
        ("en", None, "en"),
        ("eng", "English", "en"),
        (None, "Chinese", "zh"),
        ("zh-Hans", None, "zh"),
        ("mi", "Māori", "mi"),
        (None, "Klingon", None),
        ("english!", None, None),
    ],
)
def test_language_codes_and_names_become_tags(code, name, tag) -> None:
    assert mapping.language_tag(code, name) == tag


def test_the_physical_address_is_one_line_and_its_parts_feed_the_geocoder() -> None:
    line, parts = mapping.address_line(
        [
            {"address_1": "PO Box 1", "city": "X", "address_type": "postal"},
            {"address_1": "12 Waterfront Road", "city": "Harbour City", "country": "NZ", "address_type": "physical"},
        ]
    )
    assert line == "12 Waterfront Road, Harbour City, NZ"
    assert parts == ["12 Waterfront Road", "Harbour City", "NZ"]


@pytest.mark.parametrize(
    ("hsds", "ours"),
    [
        ("active", "active"),
        ("inactive", "inactive"),
        ("defunct", "inactive"),
        ("temporarily closed", "suspended"),
    ],
)
def test_service_status_maps_both_ways_where_it_can(hsds, ours) -> None:
    assert mapping.status(hsds) == ours
    assert mapping.status(mapping.hsds_status(ours)) == ours
