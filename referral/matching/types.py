"""The plain data the matching core takes and returns.

This module owns the contract between the pure matching core and everything around it: the web
layer builds a ``Directory`` snapshot from the database, and turns a request into a ``MatchQuery``;
the core answers with a ``MatchOutcome``. Nothing here may import Flask, SQLAlchemy or marshmallow.

Conventions: distances in kilometres, ages in years, weekdays 0 = Monday … 6 = Sunday, language
tags are lower-case BCP 47 primary subtags ("zh", "en"). A mapping of ``names`` holds translations
by language; ``name`` is the listing's own primary name and the fallback for any language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

MODES = ("in_person", "home_visit", "school_based", "remote")
COSTS = ("free", "subsidized", "fee")
CAPACITIES = ("accepting", "waitlist", "full")
INTENSITIES = ("prevention", "support", "intensive")
GRADES = ("none", "low", "medium", "high")  # a screening's risk grades (assessment)
PHONE_PURPOSES = ("main", "intake", "hotline", "emergency", "fax")
SEVERITY_ACTIONABLE = 2  # CANS: 2 = act, 3 = act immediately or intensively
COLUMN_KINDS = ("mask", "code", "float", "day", "flag")


@dataclass(frozen=True, slots=True)
class Column:
    """How a ``Service`` field becomes one numpy column of the index (columns.py builds them all from these)
    and which model column the snapshot fills it from (snapshot.py). Kinds: "mask" (a set of strings ->
    uint64 bits, 0 = no restriction), "code" (one of ``values`` -> int8 position), "float" (None -> NaN),
    "day" (a date -> its ordinal, None -> NaN), "flag" (equals ``values[0]`` -> bool)."""

    kind: str  # one of COLUMN_KINDS
    name: str | None = None  # the column's name in the index (Columns); None = the field's name
    values: tuple[str, ...] = ()  # "code": the allowed values in order; "flag": the one value that is True
    source: str | None = None  # the model column (services table) the snapshot reads; None = the field's name


def column(
    kind: str,
    name: str | None = None,
    values: tuple[str, ...] = (),
    source: str | None = None,
) -> dict[str, Column]:
    """Field metadata declaring a ``Service`` field an index column (``field(metadata=column(...))``)."""
    if kind not in COLUMN_KINDS:
        raise ValueError(f"column kind {kind!r}: expected one of {COLUMN_KINDS}")
    return {"column": Column(kind, name, values, source)}


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
    aliases: tuple[str, ...] = ()  # local, old and colloquial names ("港区"), any language


@dataclass(frozen=True, slots=True)
class Text:
    """A free text in the listing's own language, with its translations by language."""

    text: str
    texts: Mapping[str, str] = field(default_factory=dict)

    def in_language(self, language: str) -> str:
        """The translation into ``language``, else the listing's own text."""
        return self.texts.get(language) or self.text


@dataclass(frozen=True, slots=True)
class Phone:
    number: str
    purpose: str = "main"  # one of PHONE_PURPOSES


@dataclass(frozen=True, slots=True)
class Hours:
    """One weekly opening period; times "HH:MM", ``closes`` may be "24:00" (open to midnight)."""

    weekday: int
    opens: str
    closes: str


@dataclass(frozen=True, slots=True)
class Contact:
    """Whom to ask for: a role always, a person's name only where the listing publishes it."""

    title: Text
    name: str | None = None
    phone: str | None = None
    email: str | None = None


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
    phone: str | None = None
    hours: tuple[Hours, ...] = ()  # empty = not recorded
    phones: tuple[Phone, ...] = ()
    accessibility: Text | None = None


@dataclass(frozen=True, slots=True)
class Outcomes:
    """A service's referral record over the last ``window_days``: referrals decided (accepted or
    declined, first decision in the window), those accepted, and the median days to acceptance."""

    accepted: int
    decided: int
    median_days_to_accept: float | None = None
    window_days: int = 90


