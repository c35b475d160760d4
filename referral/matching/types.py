"""The plain data the matching core takes and returns.

This module owns the contract between the pure matching core and everything around it: the web
layer builds a ``Directory`` snapshot from the database, and turns a request into a ``MatchQuery``;
the core answers with a ``MatchOutcome``. Nothing here may import Flask, SQLAlchemy or marshmallow.

Conventions: distances in kilometres, ages in years, weekdays 0 = Monday … 6 = Sunday, language
tags are lower-case BCP 47 primary subtags ("zh", "en"). A mapping of ``names`` holds translations
by language; ``name`` is the listing's own primary name and the fallback for any language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Mapping

MODES = ("in_person", "home_visit", "school_based", "remote")
COSTS = ("free", "subsidized", "fee")
CAPACITIES = ("accepting", "waitlist", "full")
INTENSITIES = ("prevention", "support", "intensive")
SEVERITY_ACTIONABLE = 2  # CANS: 2 = act, 3 = act immediately or intensively


@dataclass(frozen=True, slots=True)
class NeedTerm:
    """One term of the hierarchical needs taxonomy (dotted code: parent code is a prefix)."""

    code: str
    parent: str | None
    labels: Mapping[str, str]  # language -> label
    synonyms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # language -> phrases
    description: Mapping[str, str] = field(default_factory=dict)  # language -> a sentence or two
    lexicon: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # language -> everyday expressions
    audience: str = "child"  # whose need: "child", "family" (a carer's) or "any"
    priority: int = 0  # 1 = a danger: among needs read from one text with close confidence, read first


@dataclass(frozen=True, slots=True)
class Place:
    """A gazetteer entry: city, district or town-or-street, with its centroid."""

    code: str
    parent: str | None
    kind: str  # "city" | "district" | "town"
    name: str
    names: Mapping[str, str]
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class Site:
    """Where a service is delivered (HSDS location reached through service_at_location)."""

    id: str
    name: str
    names: Mapping[str, str]
    address: str | None
    lat: float
    lon: float
    place: str | None  # gazetteer code of the site's town or district
    open_days: frozenset[int] = frozenset()  # weekdays with opening hours; empty = not recorded


@dataclass(frozen=True, slots=True)
class Service:
    """A service with its hard eligibility rules and the sites it is offered at."""

    id: str
    organization_id: str
    organization_name: str
    organization_names: Mapping[str, str]
    name: str
    names: Mapping[str, str]
    needs: tuple[str, ...]  # need-term codes this service meets
    modes: frozenset[str]  # subset of MODES, never empty
    cost: str = "free"
    cost_text: str | None = None
    capacity: str = "accepting"
    wait_days: int | None = None  # expected wait when capacity == "waitlist"
    intensity: str = "support"
    minimum_age: float | None = None
    maximum_age: float | None = None
    genders: frozenset[str] = frozenset()  # empty = any gender
    groups: frozenset[str] = frozenset()  # empty = open to everyone; else child needs one of them
    languages: frozenset[str] = frozenset()  # empty = no requirement; else child speaks one of them
    area_places: frozenset[str] = frozenset()  # gazetteer codes (a place includes its sub-places)
    area_radius_km: float | None = None  # around each of its sites
    status: str = "active"
    verified_at: date | None = None
    sites: tuple[Site, ...] = ()


@dataclass(frozen=True, slots=True)
class Directory:
    """A consistent snapshot of the whole directory, tagged with its version."""

    version: str
    terms: tuple[NeedTerm, ...]
    places: tuple[Place, ...]
    services: tuple[Service, ...]


@dataclass(frozen=True, slots=True)
class Location:
    """The child's location: coordinates, and the gazetteer place when known."""

    lat: float
    lon: float
    place: str | None = None


@dataclass(frozen=True, slots=True)
class Child:
    age: float
    gender: str | None = None
    languages: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class NeedInput:
    """One assessed need: exactly one of ``code`` or ``text``; CANS severity 0-3."""

    code: str | None = None
    text: str | None = None
    severity: int = 2


@dataclass(frozen=True, slots=True)
class Constraints:
    max_distance_km: float = 25.0
    modes: frozenset[str] | None = None  # None = any mode
    free_only: bool = False
    include_waitlisted: bool = True
    open_on: int | None = None  # weekday the site must be open


@dataclass(frozen=True, slots=True)
class MatchQuery:
    location: Location
    child: Child
    needs: tuple[NeedInput, ...]
    notes: str | None = None
    constraints: Constraints = Constraints()
    limit: int = 10
    language: str = "en"  # for labels and reasons
    today: date | None = None  # reference date for freshness; None = date.today()


@dataclass(frozen=True, slots=True)
class UnderstoodNeed:
    """A need of the child as understood; ``understood=False``: a text nothing could be read from
    (``code`` is then None, ``suggestions`` holds the closest codes) and it is never matched."""

    code: str | None
    label: str
    severity: int
    source: str  # "code" | "text" | "notes"
    matched: str | None = None  # the words that carried it, for text and notes ("、" or ", " joined)
    confidence: float | None = None  # 0-1, for text and notes
    understood: bool = True
    input: int | None = None  # index of the request need it came from; None for notes
    suggestions: tuple[str, ...] = ()  # need codes, best first (for a need not understood)


@dataclass(frozen=True, slots=True)
class Result:
    rank: int
    score: float  # 0-100
    service: Service
    site: Site | None  # None for a remote service
    distance_km: float | None
    needs_met: tuple[str, ...]  # the child's need codes this service meets
    score_parts: Mapping[str, float]
    reasons: tuple[str, ...]
    caveats: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class NearestOption:
    service: Service
    site: Site | None
    distance_km: float | None


@dataclass(frozen=True, slots=True)
class UnmetNeed:
    code: str | None  # None only for "not_understood"
    label: str
    severity: int
    reason: str  # "no_service" | "not_eligible" | "too_far" | "beyond_limit" | "not_understood"
    detail: str  # a sentence for the social worker, in the query's language (never the child's text)
    nearest: NearestOption | None = None
    input: int | None = None  # index of the request need, for "not_understood"
    suggestions: tuple[str, ...] = ()  # need codes, best first, for "not_understood"


@dataclass(frozen=True, slots=True)
class Bundle:
    service_ids: tuple[str, ...]
    ranks: tuple[int, ...]
    covers: tuple[str, ...]
    uncovered: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MatchOutcome:
    location: Location
    needs: tuple[UnderstoodNeed, ...]
    results: tuple[Result, ...]
    unmet_needs: tuple[UnmetNeed, ...]
    bundle: Bundle
    directory_version: str


class MatchInputError(ValueError):
    """A query the core cannot answer as given; ``field`` is a JSON path into the request."""

    def __init__(self, field: str, message: str, suggestions: tuple[str, ...] = ()):
        super().__init__(message)
        self.field = field
        self.message = message
        self.suggestions = suggestions
