"""What the listing forms offer, labelled in the page's language: the needs tree, the gazetteer's
places, groups, languages, ways of meeting, kinds, and an organization's sites. Each offered list
keeps any code the listing already has (an imported ``veteran_family`` group, a rare language), so
an untouched form never drops a value it did not show. Reads only; no rule of the directory.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from referral import catalogue
from referral.matching.messages import GROUPS, LABELS, group_label, label
from referral.matching.types import MODES
from referral.models import CAPACITIES, COSTS, INTENSITIES, ORGANIZATION_KINDS, SITE_KINDS, Site
from referral.web import findform

GENDERS = ("female", "male")


def service(session: Session, obj: Any) -> dict[str, Any]:
    """A service's form: its eligibility, area and sites besides its card fields."""
    language = _language()
    sites = session.scalars(select(Site).where(Site.organization_id == obj.organization_id).order_by(Site.name)).all()
    return {
        "sections": findform.sections(catalogue.need_tree(session), language),
        "places": places(session, language),
        "genders": _keep([(g, {"female": _("girls"), "male": _("boys")}[g]) for g in GENDERS], obj.genders),
        "target_groups": _keep([(g, group_label(language, g)) for g in GROUPS["en"]], obj.target_groups),
        "languages": _keep(languages(language), obj.languages),
        "delivered_languages": _keep(languages(language), obj.delivered_languages),
        "modes": _keep([(m, label(language, "mode", m)) for m in MODES], []),
        "sites": [(s.id, s.name if s.status == "active" else f"{s.name} ({_('inactive')})") for s in sites],
        "capacity": [(c, label(language, "capacity", c)) for c in CAPACITIES],
        "cost": [(c, label(language, "cost", c)) for c in COSTS],
        "intensity": [(c, label(language, "intensity", c)) for c in INTENSITIES],
    }


def site(session: Session, obj: Any) -> dict[str, Any]:
    """A site's form (``obj`` is the site, or its organization for a new one)."""
    language = _language()
    return {
        "kind": [(k, site_kind(k)) for k in SITE_KINDS],
        "places": places(session, language),
        "languages": _keep(languages(language), getattr(obj, "languages", None) or []),
    }


def organization(session: Session, obj: Any) -> dict[str, Any]:
    return {"kind": [(k, organization_kind(k)) for k in ORGANIZATION_KINDS]}


def places(session: Session, language: str) -> list[tuple[str, str, int]]:
    """The gazetteer depth-first, as (code, name, depth)."""
    found: list[tuple[str, str, int]] = []

    def walk(place: dict[str, Any], depth: int) -> None:
        found.append((place["code"], place["names"].get(language) or place["name"], depth))
        for child in place["children"]:
            walk(child, depth + 1)

    for top in catalogue.place_tree(session):
        walk(top, 0)
    return found


def languages(language: str) -> list[tuple[str, str]]:
    return [(code, label(language, "language", code)) for code in LABELS["en"]["language"]]


def site_kind(code: str) -> str:
    return {
        "office": _("office"),
        "school_station": _("school social work station"),
        "practice_base": _("practice base"),
        "community_centre": _("community centre"),
        "rehabilitation_centre": _("rehabilitation centre"),
        "clinic": _("clinic"),
        "service_station": _("service station"),
        "other": _("other"),
    }.get(code, code)


def organization_kind(code: str) -> str:
    return {
        "ngo": _("non-profit organization"),
        "social_work_centre": _("social work centre"),
        "school": _("school"),
        "hospital": _("hospital"),
        "government": _("government office"),
        "community_centre": _("community centre"),
        "rehabilitation_centre": _("rehabilitation centre"),
        "university": _("university"),
        "other": _("other"),
    }.get(code, code)


def _keep(offered: list[tuple[str, str]], held: Iterable[str]) -> list[tuple[str, str]]:
    known = {code for code, _name in offered}
    return offered + [(code, code) for code in held if code not in known]


def _language() -> str:
    return str(get_locale() or "en")
