"""Benchmark of place resolution: time per typed place, and how many the old resolver got right.

Run: ``.venv/bin/python bench/place_bench.py [--rounds 200]``. Reads the demo region from seeds/
(gazetteer and the sites of its organizations, as tests/unit/matching/region.py does) and resolves
the typed places of the unit-test table (codes, names with and without kind words, pinyin, aliases,
schools, streets, typos, ambiguous names) with ``places.locate``, beside the baseline: the resolver
before this change (code, exact name, then a fuzzy PhraseMatcher over names), rebuilt here. Prints
p50/p95 per query in microseconds, the share each resolver answers as the table expects, and the
build time of the name tables: the place tables (built with the index) and the site tables (built on
the first query that reaches them), for the demo region and for the synthetic directory of
``--services`` services (bench/synthetic.py; 0 skips it). Not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from synthetic import make_directory  # noqa: E402

from referral.matching.gazetteer import Gazetteer  # noqa: E402
from referral.matching.places import locate  # noqa: E402
from referral.matching.text import PhraseMatcher, normalise  # noqa: E402
from referral.matching.types import MatchInputError  # noqa: E402
from tests.unit.matching import test_places_as_people_name_them as table  # noqa: E402
from tests.unit.matching.region import places, region_index, services  # noqa: E402


class OldResolver:
    """The resolver this change replaced: code, exact name, then fuzzy names (min 60, 3-point ties)."""

    def __init__(self, gazetteer: Gazetteer):
        self.places = gazetteer.places
        names = {c: [c, p.name, *p.names.values()] for c, p in self.places.items()}
        self.matcher = PhraseMatcher(names.items())
        self.by_name: dict[str, list[str]] = {}
        for code, phrases in names.items():
            for name in {normalise(n) for n in phrases[1:]}:
                self.by_name.setdefault(name, []).append(code)

    def resolve(self, query: str) -> str:
        text = query.strip()
        if text in self.places:
            return text
        exact = self.by_name.get(normalise(text), [])
        if len(exact) == 1:
            return exact[0]
        if exact:
            raise MatchInputError("location.place", "ambiguous")
        hits = self.matcher.search(query, limit=5, min_score=0)
        if not hits or hits[0].score < 60 or len([h for h in hits if h.score >= hits[0].score - 3]) > 1:
            raise MatchInputError("location.place", "no match")
        return hits[0].key


def cases() -> list[tuple[str, str | None]]:
    """(typed, expected code or None for an expected error) from the unit-test tables."""
    found = [(row[0], row[1]) for row in _rows("test_a_place_is_found_however_a_person_names_it")]
    found += [(row[0], None) for row in _rows("test_a_name_several_places_share_is_an_error_listing_them")]
    return found + [("xyzzy qwerty", None)]


def _rows(test_name: str):
    marks = getattr(table, test_name).pytestmark
    return [p for mark in marks if mark.name == "parametrize" for p in mark.args[1]]


def answer(resolve, typed: str) -> str | None:
    try:
        return resolve(typed)
    except MatchInputError:
        return None


def timing(resolve, typed: list[str], rounds: int) -> tuple[float, float]:
    """p50, p95 in microseconds over every (query, round)."""
    seconds = []
    for _ in range(rounds):
        for text in typed:
            start = time.perf_counter()
            answer(resolve, text)
            seconds.append(time.perf_counter() - start)
    p = np.percentile(np.array(seconds) * 1e6, [50, 95])
    return float(p[0]), float(p[1])


def builds(label: str, place_rows, service_rows) -> Gazetteer:
    """Build a gazetteer and its site tables, printing both times."""
    start = time.perf_counter()
    gazetteer = Gazetteer(place_rows, service_rows)
    middle = time.perf_counter()
    sites = sum(1 for _ in gazetteer.names.sites.listed())
    end = time.perf_counter()
    print(
        f"{label}: {len(gazetteer.places)} places, {sites} sites; place tables {(middle - start) * 1000:.0f} ms "
        f"(with the index), site tables {(end - middle) * 1000:.0f} ms (on first use)"
    )
    return gazetteer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--services", type=int, default=100_000)
    args = parser.parse_args()
    gazetteer = builds("demo region", places(), services())
    if args.services:
        synthetic = make_directory(args.services, 20261130)
        builds(f"synthetic {args.services} services", synthetic.places, synthetic.services)
    index, old = region_index(), OldResolver(gazetteer)
    rows = cases()
    typed = [t for t, _ in rows]
    new_resolve = lambda text: locate(index, text).place  # noqa: E731
    print(f"{len(rows)} typed places")
    print(f"{'resolver':<10} {'as expected':>12} {'p50 µs':>8} {'p95 µs':>8}")
    for label, resolve in (("old", old.resolve), ("new", new_resolve)):
        right = sum(answer(resolve, text) == code for text, code in rows)
        p50, p95 = timing(resolve, typed, args.rounds)
        print(f"{label:<10} {right:>5}/{len(rows):<6} {p50:>8.0f} {p95:>8.0f}")
    print(f"'Pingjiang': old {answer(old.resolve, 'Pingjiang')}, new {answer(new_resolve, 'Pingjiang')}")


if __name__ == "__main__":
    main()
