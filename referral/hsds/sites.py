"""The location pass of an import (HSDS location → Site) and the service_at_location links.

Only physical locations become sites; virtual and postal ones make the services offered there
remote. A site needs coordinates: missing or impossible ones are geocoded from the address through
the configured geocoder, and a location that cannot be placed is listed, not fatal (its links are
skipped). The site's gazetteer place is the finest place within ``place_max_km``. Both passes are
plain functions of the ``ImportState``; they run after the services (``importer.PASSES``).
"""

from __future__ import annotations

from typing import Any

from referral.hsds import extension, mapping, writer
from referral.hsds.fields import Fields
from referral.hsds.state import ImportState, ensure_places, first_phone, flush, languages, matching, rows, stored_org
from referral.matching.places import place_for_point
from referral.models import Service, ServiceAtLocation, Site


def write_sites(state: ImportState) -> None:
    """HSDS location (physical) → Site, of the location's organization (or its services')."""
    batch: list[dict[str, Any]] = []
    for row_id, f in rows(state, "location"):
        kind = f.choice("location_type", ("physical", "postal", "virtual"), "physical")
        organization_id = _organization(state, row_id, f)
        if f.failed or kind != "physical":
            continue
        values = _site(state, row_id, f, organization_id)
        if values is not None and not f.failed:
            state.site_org[row_id] = organization_id  # type: ignore[assignment]
            batch = flush(state, Site, batch + [values])
    flush(state, Site, batch, force=True)
    state.report.counts["sites"] = len(state.site_org)


def _organization(state: ImportState, row_id: str, f: Fields) -> str | None:
    """The location's organization; when missing or unknown, that of the services offered there."""
    given = f.id("organization_id", required=False)
    if given and (given in state.organizations or stored_org(state, given)):
        return given
    owners = {state.service_org.get(s) for _, _, s, loc in state.links if loc == row_id}
    owners.discard(None)
    if len(owners) == 1:
        owner = owners.pop()
        f.note(
            "organization_id",
            ("missing" if not given else f"names no known organization ({given})")
            + f"; taken from the services offered here: {owner}",
        )
        return owner
    f.problem("organization_id", "missing or unknown, and the services offered here do not name one organization")
    return None


def _site(state: ImportState, row_id: str, f: Fields, organization_id: str | None) -> dict[str, Any] | None:
    extra = matching(state, "location", row_id)
    chain = extension.valid_chain(extra.pop("place", []))
    # with a place chain (our export), city, province, postal code and country are the place's
    address, parts = mapping.address_line(state.children["address"].get(row_id, []), street_only=bool(chain))
    lat, lon = _coordinates(state, row_id, f, parts)
    if lat is None or lon is None:
        return None
    place = None
    if chain:
        place = ensure_places(state, chain)
    elif state.places.index is not None:
        found = place_for_point(state.places.index, lat, lon, state.settings.place_max_km)  # type: ignore[arg-type]
        place = found.code if found else None
    name = f.text("name", 300) or (address or "")[:300] or "Location"
    if not f.data.get("name"):
        f.note("name", f"missing; the site is called {name!r}")
    phones = state.children["phone"].get(row_id, [])
    return {
        "id": row_id,
        "organization_id": organization_id,
        "name": name,
        "names": {},
        "kind": "other",
        "address": (address or "")[:500] or None,
        "place_code": place,
        "latitude": lat,
        "longitude": lon,
        "phone": first_phone(phones),
        "opening_hours": _hours(state, row_id, f),
        "languages": languages(state, row_id),
        "accessibility": _accessibility(state, row_id),
        "status": "active",
        "created_at": writer.now(),
        "updated_at": writer.now(),
        "version": 1,
        **extra,
    }


def _coordinates(state: ImportState, row_id: str, f: Fields, parts: list[str]) -> tuple[float | None, float | None]:
    lat, lon = f.number("latitude"), f.number("longitude")
    if lat is not None and lon is not None and -90 <= lat <= 90 and -180 <= lon <= 180:
        return lat, lon
    if lat is not None or lon is not None:
        f.note("latitude", f"impossible coordinates ({lat}, {lon}); geocoding the address instead")
    found, geocoder = state.geocode(parts) if parts else (None, "")
    entry = {"location": row_id, "name": f.data.get("name"), **f.where.as_dict()}
    if found is None or not found.ok:
        reason = found.reason if found else "no coordinates and no address"
        state.report.listed("geocoding_failed", {**entry, "query": ", ".join(parts), "reason": reason})
        return None, None
    state.report.listed(
        "geocoded",
        {
            **entry,
            "query": found.query,
            "latitude": found.latitude,
            "longitude": found.longitude,
            "matched": found.matched,
            "geocoder": geocoder,
        },
    )
    return found.latitude, found.longitude


def _hours(state: ImportState, row_id: str, f: Fields) -> list[dict[str, str]]:
    hours: list[dict[str, str]] = []
    for schedule in state.children["schedule"].get(row_id, []):
        found, reason = mapping.opening_hours(schedule)
        if reason:
            f.note("schedules", f"schedule {schedule['id']} not kept as opening hours: {reason}")
        hours += found
    return mapping.sort_hours(hours)


def _accessibility(state: ImportState, row_id: str) -> str | None:
    texts = [
        " — ".join(str(a[k]).strip() for k in ("description", "details") if a.get(k))
        for a in state.children["accessibility"].get(row_id, [])
    ]
    return "; ".join(t for t in texts if t) or None


def _relink(state: ImportState, touched: list[str], rows: list[dict[str, Any]]) -> None:
    writer.replace_links(state.session, ServiceAtLocation, touched, [])
    writer.delete_ids(state.session, ServiceAtLocation, [r["id"] for r in rows])
    if rows:
        writer.upsert(state.session, ServiceAtLocation.__table__, rows)
        state.wrote(ServiceAtLocation, len(rows))


def write_links(state: ImportState) -> None:
    """service_at_location rows whose service and site are both here and of one organization."""
    report, links = state.report, state.links
    sites = dict(state.site_org)
    wanted_sites = {loc for _, _, _, loc in links if loc not in sites and loc not in state.locations}
    sites.update(writer.existing(state.session, Site, wanted_sites))
    services = dict(state.service_org)
    services.update(writer.existing(state.session, Service, {s for _, _, s, _ in links} - set(services)))
    found, seen = [], set()
    for where, link_id, service_id, location_id in links:
        if service_id not in services:
            report.problem(where.at("service_id"), f"no service with id {service_id} in the input or the directory")
        elif location_id not in sites and location_id not in state.locations:
            report.problem(where.at("location_id"), f"no location with id {location_id} in the input or the directory")
        elif location_id not in sites:
            if (state.locations[location_id][0] or "physical") == "physical":
                report.note(where.at("location_id"), "not linked: the location could not be imported as a site")
        elif services[service_id] != sites[location_id]:
            report.problem(
                where,
                f"links service {service_id} (organization {services[service_id]}) to location "
                f"{location_id} of another organization ({sites[location_id]})",
            )
        elif (service_id, location_id) not in seen:
            seen.add((service_id, location_id))
            found.append(
                {
                    "id": link_id,
                    "service_id": service_id,
                    "site_id": location_id,
                    "organization_id": services[service_id],
                }
            )
    touched = sorted(set(state.service_org) | {r["service_id"] for r in found})
    state.recorder.links(ServiceAtLocation, touched, lambda: _relink(state, touched, found), action="linked")
    state.recorder.flush()
    report.counts["service_at_locations"] = len(found)
