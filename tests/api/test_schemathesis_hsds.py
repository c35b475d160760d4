"""schemathesis against the official HSDS 3.0 OpenAPI document, run at our ``/hsds`` paths in process:
every official path and parameter, positive and negative, with no 5xx, bodies valid against the
official compiled schemas, and invalid input refused.

The official document's ``$ref``s point at the published schema files; they are read from
``$REFERRAL_TEST_HSDS_DIR/schema`` and inlined here (the project never reads that folder at run
time). Where the API goes beyond the official document, the document is extended below, each
deviation with its reason; nothing else is excluded.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest
import schemathesis

from tests.api import fuzzing
from tests.conftest import BACKENDS

PUBLISHED = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"
PROBLEM = {
    "description": "Problem (RFC 9457)",
    "content": {
        "application/problem+json": {
            "schema": {
                "type": "object",
                "required": ["type", "title", "status"],
                "properties": {"type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"}},
            }
        }
    },
}
# Our documented extensions of the official document, each with its reason.
DEVIATIONS = {
    # The official document names no server; this API serves HSDS under /hsds (the /v1 API beside it).
    "servers": [{"url": "/hsds"}],
    # The official document declares only 200. A missing record is a 404, an argument outside what
    # we can answer (page < 1 or past the last representable page, per_page > 500, an unknown
    # format, a modified_after that is no date, a proximity that is no number) a 422 naming it,
    # a wrong key (a key sent to a public route is checked) a 401, a caller over its limit a 429,
    # a lost database a 503: all problem+json.
    "problems": (401, 404, 422, 429, 503),
    # The official document gives /service_at_locations/{id} the compiled *service* schema, against
    # its path, summary and operationId (all "service_at_location"): we answer, and check, the
    # compiled service_at_location.json.
    "service_at_location": "compiled/service_at_location.json",
    # format=ndjson (named by the official parameter's description) streams every result, one JSON
    # object a line, as application/x-ndjson.
    "ndjson": "application/x-ndjson",
}
LISTS = ("/services", "/organizations", "/service_at_locations", "/taxonomies", "/taxonomy_terms")


def official_document() -> dict[str, Any]:
    """The official document with its schema files inlined and our deviations declared."""
    folder = Path(os.environ["REFERRAL_TEST_HSDS_DIR"])
    path = next(p for p in (folder / "openapi.json", folder / "schema" / "openapi.json") if p.exists())
    document = _inline(json.loads(path.read_text(encoding="utf-8")), folder / "schema")
    document["servers"] = DEVIATIONS["servers"]
    one = document["paths"]["/service_at_locations/{id}"]["get"]["responses"]["200"]["content"]["application/json"]
    one["schema"] = _inline({"$ref": PUBLISHED + DEVIATIONS["service_at_location"]}, folder / "schema")
    for path_name, item in document["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            for status in DEVIATIONS["problems"]:
                operation["responses"].setdefault(str(status), copy.deepcopy(PROBLEM))
            if path_name in LISTS:
                operation["responses"]["200"]["content"][DEVIATIONS["ndjson"]] = {"schema": {"type": "string"}}
    return document


def _inline(node: Any, schemas: Path) -> Any:
    """Replace each reference to a published schema file by that file's content (read locally)."""
    if isinstance(node, list):
        return [_inline(item, schemas) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith(PUBLISHED):
        loaded = json.loads((schemas / ref.removeprefix(PUBLISHED)).read_text(encoding="utf-8"))
        return _inline({k: v for k, v in loaded.items() if k not in ("$schema", "$id")}, schemas)
    return {key: _inline(value, schemas) for key, value in node.items()}


@pytest.fixture(scope="module", params=BACKENDS)
def fuzz_target(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    if not os.environ.get("REFERRAL_TEST_HSDS_DIR"):
        pytest.skip("set REFERRAL_TEST_HSDS_DIR to the official HSDS material (openapi.json and schema/)")
    databases = fuzzing.throwaway_database(request.param, tmp_path_factory.mktemp("fuzz-hsds"))
    target = fuzzing.target(request.param, next(databases))
    yield target
    fuzzing.dispose(target.app)
    next(databases, None)


def test_the_official_hsds_document_holds_at_our_hsds_paths(fuzz_target):
    schema = schemathesis.openapi.from_dict(official_document(), config=fuzzing.config(fuzz_target.backend))
    schema.app = fuzz_target.app
    # ignored_auth is left out: the official document declares no security (HSDS reads are public).
    checks = tuple(c for c in fuzzing.CHECKS if c != "ignored_auth")
    failures = fuzzing.fuzz(schema, {}, fuzzing.EXAMPLES[fuzz_target.backend] * 2, checks)
    assert failures == [], "\n\n".join(failures)


# Generated ids name nothing (404): the records themselves are checked with the ids the lists give,
# and the lists with each of their official options.
OPTIONS = [
    {},
    {"full": "true"},
    {"minimal": "true"},
    {"full_service": "true"},
    {"format": "ndjson"},
    {"page": "2", "per_page": "1"},
]


def test_every_official_record_and_list_option_answers_in_the_official_schemas(fuzz_target):
    schema = schemathesis.openapi.from_dict(official_document(), config=fuzzing.config(fuzz_target.backend))
    schema.app = fuzz_target.app
    client = fuzz_target.app.test_client()
    cases = []
    for path in LISTS:
        cases += [
            schema[path]["GET"].Case(query=query)
            for query in OPTIONS
            if query.keys() <= _parameters(schema[path]["GET"])
        ]
        ids = [item["id"] for item in client.get("/hsds" + path, query_string={"per_page": 3}).get_json()["contents"]]
        assert ids, path
        cases += [schema[path + "/{id}"]["GET"].Case(path_parameters={"id": id_}) for id_ in ids]
    failures = fuzzing.validate(cases, {}, tuple(c for c in fuzzing.CHECKS if c != "ignored_auth"))
    assert failures == [], "\n\n".join(failures)


def _parameters(operation: Any) -> set[str]:
    return {parameter.name for parameter in operation.query}
