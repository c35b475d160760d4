"""Blueprints for organizations, sites and services: list, read, create, update, soft-delete.

Views only parse, call one use case and dump; the three resources share one shape, so one
function declares the five operations for each.
"""

from __future__ import annotations

from typing import Any, Callable

from marshmallow import Schema

from referral import directory, queries
from referral.api.routing import ApiBlueprint
from referral.api.schemas import (
    ListArgs,
    OrganizationSchema,
    ServiceListArgs,
    ServiceSchema,
    SiteListArgs,
    SiteSchema,
    page_schema,
)
from referral.db import get_session
from referral.models import Organization, Service, Site

WRITE_ERRORS = (400, 401, 404, 409, 413, 415, 422)


def _resource(
    name: str, model: type, schema: type[Schema], args: type[Schema], lister: Callable, filters: str
) -> ApiBlueprint:
    singular = name[:-1]
    bp = ApiBlueprint(name, __name__, tag=name, url_prefix=f"/v1/{name}")

    @bp.operation("GET", "", f"List {name}", query=args, response=page_schema(schema), errors=(422,),
                  description=f"Active {name} by default, by name. {filters}")
    def index(args: dict[str, Any]) -> Any:
        return lister(get_session(), args)

    @bp.operation("GET", "/<id>", f"Read one {singular}", response=schema, errors=(404,),
                  description=f"Inactive {name} stay readable by id.")
    def read(id: str) -> Any:  # noqa: A002 - the path parameter's name
        return directory.get(get_session(), model, id)

    @bp.operation("POST", "", f"Create a {singular}", body=schema, response=schema, status=201,
                  access="admin", errors=WRITE_ERRORS)
    def create(body: dict[str, Any]) -> Any:
        return directory.create(get_session(), model, body)

    @bp.operation("PATCH", "/<id>", f"Update a {singular}", body=schema, partial=True,
                  response=schema, access="admin", errors=WRITE_ERRORS,
                  description="Only the fields sent change; the whole record is checked again.")
    def patch(id: str, body: dict[str, Any]) -> Any:  # noqa: A002
        return directory.update_listing(get_session(), model, id, body)

    @bp.operation("DELETE", "/<id>", f"Deactivate a {singular}", response=schema, access="admin",
                  errors=(401, 404), description="A soft delete: status becomes inactive.")
    def delete(id: str) -> Any:  # noqa: A002
        return directory.soft_delete(get_session(), model, id)

    return bp


def blueprints() -> list[ApiBlueprint]:
    return [
        _resource("organizations", Organization, OrganizationSchema, ListArgs, queries.list_organizations,
                  "Filters: status (active, inactive, suspended, any), q (fuzzy name in any language)."),
        _resource("sites", Site, SiteSchema, SiteListArgs, queries.list_sites,
                  "Filters: status, q, organization (id), place (code, with its sub-places)."),
        _resource("services", Service, ServiceSchema, ServiceListArgs, queries.list_services,
                  "Filters: status, q, organization, need (code, with its descendants), place "
                  "(offered at a site there or serving it, with sub-places), accepting=true."),
    ]
