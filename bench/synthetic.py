"""Synthetic directories and queries of realistic shape, from a fixed seed, for benchmarks.

``make_directory(n_services, seed)`` gives ~60 need terms on three levels, ~1,000 gazetteer places
(4 cities, 40 districts, 960 towns) in a 200 x 200 km square, and services with 1-3 sites and 1-3
needs and a mix of eligibility rules; ``spread`` < 1 shrinks the places' square (0.1: 20 x 20 km, so
every site lies within ~15 km of every town: the density of the scale benchmark's 1M directory, whose
2M sites fill a 1 x 1 degree square, at a tenth of the size). ``make_queries(directory, n, seed)``
gives match queries with 1-3 coded needs, a random location at a town, and sometimes a free-text
need. Imports only numpy and the matching core's types, so the web-layer benchmark can reuse it.
"""

from __future__ import annotations

import time
from datetime import date, timedelta

import numpy as np

from referral.matching.types import (
    Child,
    Directory,
    Location,
    MatchQuery,
    NeedInput,
    NeedTerm,
    Place,
    Service,
    Site,
)

TODAY = date(2026, 11, 30)
CENTRE = (31.0, 120.5)
KM_LAT, KM_LON = 1 / 111.2, 1 / (111.2 * np.cos(np.radians(31.0)))
ROOTS = ["health", "mental", "development", "family", "education", "safety"]
WORDS = ["support", "therapy", "counselling", "guidance", "screening", "outreach", "care", "tutoring", "advocacy"]


def make_terms() -> tuple[NeedTerm, ...]:
    """6 roots x 3 children x 2-3 grandchildren = 60 terms."""
    terms = []
    for r, root in enumerate(ROOTS):
        terms.append(NeedTerm(root, None, {"en": root.title(), "zh": f"需求{r}"}))
        for c in range(3):
            mid = f"{root}.{WORDS[(r + c) % len(WORDS)]}"
            terms.append(NeedTerm(mid, root, {"en": f"{root} {WORDS[(r + c) % len(WORDS)]}", "zh": f"需求{r}{c}"}))
            for g in range(2 + (c == 0) - (r % 2 and c == 1)):
                word = WORDS[(r + c + g + 3) % len(WORDS)]
                terms.append(
                    NeedTerm(f"{mid}.{word}{g}", mid, {"en": f"{root} {word} level {g}", "zh": f"需求{r}{c}{g}号"})
                )
    return tuple(terms)


def make_places(rng: np.random.Generator, spread: float = 1.0) -> tuple[Place, ...]:
    """4 cities, 10 districts each, 24 towns per district, inside 200 x 200 km (times ``spread``)."""
    places = []
    for c in range(4):
        cy, cx = rng.uniform(-60, 60, 2)
        places.append(_place(f"C{c}", None, "city", cy, cx, spread))
        for d in range(10):
            dy, dx = cy + rng.uniform(-35, 35), cx + rng.uniform(-35, 35)
            places.append(_place(f"C{c}D{d}", f"C{c}", "district", dy, dx, spread))
            for t in range(24):
                places.append(
                    _place(
                        f"C{c}D{d}T{t}", f"C{c}D{d}", "town", dy + rng.uniform(-8, 8), dx + rng.uniform(-8, 8), spread
                    )
                )
    return tuple(places)


def _place(code: str, parent: str | None, kind: str, km_n: float, km_e: float, spread: float = 1.0) -> Place:
    lat, lon = CENTRE[0] + spread * km_n * KM_LAT, CENTRE[1] + spread * km_e * KM_LON
    return Place(code, parent, kind, f"地点{code}", {"en": f"Place {code}"}, float(lat), float(lon))


def make_directory(n_services: int, seed: int, spread: float = 1.0) -> Directory:
    """A directory of ``n_services`` services with ~1.5 sites each (``spread``: see the module docstring)."""
    rng = np.random.default_rng(seed)
    terms, places = make_terms(), make_places(rng, spread)
    towns = [p for p in places if p.kind == "town"]
    areas = [p.code for p in places if p.kind != "town"]
    codes = _weighted_codes(terms)
    services = tuple(_service(rng, i, codes, towns, areas) for i in range(n_services))
    name = f"synthetic-{n_services}-{seed}" + (f"-spread{spread:g}" if spread != 1.0 else "")
    return Directory(name, terms, places, services)


def _weighted_codes(terms) -> tuple[list[str], np.ndarray]:
    """Services mostly list leaves (70 %), sometimes mid terms (25 %), rarely roots (5 %)."""
    depth = np.array([t.code.count(".") for t in terms])
    weights = np.array([0.05, 0.25, 0.70])[depth] / np.bincount(depth)[depth]
    return [t.code for t in terms], weights / weights.sum()


