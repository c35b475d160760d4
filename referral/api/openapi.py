"""The OpenAPI 3.1 document, generated from the declared operations and their marshmallow schemas
(the same ones the views use), and the docs page: Swagger UI rendering it, with every asset served by
this app from the swagger-ui-py package (nothing is fetched from elsewhere: the page works offline).
"""

from __future__ import annotations

import re
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, Flask, abort, current_app, jsonify, render_template, send_from_directory

from referral import __version__
from referral.api.routing import ApiBlueprint, Operation

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details; 422 adds field-level errors.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string", "description": "dotted path, [i] for list items"},
                    "pointer": {"type": "string", "description": "RFC 6901 JSON pointer into the body"},
                    "detail": {"type": "string"},
                    "suggestions": {"type": "array", "items": {"type": "string"}},
                    "candidates": {
                        "type": "array",
                        "description": "places the text may mean, best first",
                        "items": {
                            "type": "object",
                            "properties": {
                                "code": {"type": "string"},
                                "name": {"type": "string"},
                                "parent": {"type": ["string", "null"]},
                                "matched_by": {"type": "string"},
                                "matched": {"type": "string"},
                                "confidence": {"type": "number"},
                                "sites": {"type": "array", "items": {"type": "string"}},
                            },
                        },
                    },
                },
            },
        },
    },
    "required": ["type", "title", "status"],
}
PROBLEM_TYPES = {
    "validation-error": "A value is missing, malformed or out of range; `errors` names each field.",
    "malformed-json": "The body is not well-formed JSON.",
    "not-found": "No such record.",
    "conflict": "The database refused the change (duplicate, dangling reference, range).",
    "stale-version": "The record changed since it was read.",
    "unauthorized": "A key is missing, wrong, expired or revoked (401, with WWW-Authenticate).",
    "forbidden": "The key's role may not do this, or the record belongs to another organization.",
    "precondition-required": "Send If-Match with the ETag of your last read.",
    "rate-limited": "Too many requests; wait for Retry-After seconds.",
    "database-unavailable": "The database is unreachable or refuses writes; try again shortly.",
    "import-refused": "An HSDS import found problems and wrote nothing; `errors` and `report` list them.",
    "job-failed": "A background job stopped on an unexpected error; nothing it was writing was kept.",
    "job-abandoned": "The worker running a background job stopped; nothing it was writing was kept.",
}
HEADERS = {
    "ETag": {
        "description": "The record's version, quoted: send it back as If-Match to change the record.",
        "schema": {"type": "string"},
    },
    "Location": {
        "description": "Where the created record (or the queued job) can be read.",
        "schema": {"type": "string"},
    },
    "Retry-After": {"description": "Seconds to wait before trying again.", "schema": {"type": "integer"}},
    "WWW-Authenticate": {"description": "How to authenticate: Bearer.", "schema": {"type": "string"}},
}
# Headers a problem carries, by status (ETag: the record's current version after a stale If-Match).
PROBLEM_HEADERS = {401: ("WWW-Authenticate",), 412: ("ETag",), 429: ("Retry-After",)}
IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": True,
    "schema": {"type": "string"},
    "description": "The ETag of your last read (not *): without it 428, when stale 412.",
}
docs = Blueprint("docs", __name__, static_folder="static", static_url_path="/docs/static")
# The Swagger UI files the page uses (the package ships more: the editor, source maps).
SWAGGER_UI_ASSETS = frozenset({"swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png"})


def build(app: Flask) -> dict[str, Any]:
    """The OpenAPI document for every declared operation of ``app``."""
    spec = APISpec(
        title="referral",
        version=__version__,
        openapi_version="3.1.0",
        plugins=[MarshmallowPlugin(schema_name_resolver=_schema_name)],
        info={"description": "Directory of child and family services, and ranked, explained referral options."},
    )
    spec.components.schema("Problem", PROBLEM_SCHEMA)
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    paths: dict[str, dict[str, Any]] = {}
    for blueprint in app.blueprints.values():
        if isinstance(blueprint, ApiBlueprint):
            for op in blueprint.operations:
                path = blueprint.url_prefix + op.rule if blueprint.url_prefix else op.rule
                paths.setdefault(_openapi_path(path), {})[op.method.lower()] = _operation(op)
    for path, operations in sorted(paths.items()):
        spec.path(path=path, operations=operations, parameters=_path_parameters(path))
    return spec.to_dict()


