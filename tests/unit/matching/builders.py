"""Builders for matching tests: a small taxonomy and gazetteer, and services/queries with defaults.

Every builder takes ``**overrides`` so a test states only what it is about. Coordinates are near
an arbitrary origin; ``at(km_north, km_east)`` places a point that many kilometres away.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date

from referral.matching.types import (
    Child,
    Constraints,
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
ORIGIN = (31.30, 120.60)


def at(km_north: float = 0.0, km_east: float = 0.0) -> tuple[float, float]:
    """A point ``km_north`` / ``km_east`` from the origin (spherical approximation)."""
    lat = ORIGIN[0] + km_north / 111.195
    return lat, ORIGIN[1] + km_east / (111.195 * math.cos(math.radians(ORIGIN[0])))


def term(code: str, en: str, zh: str, en_syn: tuple[str, ...] = (), zh_syn: tuple[str, ...] = ()) -> NeedTerm:
    parent = code.rsplit(".", 1)[0] if "." in code else None
    return NeedTerm(code, parent, {"en": en, "zh": zh}, {"en": en_syn, "zh": zh_syn})


TERMS = (
    term("mh", "Mental health", "心理健康", ("emotional problems",), ("情绪问题",)),
    term("mh.counselling", "Counselling", "心理咨询", ("counseling", "talking therapy"), ("心理辅导",)),
    term("mh.anxiety", "Anxiety", "焦虑"),
    term("dev", "Development", "发育"),
    term("dev.autism", "Autism", "自闭症", ("autism spectrum disorder",), ("孤独症",)),
    term("dev.autism.early", "Early autism intervention", "自闭症早期干预"),
    term("dev.speech", "Speech therapy", "言语治疗"),
    term("family", "Family support", "家庭支持"),
    term("family.education", "Family education guidance", "家庭教育指导", ("parenting guidance",)),
    term("edu", "Education", "教育"),
    term("edu.pe", "Physical education", "体育课", ("PE",)),
)


def _place(code: str, parent: str | None, kind: str, zh: str, en: str, km_north: float, km_east: float) -> Place:
    return Place(code, parent, kind, zh, {"zh": zh, "en": en}, *at(km_north, km_east))


PLACES = (
    _place("C1", None, "city", "河城市", "River City", 0, 0),
    _place("D1", "C1", "district", "东区", "East District", 0, 8),
    _place("D2", "C1", "district", "西区", "West District", 0, -8),
    _place("T1", "D1", "town", "湖滨镇", "Lakeside", 1, 9),
    _place("T2", "D2", "town", "山边镇", "Hillside", -1, -9),
    _place("T3", "D1", "town", "新城北", "Newtown North", 5, 5),
    _place("T4", "D1", "town", "新城南", "Newtown South", -5, 5),
)


def site(id: str = "site-1", km_north: float = 0.0, km_east: float = 0.0, **overrides) -> Site:
    lat, lon = at(km_north, km_east)
    values = dict(id=id, name=f"Site {id}", names={}, address=None, lat=lat, lon=lon, place=None)
    return Site(**{**values, **overrides})


def service(id: str = "svc", **overrides) -> Service:
    values = dict(
        id=id,
        organization_id=f"org-{id}",
        organization_name=f"Org {id}",
        organization_names={},
        name=f"Service {id}",
        names={},
        needs=("mh.counselling",),
        modes=frozenset({"in_person"}),
        verified_at=TODAY,
        sites=(site(f"{id}-site"),),
    )
    return Service(**{**values, **overrides})


def directory(*services: Service, version: str = "v1") -> Directory:
    return Directory(version, TERMS, PLACES, tuple(services))


def need(code: str | None = "mh.counselling", severity: int = 2, text: str | None = None) -> NeedInput:
    return NeedInput(code=None if text else code, text=text, severity=severity)


def query(*needs: NeedInput, child: Child | None = None, **overrides) -> MatchQuery:
    values = dict(
        location=Location(*ORIGIN, place="T1"),
        child=child or Child(age=10, gender="male"),
        needs=needs or (need(),),
        today=TODAY,
    )
    return MatchQuery(**{**values, **overrides})


def constraints(**overrides) -> Constraints:
    return replace(Constraints(), **overrides)
