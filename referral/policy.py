"""Who may do what: the one place where the access rules live.

The web layer authenticates a request into a ``Principal`` and checks the operation's declared
access; use cases call ``require_edit`` with the organization that owns the object, and
``check_fields`` with the fields a caller tries to change. Pure: no Flask, no database.

Refusals of another organization's objects are 403, not 404: directory reads are public, so
hiding that an object exists would protect nothing, and a clear 403 helps an editor.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from referral.errors import N_, DomainError

MATCHERS = frozenset({"admin", "social_worker", "case_app"})
EDITORS = frozenset({"admin", "org_editor"})
ACCESS_LEVELS = ("public", "key", "match", "editor", "admin")


class Forbidden(DomainError):
    """Authenticated, but not allowed; ``field`` when a single field is the reason."""

    def __init__(self, message: str, field: str | None = None, **values: object):
        self.template, self.values, self.field = message, values, field
        self.message = message.format(**values) if values else message
        super().__init__(self.message)


@dataclass(frozen=True)
class Principal:
    """The authenticated caller."""

    actor: str  # how the audit trail names the caller: "key:<prefix>", "login:<login>", "config-admin", "cli"
    role: str
    account_id: str | None = None
    key_id: str | None = None
    organization_id: str | None = None  # for org_editor
    organization_status: str | None = None  # its organization's status when the key was checked

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


CLI = Principal(actor="cli", role="admin")
CONFIG_ADMIN = Principal(actor="config-admin", role="admin")


def allows(principal: Principal | None, access: str) -> bool:
    """Whether ``principal`` passes an operation's declared access level."""
    if access == "public":
        return True
    if principal is None:
        return False
    return {
        "key": True,
        "match": principal.role in MATCHERS,
        "editor": principal.role in EDITORS,
        "admin": principal.is_admin,
    }[access]


def require_edit(principal: Principal, organization_id: str) -> None:
    """Admins edit anything; an org_editor only what its own organization owns."""
    if principal.is_admin:
        return
    if principal.role != "org_editor" or principal.organization_id != organization_id:
        raise Forbidden(N_("This record belongs to another organization; only its editors or an admin may change it."))


def require_writer(principal: Principal) -> None:
    """An org_editor of a suspended or deactivated organization may read, never write."""
    if principal.role == "org_editor" and principal.organization_status != "active":
        raise Forbidden(N_("Your organization is not active; its editors may read the directory but not change it."))


def check_status_change(principal: Principal, kind: str, current: str, new: str) -> None:
    """Editors may deactivate their own active listing; every other status change is an admin's:
    suspending, and bringing back what an admin suspended or a deletion removed (/restore)."""
    if principal.is_admin or new == current:
        return
    if kind == "organization" or new == "suspended" or current != "active":
        raise Forbidden(
            N_("Only an admin may change this {kind}'s status from {current} to {new}."),
            "status",
            kind=kind,
            current=current,
            new=new,
        )


def require_admin(principal: Principal, refusal: str) -> None:
    """Refuse a non-admin with ``refusal``, a whole sentence marked ``N_`` (translated where shown)."""
    if not principal.is_admin:
        raise Forbidden(refusal)


def check_fields(principal: Principal, kind: str, changes: Mapping[str, Any]) -> None:
    """Refuse the fields that belong to admins, or to no one, when ``principal`` sends them."""
    if "verified_at" in changes:
        raise Forbidden(N_("verified_at is set only by POST /v1/services/{id}/confirm."), "verified_at")
    if principal.is_admin:
        return
    if kind == "organization" and "status" in changes:
        raise Forbidden(N_("Only an admin may change an organization's status."), "status")
    if changes.get("status") == "suspended":
        raise Forbidden(N_("Only an admin may suspend a listing."), "status")