@dataclass(frozen=True, slots=True)
class Service:
    """A service with its hard eligibility rules and the sites it is offered at.

    This is the one declaration of the core's service: a field with ``column(...)`` metadata becomes
    an index column (columns.py, generically) and is filled from the model column of the same name
    (snapshot.py, generically; ``source`` names it when the names differ). A hard rule reads it in
    eligibility.py (see the checklist there)."""

    id: str
    organization_id: str
    organization_name: str
    organization_names: Mapping[str, str]
    name: str
    names: Mapping[str, str]
    needs: tuple[str, ...]  # need-term codes this service meets
    modes: frozenset[str] = field(metadata=column("mask"))  # subset of MODES, never empty
    cost: str = field(default="free", metadata=column("code", values=COSTS))
    cost_text: str | None = None
    capacity: str = field(default="accepting", metadata=column("code", values=CAPACITIES))
    wait_days: int | None = field(default=None, metadata=column("float"))  # expected wait when capacity == "waitlist"
    intensity: str = field(default="support", metadata=column("code", values=INTENSITIES))
    minimum_age: float | None = field(default=None, metadata=column("float", "min_age"))
    maximum_age: float | None = field(default=None, metadata=column("float", "max_age"))
    genders: frozenset[str] = field(default=frozenset(), metadata=column("mask"))  # empty = any gender
    # empty = open to everyone; else the child needs one of them
    groups: frozenset[str] = field(default=frozenset(), metadata=column("mask", source="target_groups"))
    # empty = no requirement; else the child speaks one of them
    languages: frozenset[str] = field(default=frozenset(), metadata=column("mask"))
    area_places: frozenset[str] = frozenset()  # gazetteer codes (a place includes its sub-places)
    # around each of its sites
    area_radius_km: float | None = field(default=None, metadata=column("float", "area_radius"))
    status: str = field(default="active", metadata=column("flag", "active", values=("active",)))
    verified_at: date | None = field(default=None, metadata=column("day", "verified"))
    sites: tuple[Site, ...] = ()
    # the card: what a worker acts on (none of it changes eligibility)
    description: Text | None = None
    cost_texts: Mapping[str, str] = field(default_factory=dict)  # translations of cost_text
    application_process: Text | None = None
    required_documents: tuple[Text, ...] = ()
    wait_time: Text | None = None  # response or waiting time, as the listing words it
    alerts: tuple[Text, ...] = ()
    contacts: tuple[Contact, ...] = ()
    phones: tuple[Phone, ...] = ()  # the service's own lines (a hotline), beside its sites' phones
    hours: tuple[Hours, ...] = ()  # the service's own hours (a hotline); empty = its sites' hours
    delivered_languages: frozenset[str] = frozenset()  # languages it is delivered in; empty = not recorded
    serves_school: str | None = None  # site id of the one school whose pupils it serves
    school_names: frozenset[str] = frozenset()  # that school's names (site and organization), any language
    school: Text | None = None  # that school's site name, with its translations, to show
    organization_phone: str | None = None  # services have no phone of their own; sites may
    outcomes: Outcomes | None = None  # its referral record; None = no history (neutral)


@dataclass(frozen=True, slots=True)
class RiskCategory:
    """One kind of danger to a child and the need it makes actionable, with the expressions that
    reveal it, by language: literal ``phrases``, regular-expression ``patterns`` (``…`` is a short
    gap inside one clause) and ``exclusions`` (patterns of look-alikes: "打游戏" is not abuse)."""

    code: str  # "self_harm", "physical_abuse", …
    need: str  # the need code it makes actionable (severity 3)
    labels: Mapping[str, str]
    phrases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    patterns: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    exclusions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Hotline:
    """An emergency or crisis line of a region; empty ``categories`` = every risk, empty
    ``places`` = everywhere (else gazetteer codes: a place includes its sub-places)."""

    key: str
    names: Mapping[str, str]
    number: str
    purposes: Mapping[str, str]  # what it is for, by language
    always_open: bool
    categories: frozenset[str] = frozenset()
    places: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Duty:
    """A legal duty of whoever learns of a risk (e.g. mandatory reporting), shown for ``categories``."""

    key: str
    names: Mapping[str, str]
    texts: Mapping[str, str]
    categories: frozenset[str] = frozenset()
    places: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class AssessmentScale:
    """One dimension a screening grades (e.g. guardianship risk): grade -> (need code, severity)s."""

    key: str
    names: Mapping[str, str]
    grades: Mapping[str, tuple[tuple[str, int], ...]]  # keys among GRADES


@dataclass(frozen=True, slots=True)
class Region:
    """What a region's data says beyond its listings: lines to call, duties, screening scales."""

    hotlines: tuple[Hotline, ...] = ()
    duties: tuple[Duty, ...] = ()
    scales: tuple[AssessmentScale, ...] = ()


@dataclass(frozen=True, slots=True)
class Directory:
    """A consistent snapshot of the whole directory, tagged with its version."""

    version: str
    terms: tuple[NeedTerm, ...]
    places: tuple[Place, ...]
    services: tuple[Service, ...]
    risks: tuple[RiskCategory, ...] = ()  # the risk lexicon (safety.py)
    region: Region = Region()


@dataclass(frozen=True, slots=True)
class PlaceEvidence:
    """How a typed place was resolved (places.py): what matched it and how sure that is."""

    matched_by: str  # "code" | "name" | "alias" | "pinyin" | "site" | "address" | "fuzzy"
    confidence: float  # 0-1
    matched: str  # the gazetteer or directory phrase that matched, never the typed text
    site: str | None = None  # the site id when one site's name or address placed the child


@dataclass(frozen=True, slots=True)
class Location:
    """The child's location: coordinates, and the gazetteer place when known."""

    lat: float
    lon: float
    place: str | None = None
    evidence: PlaceEvidence | None = None  # None when the location was given as coordinates