def _schema_name(schema: Any) -> str:
    """Component name: the class name without "Schema"; a partial (PATCH) body gets "Patch"."""
    cls = schema if isinstance(schema, type) else type(schema)
    name = cls.__name__.removesuffix("Schema")
    return name + "Patch" if getattr(schema, "partial", False) else name


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def _path_parameters(path: str) -> list[dict[str, Any]]:
    names = re.findall(r"{([^}]+)}", path)
    return [{"name": n, "in": "path", "required": True, "schema": {"type": "string"}} for n in names]


def _operation(op: Operation) -> dict[str, Any]:
    doc: dict[str, Any] = {"summary": op.summary, "tags": [op.tag], "responses": {}}
    if op.description:
        doc["description"] = op.description
    if op.query is not None:
        doc["parameters"] = [{"in": "query", "schema": op.query}]
    if op.body is not None:
        body = op.body(partial=True) if op.partial else op.body
        doc["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if 428 in op.errors:
        doc.setdefault("parameters", []).append(IF_MATCH)
    doc["responses"][str(op.status)] = _success(op)
    if op.accepted is not None:
        doc["responses"]["202"] = {
            "description": "Queued as a background job: follow Location (/v1/jobs/{id})",
            "headers": {"Location": HEADERS["Location"]},
            "content": {"application/json": {"schema": op.accepted}},
        }
    for status in _error_statuses(op):
        doc["responses"][str(status)] = _problem(status)
    # Public reads take no key, but a key that is sent is checked (401 when wrong).
    doc["security"] = [{"bearer": []}] if op.access != "public" else [{}, {"bearer": []}]
    return doc


def _success(op: Operation) -> dict[str, Any]:
    ok: dict[str, Any] = {"description": "Success"}
    if op.status != 204:
        schema = op.response if op.response is not None else {}  # any JSON: documented in the description
        ok["content"] = {
            "application/json": {"schema": schema},
            **{media: {"schema": {"type": "string"}} for media in op.media_types},
        }
    if op.headers:
        ok["headers"] = {name: HEADERS[name] for name in op.headers}
    return ok


def _error_statuses(op: Operation) -> list[int]:
    """The problems an operation may answer, from what it declares and what every request of its
    shape may meet: a key is checked wherever one is sent (401); a role or a suspended organization
    is refused (403); a body may be too large, not JSON, malformed or invalid; query arguments may
    be invalid; a path id may name nothing; every request but the liveness probe is rate-limited, and
    may lose its database."""
    statuses = {*op.errors, 401, 503} | ({429} if op.limited else set())
    if op.access != "public":
        statuses.add(403)
    if op.body is not None:
        statuses |= {400, 413, 415, 422}
    if op.query is not None:
        statuses.add(422)
    if "<" in op.rule:
        statuses.add(404)
    if 428 in statuses:
        statuses.add(412)
    return sorted(statuses)


def _problem(status: int) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": "Problem",
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    if status in PROBLEM_HEADERS:
        answer["headers"] = {name: HEADERS[name] for name in PROBLEM_HEADERS[status]}
    return answer


@docs.get("/openapi.json")
def openapi_json() -> Any:
    """The OpenAPI 3.1 document."""
    return jsonify(_cached(current_app))


@docs.get("/docs")
def docs_page() -> Any:
    """Swagger UI on /openapi.json, and the problem types that problem documents link to."""
    return render_template("docs.html", spec=_cached(current_app), problems=PROBLEM_TYPES)


@docs.get("/docs/swagger-ui/<name>")
def swagger_ui_asset(name: str) -> Any:
    """One of Swagger UI's files, from the installed package (cached a day by the browser)."""
    if name not in SWAGGER_UI_ASSETS:
        abort(404)
    return send_from_directory(_swagger_ui_dir(), name, max_age=86400)


@cache
def _swagger_ui_dir() -> Path:
    """swagger-ui-py's static folder, found without importing the package (it would import PyYAML)."""
    spec = find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("swagger-ui-py is not installed: pip install -e .")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


def _cached(app: Flask) -> dict[str, Any]:
    if "referral.openapi" not in app.extensions:
        app.extensions["referral.openapi"] = build(app)
    return app.extensions["referral.openapi"]
