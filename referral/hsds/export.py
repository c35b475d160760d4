"""The directory as HSDS 3.0 objects: organizations, locations, services, service_at_location, and
the needs taxonomy (with Open Eligibility terms where a need names one).

Pure builders over loaded rows: deterministic (every list sorted, child ids derived from their
owner's id, timestamps only from the data), so that exporting the same directory twice, or after a
round trip through ``import``, gives identical output. Fields that are None are left out (HSDS
strings are not nullable); required HSDS strings we lack are empty strings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from referral.hsds import extension, mapping
from referral.hsds.card import Clock, card_objects, schedules
from referral.hsds.crosswalk import OPEN_ELIGIBILITY_ID, TAXONOMY_ID, open_eligibility_term_id, term_id
from referral.hsds.ids import derived
from referral.hsds.restrictions import ELIGIBILITY_ID, eligibility_term_id
from referral.matching.messages import gender_rule, group_label
from referral.models import NeedTerm, Organization, Place, Service, Site

TAXONOMY_NAME = "referral needs"
OPEN_ELIGIBILITY_NAME = "Open Eligibility"
ELIGIBILITY_NAME = "referral eligibility"
NEED_URN = "urn:referral:need:"  # term_uri of a need's term, the same in every language


@dataclass
class Reference:
    """What every builder needs besides the listing itself: terms, places, sites, the language."""

    terms: Mapping[str, NeedTerm]
    places: Mapping[str, Place]
    sites: Mapping[str, Site] = field(default_factory=dict)
    language: str = "en"
    clock: Clock | None = None  # the directory's UTC offset: times carry it (None: local times, no offset)
    _by_org: dict[str, list[Site]] | None = field(default=None, repr=False)
    _locations: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)
    _terms: dict[Any, dict[str, Any]] = field(default_factory=dict, repr=False)
    _addresses: dict[str | None, dict[str, str]] = field(default_factory=dict, repr=False)

    def term(self, key: Any, build: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """A taxonomy term with its taxonomy_detail, built once per export chunk and shared by every
        attribute naming it (the CSV writer then writes it once)."""
        if key not in self._terms:
            found = build()
            self._terms[key] = {**found, "taxonomy_detail": _details()[found["taxonomy_id"]]}
        return self._terms[key]

    def location(self, site: Site) -> dict[str, Any]:
        """The site as an HSDS location, built once per export chunk (a service at it nests it again)."""
        if site.id not in self._locations:
            self._locations[site.id] = location(site, self.places, self.clock, self._address(site.place_code))
        return self._locations[site.id]

    def _address(self, code: str | None) -> dict[str, str]:
        if code not in self._addresses:
            self._addresses[code] = address_parts(code, self.places)
        return self._addresses[code]

    def sites_of(self, organization_id: str) -> list[Site]:
        """The organization's sites by id (indexed once: an export stays linear)."""
        if self._by_org is None:
            self._by_org = {}
            for site in sorted(self.sites.values(), key=lambda s: s.id):
                self._by_org.setdefault(site.organization_id, []).append(site)
        return self._by_org.get(organization_id, [])


def _clean(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if v is not None and v != []}


def _number(value: float | None) -> float | int | None:
    return int(value) if value is not None and float(value).is_integer() else value