@dataclass(frozen=True, slots=True)
class Child:
    """What the worker told us. Unknown is not ineligible: an age or gender of None, or no languages or
    groups, means "not given", and services restricted on them are offered with an "eligible if" caveat
    (an age is always given by the API, but for a child at risk whose age could not be read)."""

    age: float | None
    gender: str | None = None
    languages: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()
    inferred_groups: frozenset[str] = frozenset()  # set by the engine from the needs (groups.py), never by callers
    school: str | None = None  # the child's school: a site id or a name


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
    assessment: Mapping[str, str] = field(default_factory=dict)  # scale key -> one of GRADES
    now: datetime | None = None  # timezone-aware local time for "open now"; None = not computed


@dataclass(frozen=True, slots=True)
class UnderstoodNeed:
    """A need of the child as understood; ``understood=False``: a text nothing could be read from
    (``code`` is then None, ``suggestions`` holds the closest codes) and it is never matched."""

    code: str | None
    label: str
    severity: int
    source: str  # "code" | "text" | "notes" | "assessment" | "risk"
    matched: str | None = None  # the words that carried it, for text and notes ("、" or ", " joined)
    confidence: float | None = None  # 0-1, for text and notes
    understood: bool = True
    input: int | None = None  # index of the request need it came from; None for notes
    suggestions: tuple[str, ...] = ()  # need codes, best first (for a need not understood)
    risk: str | None = None  # the RiskCategory code found for this need (severity 3, actionable)


@dataclass(frozen=True, slots=True)
class CardContact:
    title: str  # the role, in the query's language where the listing gives it
    name: str | None = None
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True, slots=True)
class Card:
    """What a worker acts on, in the query's language (free texts fall back to the listing's own)."""

    phones: tuple[Phone, ...]  # the service's own lines first, then the site's
    hours: tuple[Hours, ...]  # the service's own hours, else its site's; empty = not recorded
    always_open: bool  # open 24 hours every day
    open_now: bool | None  # None: no time given, or hours not recorded
    open_today: bool | None
    description: str | None
    accessibility: str | None
    delivered_languages: tuple[str, ...]  # language codes
    delivered_in: tuple[str, ...]  # their names
    application_process: str | None
    required_documents: tuple[str, ...]
    contacts: tuple[CardContact, ...]
    wait_time: str | None
    alerts: tuple[str, ...]
    cost_text: str | None
    verified_at: date | None
    stale: bool  # never verified, or not for over stale_after_days
    remote: bool  # offered without a site
    local: bool | None  # the site is in the child's city; None when either city is unknown
    serves_area: tuple[str, ...]  # names of the places its area lists (a radius is in serves_radius_km)
    serves_radius_km: float | None
    school: str | None  # the school whose pupils it serves, by name


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
    card: Card | None = None
    tier: int = 0  # the ordering rules above the score (scoring.tiers): lower first


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
    # the rule that closes it: for "not_eligible" a rule name of eligibility.RULES or "closed_day",
    # for "too_far" "area" or "distance"; None for the other reasons
    rule: str | None = None


@dataclass(frozen=True, slots=True)
class Bundle:
    service_ids: tuple[str, ...]
    ranks: tuple[int, ...]
    covers: tuple[str, ...]
    uncovered: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class UrgentService:
    """A crisis or protection service that can act now: accepting, active, serving the child."""

    service: Service
    site: Site | None
    distance_km: float | None
    needs_met: tuple[str, ...]  # the risk need codes it meets


@dataclass(frozen=True, slots=True)
class Urgent:
    """What to do now when a risk is found; never empty (``advice`` is always said)."""

    risks: tuple[str, ...]  # RiskCategory codes found, in need order
    advice: str  # a sentence in the query's language
    hotlines: tuple[Hotline, ...]
    duties: tuple[Duty, ...]
    services: tuple[UrgentService, ...]


@dataclass(frozen=True, slots=True)
class MatchOutcome:
    location: Location
    needs: tuple[UnderstoodNeed, ...]
    results: tuple[Result, ...]
    unmet_needs: tuple[UnmetNeed, ...]
    bundle: Bundle
    directory_version: str
    urgent: Urgent | None = None  # present whenever a risk is found
    inferred_groups: tuple[tuple[str, str], ...] = ()  # (group, the need code it was inferred from)


class MatchInputError(ValueError):
    """A query the core cannot answer as given; ``field`` is a JSON path into the request. ``message``
    is an English template (``str.format`` fields, marked with i18n.N_) filled with ``values``: kept as
    ``template`` and ``values`` so the API says it in the caller's language; ``message`` is the English."""

    def __init__(
        self,
        field: str,
        message: str,
        suggestions: tuple[str, ...] = (),
        candidates: tuple[Mapping[str, object], ...] = (),
        **values: object,
    ):
        self.template, self.values = message, values
        self.message = message.format(**values) if values else message
        super().__init__(self.message)
        self.field = field
        self.suggestions = suggestions
        self.candidates = candidates  # structured suggestions (places: code, name, parent), best first
