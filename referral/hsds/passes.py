"""The writing passes of an import for organizations and services, and the two that finish them:
the input's own taxonomy terms (before) and the schools services serve (after the sites).

Each pass is a plain function of the ``ImportState``: it streams its table, maps each row through
``Fields`` and ``mapping``, and writes batches with ``writer.upsert`` (``state.flush``). Rows with a
problem are not written (and the transaction is rolled back at the end anyway). The sites and the
links are ``sites.py``; the order and the transaction are ``importer``'s.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update

from referral.hsds import extension, foreign, mapping, restrictions, writer
from referral.hsds.card import card_values
from referral.hsds.crosswalk import TermMapping, needs_of_service
from referral.hsds.fields import Fields
from referral.hsds.openeligibility import Restriction
from referral.hsds.report import Where
from referral.hsds.state import (
    ImportState,
    Link,
    ensure_places,
    first_phone,
    flush,
    languages,
    matching,
    rows,
    stored_org,
)
from referral.models import NeedTerm, Organization, Service, ServiceArea, ServiceAtLocation, ServiceNeed
from referral.reference_data import upsert_terms


def write_foreign_terms(state: ImportState) -> None:
    """Unmapped terms that services use as needs become need terms of their own taxonomy (foreign.py)."""
    used = sorted({t for links in state.term_links.values() for t in links})
    unmapped = [t for t in used if state.terms[t].need is None]
    # a fuzzy mapping is a guess: the publisher's own term stays reachable beside it
    guessed = [t for t in used if state.terms[t].method in ("fuzzy", "airs_prefix", "risk")]
    if not unmapped and not guessed:
        return
    found = [(state.terms[t].term, *state.term_info.get(t, (None, None))) for t in unmapped + guessed]
    new = foreign.need_terms(found)
    existing = {n.code for n in writer.needs(state.session)}
    start = state.session.scalar(select(func.coalesce(func.max(NeedTerm.position), 0))) + 1
    upsert_terms(state.session, [t for t in new if t["code"] not in existing], start)
    for t in unmapped + guessed:
        term_mapping = state.terms[t]
        code = foreign.term_code(term_mapping.term)
        if t in guessed:
            state.own_codes[t] = code
        else:
            state.terms[t] = TermMapping(
                term_mapping.term, code, "new term", term_mapping.confidence, term_mapping.best
            )
        if code not in existing:
            existing.add(code)
            state.report.listed(
                "new_terms",
                {
                    "code": code,
                    "term": term_mapping.term.name,
                    "taxonomy": term_mapping.term.taxonomy,
                    "id": term_mapping.term.id,
                },
            )
            state.report.counts["need terms added from the input's own taxonomies"] += 1


# organizations ---------------------------------------------------------------------------------


def write_organizations(state: ImportState) -> None:
    """HSDS organization → Organization."""
    batch: list[dict[str, Any]] = []
    for row_id, f in rows(state, "organization"):
        values = _organization(state, row_id, f)
        if not f.failed:
            batch = flush(state, Organization, batch + [values])
            state.organizations.add(row_id)
    flush(state, Organization, batch, force=True)
    state.report.counts["organizations"] = len(state.organizations)


def _organization(state: ImportState, row_id: str, f: Fields) -> dict[str, Any]:
    phones = state.children["phone"].get(row_id, [])
    contacts = state.children["contact"].get(row_id, [])
    email = f.text("email", 320) or next((c["email"] for c in contacts if c.get("email")), None)
    if len(phones) > 1:
        state.report.not_mapped["organization phones beyond the first"] += len(phones) - 1
    return {
        "id": row_id,
        "name": f.text("name", 300, required=True),
        "description": f.text("description"),
        "email": email,
        "website": f.text("website", 500),
        "phone": first_phone(phones),
        "kind": "other",
        "status": "active",
        "names": {},
        "descriptions": {},
        "created_at": writer.now(),
        "updated_at": writer.now(),
        "version": 1,
        **matching(state, "organization", row_id),
    }


# services --------------------------------------------------------------------------------------


def write_services(state: ImportState) -> None:
    """HSDS service → Service, with its needs and areas (ServiceNeed, ServiceArea)."""
    by_service: dict[str, list[Link]] = {}
    for link in state.links:
        by_service.setdefault(link[2], []).append(link)
    batch: list[dict[str, Any]] = []
    links: dict[str, list[dict[str, Any]]] = {"need": [], "area": []}
    for row_id, f in rows(state, "service"):
        values = _service(state, row_id, f, by_service.get(row_id, []))
        if f.failed:
            continue
        state.service_org[row_id] = values["organization_id"]
        links["need"] += [{"service_id": row_id, "need_code": c} for c in values.pop("_needs")]
        links["area"] += [{"service_id": row_id, "place_code": c} for c in values.pop("_areas")]
        batch.append(values)
        if len(batch) >= state.settings.batch_size:
            batch = _write_services(state, batch, links)
    _write_services(state, batch, links)
    state.report.counts["services"] = len(state.service_org)


def _write_services(state: ImportState, batch: list[dict[str, Any]], links: dict[str, list]) -> list[dict[str, Any]]:
    session, recorder = state.session, state.recorder
    ids = [r["id"] for r in batch]
    stored = writer.existing(session, Service, ids)
    moved = [r["id"] for r in batch if stored.get(r["id"], r["organization_id"]) != r["organization_id"]]
    if moved:  # its site links name the old organization (a composite key): gone before the move
        recorder.detach(ServiceAtLocation, moved, lambda: writer.replace_links(session, ServiceAtLocation, moved, []))
    flush(state, Service, batch, force=True)
    for model, key in ((ServiceNeed, "need"), (ServiceArea, "area")):
        recorder.links(model, ids, lambda model=model, key=key: writer.replace_links(session, model, ids, links[key]))
        state.wrote(model, len(links[key]))
    recorder.flush()
    links["need"], links["area"] = [], []
    return []


def _service(state: ImportState, row_id: str, f: Fields, links: list[Link]) -> dict[str, Any]:
    organization_id = f.id("organization_id", required=True)
    if organization_id and organization_id not in state.organizations and not stored_org(state, organization_id):
        f.problem(
            "organization_id",
            f"no organization with id {f.data.get('organization_id')!r} in the input or the directory",
        )
    low, high = f.number("minimum_age", 0, 120), f.number("maximum_age", 0, 120)
    if low is not None and high is not None and low > high:
        f.problem("maximum_age", f"{high:g} is below minimum_age {low:g}")
    status = f.choice("status", ("active", "inactive", "defunct", "temporarily closed"), "active")
    fees = f.text("fees_description") or f.text("fees")
    cost, cost_text, known = mapping.cost(state.children["cost_option"].get(row_id, []), fees)
    if not known:
        state.report.counts["services without cost information (shown as a fee of unknown amount)"] += 1
    needs = _needs(state, row_id, f)
    exact = matching(state, "service", row_id)  # our own export: restrictions as written, nothing inferred
    rules = Restriction(frozenset(), frozenset(), low, high) if exact else _restrictions(state, row_id, f, low, high)
    areas, area_names = _areas(state, row_id, f)
    card, reasons = card_values(row_id, f.data, state.children)
    for reason in reasons:
        f.note("schedules", reason)
    updated = f.moment("last_modified") or writer.now()
    return {
        "id": row_id,
        "organization_id": organization_id,
        "name": f.text("name", 300, required=True),
        "description": f.text("description"),
        "minimum_age": rules.minimum_age,
        "maximum_age": rules.maximum_age,
        "eligibility_description": f.text("eligibility_description"),
        "status": mapping.status(status),
        "verified_at": f.day("assured_date"),
        "cost": cost,
        "cost_text": (cost_text or "")[:500] or None,
        "languages": [],
        "delivered_languages": languages(state, row_id),
        "modes": _modes(state, links),
        "names": {},
        "descriptions": {},
        "genders": sorted(rules.genders),
        "target_groups": sorted(rules.groups),
        "capacity": "accepting",
        "wait_days": None,
        "intensity": "support",
        "area_radius_km": None,
        "created_at": writer.now(),
        "updated_at": updated,
        "version": 1,
        "_needs": needs,
        "_areas": areas,
        "area_names": area_names,
        **card,
        **_service_matching(exact),
    }


def _restrictions(state: ImportState, row_id: str, f: Fields, low: float | None, high: float | None) -> Restriction:
    """Genders, groups and ages: eligibility attributes first, then eligibility_description (each inference listed)."""
    terms = state.restriction_links.get(row_id, [])
    found = [_restriction(state, t) for t in terms]
    for t, rule in zip(terms, found, strict=True):
        if not rule:
            state.report.note(
                f.where.at("attributes"),
                f"eligibility term {state.terms[t].term.name!r} "
                "states no gender, group or age we know; not used as a restriction (nor as a need)",
            )
    rules = restrictions.combine(*(r for r in found if r))
    rules = Restriction(
        rules.genders,
        rules.groups,
        low if low is not None else rules.minimum_age,
        high if high is not None else rules.maximum_age,
    )
    rules, said = restrictions.read_description(f.text("eligibility_description"), rules)
    for inference in said:
        state.report.listed(
            "inferences",
            {
                "service": row_id,
                "name": f.data.get("name"),
                **f.where.as_dict(),
                "inferred": inference,
                "from": "eligibility_description",
            },
        )
    if rules.minimum_age is not None and rules.maximum_age is not None and rules.minimum_age > rules.maximum_age:
        f.note("eligibility_description", "ages read from it contradict the given ages; ages left open")
        rules = Restriction(rules.genders, rules.groups, low, high)
    return rules


def _restriction(state: ImportState, term_id: str) -> Restriction:
    term = state.terms[term_id].term
    return restrictions.of_term(term.id, term.name, term.code)


def _needs(state: ImportState, row_id: str, f: Fields) -> list[str]:
    links = state.term_links.get(row_id, [])
    mappings = [state.terms[t] for t in links]
    codes = sorted(set(needs_of_service(mappings)) | {state.own_codes[t] for t in links if t in state.own_codes})
    if not codes and not f.failed:  # a record set aside is not imported at all
        state.report.listed(
            "not_matchable",
            {
                "service": row_id,
                "name": f.data.get("name"),
                **f.where.as_dict(),
                "terms": sorted(m.term.name for m in mappings),
            },
        )
    return codes


def _modes(state: ImportState, links: list[Link]) -> list[str]:
    kinds = {state.locations.get(loc, (None, None))[0] or "physical" for _, _, _, loc in links}
    modes = ["in_person"] if "physical" in kinds else []
    if "virtual" in kinds or not modes:
        modes.append("remote")
    return modes


def _areas(state: ImportState, row_id: str, f: Fields) -> tuple[list[str], list[str]]:
    """Gazetteer places of the service areas, and the names that match none (kept by name)."""
    places, extender = state.places, state.extender
    assert extender is not None, "the first pass (reading.read_input) scans the locations first"
    codes, names = set(), set()
    for area in state.children["service_area"].get(row_id, []):
        uri, name = str(area.get("uri") or ""), str(area.get("name") or "")
        code = uri[len(mapping.PLACE_URN) :] if uri.startswith(mapping.PLACE_URN) else None
        chain = extension.chain_of(area.get("extent")) if code and not places.has(code) else []
        if chain and chain[-1]["code"] == code:
            ensure_places(state, chain)
        code = code if code and places.has(code) else places.find(name)
        code = (
            code
            or extender.known(name)
            or (extender.place_for(state.session, state.report, name, area.get("extent")) if name else None)
        )
        if code:
            codes.add(code)
        else:
            if name:
                names.add(name[:200])
            state.report.note(
                f.where.at("service_areas"),
                f"service area {name[:80]!r} matches no gazetteer "
                "place, and nothing in the input locates it: kept by name, it takes effect when the "
                "gazetteer has a place of that name (until then the service serves everyone within "
                "reach of its sites)",
            )
    return sorted(codes), sorted(names)


def write_schools(state: ImportState) -> None:
    """serves_school once the sites exist (it references one)."""
    pending = {
        i: v
        for (e, i), m in state.matching.items()
        if e == "service" and i in state.service_org
        for v in [m.get("serves_school")]
        if v
    }
    for service_id, site_id in sorted(pending.items()):
        if site_id in state.site_org:
            state.session.execute(
                update(Service)
                .where(Service.id == service_id)  # keeps last_modified
                .values(serves_school=site_id, updated_at=Service.updated_at)
            )
        else:
            state.report.note(
                Where(state.source.name),
                f"service {service_id}: the school site {site_id} it serves is not in the input; not kept",
            )


def _service_matching(values: dict[str, Any]) -> dict[str, Any]:
    """Model values from a service's matching attributes: a wait only on a waitlist; the school comes later."""
    values.pop("serves_school", None)
    if values.get("capacity", "accepting") != "waitlist":
        values.pop("wait_days", None)
    return values
