"""The project's own HSDS taxonomy, ``referral matching``: what the matcher uses that HSDS 3.0 has no
field for, written as attributes (``link_type`` ``matching``, ``value`` the value) so that export →
import into a fresh instance → export keeps the matching data.

Published vocabulary (term code = ``<entity>.<field>``; term id = uuid5 of the code, fixed forever):

===========================  ==========================================================================
organization.kind            one of the model's organization kinds
organization.names /         JSON object language → text: translations of name and description
organization.descriptions
location.kind                one of the model's site kinds
location.names               JSON object language → name
location.translations        JSON object field → {language → text}
location.phones              JSON list of {number, purpose}
location.languages           JSON list of language tags in the site's order (HSDS languages have none)
location.place               JSON list of gazetteer places, widest first (code, parent_code, kind, name,
                             names, aliases, latitude, longitude, and address: the HSDS address parts
                             the place fixes, when it has some): the site's place
service.capacity             accepting | waitlist | full
service.wait_days            whole days (only with capacity waitlist)
service.intensity            prevention | support | intensive
service.area_radius_km       number > 0
service.modes                JSON list: in_person, remote, home_visit…
service.languages            JSON list of language tags the service requires
service.names /              JSON object language → text
service.descriptions
service.translations         JSON object field → {language → text} (card texts)
service.genders /            JSON lists: exactly the restrictions (the eligibility attributes say the same
service.target_groups        in HSDS terms; these make the eligibility_description never re-read); the
                             groups are codes of referral/data/target_groups.json
service.alerts /             JSON lists of the card's entries with their translations
service.required_documents /
service.contacts /
service.phones
service.serves_school        the id of the school site the service serves
service.delivered_languages  JSON list: the HSDS languages in the service's order
===========================  ==========================================================================

A service field the matcher reads (a hard rule's column, see matching/eligibility.py) travels by one
entry in ``FIELDS["service"]``, its kind: a tuple of allowed values, int, float (> 0), str, or list /
dict for a JSON value. Export writes the model attribute of that name, import puts the decoded value
in the service row of the same name.

Service areas carry their place the same way, in HSDS's own field: ``extent`` is a GeoJSON Feature
(a Point) whose ``properties.places`` is that chain of places. Pure: values in, values out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import cache, lru_cache
from typing import Any

from referral.hsds.ids import derived
from referral.matching.messages import TARGET_GROUPS
from referral.models.listings import CAPACITIES, INTENSITIES, ORGANIZATION_KINDS, PLACE_KINDS, SITE_KINDS

TAXONOMY_ID = derived("referral", "taxonomy", "matching")
TAXONOMY_NAME = "referral matching"
LINK_TYPE = "matching"
_OBJECT, _LIST = dict, list  # JSON values: an object or a list
_JSON = (_OBJECT, _LIST)
FIELDS: dict[str, dict[str, Any]] = {
    "organization": {"kind": ORGANIZATION_KINDS, "names": dict, "descriptions": dict},
    "location": {
        "kind": SITE_KINDS,
        "names": dict,
        "translations": dict,
        "phones": list,
        "place": list,
        "languages": list,
    },
    "service": {
        "capacity": CAPACITIES,
        "wait_days": int,
        "intensity": INTENSITIES,
        "area_radius_km": float,
        "modes": list,
        "languages": list,
        "names": dict,
        "descriptions": dict,
        "translations": dict,
        "genders": list,
        "target_groups": list,
        "alerts": list,
        "required_documents": list,
        "contacts": list,
        "phones": list,
        "serves_school": str,
        "delivered_languages": list,
    },
}


def term_ids(fields: Mapping[str, Mapping[str, Any]]) -> dict[str, tuple[str, str]]:
    """Term id -> (entity, field) for every field of ``fields`` (ids derived from the codes: fixed forever)."""
    return {derived(TAXONOMY_ID, "term", f"{e}.{f}"): (e, f) for e, named in fields.items() for f in named}


TERM_IDS = term_ids(FIELDS)  # derived from FIELDS: a field added there is exported and imported with no other edit
_BY_CODE = {f"{e}.{f}": i for i, (e, f) in TERM_IDS.items()}


@lru_cache(maxsize=1)
def taxonomy() -> dict[str, Any]:
    """Our taxonomy (one shared dict: callers copy before changing it)."""
    return {
        "id": TAXONOMY_ID,
        "name": TAXONOMY_NAME,
        "description": "What the referral matcher uses that HSDS 3.0 has no field for: attributes with "
        "link_type matching whose value is the value (text, a number, or JSON); term code "
        "<entity>.<field>. See the project's README, Exchanging directories.",
        "uri": "https://github.com/referral/referral#exchanging-directories-open-referral-hsds-30",
    }


@cache
def term(code: str) -> dict[str, Any]:
    return {
        "id": _BY_CODE[code],
        "code": code,
        "name": code.replace(".", " ").replace("_", " "),
        "description": f"referral matching: {code}",
        "taxonomy": TAXONOMY_NAME,
        "language": "en",
        "taxonomy_id": TAXONOMY_ID,
    }


def terms() -> list[dict[str, Any]]:
    return sorted((term(code) for code in _BY_CODE), key=lambda t: t["id"])


# one encoder for every value: json.dumps with options builds a new encoder per call
_ENCODE = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode


def _text(kind: Any, value: Any) -> str:
    if kind in _JSON:
        return _ENCODE(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def attributes(entity: str, owner: str, values: Mapping[str, Any]) -> list[dict[str, Any]]:
    """HSDS attributes (with their terms) for the fields of ``values`` that say something."""
    found = []
    for field, kind in FIELDS[entity].items():
        value = values.get(field)
        if value is None or value == [] or value == {}:
            continue
        t = term(f"{entity}.{field}")
        found.append(
            {
                "id": derived(owner, "attribute", t["id"]),
                "link_id": owner,
                "taxonomy_term_id": t["id"],
                "link_type": LINK_TYPE,
                "link_entity": entity,
                "value": _text(kind, value),
                "taxonomy_term": _with_detail(t["id"]),
            }
        )
    return sorted(found, key=lambda a: a["taxonomy_term_id"])


def complete(entity: str, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` of a row our own export wrote (it has some): a JSON field it leaves out is empty."""
    if not values:
        return values
    empty = {f: kind() for f, kind in FIELDS[entity].items() if kind in _JSON and f != "place"}
    return {**empty, **values}


