"""Re-importing a service that moved to another organization while it still has sites: its old
site links go, the new ones are written, the move is audited, and nothing else changes."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import select

from referral.db import get_db
from referral.hsds import exchange
from referral.hsds.audit import ImportAudit
from referral.hsds.ids import as_uuid
from referral.models import AuditEvent, Service, ServiceAtLocation, Site
from referral.policy import Principal
from tests.integration.hsds.helpers import HARBOUR, reference_only

ADMIN = Principal(actor="key:test", role="admin", account_id=None)
TRUST = "8f14e45f-ceea-467a-9af0-3f0c6e1b2a11"
PARENTING = "c0000000-0000-4000-8000-000000000002"  # Harbour City Family Trust's, at its family centre
FAMILY_CENTRE = "1c9a8e2b-3f4d-4c5e-8a7b-9d0e1f2a3b4c"  # (its Porirua room has no coordinates: no site)
YOUTH_LINE = "kiwi-youth-line"
DROP_IN = "youth-line-drop-in"  # a physical location of Kiwi Youth Line, added by the second package
STORED = {name: as_uuid(name)[0] for name in (YOUTH_LINE, DROP_IN)}  # the ids the import stores


def _import(app, path, import_id):
    with app.app_context(), get_db().session(write=True) as session:
        return exchange.import_path(session, app.config, path, False, audit=ImportAudit(ADMIN, import_id))


def _state(app):
    with app.app_context(), get_db().session() as session:
        services = {s.id: (s.organization_id, s.name, s.version) for s in session.scalars(select(Service))}
        sites = {s.id: (s.organization_id, s.name, s.version) for s in session.scalars(select(Site))}
        links = sorted(
            (link.service_id, link.site_id, link.organization_id) for link in session.scalars(select(ServiceAtLocation))
        )
        return services, sites, links


def _rewrite(path, change) -> None:
    lines = [change(line) for line in path.read_text(encoding="utf-8").splitlines()]
    path.write_text("\n".join(line for line in lines if line is not None) + "\n", encoding="utf-8")


def _moved(tmp_path, new_site: bool):
    """The package with the parenting course moved to Kiwi Youth Line: at its new drop-in, or at no site."""
    moved = tmp_path / "moved"
    shutil.copytree(HARBOUR, moved)
    _rewrite(moved / "services.csv", lambda line: line.replace(f"{PARENTING},{TRUST}", f"{PARENTING},{YOUTH_LINE}"))
    _rewrite(moved / "service_at_location.csv", lambda line: None if f",{PARENTING}," in line else line)
    if new_site:
        with (moved / "locations.csv").open("a", encoding="utf-8") as out:
            out.write(f"{DROP_IN},physical,,{YOUTH_LINE},Youth Line drop-in,,,,-41.2870,174.7770,,\n")
        with (moved / "service_at_location.csv").open("a", encoding="utf-8") as out:
            out.write(f"d0000000-0000-4000-8000-000000000099,{PARENTING},{DROP_IN},\n")
    return moved


@pytest.mark.parametrize("new_site", [True, False], ids=["at-a-site-of-the-new-organization", "at-no-site"])
def test_a_service_moved_to_another_organization_while_it_has_sites_is_reimported(app, tmp_path, new_site):
    youth_line, drop_in = STORED[YOUTH_LINE], STORED[DROP_IN]
    reference_only(app, tmp_path)
    assert _import(app, HARBOUR, "import-1").written
    services, sites, links = _state(app)
    assert [link for link in links if link[0] == PARENTING] == [(PARENTING, FAMILY_CENTRE, TRUST)]

    report = _import(app, _moved(tmp_path, new_site), "import-2")

    assert report.written, report.problems
    after_services, after_sites, after_links = _state(app)
    assert after_services[PARENTING][0] == youth_line
    assert {k: v for k, v in after_services.items() if k != PARENTING} == {
        k: v for k, v in services.items() if k != PARENTING
    }
    assert {k: v for k, v in after_sites.items() if k != drop_in} == sites
    assert [link for link in after_links if link[0] == PARENTING] == (
        [(PARENTING, drop_in, youth_line)] if new_site else []
    )
    assert [link for link in after_links if link[0] != PARENTING] == [link for link in links if link[0] != PARENTING]
    with app.app_context(), get_db().session() as session:
        events = list(
            session.scalars(select(AuditEvent).where(AuditEvent.import_id == "import-2").order_by(AuditEvent.id))
        )
    moved = [e for e in events if e.object_id == PARENTING]
    assert [e.action for e in moved] == ["import.moved", "import.linked"]
    assert moved[0].changes["organization_id"] == [TRUST, youth_line]
    assert moved[1].changes["sites"] == [[FAMILY_CENTRE], [drop_in] if new_site else []]
    others = [(e.action, e.object_type, e.object_id) for e in events if e.object_id != PARENTING]
    assert others == ([("import.created", "site", drop_in)] if new_site else [])


def test_a_site_that_moved_with_all_its_services_is_reimported_with_its_links(app, tmp_path):
    youth_line = STORED[YOUTH_LINE]
    reference_only(app, tmp_path)
    assert _import(app, HARBOUR, "import-1").written
    moved = tmp_path / "moved"
    shutil.copytree(HARBOUR, moved)
    for name in ("services.csv", "locations.csv"):
        _rewrite(moved / name, lambda line: line.replace(f",{TRUST},", f",{YOUTH_LINE},"))

    assert _import(app, moved, "import-2").written

    services, sites, links = _state(app)
    assert {organization for organization, _, _ in services.values()} == {youth_line}
    assert sites[FAMILY_CENTRE][0] == youth_line
    assert links == [(f"c0000000-0000-4000-8000-00000000000{n}", FAMILY_CENTRE, youth_line) for n in (1, 2, 3)]
