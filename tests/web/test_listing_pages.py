"""Editing sites, the organization's details and a service's eligibility from the pages (through the
same use cases as the API: errors beside the fields, If-Match conflicts, ownership), and adding a site."""

from __future__ import annotations

import re

from sqlalchemy import select

from referral import directory
from referral.db import get_db
from referral.models import Organization, Service, Site
from referral.policy import CLI
from tests.web.test_pages import _form_values, _own_service, text


def _own_site(app) -> Site:
    with app.app_context(), get_db().session() as session:
        return session.scalars(select(Site).where(Site.organization_id == app.edited_org).order_by(Site.name)).first()


def _read(app, model: type, key: str):
    with app.app_context(), get_db().session() as session:
        return session.get(model, key)


def _opened(pages, path: str) -> dict:
    return _form_values(text(pages.client.get(path)))


def test_an_editor_changes_a_sites_hours_and_accessibility_and_sees_it_in_the_sites_history(pages) -> None:
    pages.sign_in("org_editor")
    site = _own_site(pages.app)
    form = _opened(pages, f"/sites/{site.id}/edit")
    form.update(
        {
            "opening_hours[0].weekday": "mo",
            "opening_hours[0].opens": "08:00",
            "opening_hours[0].closes": "16:30",
            "accessibility": "无障碍坡道，电梯",
        }
    )
    saved = pages.post(f"/sites/{site.id}/edit", form)
    assert saved.location == f"/org/{pages.app.edited_org}"
    stored = _read(pages.app, Site, site.id)
    assert (stored.opening_hours[0], stored.accessibility) == (
        {"weekday": "mo", "opens": "08:00", "closes": "16:30"},
        "无障碍坡道，电梯",
    )
    assert stored.languages == site.languages and stored.place_code == site.place_code  # untouched fields stay
    history = text(pages.client.get(f"/sites/{site.id}/history"))
    assert "accessibility" in history and "16:30" in history


