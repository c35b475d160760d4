"""The first pass of an HSDS import: everything the writing passes look up, read before they start.

The small tables by parent id (addresses, phones, schedules, languages, cost options, service areas,
contacts…), the taxonomy terms mapped onto needs (``crosswalk``), the attributes (a service's needs,
its restrictions, our own ``referral matching`` values), the service_at_location links, the unmapped
tables (counted only), and a scan of the locations (given coordinates, type and organization), all
into the ``ImportState``. Then ``list_mappings`` writes the report's taxonomy lists. Writes nothing.
"""

from __future__ import annotations

from typing import Any

from referral.hsds import extension, foreign, restrictions, writer
from referral.hsds.crosswalk import Crosswalk, Term
from referral.hsds.fields import Fields
from referral.hsds.gazetteer import PlaceExtender
from referral.hsds.ids import as_uuid
from referral.hsds.state import MAPPED, PARENTS, ImportState, rows

# Read first and kept (compactly) by parent id.
CHILD_TABLES = (
    "address",
    "accessibility",
    "language",
    "phone",
    "schedule",
    "cost_option",
    "service_area",
    "contact",
    "required_document",
)
UNMAPPED_TABLES = ("program", "funding", "metadata", "meta_table_description", "organization_identifier")


def read_input(state: ImportState) -> None:
    """The pass: taxonomy and attributes, child tables, unmapped tables, links, then the location scan."""
    # terms earlier imports added (ext.*) are not a vocabulary to map onto: each import maps the same way
    needs = [
        n for n in writer.needs(state.session) if n.code != foreign.ROOT and not n.code.startswith(foreign.ROOT + ".")
    ]
    settings = state.settings
    crosswalk = Crosswalk(
        needs,
        settings.min_confidence,
        settings.reviewed,
        settings.eligibility_floor,
        writer.risk_categories(state.session),
    )
    _taxonomy(state, crosswalk)
    _attributes(state)
    _children(state)
    for table in UNMAPPED_TABLES:
        for _ in rows(state, table):
            pass
    _links(state)
    _scan_locations(state)
    state.extender = PlaceExtender(state.places, state.coordinates, state.children["address"])


def _children(state: ImportState) -> None:
    for table in CHILD_TABLES:
        for row_id, fields in rows(state, table):
            row = {k: v for k, v in fields.data.items() if k in MAPPED[table]}
            for parent in PARENTS[1:]:
                if fields.data.get(parent) not in (None, ""):
                    state.children[table][as_uuid(str(fields.data[parent]))[0]].append({**row, "id": row_id})
            if table == "cost_option":
                fields.number("amount")


def _scan_locations(state: ImportState) -> None:
    """Given coordinates (the place extender's evidence), type and organization of every location:
    the services pass needs them before the sites pass reads the locations in full."""
    for row_id, fields in rows(state, "location", scan=True):
        lat, lon = _float(fields.data.get("latitude")), _float(fields.data.get("longitude"))
        if lat is not None and lon is not None and -90 <= lat <= 90 and -180 <= lon <= 180:
            state.coordinates[row_id] = (lat, lon)
        kind = fields.text("location_type")
        state.locations[row_id] = (kind.lower() if kind else None, fields.id("organization_id", required=False))


def _taxonomy(state: ImportState, crosswalk: Crosswalk) -> None:
    names = {row_id: fields.text("name") for row_id, fields in rows(state, "taxonomy")}
    for row_id, fields in rows(state, "taxonomy_term"):
        if row_id in extension.TERM_IDS:  # our own matching vocabulary (extension.py): never a need
            continue
        taxonomy_id = fields.id("taxonomy_id", required=False)
        name = fields.text("name") or fields.text("code") or ""
        term = Term(
            row_id,
            name,
            fields.text("code"),
            fields.text("taxonomy") or names.get(taxonomy_id or ""),
            taxonomy_id,
            fields.text("language"),
        )
        state.terms[row_id] = crosswalk.map(term)
        state.term_info[row_id] = (fields.text("language"), fields.text("description"))


def list_mappings(state: ImportState) -> None:
    """The report's taxonomy lists: each term (but those used as restrictions), its need or best candidate."""
    restricting = {t for links in state.restriction_links.values() for t in links}
    for found in sorted(
        (m for t, m in state.terms.items() if t not in restricting),
        key=lambda m: (m.term.taxonomy or "", m.term.name, m.term.id),
    ):
        entry = {
            "term": found.term.name,
            "code": found.term.code,
            "taxonomy": found.term.taxonomy,
            "id": found.term.id,
            "confidence": round(found.confidence, 1),
        }
        if found.method == "new term":
            state.report.listed("unmapped_terms", {**entry, "best": found.best, "added_as": found.need})
        elif found.need:
            state.report.listed("mappings", {**entry, "need": found.need, "method": found.method})
        else:
            state.report.listed("unmapped_terms", {**entry, "best": found.best})


def _attributes(state: ImportState) -> None:
    for _row_id, fields in rows(state, "attribute"):
        term_id = fields.id("taxonomy_term_id", required=False)
        link = fields.id("link_id", required=False)
        entity = (fields.text("link_entity") or "service").lower()
        link_type = (fields.text("link_type") or "").lower()
        if not term_id or not link:
            continue
        if term_id in extension.TERM_IDS:
            _matching(state, term_id, link, fields)
        elif term_id not in state.terms:
            fields.note("taxonomy_term_id", "names no taxonomy term in the input; ignored")
        elif entity == "service" and (link_type in restrictions.RESTRICTING_LINKS or situation(state, term_id)):
            state.restriction_links[link].append(term_id)
        elif entity == "service":
            state.term_links[link].append(term_id)
        else:
            state.report.not_mapped[f"attribute on {entity} (taxonomy terms of services only)"] += 1


def _matching(state: ImportState, term_id: str, link: str, fields: Fields) -> None:
    """An attribute of our ``referral matching`` taxonomy: the value of one model field."""
    entity, field = extension.TERM_IDS[term_id]
    try:
        state.matching[(entity, link)][field] = extension.decode(entity, field, fields.data.get("value"))
    except ValueError as error:
        fields.note("value", f"referral matching {entity}.{field} {error}; ignored")


def situation(state: ImportState, term_id: str) -> bool:
    """Whether a term restricts whatever its link type: an Open Eligibility situation, or ours."""
    term = state.terms[term_id].term
    vocabulary = (term.taxonomy or "").lower()
    if term.taxonomy_id != restrictions.ELIGIBILITY_ID and not any(
        word in vocabulary for word in ("eligibility", "situation", "audience")
    ):
        return False
    return bool(restrictions.of_term(term.id, term.name, term.code, phrases=False))


def _links(state: ImportState) -> None:
    for row_id, fields in rows(state, "service_at_location"):
        service_id = fields.id("service_id")
        location_id = fields.id("location_id")
        if service_id and location_id:
            state.links.append((fields.where, row_id, service_id, location_id))


def _float(value: Any) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
