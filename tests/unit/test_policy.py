"""The access rules, without an app: who passes which access level, who edits what."""

from __future__ import annotations

import pytest

from referral.policy import CONFIG_ADMIN, Forbidden, Principal, allows, check_fields, require_edit

EDITOR = Principal(actor="key:e", role="org_editor", organization_id="org-a")
WORKER = Principal(actor="key:w", role="social_worker")
APP = Principal(actor="key:c", role="case_app")

# access level -> who passes it (None = no key at all)
TABLE = {
    "public": {None, WORKER, APP, EDITOR, CONFIG_ADMIN},
    "key": {WORKER, APP, EDITOR, CONFIG_ADMIN},
    "match": {WORKER, APP, CONFIG_ADMIN},  # editors keep listings; they do not match children
    "editor": {EDITOR, CONFIG_ADMIN},
    "admin": {CONFIG_ADMIN},
}


@pytest.mark.parametrize("access", TABLE)
@pytest.mark.parametrize(
    "principal", [None, WORKER, APP, EDITOR, CONFIG_ADMIN], ids=["anonymous", "worker", "app", "editor", "admin"]
)
def test_each_access_level_admits_exactly_its_roles(access, principal):
    assert allows(principal, access) == (principal in TABLE[access])


def test_an_editor_edits_only_its_own_organization():
    require_edit(EDITOR, "org-a")
    require_edit(CONFIG_ADMIN, "org-b")
    for principal, organization in [(EDITOR, "org-b"), (WORKER, "org-a")]:
        with pytest.raises(Forbidden):
            require_edit(principal, organization)


@pytest.mark.parametrize(
    "principal, kind, changes, field",
    [
        (EDITOR, "service", {"verified_at": "2026-01-01"}, "verified_at"),
        (CONFIG_ADMIN, "service", {"verified_at": "2026-01-01"}, "verified_at"),  # only confirm sets it
        (EDITOR, "service", {"status": "suspended"}, "status"),
        (EDITOR, "organization", {"status": "active"}, "status"),
    ],
)
def test_fields_beyond_the_callers_role_are_refused_by_name(principal, kind, changes, field):
    with pytest.raises(Forbidden) as refused:
        check_fields(principal, kind, changes)
    assert refused.value.field == field


def test_what_editors_may_change_passes():
    check_fields(EDITOR, "service", {"status": "inactive", "capacity": "full"})
    check_fields(CONFIG_ADMIN, "organization", {"status": "suspended"})
