"""The rules of a referral that need no database: its status machine (after FHIR Task), who may
move it, and what an opaque child reference may look like. Pure: no Flask, no SQLAlchemy.

Status machine (``TRANSITIONS``; anything else is a 409):

    requested   -> received | accepted | declined | failed      (the receiving organization's editors)
    received    -> accepted | declined | failed                  (its editors)
    accepted    -> in_progress | completed | failed              (its editors)
    in_progress -> completed | failed                            (its editors)
    requested, received, accepted, in_progress -> cancelled      (only the referrer)
    declined, completed, cancelled, failed: closed, final.

Admins see every referral but move none: a referral is between the sender and the receiver.
"""

from __future__ import annotations

import re

from referral.errors import N_, Conflict, Invalid
from referral.policy import Forbidden, Principal

FORWARD: dict[str, frozenset[str]] = {
    "requested": frozenset({"received", "accepted", "declined", "failed"}),
    "received": frozenset({"accepted", "declined", "failed"}),
    "accepted": frozenset({"in_progress", "completed", "failed"}),
    "in_progress": frozenset({"completed", "failed"}),
}
CANCELLABLE = frozenset({"requested", "received", "accepted", "in_progress"})
CLOSED = frozenset({"declined", "completed", "cancelled", "failed"})

# An opaque reference: ASCII letters, digits and . _ : - only (so no name in any script, no spaces,
# no e-mail address), 1-64 characters, at least one digit (a bare name has none), and no run of 15 or
# more digits (15- and 18-digit identity numbers, with or without a final check letter X).
CHILD_REF = re.compile(r"[A-Za-z0-9._:-]{1,64}")
ID_NUMBER = re.compile(r"\d{15,}|\d{14,}[Xx]")


def check_child_ref(value: str) -> None:
    """Invalid unless ``value`` is an opaque reference (see CHILD_REF); the message never echoes it."""
    if not CHILD_REF.fullmatch(value):
        raise Invalid(
            "child_ref",
            N_(
                "must be the case app's opaque reference: 1-64 ASCII letters, digits, '.', '_', ':' or '-', "
                "never a name"
            ),
        )
    if not any(c.isdigit() for c in value):
        raise Invalid("child_ref", N_("must contain a digit: an opaque reference, never a name"))
    if ID_NUMBER.search(value):
        raise Invalid(
            "child_ref", N_("looks like an identity number (15 or more digits); send the case app's own reference")
        )


def check_transition(actor: Principal, referral_org: str, referrer_account: str | None, current: str, new: str) -> None:
    """Forbidden for the wrong role, Conflict for a move the status machine does not allow."""
    if new == "cancelled":
        if actor.account_id is None or actor.account_id != referrer_account:
            raise Forbidden(N_("Only the referrer may cancel a referral."))
        if current not in CANCELLABLE:
            raise Conflict(N_("A {current} referral cannot be cancelled."), current=current)
        return
    if actor.role != "org_editor" or actor.organization_id != referral_org:
        raise Forbidden(N_("Only the receiving organization's editors move a referral forward."))
    if new not in FORWARD.get(current, frozenset()):
        raise Conflict(N_("A {current} referral cannot become {new}."), current=current, new=new)


def can_read(actor: Principal, referral_org: str, referrer_account: str | None) -> bool:
    """Admins, the referrer and the receiving organization's editors."""
    return (
        actor.is_admin
        or (actor.account_id is not None and actor.account_id == referrer_account)
        or (actor.role == "org_editor" and actor.organization_id == referral_org)
    )
