"""Signing in to the web pages with a login and a password, besides a key: an admin sets them for an
account; the pages check them. The API still takes keys only.

Passwords are hashed with werkzeug.security's scrypt (memory-hard; werkzeug comes with Flask): only
the hash is stored, never the password, and neither is logged or audited. An unknown login costs the
same hashing as a wrong password, so timing does not tell which logins exist. A signed-in session
keeps the account's id and a mark of its hash (``mark``): setting a new password, or disabling the
account, ends every session made with the old one. Takes a session; commits its own writes with an
audit event, like the other use cases. Must not depend on Flask.
"""

from __future__ import annotations

import functools
import hmac
import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from referral import audit
from referral.accounts import get_account
from referral.errors import N_, Invalid
from referral.models import Account, Organization
from referral.policy import Principal, require_admin

METHOD = "scrypt"
MIN_LENGTH = 12  # NIST SP 800-63B asks for at least 8; a shared office computer argues for more
MAX_LENGTH = 200
LOGIN = re.compile(r"[a-z0-9][a-z0-9._-]{2,63}")
# the refusals, named so the pages can say them in the person's language
LOGIN_FORMAT = N_("3-64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit")
LOGIN_TAKEN = N_("another account has this login")
PASSWORD_LENGTH_TEMPLATE = N_("must be {min} to {max} characters long")
PASSWORD_LENGTH = PASSWORD_LENGTH_TEMPLATE.format(min=MIN_LENGTH, max=MAX_LENGTH)  # the English, as the pages know it


def set_password(session: Session, actor: Principal, account_id: str, login: str, password: str) -> Account:
    """An admin gives an account a login (unique) and a password; a new one ends its old sessions."""
    require_admin(actor, N_("Only an admin may set passwords."))
    account = get_account(session, account_id)
    login = login.strip().lower()
    if not LOGIN.fullmatch(login):
        raise Invalid("login", LOGIN_FORMAT)
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise Invalid("password", PASSWORD_LENGTH_TEMPLATE, min=MIN_LENGTH, max=MAX_LENGTH)
    if session.scalar(select(Account.id).where(Account.login == login, Account.id != account.id)):
        raise Invalid("login", LOGIN_TAKEN)
    before = account.login
    account.login, account.password_hash = login, generate_password_hash(password, method=METHOD)
    audit.record(session, actor, "password_set", "account", account.id, {"login": [before, login]})
    session.commit()
    return account


def authenticate(session: Session, login: str, password: str) -> tuple[Principal, str] | None:
    """The principal and session mark for a right login and password of an active account, else None."""
    row = session.execute(_query().where(Account.login == login.strip().lower())).first()
    if row is None or not row.Account.password_hash:
        check_password_hash(_decoy(), password)  # the same work as a wrong password
        return None
    if not check_password_hash(row.Account.password_hash, password[:MAX_LENGTH]):
        return None
    principal = _principal(row)
    return (principal, mark(row.Account.password_hash)) if principal is not None else None


def principal_for_account(session: Session, account_id: str, session_mark: str) -> Principal | None:
    """The principal of a password session, checked on every page: None once the account is
    disabled or its password changed since the sign-in."""
    row = session.execute(_query().where(Account.id == account_id)).first()
    if row is None or not row.Account.password_hash:
        return None
    if not hmac.compare_digest(session_mark, mark(row.Account.password_hash)):
        return None
    return _principal(row)


def mark(password_hash: str) -> str:
    """What a session keeps of the password: a digest of its salted hash (useless for guessing it)."""
    return hmac.new(b"referral-password-session", password_hash.encode(), "sha256").hexdigest()


def _query() -> Any:
    return select(Account, Organization.status).outerjoin(Organization, Organization.id == Account.organization_id)


def _principal(row: Any) -> Principal | None:
    account = row.Account
    if account.status != "active":
        return None
    return Principal(
        actor=f"login:{account.login}",
        role=account.role,
        account_id=account.id,
        organization_id=account.organization_id,
        organization_status=row.status,
    )


@functools.cache
def _decoy() -> str:
    return generate_password_hash("not anyone's password", method=METHOD)
