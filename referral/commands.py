"""Every ``referral`` command but ``serve``, ``routes`` and ``shell``, in one list: the console
(``cli.main``) and the app factory (``app.register_cli``, for ``flask --app`` and the tests'
``app.test_cli_runner()``) both register these. Must not import the app.
"""

from __future__ import annotations

import click

from referral.cli_admin import create_key, init_db, revoke_key, seed
from referral.cli_hsds import export_hsds, import_hsds
from referral.cli_match import match_command
from referral.cli_referrals import new_encryption_key, purge_command, worker_command


def commands() -> list[click.Command]:
    """The commands, in the order ``referral --help`` lists them."""
    return [
        init_db,
        seed,
        match_command,
        create_key,
        revoke_key,
        import_hsds,
        export_hsds,
        worker_command,
        purge_command,
        new_encryption_key,
    ]