def timestamp(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    precision = "milliseconds" if moment.microsecond % 1000 == 0 else "microseconds"  # exact either way
    return moment.isoformat(timespec=precision).replace("+00:00", "Z")


# taxonomy ----------------------------------------------------------------------------------------


def taxonomies() -> list[dict[str, Any]]:
    return list(_TAXONOMIES())


def _TAXONOMIES() -> tuple[dict[str, Any], ...]:
    if not _BUILT:
        _BUILT.append(tuple(_taxonomies()))
    return _BUILT[0]


_BUILT: list[tuple[dict[str, Any], ...]] = []


@lru_cache(maxsize=1)
def _details() -> dict[str, dict[str, Any]]:
    """Our taxonomies by id (shared: callers copy before changing one)."""
    return {t["id"]: t for t in taxonomies()}


def _taxonomies() -> list[dict[str, Any]]:
    return [
        extension.taxonomy(),
        {
            "id": OPEN_ELIGIBILITY_ID,
            "name": OPEN_ELIGIBILITY_NAME,
            "description": "Open Eligibility terms that the needs of this directory correspond to.",
            "uri": "https://openreferral.org/open-eligibility-project/",
        },
        {
            "id": ELIGIBILITY_ID,
            "name": ELIGIBILITY_NAME,
            "description": "Who a service is for (attributes with link_type eligibility): codes gender.<gender> "
            "and group.<target group>.",
        },
        {
            "id": TAXONOMY_ID,
            "name": TAXONOMY_NAME,
            "description": "The hierarchical needs taxonomy this directory matches children's needs with; "
            "term codes are its dotted need codes.",
        },
    ]


def need_term(term: NeedTerm, language: str) -> dict[str, Any]:
    """A need as an HSDS term named in ``language`` (else its first label); other languages are terms
    of their own (``translated_terms``), never stuffed into the description."""
    name = term.labels.get(language) or next(iter(term.labels.values()), term.code)
    return _clean(
        {
            "id": term_id(term.code),
            "code": term.code,
            "name": name,
            "description": name,
            "parent_id": term_id(term.parent_code) if term.parent_code else None,
            "taxonomy": TAXONOMY_NAME,
            "language": language,
            "taxonomy_id": TAXONOMY_ID,
            "term_uri": NEED_URN + term.code,
        }
    )


def translated_terms(term: NeedTerm, language: str) -> list[dict[str, Any]]:
    """The need in each other language: an HSDS term with that ``language``, its id derived from the
    term's, its parent the parent term (in the export's language: it always exists), and the same
    ``term_uri`` (the need's URN). No ``code``: the official descriptor makes codes unique, and the
    code belongs to the term in the export's language."""
    found = []
    for lang, label in sorted(term.labels.items()):
        if lang == language or not label:
            continue
        parent = term_id(term.parent_code) if term.parent_code else None
        found.append(
            _clean(
                {
                    "id": derived(term_id(term.code), "language", lang),
                    "name": label,
                    "description": label,
                    "parent_id": parent,
                    "taxonomy": TAXONOMY_NAME,
                    "language": lang,
                    "taxonomy_id": TAXONOMY_ID,
                    "term_uri": NEED_URN + term.code,
                }
            )
        )
    return found


def open_eligibility_term(name: str) -> dict[str, Any]:
    return {
        "id": open_eligibility_term_id(name),
        "name": name,
        "description": f"Open Eligibility: {name}",
        "taxonomy": OPEN_ELIGIBILITY_NAME,
        "language": "en",
        "taxonomy_id": OPEN_ELIGIBILITY_ID,
    }


def taxonomy_terms(terms: Iterable[NeedTerm], language: str) -> list[dict[str, Any]]:
    """Our needs as HSDS terms, then the Open Eligibility terms they name; sorted by id."""
    terms = list(terms)
    ours = [need_term(t, language) for t in terms] + [x for t in terms for x in translated_terms(t, language)]
    oe = [open_eligibility_term(n) for n in sorted({t.open_eligibility for t in terms if t.open_eligibility})]
    return sorted(ours + oe, key=lambda t: t["id"])


def eligibility_term(kind: str, value: str, language: str) -> dict[str, Any]:
    """A restriction as an HSDS term of our eligibility taxonomy ("gender", "female")."""
    name = gender_rule(language, [value]) if kind == "gender" else group_label(language, value)
    return {
        "id": eligibility_term_id(kind, value),
        "code": f"{kind}.{value}",
        "name": name,
        "description": f"{kind}: {value}",
        "taxonomy": ELIGIBILITY_NAME,
        "language": language,
        "taxonomy_id": ELIGIBILITY_ID,
    }


def _restrictions(service: Service, ref: Reference) -> list[dict[str, Any]]:
    """Genders and target groups as eligibility attributes, so HSDS -> here -> HSDS keeps them."""
    keys = [("gender", g) for g in sorted(service.genders or [])]
    keys += [("group", g) for g in sorted(service.target_groups or [])]
    terms = [ref.term(key, lambda key=key: eligibility_term(*key, ref.language)) for key in keys]
    return [_attribute(service.id, t, "eligibility") for t in terms]


def _attribute(owner: str, term: dict[str, Any], link_type: str) -> dict[str, Any]:
    return {
        "id": derived(owner, "attribute", term["id"]),
        "link_id": owner,
        "taxonomy_term_id": term["id"],
        "link_type": link_type,
        "link_entity": "service",
        "taxonomy_term": term,
    }


def _attributes(service: Service, ref: Reference) -> list[dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {a["taxonomy_term_id"]: a for a in _matching(service)}
    for attribute in _restrictions(service, ref):
        found[attribute["taxonomy_term_id"]] = attribute
    for code in service.needs:
        term = ref.terms.get(code)
        if term is None:
            continue
        terms = [ref.term(code, lambda term=term: need_term(term, ref.language))]
        if term.open_eligibility:
            name = term.open_eligibility
            terms.append(ref.term(("oe", name), lambda name=name: open_eligibility_term(name)))
        for t in terms:
            found[t["id"]] = _attribute(service.id, t, "service_taxonomy")
    return [found[k] for k in sorted(found)]


def _matching(svc: Service) -> list[dict[str, Any]]:
    """What the matcher uses beyond HSDS fields, in our ``referral matching`` taxonomy (extension.py)."""
    values = {f: getattr(svc, f) for f in extension.FIELDS["service"]}
    return extension.attributes("service", svc.id, values)


# listings ----------------------------------------------------------------------------------------


def organization_brief(org: Organization) -> dict[str, Any]:
    """The one-to-one fields (compiled organization_list)."""
    return _clean(
        {
            "id": org.id,
            "name": org.name,
            "description": org.description or "",
            "email": org.email,
            "website": org.website,
        }
    )


def organization(org: Organization, services: Iterable[Service], ref: Reference) -> dict[str, Any]:
    """A full organization (compiled organization.json) with its active sites and its services."""
    sites = ref.sites_of(org.id)
    phones = [{"id": derived(org.id, "phone"), "organization_id": org.id, "number": org.phone}] if org.phone else []
    values = {"kind": org.kind, "names": org.names, "descriptions": org.descriptions}
    return _clean(
        {
            **organization_brief(org),
            "phones": phones,
            "locations": [ref.location(s) for s in sites],
            "services": [service(s, ref) for s in sorted(services, key=lambda s: s.id)],
            "attributes": extension.attributes("organization", org.id, values),
        }
    )


def address_parts(code: str | None, places: Mapping[str, Place]) -> dict[str, str]:
    """The HSDS address parts a site's gazetteer place fixes: each from the nearest place (the site's
    own, then the places around it) that sets it (``Place.address``); ``city`` else the name of the
    nearest place of kind city."""
    found: dict[str, str] = {}
    for _ in range(16):
        place = places.get(code) if code else None
        if place is None:
            break
        for key, value in (place.address or {}).items():
            found.setdefault(key, value)
        if place.kind == "city":
            found.setdefault("city", place.name)
        code = place.parent_code
    return found


def location(
    site: Site,
    places: Mapping[str, Place] | None = None,
    clock: Clock | None = None,
    parts: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """A physical location (compiled location) with address, schedules, languages, accessibility, and
    (with ``places``) what the matcher uses as attributes of ``referral matching``; the address's city,
    region, province, postal code and country come from the gazetteer (``address_parts``)."""
    sid = site.id
    values = {
        "kind": site.kind,
        "names": site.names,
        "translations": site.translations,
        "phones": site.phones,
        "languages": site.languages,
        "place": extension.place_chain(site.place_code, places or {}),
    }
    if parts is None:
        parts = address_parts(site.place_code, places or {})
    addresses = (
        [
            {
                "id": derived(sid, "address"),
                "location_id": sid,
                "address_1": site.address,
                "city": parts.get("city", ""),
                **({"region": parts["region"]} if parts.get("region") else {}),
                "state_province": parts.get("state_province", ""),
                "postal_code": parts.get("postal_code", ""),
                "country": parts.get("country", ""),
                "address_type": "physical",
            }
        ]
        if site.address
        else []
    )
    return _clean(
        {
            "id": sid,
            "location_type": "physical",
            "organization_id": site.organization_id,
            "name": site.name,
            "latitude": site.latitude,
            "longitude": site.longitude,
            "addresses": addresses,
            "phones": [{"id": derived(sid, "phone"), "location_id": sid, "number": site.phone}] if site.phone else [],
            "schedules": schedules("location_id", sid, site.opening_hours or [], clock),
            "languages": _languages(sid, "location_id", site.languages),
            "accessibility": [
                {"id": derived(sid, "accessibility"), "location_id": sid, "description": site.accessibility}
            ]
            if site.accessibility
            else [],
            "attributes": extension.attributes("location", sid, values) if places is not None else [],
        }
    )


def _languages(owner: str, key: str, tags: Iterable[str]) -> list[dict[str, Any]]:
    # in the listing's order (the first is the one it works in most): an import keeps that order
    return [{"id": derived(owner, "language", tag), key: owner, "code": tag} for tag in dict.fromkeys(tags)]


def service_brief(svc: Service) -> dict[str, Any]:
    """The one-to-one fields (compiled service_list, without the nested organization)."""
    return _clean(
        {
            "id": svc.id,
            "organization_id": svc.organization_id,
            "name": svc.name,
            "description": svc.description,
            "status": mapping.hsds_status(svc.status),
            "fees_description": svc.cost_text,
            "minimum_age": _number(svc.minimum_age),
            "maximum_age": _number(svc.maximum_age),
            "assured_date": svc.verified_at.isoformat() if svc.verified_at else None,
            "last_modified": timestamp(svc.updated_at),
        }
    )


def service(svc: Service, ref: Reference) -> dict[str, Any]:
    """A full service (compiled service.json) without its nested organization."""
    sid = svc.id
    areas = [ref.places[c] for c in svc.area_places if c in ref.places]
    links = sorted((link for link in svc.site_links if link.site_id in ref.sites), key=lambda link: link.id)
    return _clean(
        {
            **service_brief(svc),
            "service_areas": [
                {
                    "id": derived(sid, "service_area", p.code),
                    "service_id": sid,
                    "name": p.name,
                    "uri": mapping.PLACE_URN + p.code,
                    "extent_type": "geojson",
                    "extent": extension.area_extent(extension.place_chain(p.code, ref.places)),
                }
                for p in areas
            ]
            + [
                {"id": derived(sid, "service_area", name), "service_id": sid, "name": name}
                for name in svc.area_names or []
            ],
            "service_at_locations": [
                {
                    "id": link.id,
                    "service_id": sid,
                    "location_id": link.site_id,
                    "location": ref.location(ref.sites[link.site_id]),
                }
                for link in links
            ],
            "eligibility_description": svc.eligibility_description,
            **card_objects(svc, ref.clock),
            "languages": _languages(sid, "service_id", svc.delivered_languages or []),
            "cost_options": [{"id": derived(sid, "cost_option"), "service_id": sid, "option": svc.cost}],
            "attributes": _attributes(svc, ref),
        }
    )


def service_at_location(link_id: str, svc: Service, site: Site, clock: Clock | None = None) -> dict[str, Any]:
    """A service_at_location with its location and its service (compiled service_at_location_list)."""
    return {
        "id": link_id,
        "service_id": svc.id,
        "location_id": site.id,
        "location": location(site, clock=clock),
        "service": service_brief(svc),
    }
