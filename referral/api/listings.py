"""Blueprints for organizations, sites and services: list, read, create, update, soft-delete,
restore and history; plus a service's confirm and reports.

Views only parse, call one use case and dump. The three resources share one shape, so one function
declares their operations. Changes need If-Match (428 without, 412 when stale); reads give ETags.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marshmallow import Schema

from referral import directory, freshness, queries
from referral.api.access import current_principal
from referral.api.concurrency import etag, expected_version
from referral.api.routing import ApiBlueprint
from referral.db import get_session
from referral.models import Organization, Service, Site
from referral.schemas.directory import (
    HistorySchema,
    ListArgs,
    OrganizationSchema,
    ReportInput,
    ReportList,
    ReportSchema,
    ServiceListArgs,
    ServiceSchema,
    SiteListArgs,
    SiteSchema,
    page_schema,
)

WRITE_ERRORS = (400, 401, 403, 404, 409, 413, 415, 422)
CHANGE_ERRORS = (*WRITE_ERRORS, 412, 428)


def _resource(
    name: str, model: type, schema: type[Schema], args: type[Schema], lister: Callable, filters: str
) -> ApiBlueprint:
    singular = name[:-1]
    bp = ApiBlueprint(name, __name__, tag=name, url_prefix=f"/v1/{name}")
    creator = "admin" if model is Organization else "editor"

    @bp.operation(
        "GET",
        "",
        f"List {name}",
        query=args,
        response=page_schema(schema),
        errors=(422,),
        description=f"Active {name} by default, by name. {filters}",
    )
    def index(args: dict[str, Any]) -> Any:
        return lister(get_session(), args)

    @bp.operation(
        "GET",
        "/<id>",
        f"Read one {singular}",
        response=schema,
        errors=(404,),
        headers=("ETag",),
        description=f"Inactive {name} stay readable by id. The ETag is the record's version.",
    )
    def read(id: str) -> Any:
        obj = directory.get(get_session(), model, id)
        return obj, etag(obj)

    @bp.operation(
        "POST",
        "",
        f"Create a {singular}",
        body=schema,
        response=schema,
        status=201,
        access=creator,
        errors=WRITE_ERRORS,
        headers=("ETag", "Location"),
        description="Admins create organizations; an org_editor creates sites and services of its own organization.",
    )
    def create(body: dict[str, Any]) -> Any:
        obj = directory.create(get_session(), current_principal(), model, body)
        return obj, {**etag(obj), "Location": f"/v1/{name}/{obj.id}"}

    @bp.operation(
        "PATCH",
        "/<id>",
        f"Update a {singular}",
        body=schema,
        partial=True,
        response=schema,
        access="editor",
        errors=CHANGE_ERRORS,
        headers=("ETag",),
        description="Only the fields sent change; the whole record is checked again. "
        "Needs If-Match with the ETag of your last read.",
    )
    def patch(id: str, body: dict[str, Any]) -> Any:
        obj = directory.update_listing(get_session(), current_principal(), model, id, body, expected_version())
        return obj, etag(obj)

    @bp.operation(
        "DELETE",
        "/<id>",
        f"Deactivate a {singular}",
        response=schema,
        access="editor",
        errors=CHANGE_ERRORS,
        headers=("ETag",),
        description="A soft delete: status becomes inactive. Needs If-Match.",
    )
    def delete(id: str) -> Any:
        obj = directory.soft_delete(get_session(), current_principal(), model, id, expected_version())
        return obj, etag(obj)

    @bp.operation(
        "POST",
        "/<id>/restore",
        f"Restore a deactivated {singular}",
        response=schema,
        access="admin",
        errors=CHANGE_ERRORS,
        headers=("ETag",),
        description="Admins only. Needs If-Match.",
    )
    def restore(id: str) -> Any:
        obj = directory.restore(get_session(), current_principal(), model, id, expected_version())
        return obj, etag(obj)

    @bp.operation(
        "GET",
        "/<id>/history",
        f"The audit trail of a {singular}",
        response=HistorySchema,
        access="editor",
        errors=(401, 403, 404),
        description="Every change with who, when, and each field before and after; "
        "for admins and the owning organization's editors.",
    )
    def history(id: str) -> Any:
        return {"items": directory.history(get_session(), current_principal(), model, id)}

    return bp


def _service_extras(bp: ApiBlueprint) -> ApiBlueprint:
    @bp.operation(
        "POST",
        "/<id>/confirm",
        "Confirm the listing is still accurate",
        response=ServiceSchema,
        access="editor",
        errors=(401, 403, 404),
        headers=("ETag",),
        description="Sets verified_at to today; for the owning editors and admins.",
    )
    def confirm(id: str) -> Any:
        service = freshness.confirm(get_session(), current_principal(), id)
        return service, etag(service)

    @bp.operation(
        "POST",
        "/<id>/reports",
        "Report that the listing is wrong",
        body=ReportInput,
        response=ReportSchema,
        status=201,
        access="key",
        errors=(401, 404, 422),
    )
    def report(id: str, body: dict[str, Any]) -> Any:
        return freshness.report(get_session(), current_principal(), id, body["reason"])

    @bp.operation(
        "GET",
        "/<id>/reports",
        "Reports about the listing",
        response=ReportList,
        access="editor",
        errors=(401, 403, 404),
    )
    def reports(id: str) -> Any:
        return {"items": freshness.reports_for(get_session(), current_principal(), id)}

    return bp


def blueprints() -> list[ApiBlueprint]:
    return [
        _resource(
            "organizations",
            Organization,
            OrganizationSchema,
            ListArgs,
            queries.list_organizations,
            "Filters: status (active, inactive, suspended, any), q (fuzzy name in any language).",
        ),
        _resource(
            "sites",
            Site,
            SiteSchema,
            SiteListArgs,
            queries.list_sites,
            "Filters: status, q, organization (id), place (code, with its sub-places).",
        ),
        _service_extras(
            _resource(
                "services",
                Service,
                ServiceSchema,
                ServiceListArgs,
                queries.list_services,
                "Filters: status, q, organization, need (code, with its descendants), place "
                "(offered at a site there or serving it, with sub-places), accepting=true.",
            )
        ),
    ]
