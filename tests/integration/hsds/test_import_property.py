"""Property: arbitrary Unicode (lone surrogates, NUL, controls included) in an HSDS import — JSON
or a CSV package — never crashes the import, never stores text no one may store, and a refused
import writes nothing."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from referral import boundary
from referral.db import get_db
from referral.hsds import sources
from referral.models import NeedTerm, Organization, Service
from tests.integration.hsds.helpers import HARBOUR, counts, reference_only, run_import

HOSTILE = st.sampled_from(["\ud800", "\udfff", "\x00", "\x1b", "\x85", "\ufffe"])
ANY_TEXT = st.text(st.one_of(st.characters(), HOSTILE), min_size=1, max_size=30)
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _prepared(app) -> None:
    with app.app_context(), get_db().session() as session:
        if session.scalar(select(NeedTerm.code).limit(1)) is None:
            reference_only(app, Path(tempfile.mkdtemp()))


def _stored_text_is_clean(app) -> bool:
    with app.app_context(), get_db().session() as session:
        names = [*session.scalars(select(Organization.name)), *session.scalars(select(Service.name))]
        descriptions = session.scalars(select(Organization.description)).all()
    return all(boundary.text_problem(t) is None for t in (*names, *descriptions) if t)


@SETTINGS
@given(name=ANY_TEXT, description=ANY_TEXT)
def test_any_text_in_a_json_import_is_stored_clean_or_refused_whole(app, name, description):
    _prepared(app)
    body = [
        {
            "id": "org-1",
            "name": name,
            "description": description,
            "services": [{"id": "svc-1", "name": name, "status": "active"}],
        }
    ]
    before = counts(app)
    source = sources.open_json("hostile.json", json.dumps(body).encode())  # escapes carry surrogates
    report = run_import(app, source)
    if not report.written:
        assert counts(app) == before
    assert _stored_text_is_clean(app)


@SETTINGS
@given(
    name=st.text(
        st.one_of(st.characters(exclude_categories=["Cs"]), HOSTILE.filter(lambda c: c < "\ud800" or c > "\udfff")),
        min_size=1,
        max_size=30,
    )
)
def test_any_text_in_a_csv_package_is_stored_clean_or_refused_whole(app, tmp_path_factory, name):
    _prepared(app)
    package = tmp_path_factory.mktemp("package") / "p"
    shutil.copytree(HARBOUR, package)
    services = (package / "services.csv").read_text(encoding="utf-8")
    quoted = '"' + name.replace('"', '""') + '"'
    (package / "services.csv").write_text(services.replace("Child and Teen Counselling", quoted, 1), encoding="utf-8")
    before = counts(app)
    try:
        report = run_import(app, package)
    except sources.SourceError:
        report = None  # unreadable (e.g. a stray line break): refused before anything ran
    if report is None or not report.written:
        assert counts(app) == before
    assert _stored_text_is_clean(app)
