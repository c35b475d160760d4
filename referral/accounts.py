"""Accounts and API keys: create, issue, revoke, authenticate.

A key is ``rk_<prefix>_<secret>``: the prefix (public, unique) finds the row, the SHA-256 of the
whole key is compared in constant time. The plain key exists only in the answer to ``issue_key``.
Takes a session; commits its own writes with an audit event, like the other use cases.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from referral import audit
from referral.errors import N_, Conflict, Invalid, NotFound
from referral.models import Account, ApiKey, Organization
from referral.policy import Principal, require_admin

KEY_PREFIX = "rk_"


def create_account(session: Session, actor: Principal, data: Mapping[str, Any]) -> Account:
    """An account with one role; an org_editor names the organization it edits."""
    require_admin(actor, N_("Only an admin may create accounts."))
    organization_id = data.get("organization_id")
    if data["role"] == "org_editor":
        if not organization_id or session.get(Organization, organization_id) is None:
            raise Invalid("organization_id", N_("an org_editor needs an existing organization"))
    elif organization_id:
        raise Invalid("organization_id", N_("only an org_editor is bound to an organization"))
    account = Account(name=data["name"], role=data["role"], organization_id=organization_id)
    session.add(account)
    session.flush()
    audit.record(
        session,
        actor,
        "create",
        "account",
        account.id,
        {"name": [None, account.name], "role": [None, account.role], "organization_id": [None, organization_id]},
    )
    session.commit()
    return account


def set_account_status(session: Session, actor: Principal, account_id: str, status: str) -> Account:
    require_admin(actor, N_("Only an admin may change accounts."))
    account = get_account(session, account_id)
    if status == "disabled" and account.role == "admin" and account.status == "active":
        _keep_one_admin(session, account)
    before = account.status
    account.status = status
    audit.record(session, actor, "update", "account", account.id, {"status": [before, status]})
    session.commit()
    return account


def _keep_one_admin(session: Session, leaving: Account) -> None:
    """Refuse to disable the last active admin account: nobody could manage keys afterwards.
    (The admin rows are locked so two admins cannot disable each other at once on PostgreSQL.)"""
    others = session.scalars(
        select(Account.id)
        .where(Account.role == "admin", Account.status == "active", Account.id != leaving.id)
        .with_for_update()
    ).all()
    if not others:
        raise Conflict(N_("This is the last active admin account; create or enable another admin first."))


def has_active_admin(session: Session) -> bool:
    """Whether any admin account is active (the first one is made with the CLI)."""
    return (
        session.scalar(select(Account.id).where(Account.role == "admin", Account.status == "active").limit(1))
        is not None
    )


def get_account(session: Session, account_id: str) -> Account:
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound("account", account_id)
    return account


def list_accounts(session: Session) -> list[Account]:
    return list(session.scalars(select(Account).order_by(Account.created_at, Account.id)))


def issue_key(
    session: Session,
    actor: Principal,
    account_id: str,
    expires_in_days: int | None = None,
    now: datetime | None = None,
) -> tuple[ApiKey, str]:
    """A new key for an account: the row, and the plain key to show once."""
    require_admin(actor, N_("Only an admin may issue keys."))
    account = get_account(session, account_id)
    now = now or datetime.now(UTC)
    prefix, secret = secrets.token_hex(4), secrets.token_urlsafe(32)
    plain = f"{KEY_PREFIX}{prefix}_{secret}"
    expires = now + timedelta(days=expires_in_days) if expires_in_days else None
    key = ApiKey(account_id=account.id, prefix=prefix, secret_hash=_hash(plain), created_at=now, expires_at=expires)
    session.add(key)
    session.flush()
    audit.record(
        session,
        actor,
        "key_issued",
        "api_key",
        key.id,
        {
            "account_id": [None, account.id],
            "prefix": [None, prefix],
            "expires_at": [None, expires.isoformat() if expires else None],
        },
    )
    session.commit()
    return key, plain


def revoke_key(session: Session, actor: Principal, key_id: str, now: datetime | None = None) -> ApiKey:
    """Revoke a key by id or prefix; it stops working at once."""
    require_admin(actor, N_("Only an admin may revoke keys."))
    key = session.get(ApiKey, key_id) or session.scalar(select(ApiKey).where(ApiKey.prefix == key_id))
    if key is None:
        raise NotFound("key", key_id)
    if key.revoked_at is None:
        key.revoked_at = now or datetime.now(UTC)
        audit.record(
            session, actor, "key_revoked", "api_key", key.id, {"revoked_at": [None, key.revoked_at.isoformat()]}
        )
        session.commit()
    return key


def authenticate(session: Session, token: str, now: datetime | None = None) -> Principal | None:
    """The principal a presented key stands for, or None if it is unknown, expired or revoked."""
    prefix = _prefix(token)
    if prefix is None:
        return None
    row = session.execute(_key_query().where(ApiKey.prefix == prefix)).first()
    if row is None or not hmac.compare_digest(row.ApiKey.secret_hash, _hash(token)):
        return None
    return _principal(row, now)


def principal_for_key(session: Session, key_id: str, now: datetime | None = None) -> Principal | None:
    """The principal of a key already verified once (a web sign-in keeps only the key's id), or None
    when the key has since been revoked or expired, or its account disabled: checked on every page."""
    row = session.execute(_key_query().where(ApiKey.id == key_id)).first()
    return None if row is None else _principal(row, now)


def _key_query() -> Any:
    """A key with its account and the account's organization's status."""
    return (
        select(ApiKey, Account, Organization.status)
        .join(Account, Account.id == ApiKey.account_id)
        .outerjoin(Organization, Organization.id == Account.organization_id)
    )


def _principal(row: Any, now: datetime | None) -> Principal | None:
    """The principal of a found key, or None if it is revoked, expired or its account disabled."""
    key, account = row.ApiKey, row.Account
    now = now or datetime.now(UTC)
    if key.revoked_at is not None or (key.expires_at and key.expires_at <= now) or account.status != "active":
        return None
    return Principal(
        actor=f"key:{key.prefix}",
        role=account.role,
        account_id=account.id,
        key_id=key.id,
        organization_id=account.organization_id,
        organization_status=row.status,
    )


def _prefix(token: str) -> str | None:
    if not token.startswith(KEY_PREFIX):
        return None
    prefix, sep, _secret = token[len(KEY_PREFIX) :].partition("_")
    return prefix if sep and len(prefix) == 8 else None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
