"""schemathesis against the app's own /openapi.json, in process (WSGI, no server, no network), as an
admin, as an organization's editor and with no key: no 5xx, every answer as documented (status,
content type, headers, body), and invalid input never accepted. Writes go to a throwaway database.
"""

from __future__ import annotations

import pytest
import schemathesis

from tests.api import fuzzing
from tests.conftest import BACKENDS


@pytest.fixture(scope="module", params=BACKENDS)
def fuzz_target(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    databases = fuzzing.throwaway_database(request.param, tmp_path_factory.mktemp("fuzz"))
    target = fuzzing.target(request.param, next(databases))
    yield target
    fuzzing.dispose(target.app)
    next(databases, None)


def own_schema(target: fuzzing.Target):
    return schemathesis.openapi.from_wsgi("/openapi.json", target.app, config=fuzzing.config(target.backend))


@pytest.mark.parametrize("caller", ["admin", "editor", "anonymous"])
def test_every_operation_answers_as_documented_and_refuses_invalid_input(fuzz_target, caller):
    failures = fuzzing.fuzz(own_schema(fuzz_target), fuzz_target.callers[caller], fuzzing.EXAMPLES[fuzz_target.backend])
    assert failures == [], "\n\n".join(failures)


# Defects the fuzzer found, kept as plain tests: each failed before its fix.


def test_an_empty_if_match_names_no_version_and_is_refused_as_stale(client, admin_headers):
    from tests import builders

    created = client.post("/v1/organizations", json=builders.organization(), headers=admin_headers)
    response = client.patch(created.headers["Location"], json={}, headers={**admin_headers, "If-Match": '""'})
    assert (response.status_code, response.mimetype) == (412, "application/problem+json")
