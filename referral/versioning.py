"""The directory version: bumped once by every transaction that changes what the matcher reads, from
a session event, so that no use case bumps by hand.

``referral.changes`` notes, as each flush happens, the rows a transaction writes (services, their
links, sites, organizations; anything else the matcher reads — need terms, places, the risk lexicon,
region resources, a bulk statement — as "full"). Just before the outermost commit, ``_bump`` flushes
what is pending and, when something was noted, adds one to ``directory_state.version`` and writes that
version's change-log row (``changes.record``) in the same transaction. A read-only transaction, one
that writes only rows no match reads (audit events, keys, accounts, jobs, gap counters, outbox and
webhooks, listing reports, an undecided referral), a savepoint's commit and a rollback bump nothing.

Workers' indexes follow the version (matchmaking.IndexCache), and the HSDS export cache is keyed by
it (hsds/exchange.py). Depends on SQLAlchemy, referral.changes, referral.directory and referral.models;
referral.db imports it, so every session of the project has it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import event, update
from sqlalchemy.orm import Session

from referral import changes
from referral.directory import directory_version
from referral.models import DirectoryState


@event.listens_for(Session, "before_commit")
def _bump(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint: the outer transaction bumps, once
        return
    session.flush()  # the notes of what is still pending come with its flush
    if changes.noted(session):
        bump(session)


def bump(session: Session) -> None:
    """Count one change of the directory and log which services it changed (the commit's own flush
    writes the log row)."""
    session.execute(
        update(DirectoryState)
        .where(DirectoryState.id == 1)
        .values(version=DirectoryState.version + 1, changed_at=datetime.now(UTC))
    )
    changes.record(session, directory_version(session))
