"""An index built from the previous version reuses its place-name tables only when the places are
equal, and matches exactly as a fresh build does."""

from dataclasses import replace

from referral.matching.engine import match
from referral.matching.index import build_index
from tests.unit.matching.builders import directory, need, query, service, site


def _directory(version: str, name: str):
    return directory(
        service("a", sites=(site("s-a", 2.0, 1.0, name=name),)),
        service("b", sites=(site("s-b", 5.0, 0.0),)),
        version=version,
    )


def test_a_new_version_with_the_same_places_shares_the_place_tables_and_matches_the_same():
    before = build_index(_directory("v1", "Old hall"))
    after = build_index(_directory("v2", "New hall"), before)
    fresh = build_index(_directory("v2", "New hall"))
    assert after.gazetteer.names.full is before.gazetteer.names.full
    assert before.gazetteer.names.sites is not after.gazetteer.names.sites  # site tables are the version's own
    assert [s.name for svc in after.gazetteer.names._services for s in svc.sites] == ["New hall", "Site s-b"]
    assert repr(match(after, query(need()))) == repr(match(fresh, query(need())))


def test_a_new_version_with_other_places_builds_its_own_tables():
    before = build_index(_directory("v1", "Hall"))
    changed = _directory("v2", "Hall")
    changed = replace(changed, places=changed.places[:-1])
    after = build_index(changed, before)
    assert after.gazetteer.names.full is not before.gazetteer.names.full
    assert after.gazetteer.codes == tuple(sorted(p.code for p in changed.places))
