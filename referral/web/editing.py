"""How every listing's edit page works, for services, sites and organizations alike: the form with
the version the editor opened; on save, only the changed fields go to ``directory.update_listing``
with that version (the API's If-Match). Errors sit beside their fields; when someone saved first,
nothing is written and the page lists what they changed, with this editor's own changes kept on
top of the new version. A new site goes to ``directory.create``. No rule of the directory here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import request
from sqlalchemy.orm import Session

from referral import directory
from referral.db import get_session
from referral.errors import Invalid, InvalidMany, StaleVersion
from referral.policy import require_edit
from referral.web import listingform
from referral.web.base import principal, render
from referral.web.errors import Refused
from referral.web.i18n import told


@dataclass(frozen=True)
class Kind:
    """One kind of listing's page: its model, form, template and the choices its form offers."""

    model: type
    form: listingform.ListingForm
    template: str
    options: Callable[[Session, Any], dict[str, Any]]  # (session, the listing or its organization) -> choices


def open_form(kind: Kind, key: str) -> Any:
    """The edit page of a listing the signed-in editor may change."""
    obj = directory.get(get_session(), kind.model, key)
    require_edit(principal(), directory.owner_of(obj))
    values = kind.form.values_of(obj)
    return page(kind, obj, values, values, obj.version, {})


def save(kind: Kind, key: str, done: Callable[[Any, bool], Any]) -> Any:
    """Save the changed fields (``done(listing, changed)`` answers a success), or show why not."""
    session = get_session()
    obj = directory.get(session, kind.model, key)
    original, edited = _original(), kind.form.values_from(request.form)
    loaded, errors = kind.form.validate(kind.form.changes(obj, original, edited))
    if loaded is None:
        return page(kind, obj, edited, original, _version(), errors, status=422)
    if not loaded:
        return done(obj, False)
    try:
        saved = directory.update_listing(session, principal(), kind.model, key, loaded, _version())
    except StaleVersion:
        session.rollback()
        return _conflict(kind, key, original, edited)
    except (Invalid, InvalidMany) as error:
        session.rollback()
        return page(kind, obj, edited, original, _version(), problems(error), status=422)
    return done(saved, True)


def create(kind: Kind, owner: Any, done: Callable[[Any], Any]) -> Any:
    """Create a listing under ``owner`` (an organization) from the filled-in form."""
    session = get_session()
    edited = kind.form.values_from(request.form)
    loaded, errors = kind.form.validate(kind.form.filled(edited, organization_id=owner.id), partial=False)
    if loaded is None:
        return page(kind, None, edited, {}, 0, errors, status=422, owner=owner)
    try:
        created = directory.create(session, principal(), kind.model, loaded)
    except (Invalid, InvalidMany) as error:
        session.rollback()
        return page(kind, None, edited, {}, 0, problems(error), status=422, owner=owner)
    return done(created)


def page(
    kind: Kind,
    obj: Any,
    values: dict[str, Any],
    original: dict[str, Any],
    version: int,
    errors: dict[str, str],
    status: int = 200,
    conflict: list | None = None,
    owner: Any = None,
) -> Any:
    """The form: ``obj`` is None for a new listing of ``owner``."""
    session = get_session()
    return render(
        kind.template,
        status=status,
        listing=obj,
        values=values,
        errors=errors,
        original=json.dumps(original, ensure_ascii=False),
        version=version,
        conflict=conflict,
        phones=listingform.rows(values, "phones"),
        hours=listingform.rows(values, "opening_hours"),
        options=kind.options(session, obj if obj is not None else owner),
        owner=owner,
    )


def problems(error: Invalid | InvalidMany) -> dict[str, str]:
    """A use case's refusal of a value, as errors by form field."""
    if isinstance(error, InvalidMany):
        return {p.field: told(p) for p in error.problems}
    return {error.field: told(error)}


def _conflict(kind: Kind, key: str, original: dict[str, Any], edited: dict[str, Any]) -> Any:
    """Someone saved first: show what they changed; the form keeps this editor's values on top of
    the new version, so saving again is a deliberate choice, and reloading drops them."""
    session = get_session()
    current = directory.get(session, kind.model, key)
    session.refresh(current)
    now = kind.form.values_of(current)
    fields = kind.form.fields
    changed = [(name, original.get(name), now.get(name)) for name in fields if original.get(name) != now.get(name)]
    mine = {name: edited.get(name) for name in fields if edited.get(name) != original.get(name)}
    return page(kind, current, {**now, **mine}, now, current.version, {}, status=409, conflict=changed)


def _original() -> dict[str, Any]:
    try:
        found = json.loads(request.form.get("original") or "{}")
    except ValueError:
        raise Refused(400) from None
    if not isinstance(found, dict):
        raise Refused(400)
    return found


def _version() -> int:
    value = request.form.get("version", "")
    if not value.isdigit():
        raise Refused(400)
    return int(value)
