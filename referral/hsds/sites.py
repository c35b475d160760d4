"""The location pass of an import (HSDS location → Site) and the service_at_location links.

Only physical locations become sites; virtual and postal ones make the services offered there
remote. A site needs coordinates: missing or impossible ones are geocoded from the address through
the configured geocoder, and a location that cannot be placed is listed, not fatal (its links are
skipped). The site's gazetteer place is the finest place within ``place_max_km``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from referral.hsds import extension, mapping, writer
from referral.hsds.fields import Fields
from referral.matching.places import place_for_point
from referral.models import Service, ServiceAtLocation, Site

if TYPE_CHECKING:
    from referral.hsds.passes import Passes


class SiteMapper:
    def __init__(self, passes: Passes):
        self.p = passes
        self.children = passes.reader.children

    def run(self) -> None:
        rows: list[dict[str, Any]] = []
        for row_id, f in self.p.reader.rows("location"):
            kind = f.choice("location_type", ("physical", "postal", "virtual"), "physical")
            organization_id = self._organization(row_id, f)
            if f.failed or kind != "physical":
                continue
            values = self._site(row_id, f, organization_id)
            if values is not None and not f.failed:
                self.p.site_org[row_id] = organization_id
                rows = self.p._flush(Site, rows + [values])
        self.p._flush(Site, rows, force=True)
        self.p.report.counts["sites"] = len(self.p.site_org)

    def _organization(self, row_id: str, f: Fields) -> str | None:
        """The location's organization; when missing or unknown, that of the services offered there."""
        given = f.id("organization_id", required=False)
        if given and (given in self.p.organizations or self.p._stored_org(given)):
            return given
        owners = {self.p.service_org.get(s) for _, _, s, loc in self.p.reader.links if loc == row_id}
        owners.discard(None)
        if len(owners) == 1:
            owner = owners.pop()
            f.note("organization_id", ("missing" if not given else f"names no known organization ({given})")
                   + f"; taken from the services offered here: {owner}")
            return owner
        f.problem("organization_id", "missing or unknown, and the services offered here do not name one "
                                     "organization")
        return None

    def _site(self, row_id: str, f: Fields, organization_id: str | None) -> dict[str, Any] | None:
        extra = self.p.matching("location", row_id)
        chain = extension.valid_chain(extra.pop("place", []))
        # with a place chain (our export), city, province, postal code and country are the place's
        address, parts = mapping.address_line(self.children["address"].get(row_id, []), street_only=bool(chain))
        lat, lon = self._coordinates(row_id, f, parts)
        if lat is None or lon is None:
            return None
        place = None
        if chain:
            place = self.p.ensure_places(chain)
        elif self.p.gazetteer is not None:
            found = place_for_point(self.p.gazetteer, lat, lon, self.p.settings.place_max_km)  # type: ignore[arg-type]
            place = found.code if found else None
        name = f.text("name", 300) or (address or "")[:300] or "Location"
        if not f.data.get("name"):
            f.note("name", f"missing; the site is called {name!r}")
        phones = self.children["phone"].get(row_id, [])
        return {"id": row_id, "organization_id": organization_id, "name": name, "names": {}, "kind": "other",
                "address": (address or "")[:500] or None, "place_code": place, "latitude": lat, "longitude": lon,
                "phone": _first(phones), "opening_hours": self._hours(row_id, f),
                "languages": self.p._languages(row_id), "accessibility": self._accessibility(row_id),
                "status": "active", "created_at": writer.now(), "updated_at": writer.now(), "version": 1, **extra}

    def _coordinates(self, row_id: str, f: Fields, parts: list[str]) -> tuple[float | None, float | None]:
        lat, lon = f.number("latitude"), f.number("longitude")
        if lat is not None and lon is not None and -90 <= lat <= 90 and -180 <= lon <= 180:
            return lat, lon
        if lat is not None or lon is not None:
            f.note("latitude", f"impossible coordinates ({lat}, {lon}); geocoding the address instead")
        if self.p._geocoder is None:
            self.p._geocoder = self.p._geocoder_factory()
        found = self.p._geocoder.geocode(parts) if parts else None
        entry = {"location": row_id, "name": f.data.get("name"), **f.where.as_dict()}
        if found is None or not found.ok:
            reason = found.reason if found else "no coordinates and no address"
            self.p.report.listed("geocoding_failed", {**entry, "query": ", ".join(parts), "reason": reason})
            return None, None
        self.p.report.listed("geocoded", {**entry, "query": found.query, "latitude": found.latitude,
                                          "longitude": found.longitude, "matched": found.matched,
                                          "geocoder": self.p._geocoder.name})
        return found.latitude, found.longitude

    def _hours(self, row_id: str, f: Fields) -> list[dict[str, str]]:
        hours: list[dict[str, str]] = []
        for schedule in self.children["schedule"].get(row_id, []):
            found, reason = mapping.opening_hours(schedule)
            if reason:
                f.note("schedules", f"schedule {schedule['id']} not kept as opening hours: {reason}")
            hours += found
        return mapping.sort_hours(hours)

    def _accessibility(self, row_id: str) -> str | None:
        texts = [" — ".join(str(a[k]).strip() for k in ("description", "details") if a.get(k))
                 for a in self.children["accessibility"].get(row_id, [])]
        return "; ".join(t for t in texts if t) or None


def _first(phones: list[dict[str, Any]]) -> str | None:
    numbers = [str(p["number"]).strip().strip('"') for p in phones if p.get("number")]
    return numbers[0][:64] if numbers else None


def _relink(p: Passes, touched: list[str], rows: list[dict[str, Any]]) -> None:
    writer.replace_links(p.session, ServiceAtLocation, touched, [])
    writer.delete_ids(p.session, ServiceAtLocation, [r["id"] for r in rows])
    if rows:
        writer.upsert(p.session, ServiceAtLocation.__table__, rows)


def write_links(p: Passes) -> None:
    """service_at_location rows whose service and site are both here and of one organization."""
    sites = dict(p.site_org)
    wanted_sites = {loc for _, _, _, loc in p.reader.links if loc not in sites and loc not in p.reader.locations}
    sites.update(writer.existing(p.session, Site, wanted_sites))
    services = dict(p.service_org)
    services.update(writer.existing(p.session, Service, {s for _, _, s, _ in p.reader.links} - set(services)))
    rows, seen = [], set()
    for where, link_id, service_id, location_id in p.reader.links:
        if service_id not in services:
            p.report.problem(where.at("service_id"), f"no service with id {service_id} in the input or the directory")
        elif location_id not in sites and location_id not in p.reader.locations:
            p.report.problem(where.at("location_id"), f"no location with id {location_id} in the input or the directory")
        elif location_id not in sites:
            kind = (p.reader.locations[location_id][0] or "physical")
            if kind == "physical":
                p.report.note(where.at("location_id"), "not linked: the location could not be imported as a site")
        elif services[service_id] != sites[location_id]:
            p.report.problem(where, f"links service {service_id} (organization {services[service_id]}) to location "
                             f"{location_id} of another organization ({sites[location_id]})")
        elif (service_id, location_id) not in seen:
            seen.add((service_id, location_id))
            rows.append({"id": link_id, "service_id": service_id, "site_id": location_id,
                         "organization_id": services[service_id]})
    touched = sorted(set(p.service_org) | {r["service_id"] for r in rows})
    p.recorder.links(ServiceAtLocation, touched, lambda: _relink(p, touched, rows), action="linked")
    p.recorder.flush()
    p.report.counts["service_at_locations"] = len(rows)

