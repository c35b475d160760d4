"""The demo region's gazetteer and sites as core types, read straight from seeds/ (no database).

One service per organization, at all of its sites: enough for what place resolution reads (site
names, organization names, addresses, coordinates and places).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from referral.matching.index import DirectoryIndex, build_index
from referral.matching.types import Directory, Place, Service, Site

REGION = Path(__file__).resolve().parents[3] / "seeds" / "regions" / "suzhou-zhenjiang"


def places() -> tuple[Place, ...]:
    rows = json.loads((REGION / "places.json").read_text("utf-8"))["places"]
    return tuple(
        Place(
            p["code"],
            p.get("parent"),
            p["kind"],
            p["name"],
            p.get("names", {}),
            p["lat"],
            p["lon"],
            tuple(p.get("aliases", ())),
        )
        for p in rows
    )


def services() -> tuple[Service, ...]:
    rows = json.loads((REGION / "organizations.json").read_text("utf-8"))["organizations"]
    return tuple(
        Service(
            id=o["key"],
            organization_id=o["key"],
            organization_name=o["name"],
            organization_names=o.get("names", {}),
            name=o["name"],
            names={},
            needs=(),
            modes=frozenset({"in_person"}),
            sites=tuple(
                Site(s["key"], s["name"], s.get("names", {}), s.get("address"), s["lat"], s["lon"], s.get("place"))
                for s in o.get("sites", ())
            ),
        )
        for o in rows
    )


@lru_cache(maxsize=1)
def region_index() -> DirectoryIndex:
    """The demo region's index, built once per test session."""
    return build_index(Directory("seed", (), places(), services()))
