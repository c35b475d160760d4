"""Site-name tables spliced for a delta (placenames.SiteNames.spliced, called by delta.apply_changes)
answer every query exactly as tables built from the new directory do: same sites, same order, the
same Site values. Sites here are shared between services and organizations, renamed, moved, unlisted
and new, and deltas follow one another (a splice of a splice)."""

from __future__ import annotations

from dataclasses import replace
from unittest.mock import patch

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from referral.matching import placenames
from referral.matching.delta import apply_changes
from referral.matching.index import build_index
from referral.matching.placenames import compact, fold
from tests.unit.matching.builders import directory, service, site

WORDS = ["阳光社区", "平江路", "Riverside", "Harbour Road", "金山", "Maple Grove", "东方红", "Old Mill"]
KINDS = ["服务中心", "Family Centre", "工作站", "Clinic"]
SITE_IDS = [f"site-{k}" for k in range(8)]
PROBES = sorted(
    {fold(w) for w in WORDS + KINDS}
    | {fold(f"{w} {k}") for w in WORDS for k in KINDS}
    | {compact(fold(w))[i : i + 3] for w in WORDS + KINDS for i in range(len(compact(fold(w))) - 2)}
    | {"org 1", "org 2", "机构甲", "机构乙"}
)
ORGS = ["Org 1", "Org 2", "机构甲", "机构乙"]

a_site = st.builds(  # its id is drawn too: a directory keeps one site per id
    lambda id, word, kind, street, north, east: site(
        id, north, east, name=f"{word} {kind}", address=f"{street} {int(north * 10) % 97}" if street else None
    ),
    st.sampled_from(SITE_IDS),
    st.sampled_from(WORDS),
    st.sampled_from(KINDS),
    st.sampled_from([None, *WORDS]),
    st.floats(-20, 20, allow_nan=False).map(lambda x: round(x, 1)),
    st.floats(-20, 20, allow_nan=False).map(lambda x: round(x, 1)),
)
a_listing = st.tuples(st.sampled_from(ORGS), st.lists(st.sampled_from(SITE_IDS), max_size=3))
a_directory = st.tuples(
    st.lists(a_site, min_size=3).map(lambda sites: {x.id: x for x in sites}),
    st.dictionaries(st.integers(0, 11), a_listing, min_size=4),
)
# one edit of a directory: a site redrawn (moved, renamed, readdressed), a service's organization or
# sites redrawn, a service gone, or a service new
an_edit = st.one_of(
    st.tuples(st.just("site"), a_site),
    st.tuples(st.just("service"), st.integers(0, 11), a_listing),
    st.tuples(st.just("gone"), st.integers(0, 11)),
)


def _edited(version: tuple[dict, dict], edits: list) -> tuple[dict, dict]:
    pool, listed = dict(version[0]), dict(version[1])
    for edit in edits:
        if edit[0] == "site":
            pool[edit[1].id] = edit[1]
        elif edit[0] == "service":
            listed[edit[1]] = edit[2]
        else:
            listed.pop(edit[1], None)
    return pool, listed


def _services(version: tuple[dict, dict]) -> list:
    """The services of a directory drawn as (site id -> site, service number -> (organization, site ids))."""
    pool, listed = version
    return [
        service(f"svc-{n:02d}", organization_name=org, sites=tuple(pool[i] for i in ids if i in pool))
        for n, (org, ids) in sorted(listed.items())
    ]


def _changed(before: list, after: list) -> set[str]:
    """What the change log records: every service added, gone or different, and every service listing
    a site that changed (a site edit reaches each service at it)."""
    old, new = {s.id: s for s in before}, {s.id: s for s in after}
    ids = {i for i in old.keys() | new.keys() if old.get(i) != new.get(i)}
    sites_then = {x.id: x for s in before for x in s.sites}
    sites_now = {x.id: x for s in after for x in s.sites}
    edited = {i for i in sites_then.keys() | sites_now.keys() if sites_then.get(i) != sites_now.get(i)}
    return ids | {s.id for s in (*before, *after) if any(x.id in edited for x in s.sites)}


def _answers(index) -> dict:
    """Every probe's answer (site ids in order, with their Site values), and every site by id."""
    sites = index.gazetteer.names.sites
    named = {p: [sites.site_at(s) for s in sites.named(p)] for p in PROBES}
    located = {p: [sites.site_at(s) for s in sites.at_address(p)] for p in PROBES}
    exactly = {p: [sites.site_at(s) for s in sites.exactly(compact(p))] for p in PROBES}
    return {"named": named, "at_address": located, "exactly": exactly, "by_id": {i: sites.site(i) for i in SITE_IDS}}


