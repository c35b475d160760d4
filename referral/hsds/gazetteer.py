"""Places an import brings: a service area naming a place our gazetteer lacks becomes a place.

Owns two things. ``place_key``: a place name compared without case, punctuation or administrative
suffix (洛阳市 = 洛阳, "Springfield City" = "springfield"; suffixes in
``referral/data/place_suffixes.json``). ``PlaceExtender``: when a service area names no gazetteer
place, the import looks for the same name among the cities and regions of the input's own addresses
whose locations have coordinates, and adds a place at their centroid (kind "city", listed in the
report), so the area rule keeps working where we have no gazetteer; a GeoJSON ``extent`` on the area
locates it the same way (the centroid of its positions). A name with no such evidence
is reported, never silently dropped. ``KnownPlaces``: the gazetteer as an import sees it, read from the
database once per import, with the places it adds. Depends on the models, geocoding and the matching
core's gazetteer; never on a pass of the import.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from referral.geocoding import GazetteerGeocoder, GazetteerPlace
from referral.hsds import writer
from referral.hsds.report import ImportReport
from referral.matching.gazetteer import Gazetteer
from referral.matching.text import normalise
from referral.matching.types import Place as CorePlace
from referral.models import Place

SUFFIXES = Path(__file__).resolve().parent.parent / "data" / "place_suffixes.json"
ADDRESS_PLACES = ("city", "region", "state_province")


@lru_cache(maxsize=1)
def _suffixes() -> tuple[str, ...]:
    words = json.loads(SUFFIXES.read_text(encoding="utf-8"))["suffixes"]
    return tuple(sorted((normalise(w) for w in words), key=len, reverse=True))


def place_key(name: str) -> str:
    """A name for comparison: normalised, one trailing administrative suffix removed."""
    text = normalise(name)
    for suffix in _suffixes():
        if text.endswith(suffix) and len(text) > len(suffix):
            return text[: -len(suffix)].strip()
    return text


class _GazetteerIndex:
    """What ``place_for_point`` reads of a DirectoryIndex: only its gazetteer."""

    def __init__(self, gazetteer: Gazetteer):
        self.gazetteer = gazetteer


class KnownPlaces:
    """The gazetteer during one import: by name (``geocoder``: area names, addresses) and by point
    (``index``: a site's place), with the places the import adds."""

    def __init__(self, places: list[GazetteerPlace]):
        self.all = list(places)
        self._rebuild()

    @classmethod
    def load(cls, session: Session) -> KnownPlaces:
        """The stored gazetteer (``writer.places``), read once per import."""
        return cls(writer.places(session))

    def _rebuild(self) -> None:
        self.geocoder = GazetteerGeocoder(self.all)
        core = [CorePlace(p.code, None, "town", p.names[0], {}, p.latitude, p.longitude) for p in self.all]
        self.index = _GazetteerIndex(Gazetteer(core)) if core else None

    def has(self, code: str) -> bool:
        return self.geocoder.has(code)

    def find(self, name: str) -> str | None:
        return self.geocoder.find(name)

    def codes(self) -> set[str]:
        return {p.code for p in self.all}

    def add(self, code: str, name: str, lat: float, lon: float) -> None:
        """A place added during this import: known to area lookups and to sites' place lookups."""
        self.all.append(GazetteerPlace(code, (name,), lat, lon))
        self._rebuild()


class PlaceExtender:
    """New gazetteer places from the input's own addresses, keyed by ``place_key``."""

    def __init__(
        self,
        places: KnownPlaces,
        coordinates: dict[str, tuple[float, float]],
        addresses: dict[str, list[dict[str, Any]]],
    ):
        """``coordinates``: location id -> (lat, lon) given; ``addresses``: location id -> its addresses."""
        self.places = places
        self.evidence: dict[str, tuple[str, list[tuple[float, float]]]] = {}
        self.added: dict[str, str] = {}  # key -> place code
        points: dict[str, list[tuple[float, float]]] = defaultdict(list)
        names: dict[str, str] = {}
        for location_id, (lat, lon) in coordinates.items():
            for address in addresses.get(location_id, []):
                for field in ADDRESS_PLACES:
                    if address.get(field):
                        key = place_key(str(address[field]))
                        names.setdefault(key, str(address[field]).strip())
                        points[key].append((lat, lon))
        self.evidence = {k: (names[k], v) for k, v in points.items() if k}

    def known(self, name: str) -> str | None:
        """The one gazetteer place whose name matches ``name`` without its suffix (苏州 = 苏州市), else None."""
        if not hasattr(self, "_keys"):
            keys: dict[str, set[str]] = defaultdict(set)
            for place in self.places.all:
                for label in place.names:
                    keys[place_key(label)].add(place.code)
            self._keys = keys
        found = self._keys.get(place_key(name), set()) if name else set()
        return next(iter(found)) if len(found) == 1 else None

    def place_for(self, session: Session, report: ImportReport, name: str, extent: Any = None) -> str | None:
        """The code of a place added for ``name``, located by the input's addresses or the area's GeoJSON
        ``extent`` (added now), else None."""
        key = place_key(name)
        if key in self.added:
            return self.added[key]
        points = geojson_points(extent)
        if key not in self.evidence and not points:
            return None
        label, points = self.evidence.get(key) or (name.strip(), points)
        lat = sum(p[0] for p in points) / len(points)
        lon = sum(p[1] for p in points) / len(points)
        code = "hsds-" + hashlib.sha1(key.encode()).hexdigest()[:12]
        if session.get(Place, code) is None:
            session.add(
                Place(
                    code=code,
                    parent_code=None,
                    kind="city",
                    name=label[:200],
                    names={},
                    latitude=round(lat, 6),
                    longitude=round(lon, 6),
                )
            )
            session.flush()
            report.listed(
                "places_added",
                {
                    "code": code,
                    "name": label,
                    "latitude": round(lat, 6),
                    "longitude": round(lon, 6),
                    "why": f"service area {name!r}; centroid of "
                    + (
                        f"{len(points)} location(s) whose address names it"
                        if key in self.evidence
                        else "its GeoJSON extent"
                    ),
                },
            )
        self.added[key] = code
        self.places.add(code, label, lat, lon)
        return code


def geojson_points(extent: Any) -> list[tuple[float, float]]:
    """(lat, lon) of every position in a GeoJSON geometry (a dict or its JSON text); [] when it is none."""
    if isinstance(extent, str):
        try:
            extent = json.loads(extent)
        except ValueError:
            return []
    found: list[tuple[float, float]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key in ("coordinates", "geometry", "geometries", "features"):
                walk(node.get(key))
        elif isinstance(node, list):
            if len(node) >= 2 and all(isinstance(v, (int, float)) for v in node[:2]):
                lon, lat = float(node[0]), float(node[1])
                if -90 <= lat <= 90 and -180 <= lon <= 180:
                    found.append((lat, lon))
            else:
                for child in node:
                    walk(child)

    walk(extent)
    return found
