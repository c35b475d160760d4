"""Declared operations: each view names its query schema, body schema, response schema and access
rule once; the same declaration parses the request, dumps the response, drives the access check
and generates the OpenAPI document. A small, explicit cousin of flask-smorest.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from marshmallow import Schema, ValidationError

from referral import boundary
from referral.api.errors import Problem, field_error, from_match_input, from_validation
from referral.api.i18n import _
from referral.db import WRITE_METHODS
from referral.matching.types import MatchInputError
from referral.policy import ACCESS_LEVELS


@dataclass(frozen=True)
class Operation:
    method: str
    rule: str
    summary: str
    description: str = ""
    query: type[Schema] | None = None
    body: type[Schema] | None = None
    partial: bool = False
    response: type[Schema] | None = None
    status: int = 200
    access: str = "public"
    errors: tuple[int, ...] = ()
    tag: str = ""
    # A POST that only reads (a match): its request runs in a read transaction, key check included,
    # so it never waits for SQLite's write lock.
    read_only: bool = False
    # Headers a success carries, for the OpenAPI document (ETag, Location).
    headers: tuple[str, ...] = ()
    # Other media types a success may answer in besides application/json (text/csv, ndjson, zip).
    media_types: tuple[str, ...] = ()
    # The view returns the body already in the response schema's shape (a hot path where dumping
    # through marshmallow would cost more than the work); the schema still documents it, and a
    # test checks the shape.
    presented: bool = False
    # Called with the 422 a body or query failed with, or the view's MatchInputError as its 422;
    # answers instead, or raises it (a match that reveals a risk to the child is answered anyway:
    # referral/match_rescue.py).
    rescue: Callable[[Problem], Any] | None = None
    # The operation may instead queue a background job: 202 with Location and this schema (a Job).
    accepted: type[Schema] | None = None
    # Counted against the rate limits (per address, and per key when one is sent). Only the
    # liveness probe is not: limiting a request that does nothing protects nothing, and a probe
    # refused (a proxy in front makes every client one address) gets a busy worker restarted.
    limited: bool = True


def current_operation() -> Operation | None:
    """The declared operation this request reaches (None: no route, or one not declared here)."""
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "referral_operation", None)


class ApiBlueprint(Blueprint):
    """A Blueprint whose routes are declared Operations."""

    def __init__(self, name: str, import_name: str, tag: str, **kwargs: Any):
        super().__init__(name, import_name, **kwargs)
        self.tag = tag
        self.operations: list[Operation] = []

    def operation(self, method: str, rule: str, summary: str, **meta: Any) -> Callable:
        op = Operation(method=method, rule=rule, summary=summary, tag=self.tag, **meta)
        assert op.access in ACCESS_LEVELS, op.access
        self.operations.append(op)

        def decorator(fn: Callable) -> Callable:
            op_with_doc = op if op.description else _with_description(op, fn)
            self.operations[-1] = op_with_doc

            @wraps(fn)
            def view(**path: Any) -> Any:
                _check_path(path)
                try:
                    inputs = _inputs(op_with_doc)
                except Problem as problem:
                    if op_with_doc.rescue is None or problem.status != 422:
                        raise
                    return _respond(op_with_doc, op_with_doc.rescue(problem))
                try:
                    answer = fn(**path, **inputs)
                except MatchInputError as error:  # a 422 from api/errors.py, unless the operation rescues it
                    if op_with_doc.rescue is None:
                        raise
                    return _respond(op_with_doc, op_with_doc.rescue(from_match_input(error)))
                return _respond(op_with_doc, answer)

            view.referral_operation = op_with_doc  # type: ignore[attr-defined]  # a mark on the view function, read by openapi.py
            view.referral_read_only = op.read_only or method not in WRITE_METHODS  # type: ignore[attr-defined]  # read by db.get_session
            self.add_url_rule(rule, endpoint=fn.__name__, view_func=view, methods=[method])
            return view

        return decorator


def _with_description(op: Operation, fn: Callable) -> Operation:
    doc = (fn.__doc__ or "").strip()
    return Operation(**{**op.__dict__, "description": doc})


def _inputs(op: Operation) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    if op.query is not None:
        kwargs["args"] = load_query(op.query)
    if op.body is not None:
        kwargs["body"] = load_body(op.body, partial=op.partial)
    return kwargs


@functools.cache
def instance(schema: type[Schema]) -> Schema:
    """One instance per schema class: marshmallow 4 schemas keep no per-call state, and building
    one (with its nested schemas) costs more than a small load."""
    return schema()


def load_query(schema: type[Schema]) -> dict[str, Any]:
    """Query arguments through ``schema``; a repeated argument is refused (lists are not taken)."""
    raw: dict[str, Any] = {}
    for key, values in request.args.lists():
        if len(values) > 1:
            raise Problem(
                422,
                _("Invalid request"),
                f"{key}: {_('given more than once')}",
                type_="validation-error",
                errors=[{"field": key, "pointer": "", "detail": _("given more than once")}],
            )
        raw[key] = values[0]
    refuse_text(raw)
    try:
        return instance(schema).load(raw)
    except ValidationError as error:
        raise from_validation(error) from None


def read_json() -> Any:
    """The request body as JSON: 415 if it is not JSON, 400 if it does not parse."""
    if not request.is_json:
        raise Problem(415, _("Unsupported Media Type"), _("Send the body as JSON with Content-Type: application/json."))
    if boundary.json_too_deep(request.get_data(cache=True)):
        raise Problem(
            400,
            _("Bad Request"),
            _("The JSON is nested deeper than {depth} levels.", depth=boundary.MAX_DEPTH),
            type_="malformed-json",
        )
    data = request.get_json(silent=True)
    if data is None:
        raise Problem(400, _("Bad Request"), _("The body is not well-formed JSON."), type_="malformed-json")
    refuse_text(data)
    return data


def refuse_text(data: Any) -> None:
    """422 naming every field whose text may not be stored (see referral.boundary)."""
    found = list(boundary.problems(data))
    if found:
        raise Problem(
            422,
            _("Invalid request"),
            "; ".join(f"{f or 'body'}: {_(m)}" for f, m in found[:5]),
            type_="validation-error",
            errors=[field_error(f, _(m)) for f, m in found[:50]],
        )


def _check_path(path: dict[str, Any]) -> None:
    """A path id that no record can have (a NUL, a control character, too long) is not found."""
    for value in path.values():
        if isinstance(value, str) and (len(value) > 200 or boundary.text_problem(value)):
            raise Problem(404, _("Not Found"), _("No record has this id."), type_="not-found")


def load_body(schema: type[Schema], partial: bool = False) -> dict[str, Any]:
    data = read_json()
    if not isinstance(data, dict):
        raise Problem(
            422,
            _("Invalid request"),
            _("The body must be a JSON object."),
            type_="validation-error",
            errors=[{"field": "", "pointer": "", "detail": _("must be a JSON object")}],
        )
    try:
        return instance(schema).load(data, partial=partial)
    except ValidationError as error:
        raise from_validation(error) from None


def _respond(op: Operation, result: Any) -> Response:
    if isinstance(result, Response):
        return result
    headers: dict[str, str] = {}
    if isinstance(result, tuple):
        result, headers = result
    if op.status == 204:
        response = Response(status=204)
    else:
        payload = instance(op.response).dump(result) if op.response is not None and not op.presented else result
        response = jsonify(payload)
        response.status_code = op.status
    response.headers.update(headers)
    return response
