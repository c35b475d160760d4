"""The card of a result: hours and "open now" against a time passed in, phones, texts by language."""

from datetime import datetime, timedelta, timezone

import pytest

from referral.matching.card import always_open, open_at, open_on_day
from referral.matching.engine import match
from referral.matching.index import build_index
from referral.matching.types import Contact, Hours, Phone, Text

from .builders import TODAY, directory, query, service, site

WEEKDAYS_9_TO_5 = tuple(Hours(d, "09:00", "17:00") for d in range(5))
ALL_DAY = tuple(Hours(d, "00:00", "24:00") for d in range(7))
UTC8 = timezone(timedelta(hours=8))
TUESDAY_10 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC8)

HOURS = {
    # (hours, local time) -> (open now, open today)
    "inside a period": (WEEKDAYS_9_TO_5, TUESDAY_10, (True, True)),
    "at the closing minute": (WEEKDAYS_9_TO_5, TUESDAY_10.replace(hour=17), (False, True)),
    "before opening": (WEEKDAYS_9_TO_5, TUESDAY_10.replace(hour=8, minute=59), (False, True)),
    "on a day without hours": (WEEKDAYS_9_TO_5, TUESDAY_10 + timedelta(days=5), (False, False)),
    "a midnight-to-midnight day at 23:59": (ALL_DAY, TUESDAY_10.replace(hour=23, minute=59), (True, True)),
    "no time given": (WEEKDAYS_9_TO_5, None, (None, None)),
    "no hours recorded": ((), TUESDAY_10, (None, None)),
}


@pytest.mark.parametrize("case", HOURS, ids=list(HOURS))
def test_open_now_and_today_follow_the_hours_at_the_given_local_time(case):
    hours, now, expected = HOURS[case]
    assert (open_at(hours, now), open_on_day(hours, now)) == expected


def test_only_midnight_to_midnight_on_all_seven_days_is_always_open():
    assert always_open(ALL_DAY) and not always_open(ALL_DAY[:6]) and not always_open(WEEKDAYS_9_TO_5)


def card_of(language="en", now=TUESDAY_10, **overrides):
    place = site(
        "s",
        hours=WEEKDAYS_9_TO_5,
        phones=(Phone("0512-1", "main"), Phone("0512-2", "intake")),
        accessibility=Text("无障碍坡道", {"en": "Ramp"}),
        place="T1",
    )
    listed = service("svc", sites=(place,), **overrides)
    return match(build_index(directory(listed)), query(language=language, now=now)).results[0].card


def test_the_card_reads_the_service_in_the_query_language_and_falls_back_to_its_own_text():
    card = card_of(
        application_process=Text("电话预约", {"en": "Call to book"}),
        wait_time=Text("三天内回电"),
        required_documents=(Text("户口簿", {"en": "Household register"}),),
        contacts=(Contact(Text("接案社工", {"en": "Intake social worker"}), phone="0512-3"),),
        delivered_languages=frozenset({"zh"}),
        alerts=(Text("暂停", {"en": "Paused"}),),
    )
    assert (card.application_process, card.wait_time, card.required_documents) == (
        "Call to book",
        "三天内回电",
        ("Household register",),
    )
    assert card.contacts[0].title == "Intake social worker" and card.contacts[0].name is None
    assert (card.delivered_languages, card.delivered_in, card.alerts) == (("zh",), ("Chinese",), ("Paused",))
    assert card.accessibility == "Ramp" and card_of("zh").accessibility == "无障碍坡道"


def test_the_services_own_lines_come_first_and_each_number_once():
    card = card_of(phones=(Phone("12355", "hotline"), Phone("0512-1", "main")))
    assert card.phones == (Phone("12355", "hotline"), Phone("0512-1", "main"), Phone("0512-2", "intake"))


def test_a_services_own_hours_replace_its_sites_hours():
    card = card_of(hours=ALL_DAY, now=TUESDAY_10.replace(hour=3))
    assert (card.always_open, card.open_now, card.open_today) == (True, True, True)
    assert card_of(now=TUESDAY_10.replace(hour=3)).open_now is False


def test_freshness_and_the_local_flag():
    card = card_of(verified_at=TODAY - timedelta(days=181))
    assert card.stale and card.verified_at == TODAY - timedelta(days=181)
    assert card.local is True and card.remote is False


def test_a_card_shown_again_is_rebuilt_for_the_new_child_day_time_and_language():
    """The fields kept per index (engine._card_facts) are the service's, site's and language's only:
    the same service shown to another child, on another day, at another time, reads afresh."""
    from dataclasses import replace as changed

    from referral.matching import engine
    from referral.matching.types import Location

    from .builders import ORIGIN

    listed = service(
        "svc",
        sites=(site("s", hours=WEEKDAYS_9_TO_5, place="T1"),),
        verified_at=TODAY - timedelta(days=100),
        description=Text("家庭支持", {"en": "Family support"}),
    )
    index = build_index(directory(listed))
    first = match(index, query(now=TUESDAY_10)).results[0].card
    again = (
        match(
            index,
            query(
                now=TUESDAY_10.replace(hour=20),
                today=TODAY + timedelta(days=200),
                location=Location(*ORIGIN, place="T2"),
            ),
        )
        .results[0]
        .card
    )
    assert (first.open_now, first.stale, first.local, first.description) == (True, False, True, "Family support")
    assert (again.open_now, again.stale, again.local, again.description) == (False, True, False, "Family support")
    assert match(index, query(language="zh")).results[0].card.description == "家庭支持"
    assert again == changed(first, open_now=False, stale=True, local=False)
    assert len(engine._CARD_FACTS[index]) == 2  # (row, site, "en") and (row, site, "zh")


def test_the_card_facts_kept_per_index_are_bounded(monkeypatch):
    from referral.matching import engine

    monkeypatch.setattr(engine, "CARD_FACTS_KEPT", 2)
    sites = tuple(site(f"s{k}", km_north=k, place="T1") for k in range(4))
    index = build_index(directory(*(service(f"svc{k}", sites=(sites[k],)) for k in range(4))))
    assert len(match(index, query(limit=4)).results) == 4
    assert len(engine._CARD_FACTS[index]) == 2  # the oldest dropped first
