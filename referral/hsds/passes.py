"""The writing passes of an import: organizations, services, locations (sites), then the links.

Each pass streams its table, maps each row through ``Fields`` and ``mapping``, and writes batches
with ``writer.upsert``. Rows with a problem are not written (and the transaction is rolled back at
the end anyway). See ``importer`` for the order and the transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from referral.geocoding import GazetteerGeocoder, GazetteerPlace, Geocoder
from referral.hsds import extension, foreign, mapping, restrictions, writer
from referral.hsds.audit import Recorder
from referral.hsds.card import card_values
from referral.hsds.crosswalk import Crosswalk, TermMapping, needs_of_service
from referral.hsds.fields import Fields
from referral.hsds.gazetteer import PlaceExtender
from referral.hsds.importer import Reader, Settings
from referral.hsds.openeligibility import Restriction
from referral.hsds.report import ImportReport, Where
from referral.hsds.sources import Source
from referral.matching.gazetteer import Gazetteer
from referral.matching.types import Place as CorePlace
from referral.models import NeedTerm, Organization, Place, Service, ServiceArea, ServiceAtLocation, ServiceNeed
from referral.reference_data import upsert_terms


class _GazetteerIndex:
    """What ``place_for_point`` reads of a DirectoryIndex: only its gazetteer."""

    def __init__(self, gazetteer: Gazetteer):
        self.gazetteer = gazetteer


class Passes:
    def __init__(self, session: Session, source: Source, report: ImportReport, settings: Settings,
                 geocoder: Callable[[], Geocoder], progress: Callable[[int], None], recorder: Recorder | None = None):
        self.session, self.source, self.report, self.settings = session, source, report, settings
        self.progress, self.recorder = progress, recorder or Recorder(session, None)
        self._geocoder_factory, self._geocoder = geocoder, cast(Geocoder | None, None)
        places = writer.places(session)
        self._places = list(places)
        self.places = GazetteerGeocoder(places)
        core = [CorePlace(p.code, None, "town", p.names[0], {}, p.latitude, p.longitude) for p in places]
        self.gazetteer = _GazetteerIndex(Gazetteer(core)) if core else None
        self.reader = Reader(session, source, report, settings)
        self.organizations: set[str] = set()
        self.service_org: dict[str, str] = {}
        self.site_org: dict[str, str] = {}
        self.batch: list[dict[str, Any]] = []
        self.own_codes: dict[str, str] = {}  # fuzzily mapped term id -> its own ext.* need code

    def run(self) -> None:
        # terms earlier imports added (ext.*) are not a vocabulary to map onto: each import maps the same way
        needs = [n for n in writer.needs(self.session) if n.code != foreign.ROOT and not n.code.startswith(foreign.ROOT + ".")]
        crosswalk = Crosswalk(needs, self.settings.min_confidence, self.settings.reviewed,
                              self.settings.eligibility_floor, writer.risk_categories(self.session))
        self.reader.read(crosswalk)
        self.extender = PlaceExtender(self)
        self._foreign_terms()
        self.reader.list_mappings()
        self._organizations()
        self._services()
        self._locations()
        self._schools()
        self._links()

    def _flush(self, model: type, rows: list[dict[str, Any]], force: bool = False) -> list[dict[str, Any]]:
        if rows and (force or len(rows) >= self.settings.batch_size):
            self.recorder.rows(model, [r["id"] for r in rows],
                               lambda: writer.upsert(self.session, cast(Any, model).__table__, rows))
            if model is not Service:  # a service's event waits for its links (_write_services)
                self.recorder.flush()
            self.progress(len(rows))
            return []
        return rows

    def add_place(self, code: str, name: str, lat: float, lon: float) -> None:
        """A place added during this import: known to area lookups and to sites' place lookups."""
        self._places.append(GazetteerPlace(code, (name,), lat, lon))
        self.places = GazetteerGeocoder(self._places)
        core = [CorePlace(p.code, None, "town", p.names[0], {}, p.latitude, p.longitude) for p in self._places]
        self.gazetteer = _GazetteerIndex(Gazetteer(core))

    def ensure_places(self, chain: list[dict[str, Any]]) -> str | None:
        """The code of the last place of a chain the input carries (extension.py), adding the missing ones."""
        known = {p.code for p in self._places}
        for row in extension.rows_of(chain, known):
            if self.session.get(Place, row["code"]) is None:
                self.session.add(Place(**row))
                self.session.flush()
                self.report.listed("places_added", {"code": row["code"], "name": row["name"],
                                                    "latitude": row["latitude"], "longitude": row["longitude"],
                                                    "why": "carried by the input (referral matching)"})
            self.add_place(row["code"], row["name"], row["latitude"], row["longitude"])
        return chain[-1]["code"] if chain else None

    def matching(self, entity: str, row_id: str) -> dict[str, Any]:
        """The values our ``referral matching`` attributes give this row (extension.py); {} when none."""
        return extension.complete(entity, dict(self.reader.matching.get((entity, row_id), {})))

    def _schools(self) -> None:
        """serves_school once the sites exist (it references one)."""
        pending = {i: v for (e, i), m in self.reader.matching.items() if e == "service" and i in self.service_org
                   for v in [m.get("serves_school")] if v}
        for service_id, site_id in sorted(pending.items()):
            if site_id in self.site_org:
                self.session.execute(update(Service).where(Service.id == service_id)  # keeps last_modified
                                     .values(serves_school=site_id, updated_at=Service.updated_at))
            else:
                self.report.note(Where(self.source.name), f"service {service_id}: the school site {site_id} it serves "
                                 "is not in the input; not kept")

    def _foreign_terms(self) -> None:
        """Unmapped terms that services use as needs become need terms of their own taxonomy (foreign.py)."""
        used = sorted({t for links in self.reader.term_links.values() for t in links})
        unmapped = [t for t in used if self.reader.terms[t].need is None]
        # a fuzzy mapping is a guess: the publisher's own term stays reachable beside it
        guessed = [t for t in used if self.reader.terms[t].method in ("fuzzy", "airs_prefix", "risk")]
        if not unmapped and not guessed:
            return
        found = [(self.reader.terms[t].term, *self.reader.term_info.get(t, (None, None))) for t in unmapped + guessed]
        new = foreign.need_terms(found)
        existing = {n.code for n in writer.needs(self.session)}
        start = self.session.scalar(select(func.coalesce(func.max(NeedTerm.position), 0))) + 1
        upsert_terms(self.session, [t for t in new if t["code"] not in existing], start)
        for t in unmapped + guessed:
            mapping = self.reader.terms[t]
            code = foreign.term_code(mapping.term)
            if t in guessed:
                self.own_codes[t] = code
            else:
                self.reader.terms[t] = TermMapping(mapping.term, code, "new term", mapping.confidence, mapping.best)
            if code not in existing:
                existing.add(code)
                self.report.listed("new_terms", {"code": code, "term": mapping.term.name,
                                                 "taxonomy": mapping.term.taxonomy, "id": mapping.term.id})
                self.report.counts["need terms added from the input's own taxonomies"] += 1

    # organizations -----------------------------------------------------------------------------

    def _organizations(self) -> None:
        rows: list[dict[str, Any]] = []
        for row_id, f in self.reader.rows("organization"):
            values = self._organization(row_id, f)
            if not f.failed:
                rows = self._flush(Organization, rows + [values])
                self.organizations.add(row_id)
        self._flush(Organization, rows, force=True)
        self.report.counts["organizations"] = len(self.organizations)

    def _organization(self, row_id: str, f: Fields) -> dict[str, Any]:
        phones = self.reader.children["phone"].get(row_id, [])
        contacts = self.reader.children["contact"].get(row_id, [])
        email = f.text("email", 320) or next((c["email"] for c in contacts if c.get("email")), None)
        if len(phones) > 1:
            self.report.not_mapped["organization phones beyond the first"] += len(phones) - 1
        return {"id": row_id, "name": f.text("name", 300, required=True), "description": f.text("description"),
                "email": email, "website": f.text("website", 500),
                "phone": _first_phone(phones), "kind": "other", "status": "active", "names": {},
                "descriptions": {}, "created_at": writer.now(), "updated_at": writer.now(), "version": 1,
                **self.matching("organization", row_id)}

    # services ----------------------------------------------------------------------------------

    def _services(self) -> None:
        rows: list[dict[str, Any]] = []
        links: dict[str, list[dict[str, Any]]] = {"need": [], "area": []}
        for row_id, f in self.reader.rows("service"):
            values = self._service(row_id, f)
            if f.failed:
                continue
            self.service_org[row_id] = values["organization_id"]
            links["need"] += [{"service_id": row_id, "need_code": c} for c in values.pop("_needs")]
            links["area"] += [{"service_id": row_id, "place_code": c} for c in values.pop("_areas")]
            rows.append(values)
            if len(rows) >= self.settings.batch_size:
                rows = self._write_services(rows, links)
        self._write_services(rows, links)
        self.report.counts["services"] = len(self.service_org)

    def _write_services(self, rows: list[dict[str, Any]], links: dict[str, list]) -> list[dict[str, Any]]:
        ids = [r["id"] for r in rows]
        stored = writer.existing(self.session, Service, ids)
        moved = [r["id"] for r in rows if stored.get(r["id"], r["organization_id"]) != r["organization_id"]]
        if moved:  # its site links name the old organization (a composite key): gone before the move
            self.recorder.detach(ServiceAtLocation, moved, lambda: writer.replace_links(
                self.session, ServiceAtLocation, moved, []))
        self._flush(Service, rows, force=True)
        for model, key in ((ServiceNeed, "need"), (ServiceArea, "area")):
            self.recorder.links(model, ids, lambda model=model, key=key: writer.replace_links(
                self.session, model, ids, links[key]))
        self.recorder.flush()
        links["need"], links["area"] = [], []
        return []

    def _service(self, row_id: str, f: Fields) -> dict[str, Any]:
        organization_id = f.id("organization_id", required=True)
        if organization_id and organization_id not in self.organizations and not self._stored_org(organization_id):
            f.problem("organization_id", f"no organization with id {f.data.get('organization_id')!r} "
                                         "in the input or the directory")
        low, high = f.number("minimum_age", 0, 120), f.number("maximum_age", 0, 120)
        if low is not None and high is not None and low > high:
            f.problem("maximum_age", f"{high:g} is below minimum_age {low:g}")
        status = f.choice("status", ("active", "inactive", "defunct", "temporarily closed"), "active")
        fees = f.text("fees_description") or f.text("fees")
        cost, cost_text, known = mapping.cost(self.reader.children["cost_option"].get(row_id, []), fees)
        if not known:
            self.report.counts["services without cost information (shown as a fee of unknown amount)"] += 1
        needs = self._needs(row_id, f)
        exact = self.matching("service", row_id)  # our own export: restrictions as written, nothing inferred
        rules = Restriction(frozenset(), frozenset(), low, high) if exact else self._restrictions(row_id, f, low, high)
        areas, area_names = self._areas(row_id, f)
        card, reasons = card_values(row_id, f.data, self.reader.children)
        for reason in reasons:
            f.note("schedules", reason)
        updated = f.moment("last_modified") or writer.now()
        return {"id": row_id, "organization_id": organization_id, "name": f.text("name", 300, required=True),
                "description": f.text("description"), "minimum_age": rules.minimum_age,
                "maximum_age": rules.maximum_age, "eligibility_description": f.text("eligibility_description"),
                "status": mapping.status(status), "verified_at": f.day("assured_date"),
                "cost": cost, "cost_text": (cost_text or "")[:500] or None,
                "languages": [], "delivered_languages": self._languages(row_id), "modes": self._modes(row_id),
                "names": {}, "descriptions": {}, "genders": sorted(rules.genders),
                "target_groups": sorted(rules.groups), "capacity": "accepting",
                "wait_days": None, "intensity": "support", "area_radius_km": None,
                "created_at": writer.now(), "updated_at": updated, "version": 1,
                "_needs": needs, "_areas": areas, "area_names": area_names, **card,
                **_service_matching(exact)}

    def _restrictions(self, row_id: str, f: Fields, low: float | None, high: float | None) -> Restriction:
        """Genders, groups and ages: eligibility attributes first, then eligibility_description (each inference listed)."""
        terms = self.reader.restriction_links.get(row_id, [])
        found = [self.reader.restriction(t) for t in terms]
        for t, rule in zip(terms, found):
            if not rule:
                self.report.note(f.where.at("attributes"), f"eligibility term {self.reader.terms[t].term.name!r} "
                                 "states no gender, group or age we know; not used as a restriction (nor as a need)")
        rules = restrictions.combine(*(r for r in found if r))
        rules = Restriction(rules.genders, rules.groups, low if low is not None else rules.minimum_age,
                            high if high is not None else rules.maximum_age)
        rules, said = restrictions.read_description(f.text("eligibility_description"), rules)
        for inference in said:
            self.report.listed("inferences", {"service": row_id, "name": f.data.get("name"), **f.where.as_dict(),
                                              "inferred": inference, "from": "eligibility_description"})
        if rules.minimum_age is not None and rules.maximum_age is not None and rules.minimum_age > rules.maximum_age:
            f.note("eligibility_description", "ages read from it contradict the given ages; ages left open")
            rules = Restriction(rules.genders, rules.groups, low, high)
        return rules

    def _stored_org(self, organization_id: str) -> bool:
        if organization_id not in self.organizations:
            if writer.existing(self.session, Organization, [organization_id]):
                self.organizations.add(organization_id)
        return organization_id in self.organizations

    def _needs(self, row_id: str, f: Fields) -> list[str]:
        links = self.reader.term_links.get(row_id, [])
        mappings = [self.reader.terms[t] for t in links]
        codes = sorted(set(needs_of_service(mappings)) | {self.own_codes[t] for t in links if t in self.own_codes})
        if not codes and not f.failed:  # a record set aside is not imported at all
            self.report.listed("not_matchable", {"service": row_id, "name": f.data.get("name"),
                                                 **f.where.as_dict(),
                                                 "terms": sorted(m.term.name for m in mappings)})
        return codes

    def _languages(self, owner: str) -> list[str]:
        tags: dict[str, None] = {}  # in the order given
        for row in self.reader.children["language"].get(owner, []):
            tag = mapping.language_tag(row.get("code"), row.get("name"))
            if tag:
                tags[tag] = None
            else:
                self.report.not_mapped[f"language {row.get('code') or row.get('name')!r} (unknown tag)"] += 1
        return list(tags)

    def _modes(self, service_id: str) -> list[str]:
        kinds = {self.reader.locations.get(loc, (None, None))[0] or "physical"
                 for _, _, s, loc in self._links_of(service_id)}
        modes = ["in_person"] if "physical" in kinds else []
        if "virtual" in kinds or not modes:
            modes.append("remote")
        return modes

    def _links_of(self, service_id: str) -> list[tuple]:
        if not hasattr(self, "_by_service"):
            self._by_service: dict[str, list[tuple]] = {}
            for link in self.reader.links:
                self._by_service.setdefault(link[2], []).append(link)
        return self._by_service.get(service_id, [])

    def _areas(self, row_id: str, f: Fields) -> tuple[list[str], list[str]]:
        """Gazetteer places of the service areas, and the names that match none (kept by name)."""
        codes, names = set(), set()
        for area in self.reader.children["service_area"].get(row_id, []):
            uri, name = str(area.get("uri") or ""), str(area.get("name") or "")
            code = uri[len(mapping.PLACE_URN):] if uri.startswith(mapping.PLACE_URN) else None
            chain = extension.chain_of(area.get("extent")) if code and not self.places.has(code) else []
            if chain and chain[-1]["code"] == code:
                self.ensure_places(chain)
            code = code if code and self.places.has(code) else self.places.find(name)
            code = code or self.extender.known(name) or (self.extender.place_for(name, area.get("extent")) if name else None)
            if code:
                codes.add(code)
            else:
                if name:
                    names.add(name[:200])
                self.report.note(f.where.at("service_areas"), f"service area {name[:80]!r} matches no gazetteer "
                                 "place, and nothing in the input locates it: kept by name, it takes effect when the "
                                 "gazetteer has a place of that name (until then the service serves everyone within "
                                 "reach of its sites)")
        return sorted(codes), sorted(names)

    # locations and links -------------------------------------------------------------------------

    def _locations(self) -> None:
        from referral.hsds.sites import SiteMapper

        SiteMapper(self).run()

    def _links(self) -> None:
        from referral.hsds.sites import write_links

        write_links(self)


def _service_matching(values: dict[str, Any]) -> dict[str, Any]:
    """Model values from a service's matching attributes: a wait only on a waitlist; the school comes later."""
    values.pop("serves_school", None)
    if values.get("capacity", "accepting") != "waitlist":
        values.pop("wait_days", None)
    return values


def _first_phone(phones: list[dict[str, Any]]) -> str | None:
    numbers = [str(p["number"]).strip().strip('"') for p in phones if p.get("number")]
    return numbers[0][:64] if numbers else None
