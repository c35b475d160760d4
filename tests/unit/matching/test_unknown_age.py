"""An age not given (a child at risk whose age could not be read): unknown is not ineligible."""

from referral.matching.engine import match
from referral.matching.index import build_index
from referral.matching.types import Child

from .builders import directory, query, service, site


def test_an_age_bounded_service_is_offered_after_an_open_one_with_an_eligible_if_caveat():
    services = [service("teens", minimum_age=12, maximum_age=18), service("open", sites=(site("o", km_north=15),))]
    results = match(build_index(directory(*services)), query(child=Child(age=None))).results
    assert [r.service.id for r in results] == ["open", "teens"]
    assert "Eligible if: ages 12–18 only (not given for this child)." in results[1].caveats
    assert not any(c.startswith("Eligible if") for c in results[0].caveats)


def test_a_given_age_still_excludes_the_services_it_is_outside_of():
    services = [service("teens", minimum_age=12, maximum_age=18), service("open")]
    assert [r.service.id for r in match(build_index(directory(*services)), query(child=Child(age=8))).results] == [
        "open"
    ]