def _splices_answer_as_builds(first: tuple[dict, dict], steps: list[list]) -> None:
    version, services = first, _services(first)
    index = build_index(directory(*services))
    index.gazetteer.names.sites  # noqa: B018 - a query has named a site: the tables exist, so deltas splice them
    for step, edits in enumerate(steps, start=2):
        version = _edited(version, edits)
        now = _services(version)
        changed = _changed(services, now)
        index = apply_changes(index, f"v{step}", changed, [s for s in now if s.id in changed])
        assert index.gazetteer.names.built_sites is not None  # spliced, never dropped for a rebuild
        assert _answers(index) == _answers(build_index(directory(*now, version=f"v{step}")))
        services = now


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(a_directory, st.lists(st.lists(an_edit, min_size=1, max_size=3), min_size=1, max_size=3))
def test_spliced_site_tables_answer_as_tables_built_from_the_new_directory(first, steps):
    _splices_answer_as_builds(first, steps)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(a_directory, st.lists(st.lists(an_edit, min_size=1, max_size=3), min_size=2, max_size=3))
def test_splices_answer_as_builds_when_every_splice_folds_its_changes_into_new_tables(first, steps):
    with patch.object(placenames, "MIN_FOLD", 0), patch.object(placenames, "FOLD_AT", 10**9):
        _splices_answer_as_builds(first, steps)


def test_a_moved_site_is_spliced_into_the_tables_and_found_where_it_now_is():
    shared = site("hub", 0.0, 0.0, name="阳光社区服务中心", address="平江路 12")
    before = build_index(directory(service("a", sites=(shared,)), service("b", sites=(shared,)), service("c")))
    built = before.gazetteer.names.sites
    moved = replace(shared, lat=shared.lat + 0.01)
    after = apply_changes(before, "v2", {"a", "b"}, [service("a", sites=(moved,)), service("b", sites=(moved,))])
    sites = after.gazetteer.names.built_sites
    assert sites is not None and sites is not built
    assert sites.names is built.names and sites.exact is built.exact  # names unchanged: text tables shared
    assert [sites.site_at(s) for s in sites.named("阳光社区")] == [moved]
    assert before.gazetteer.names.sites.site("hub") == shared  # the old version is untouched


def test_a_site_shared_by_two_organizations_is_found_by_either_name_until_one_leaves():
    shared = site("hub", 0.0, 0.0, name="Community Hall")
    before = build_index(
        directory(
            service("a", organization_name="Harbour Trust", sites=(shared,)),
            service("b", organization_name="Maple Grove Society", sites=(shared,)),
        )
    )
    sites = before.gazetteer.names.sites
    assert [sites.site_at(s).id for s in sites.named("maple grove")] == ["hub"]
    assert [sites.site_at(s).id for s in sites.named("harbour trust")] == ["hub"]
    after = apply_changes(before, "v2", {"b"}, [service("b", organization_name="Maple Grove Society", sites=())])
    sites = after.gazetteer.names.built_sites
    assert sites is not None
    assert sites.named("maple grove") == [] and [sites.site_at(s).id for s in sites.named("harbour trust")] == ["hub"]


def test_a_site_no_service_lists_any_more_leaves_the_tables():
    before = build_index(directory(service("a", sites=(site("gone", name="Old Mill Clinic"),)), service("b")))
    before.gazetteer.names.sites  # noqa: B018
    after = apply_changes(before, "v2", {"a"}, [])
    sites = after.gazetteer.names.built_sites
    assert sites is not None
    assert sites.site("gone") is None and sites.named("old mill") == [] and sites.exactly("oldmillclinic") == []
    assert np.array_equal(sites.pair_slot, [sites.slot_of.get("b-site")])  # the listing of b only


def test_the_site_tables_are_shared_when_the_changed_services_list_their_sites_as_before():
    before = build_index(directory(service("a"), service("b")))
    built = before.gazetteer.names.sites
    renamed = apply_changes(before, "v2", {"a"}, [service("a", name="Renamed")])
    assert renamed.gazetteer.names.built_sites is built


def test_tables_not_built_yet_are_left_to_be_built_on_first_use():
    before = build_index(directory(service("a"), service("b")))
    moved = apply_changes(before, "v2", {"a"}, [service("a", sites=(site("a-site", 3.0, 0.0),))])
    assert moved.gazetteer.names.built_sites is None
    assert moved.gazetteer.names.sites.site("a-site") == site("a-site", 3.0, 0.0)


def test_listed_gives_every_site_once_after_splices_and_none_that_left():
    before = build_index(directory(service("a"), service("b"), service("c")))
    before.gazetteer.names.sites  # noqa: B018
    after = apply_changes(before, "v2", {"a", "d"}, [service("d")])  # a leaves, d is new
    assert sorted(e.site.id for e in after.gazetteer.names.sites.listed()) == ["b-site", "c-site", "d-site"]
