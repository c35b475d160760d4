"""The card fields of a service both ways: HSDS application_process, wait_time, alert,
required_documents, contacts (with their phones), phones and schedules <-> the model's columns.

Import: ``card_values`` turns a service row and its child rows into the model's values (and the
schedules it could not hold, as reasons). Export: ``card_objects`` writes them back as HSDS 3.0
fields and sub-objects with ids derived from the service's id, so a round trip keeps them.
Pure: plain rows in, plain values out; no database, no report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from referral.hsds import mapping
from referral.hsds.ids import derived

PURPOSES = {"fax": "fax"}  # HSDS phone.type -> our phone purpose; anything else is a main line


def _phones(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    found, seen = [], set()
    for row in rows:
        number = str(row.get("number") or "").strip().strip('"')[:64]
        if number and number not in seen:
            seen.add(number)
            found.append({"number": number, "purpose": PURPOSES.get(str(row.get("type") or "").lower(), "main")})
    return found


def card_values(
    service_id: str, data: Mapping[str, Any], children: Mapping[str, Mapping[str, list]]
) -> tuple[dict[str, Any], list[str]]:
    """The model's card columns for one HSDS service, and why any schedule was not kept."""
    phones = children["phone"].get(service_id, [])  # a contact's phones count: they reach the service too
    contacts = []
    for contact in children["contact"].get(service_id, []):
        own = _phones(children["phone"].get(contact["id"], []))
        entry = {
            "title": contact.get("title") or contact.get("department"),
            "name": contact.get("name"),
            "phone": own[0]["number"] if own else None,
            "email": contact.get("email"),
        }
        if any(entry.values()):  # the card shows a contact by its title (its role): never empty
            entry["title"] = entry["title"] or entry["name"] or entry["email"] or entry["phone"]
            contacts.append({**entry, **({"department": contact["department"]} if contact.get("department") else {})})
    hours, reasons = [], []
    for schedule in children["schedule"].get(service_id, []):
        found, reason = mapping.opening_hours(schedule)
        hours += found
        if reason:
            reasons.append(f"schedule {schedule['id']} not kept as opening hours: {reason}")
    alert = str(data.get("alert") or "").strip()
    wait = str(data.get("wait_time") or "").strip()
    return {
        "application_process": str(data.get("application_process") or "").strip() or None,
        "wait_time": wait[:500] or None,
        "alerts": [{"text": alert}] if alert else [],
        "required_documents": [
            {"document": str(d["document"]).strip(), **({"uri": d["uri"]} if d.get("uri") else {})}
            for d in children["required_document"].get(service_id, [])
            if d.get("document")
        ],
        "contacts": contacts,
        "phones": _phones(phones),
        "opening_hours": mapping.sort_hours(hours),
    }, reasons


@dataclass(frozen=True)
class Clock:
    """The directory's UTC offset when it is exported (config ``TIMEZONE``): HSDS times carry it
    (``09:00:00+08:00``) and schedules name it (``timezone``, in hours)."""

    offset: timedelta

    @property
    def suffix(self) -> str:
        minutes = int(self.offset.total_seconds() // 60)
        sign, minutes = ("-", -minutes) if minutes < 0 else ("+", minutes)
        return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"

    @property
    def hours(self) -> float | int:
        hours = self.offset.total_seconds() / 3600
        return int(hours) if hours.is_integer() else hours


def time_of_day(value: str, clock: Clock | None) -> str:
    """A time of the model ("08:30", "24:00") as an HSDS time: with a clock, hh:mm:ss and its offset."""
    text = mapping.hsds_time(value)
    if clock is None:
        return text
    return (text if text.count(":") == 2 else f"{text}:00") + clock.suffix


def schedules(
    owner_key: str, owner: str, hours: Sequence[Mapping[str, str]], clock: Clock | None
) -> list[dict[str, Any]]:
    """Opening hours as weekly HSDS schedules of ``owner`` (``owner_key``: location_id or service_id)."""
    zone = {"timezone": clock.hours} if clock is not None else {}
    return [
        {
            "id": derived(owner, "schedule", f"{o}-{c}"),
            owner_key: owner,
            "freq": "WEEKLY",
            "wkst": "MO",
            "byday": ",".join(d.upper() for d in days),
            "opens_at": time_of_day(o, clock),
            "closes_at": time_of_day(c, clock),
            **zone,
        }
        for o, c, days in mapping.weekly_schedules(hours or [])
    ]


def card_objects(svc: Any, clock: Clock | None = None) -> dict[str, Any]:
    """HSDS fields and sub-objects of a service's card (None and empty lists are left out by the caller)."""
    sid = svc.id
    alerts = "; ".join(a.get("text", "") for a in svc.alerts or [] if a.get("text")) or None
    return {
        "application_process": svc.application_process,
        "wait_time": svc.wait_time,
        "alert": alerts,
        "required_documents": [
            {
                "id": derived(sid, "required_document", d["document"]),
                "service_id": sid,
                "document": d["document"],
                **({"uri": d["uri"]} if d.get("uri") else {}),
            }
            for d in svc.required_documents or []
        ],
        "contacts": [_contact(sid, i, c) for i, c in enumerate(svc.contacts or [])],
        "phones": [
            {
                "id": derived(sid, "phone", p["number"]),
                "service_id": sid,
                "number": p["number"],
                **({"type": "fax"} if p.get("purpose") == "fax" else {}),
            }
            for p in svc.phones or []
        ],
        "schedules": schedules("service_id", sid, svc.opening_hours or [], clock),
    }


def _contact(sid: str, i: int, contact: Mapping[str, Any]) -> dict[str, Any]:
    cid = derived(sid, "contact", str(i))
    phones = (
        [{"id": derived(cid, "phone"), "contact_id": cid, "number": contact["phone"]}] if contact.get("phone") else []
    )
    return {
        k: v
        for k, v in {
            "id": cid,
            "service_id": sid,
            "name": contact.get("name"),
            "title": contact.get("title"),
            "department": contact.get("department"),
            "email": contact.get("email"),
            "phones": phones,
        }.items()
        if v not in (None, [])
    }