def test_a_site_with_a_latitude_off_the_globe_shows_the_error_beside_it_and_writes_nothing(pages) -> None:
    pages.sign_in("org_editor")
    site = _own_site(pages.app)
    form = {**_opened(pages, f"/sites/{site.id}/edit"), "latitude": "200"}
    response = pages.post(f"/sites/{site.id}/edit", form, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert re.search(
        r'name="latitude"[^>]*value="200"[^>]*aria-invalid="true" aria-describedby="latitude-error"', text(response)
    )
    assert re.search(r'<p class="error" id="latitude-error">Must be greater than or equal to -90', text(response))
    assert _read(pages.app, Site, site.id).version == site.version


def test_a_concurrent_site_edit_lists_what_changed_and_keeps_this_editors_changes(pages) -> None:
    pages.sign_in("org_editor")
    site = _own_site(pages.app)
    form = {**_opened(pages, f"/sites/{site.id}/edit"), "phone": "0512-11112222"}
    with pages.app.app_context(), get_db().session(write=True) as session:
        directory.update_listing(session, CLI, Site, site.id, {"address": "太仓市新地址1号"}, site.version)
    response = pages.post(f"/sites/{site.id}/edit", form, headers={"Accept-Language": "en"})
    page = text(response)
    assert response.status_code == 409
    assert "Someone else saved this site while you were editing" in page
    assert re.search(r"<strong>Address</strong>: [^<]+ → 太仓市新地址1号", page)
    assert 'value="0512-11112222"' in page and 'value="太仓市新地址1号"' in page
    assert _read(pages.app, Site, site.id).phone == site.phone  # nothing of this editor's was written


def test_an_editor_adds_a_site_and_a_missing_coordinate_is_named_first(pages) -> None:
    pages.sign_in("org_editor")
    org = pages.app.edited_org
    new = {
        "name": "城厢家庭教育服务点",
        "kind": "service_station",
        "address": "太仓市城厢镇上海东路1号",
        "place": "320585100",
        "latitude": "31.46",
        "phone": "0512-53530000",
        "languages": ["zh"],
        "phones[0].number": "",
        "opening_hours[0].opens": "",
    }
    refused = pages.post(f"/org/{org}/sites/new", new, headers={"Accept-Language": "en"})
    assert refused.status_code == 422
    assert re.search(r'id="longitude-error">Missing data for required field', text(refused))
    created = pages.post(f"/org/{org}/sites/new", {**new, "longitude": "121.09"})
    assert created.location == f"/org/{org}"
    with pages.app.app_context(), get_db().session() as session:
        site = session.scalars(select(Site).where(Site.name == "城厢家庭教育服务点")).one()
        assert (site.organization_id, site.place_code, site.languages, site.longitude) == (
            org,
            "320585100",
            ["zh"],
            121.09,
        )
    assert "城厢家庭教育服务点" in text(pages.client.get("/org"))


def test_an_editor_corrects_the_organizations_phone_and_a_bad_email_is_refused_beside_it(pages) -> None:
    pages.sign_in("org_editor")
    org = pages.app.edited_org
    form = _opened(pages, f"/org/{org}/edit")
    refused = pages.post(f"/org/{org}/edit", {**form, "email": "not-an-address"}, headers={"Accept-Language": "en"})
    assert refused.status_code == 422 and 'id="email-error">Not a valid email address.<' in text(refused)
    saved = pages.post(f"/org/{org}/edit", {**form, "phone": "0512-53539999"})
    assert saved.status_code == 302
    assert _read(pages.app, Organization, org).phone == "0512-53539999"
    assert "0512-53539999" in text(pages.client.get(f"/org/{org}/history"))


def test_an_editor_changes_a_services_eligibility_needs_area_and_modes(pages) -> None:
    pages.sign_in("org_editor")
    service = _own_service(pages.app)
    form = _opened(pages, f"/services/{service.id}/edit")
    with pages.app.app_context(), get_db().session() as session:
        assert form["needs"] == session.get(Service, service.id).needs  # every need the service has is ticked
    changed = {
        **form,
        "minimum_age": "3",
        "maximum_age": "12",
        "genders": ["female"],
        "target_groups": ["left_behind", "migrant"],
        "needs": [*form["needs"], "development.autism"],
        "area_places": ["320585100", "320585102"],
        "modes": ["in_person", "remote"],
        "cost": "subsidized",
    }
    saved = pages.post(f"/services/{service.id}/edit", changed)
    assert saved.location == f"/services/{service.id}/history"
    with pages.app.app_context(), get_db().session() as session:
        stored = session.get(Service, service.id)
        assert (stored.minimum_age, stored.maximum_age, stored.genders, stored.cost) == (
            3,
            12,
            ["female"],
            "subsidized",
        )
        assert stored.target_groups == ["left_behind", "migrant"] and sorted(stored.modes) == ["in_person", "remote"]
        assert "development.autism" in stored.needs and stored.area_places == ["320585100", "320585102"]


def test_a_service_left_without_needs_is_refused_beside_the_needs_and_an_untouched_form_changes_nothing(pages) -> None:
    pages.sign_in("org_editor")
    service = _own_service(pages.app)
    form = _opened(pages, f"/services/{service.id}/edit")
    refused = pages.post(f"/services/{service.id}/edit", {**form, "needs": []}, headers={"Accept-Language": "en"})
    assert refused.status_code == 422
    assert '<p class="error" id="needs-error">Length must be between 1 and 20.</p>' in text(refused)
    chinese = pages.post(f"/services/{service.id}/edit", {**form, "needs": []}, headers={"Accept-Language": "zh"})
    assert '<p class="error" id="needs-error">长度必须在 1 到 20 之间。</p>' in text(chinese)  # the API's words
    version = _read(pages.app, Service, service.id).version
    unchanged = pages.post(f"/services/{service.id}/edit", form)
    assert unchanged.status_code == 302
    assert _read(pages.app, Service, service.id).version == version


def test_an_editor_may_not_edit_or_add_to_another_organization(pages) -> None:
    pages.sign_in("org_editor")
    with pages.app.app_context(), get_db().session() as session:
        site = session.scalars(select(Site).where(Site.organization_id != pages.app.edited_org)).first()
    assert pages.client.get(f"/sites/{site.id}/edit").status_code == 403
    assert pages.client.get(f"/org/{site.organization_id}/edit").status_code == 403
    refused = pages.post(
        f"/org/{site.organization_id}/sites/new", {"name": "x", "kind": "office", "latitude": "31", "longitude": "121"}
    )
    assert refused.status_code == 403
    assert (
        pages.post(
            f"/sites/{site.id}/edit", {"version": str(site.version), "original": "{}", "name": "改名"}
        ).status_code
        == 403
    )
    assert _read(pages.app, Site, site.id).name == site.name
