"""Shared by the schemathesis tests: a throwaway database per test module (a temporary SQLite file,
or a PostgreSQL schema of its own), the app on it with the mini region, the keys of the three
callers the fuzzer plays (an admin, an organization's editor, nobody), and a bounded runner that
sends every operation's examples through schemathesis's checks and reports every failure at once.

The runner drives hypothesis itself rather than through ``schema.parametrize()``: schemathesis's
pytest integration fails on pytest 9.2 (it sets ``Function._nodeid``, which pytest no longer has).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import schemathesis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from referral.app import create_app
from referral.db import get_db
from referral.seeding import stable_id
from tests.builders import seed_mini
from tests.conftest import ADMIN_KEY, POSTGRES_URL, _migrate

EAST = stable_id("organization", "east-care")
# Each example is a request against the in-process app; a few per operation and mode keeps the whole
# module around a minute on SQLite on a 2-core machine. PostgreSQL runs fewer (each write costs more).
# REFERRAL_TEST_FUZZ_EXAMPLES runs a deeper search (say 50) when wanted; CI keeps these.
EXAMPLES = {"sqlite": 6, "postgresql": 3}
if os.environ.get("REFERRAL_TEST_FUZZ_EXAMPLES"):
    EXAMPLES = dict.fromkeys(EXAMPLES, int(os.environ["REFERRAL_TEST_FUZZ_EXAMPLES"]))


@dataclass(frozen=True)
class Target:
    """The app under test on its own database, and the callers' Authorization headers."""

    app: Any
    backend: str
    callers: dict[str, dict[str, str]]


def throwaway_database(backend: str, tmp: Path) -> Iterator[str]:
    """A freshly migrated database nobody else uses, dropped afterwards."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp / 'fuzz.db'}"
        _migrate(url)
        yield url
        return
    schema = f"referral_i14_fuzz_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    url_text = url.render_as_string(hide_password=False)
    try:
        _migrate(url_text)
        yield url_text
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def target(backend: str, url: str) -> Target:
    """The app on ``url`` with the mini region loaded and an editor of east-care."""
    app = create_app(
        {
            "ENV": "test",
            "DATABASE_URL": url,
            "ADMIN_KEY": ADMIN_KEY,
            "INDEX_CHECK_SECONDS": 0,
            "INDEX_BUILD_IN_BACKGROUND": False,
            "RATELIMIT_PER_ADDRESS": "1000000 per minute",
            "RATELIMIT_PER_KEY": "1000000 per minute",
        }
    )
    seed_mini(app)
    return Target(
        app,
        backend,
        {
            "admin": {"Authorization": f"Bearer {ADMIN_KEY}"},
            "editor": _key(app, "org_editor", EAST),
            "anonymous": {},
        },
    )


def _key(app: Any, role: str, organization_id: str | None) -> dict[str, str]:
    from referral import accounts
    from referral.policy import CLI

    with app.app_context(), get_db().session(write=True) as session:
        account = accounts.create_account(
            session, CLI, {"name": f"fuzz {role}", "role": role, "organization_id": organization_id}
        )
        _key_row, plain = accounts.issue_key(session, CLI, account.id, None)
    return {"Authorization": f"Bearer {plain}"}


def config(backend: str) -> schemathesis.Config:
    """schemathesis's generation settings (the runner below sets hypothesis's: examples, derandomized)."""
    return schemathesis.Config.from_dict(
        {
            # The callers' keys are the test's to choose: none generated (the no-key caller sends none).
            "generation": {
                "mode": "all",
                "max-examples": EXAMPLES[backend],
                "deterministic": True,
                "with-security-parameters": False,
            },
        }
    )


def dispose(app: Any) -> None:
    with app.app_context():
        get_db().engine.dispose()


CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "missing_required_header",
    "ignored_auth",
)


def checks(names: tuple[str, ...] = CHECKS) -> list[Any]:
    from schemathesis.checks import CHECKS as REGISTRY
    from schemathesis.checks import load_all_checks

    load_all_checks()
    return [REGISTRY.get_one(name) for name in names]


def fuzz(schema: Any, headers: dict[str, str], examples: int, names: tuple[str, ...] = CHECKS) -> list[str]:
    """Every operation of ``schema``, ``examples`` positive and ``examples`` negative requests each
    (derandomized: the same requests every run), through every check: the failures found, the first
    of each kind per operation, never raised midway, so one run reports them all."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis.errors import Unsatisfiable
    from schemathesis import GenerationMode

    found: dict[tuple[str, str], str] = {}
    selected = checks(names)
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=examples,
                derandomize=True,
                database=None,
                deadline=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case: Any) -> None:
                for title, report in _failures(case, headers, selected):  # run() is called in this iteration
                    found.setdefault((operation.label, f"{mode.value}: {title}"), report)  # noqa: B023

            try:
                run()
            except Unsatisfiable:  # nothing to make invalid (an operation without inputs)
                assert mode is GenerationMode.NEGATIVE, operation.label
    return [f"{label} [{kind}] {report}" for (label, kind), report in sorted(found.items())]


def validate(cases: list[Any], headers: dict[str, str], names: tuple[str, ...] = CHECKS) -> list[str]:
    """Chosen cases (known ids, each option) through the same checks: what failed."""
    selected = checks(names)
    return [
        f"{case.operation.label} {report}" for case in cases for _title, report in _failures(case, headers, selected)
    ]


def _failures(case: Any, headers: dict[str, str], selected: list[Any]) -> list[tuple[str, str]]:
    """Send ``case`` with the caller's ``headers``; (title, report) of each check its answer fails."""
    from schemathesis.core.failures import FailureGroup

    response = case.call(headers=headers)
    try:
        case.validate_response(response, checks=selected, headers=headers)
    except FailureGroup as failures:
        sent = (
            f"{case.method} {case.formatted_path} query={case.query} "
            f"headers={_short({**(case.headers or {}), **headers})} body={_short(case.body)} "
            f"=> {response.status_code} {response.text[:300]}"
        )
        return [(one.title, f"{one}\n  -> {sent}") for one in failures.exceptions]
    return []


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 300 else text[:300] + "…"
