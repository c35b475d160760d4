"""Learning from outcomes in the core: a Beta-smoothed acceptance record moves a service up or down,
never one without history, and says so in the reasons."""

from __future__ import annotations

from dataclasses import replace

import pytest

from referral.matching.engine import match
from referral.matching.index import build_index
from referral.matching.settings import MatchSettings
from referral.matching.types import Outcomes

from .builders import TODAY, directory, query, service, site

TWIN = dict(sites=(site("s", km_north=5.0),), verified_at=TODAY, intensity="support")  # scores below 100


def _scores(*services, settings=MatchSettings()):
    return {
        r.service.id: (r.score, r.score_parts["outcomes"])
        for r in match(build_index(directory(*services)), query(), settings).results
    }


def test_a_service_without_history_scores_exactly_as_before_outcomes_existed():
    plain = _scores(service("a", **TWIN), settings=MatchSettings(outcome_weight=0.0))
    learned = _scores(service("a", **TWIN), service("b", outcomes=Outcomes(0, 0), **TWIN))
    assert learned["a"] == learned["b"] == (plain["a"][0], 0.0)


def test_a_good_record_ranks_a_service_above_its_twin_and_a_poor_one_below():
    good, poor = Outcomes(accepted=9, decided=10), Outcomes(accepted=1, decided=10)
    results = match(
        build_index(
            directory(service("a", outcomes=poor, **TWIN), service("b", **TWIN), service("c", outcomes=good, **TWIN))
        ),
        query(),
    ).results
    assert [r.service.id for r in results] == ["c", "b", "a"]
    a, b = 0.7 * 10, 0.3 * 10
    assert results[0].score_parts["outcomes"] == pytest.approx(round((9 + a) / (10 + a + b) - 0.7, 3))
    assert results[2].score_parts["outcomes"] == pytest.approx(round((1 + a) / (10 + a + b) - 0.7, 3))


def test_the_prior_keeps_a_few_referrals_from_outweighing_the_rest():
    few, many = Outcomes(accepted=2, decided=2), Outcomes(accepted=40, decided=45)
    scores = _scores(service("few", outcomes=few, **TWIN), service("many", outcomes=many, **TWIN))
    assert scores["many"][0] > scores["few"][0]


def test_the_score_stays_within_0_to_100_however_heavy_the_outcome_weight():
    best, worst = Outcomes(accepted=50, decided=50), Outcomes(accepted=0, decided=50)
    heavy = MatchSettings(outcome_weight=50.0)
    scores = _scores(service("best", outcomes=best, **TWIN), service("worst", outcomes=worst, **TWIN), settings=heavy)
    assert (scores["best"][0], scores["worst"][0]) == (100.0, 0.0)


@pytest.mark.parametrize(
    "language, record, said",
    [
        ("en", Outcomes(9, 10, 2.0, 90), "Accepted 9 of 10 referrals in the last 90 days, in 2 days (median)."),
        ("en", Outcomes(0, 3, None, 90), "Accepted 0 of 3 referrals in the last 90 days."),
        ("zh", Outcomes(9, 10, 1.5, 90), "近90天接收了10个转介中的9个，中位用时1.5天。"),
    ],
)
def test_the_reasons_tell_the_record(language, record, said):
    results = match(
        build_index(directory(service("a", outcomes=record, **TWIN))), replace(query(), language=language)
    ).results
    assert results[0].reasons[-1] == said


def test_no_record_no_reason():
    reasons = match(build_index(directory(service("a", outcomes=Outcomes(0, 0), **TWIN))), query()).results[0].reasons
    assert not any("in the last" in r for r in reasons)