@cache
def _with_detail(term_id: str) -> dict[str, Any]:
    entity, field = TERM_IDS[term_id]
    return {**term(f"{entity}.{field}"), "taxonomy_detail": taxonomy()}


def decode(entity: str, field: str, text: Any) -> Any:
    """The model's value of one attribute; ValueError saying why when it is not one."""
    kind = FIELDS[entity][field]
    text = "" if text is None else str(text)
    if kind in _JSON:
        try:
            value = json.loads(text)
        except ValueError:
            raise ValueError("is not JSON") from None
        if not isinstance(value, kind):
            raise ValueError(f"is not a JSON {'object' if kind is dict else 'list'}")
        unknown = sorted({str(g) for g in value} - TARGET_GROUPS) if field == "target_groups" else []
        if unknown:  # one vocabulary: a group the matcher cannot label is never stored
            raise ValueError(f"names target groups not in the vocabulary: {', '.join(unknown)}")
        return value
    if kind is int:
        if not text.strip().isdigit():
            raise ValueError("is not a whole number of days")
        return int(text)
    if kind is float:
        number = float(text)
        if not number > 0:
            raise ValueError("must be above 0")
        return number
    if isinstance(kind, tuple) and text not in kind:
        raise ValueError(f"is none of {', '.join(kind)}")
    return text


def place_chain(code: str | None, places: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A place and its ancestors, widest first, as plain objects (the model's Place rows in ``places``)."""
    chain: list[dict[str, Any]] = []
    while code and code in places and len(chain) < 16:
        p = places[code]
        chain.insert(
            0,
            {
                "code": p.code,
                "parent_code": p.parent_code,
                "kind": p.kind,
                "name": p.name,
                "names": p.names or {},
                "aliases": p.aliases or [],
                "latitude": p.latitude,
                "longitude": p.longitude,
                **({"address": p.address} if p.address else {}),
            },
        )
        code = p.parent_code
    return chain


def area_extent(chain: list[dict[str, Any]]) -> str | None:
    """A service area's ``extent``: a GeoJSON Point Feature carrying its place chain."""
    if not chain:
        return None
    leaf = chain[-1]
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [leaf["longitude"], leaf["latitude"]]},
        "properties": {"places": chain},
    }
    return _ENCODE(feature)


def chain_of(extent: Any) -> list[dict[str, Any]]:
    """The place chain an ``extent`` carries ([] when it carries none)."""
    try:
        data = json.loads(extent) if isinstance(extent, str) else extent
    except ValueError:
        return []
    places = data.get("properties", {}).get("places") if isinstance(data, dict) else None
    return valid_chain(places)


def valid_chain(places: Any) -> list[dict[str, Any]]:
    """The places of a chain that a Place row can hold (a broken link ends the chain)."""
    found: list[dict[str, Any]] = []
    for p in places if isinstance(places, list) else []:
        try:
            ok = (
                isinstance(p, dict)
                and isinstance(p.get("code"), str)
                and 0 < len(p["code"]) <= 32
                and p.get("kind") in PLACE_KINDS
                and isinstance(p.get("name"), str)
                and -90 <= float(p["latitude"]) <= 90
                and -180 <= float(p["longitude"]) <= 180
                and p.get("parent_code") == (found[-1]["code"] if found else p.get("parent_code"))
            )
        except (KeyError, TypeError, ValueError):
            ok = False
        if not ok:
            break
        found.append(p)
    return found


def rows_of(chain: Iterable[dict[str, Any]], known: set[str]) -> list[dict[str, Any]]:
    """Place rows for the places of ``chain`` not in ``known`` (parents first)."""
    return [
        {
            "code": p["code"],
            "parent_code": p.get("parent_code") if i else None,
            "kind": p["kind"],
            "name": p["name"][:200],
            "names": p.get("names") if isinstance(p.get("names"), dict) else {},
            "aliases": p.get("aliases") if isinstance(p.get("aliases"), list) else [],
            "address": _address(p.get("address")),
            "latitude": float(p["latitude"]),
            "longitude": float(p["longitude"]),
        }
        for i, p in enumerate(chain)
        if p["code"] not in known
    ]


ADDRESS_KEYS = ("city", "region", "state_province", "postal_code", "country")


def _address(value: Any) -> dict[str, str]:
    """The address parts a carried place fixes (only HSDS address fields, as text)."""
    if not isinstance(value, dict):
        return {}
    return {k: str(v)[:200] for k, v in value.items() if k in ADDRESS_KEYS and isinstance(v, (str, int))}