def _service(rng: np.random.Generator, i: int, codes, towns, areas) -> Service:
    code_list, weights = codes
    needs = tuple(rng.choice(code_list, size=rng.integers(1, 4), replace=False, p=weights).tolist())
    home = towns[rng.integers(len(towns))]
    sites = tuple(_site(rng, f"x{i}-{k}", home) for k in range(rng.choice([1, 2, 3], p=[0.6, 0.3, 0.1])))
    area = rng.random()
    low = float(rng.integers(0, 10)) if rng.random() < 0.3 else None
    return Service(
        id=f"svc{i:06d}",
        organization_id=f"org{i // 3}",
        organization_name=f"Org {i // 3}",
        organization_names={},
        name=f"Service {i}",
        names={"zh": f"服务{i}"},
        needs=needs,
        modes=frozenset({"in_person", "remote"}) if rng.random() < 0.1 else frozenset({"in_person"}),
        cost=str(rng.choice(["free", "subsidized", "fee"], p=[0.7, 0.2, 0.1])),
        capacity=str(rng.choice(["accepting", "waitlist", "full"], p=[0.75, 0.2, 0.05])),
        wait_days=int(rng.integers(0, 90)) if rng.random() < 0.5 else None,
        intensity=str(rng.choice(["prevention", "support", "intensive"])),
        minimum_age=low,
        maximum_age=(low or 0) + float(rng.integers(6, 12)) if low is not None else None,
        genders=frozenset({str(rng.choice(["male", "female"]))}) if rng.random() < 0.1 else frozenset(),
        groups=frozenset({str(rng.choice(["migrant", "left_behind", "disability"]))})
        if rng.random() < 0.1
        else frozenset(),
        languages=frozenset({"en"}) if rng.random() < 0.05 else frozenset(),
        area_places=frozenset({areas[rng.integers(len(areas))]}) if 0.5 <= area < 0.8 else frozenset(),
        area_radius_km=float(rng.integers(10, 31)) if area >= 0.8 else None,
        status="active" if rng.random() < 0.95 else "inactive",
        verified_at=TODAY - timedelta(days=int(rng.integers(0, 500))) if rng.random() < 0.9 else None,
        sites=sites,
    )


def _site(rng: np.random.Generator, sid: str, home: Place) -> Site:
    lat = home.lat + rng.normal(0, 3) * KM_LAT
    lon = home.lon + rng.normal(0, 3) * KM_LON
    days = frozenset(int(d) for d in np.flatnonzero(rng.random(7) < 0.7))
    return Site(sid, f"Site {sid}", {}, None, float(lat), float(lon), home.code, days)


def make_queries(directory: Directory, n: int, seed: int) -> list[MatchQuery]:
    """``n`` queries at random towns, with 1-3 coded needs and sometimes a text need."""
    rng = np.random.default_rng(seed)
    towns = [p for p in directory.places if p.parent and p.parent.count("D")]
    terms = directory.terms
    return [_query(rng, towns, terms) for _ in range(n)]


def _query(rng: np.random.Generator, towns, terms) -> MatchQuery:
    town = towns[rng.integers(len(towns))]
    picked = rng.choice(len(terms), size=rng.integers(1, 4), replace=False)
    needs = [NeedInput(code=terms[i].code, severity=int(rng.integers(1, 4))) for i in picked]
    if rng.random() < 0.2:
        term = terms[rng.integers(len(terms))]
        needs.append(NeedInput(text=term.labels["zh" if rng.random() < 0.5 else "en"], severity=2))
    where = Location(town.lat + rng.normal(0, 2) * KM_LAT, town.lon + rng.normal(0, 2) * KM_LON, place=town.code)
    child = Child(
        age=float(rng.integers(0, 18)),
        gender=str(rng.choice(["male", "female"])),
        languages=frozenset({"zh"}),
        groups=frozenset({"migrant"}) if rng.random() < 0.2 else frozenset(),
    )
    return MatchQuery(where, child, tuple(needs), language=str(rng.choice(["en", "zh"])), today=TODAY)


def synthetic_index(services: int, seed: int, version: str):
    """In a build process (referral.buildaside.run_aside, which imports it from here: never a script's
    ``__main__``): the synthetic directory's index, with the seconds making the directory (as a
    worker's snapshot read) and building it."""
    from dataclasses import replace

    from referral.matching.index import build_index

    started = time.perf_counter()
    directory = replace(make_directory(services, seed), version=version)
    made = time.perf_counter()
    return build_index(directory), made - started, time.perf_counter() - made
