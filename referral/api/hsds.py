"""The Open Referral HSDS 3.0 API under ``/hsds`` (read-only, public), the admin import
(``POST /v1/admin/imports``) and the export (``GET /v1/hsds/export``). Views parse, call one use case, and answer; errors are problem+json.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from flask import Response, current_app, request
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from referral.api.errors import Problem, field_error
from referral.api.routing import ApiBlueprint, read_json
from referral.api.schemas import MAX_PAGE
from referral.db import get_session
from referral.hsds import HSDS_VERSION, PROFILE_URL, browse, exchange

bp = ApiBlueprint("hsds", __name__, tag="hsds")  # /hsds/… and two /v1 routes: one blueprint
ID = validate.Length(1, 100)


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(1, MAX_PAGE))
    per_page = fields.Integer(load_default=50, validate=validate.Range(1, 500))
    search = fields.String(validate=validate.Length(1, 200))


class ServiceArgs(PageArgs):
    taxonomy_term_id = fields.String(validate=ID)
    organization_id = fields.String(validate=ID)
    modified_after = fields.AwareDateTime(default_timezone=None, validate=lambda v: _in_utc_range(v))


class ServiceAtLocationArgs(ServiceArgs):
    lat = fields.Float(validate=validate.Range(-90, 90))
    lon = fields.Float(validate=validate.Range(-180, 180))
    proximity = fields.Float(validate=validate.Range(0, 1_000_000, min_inclusive=False),
                             metadata={"description": "metres from lat/lon (HSDS proximity)"})

    @validates_schema
    def _point(self, data: dict[str, Any], **_kwargs: Any) -> None:
        given = [k for k in ("lat", "lon", "proximity") if k in data]
        if given and len(given) != 3:
            raise ValidationError("lat, lon and proximity (metres) go together", "proximity")


class TermArgs(PageArgs):
    taxonomy_id = fields.String(validate=ID)
    parent_id = fields.String(validate=ID)


class HsdsPage(Schema):
    total_items = fields.Integer()
    total_pages = fields.Integer()
    page_number = fields.Integer()
    size = fields.Integer()
    first_page = fields.Boolean()
    last_page = fields.Boolean()
    empty = fields.Boolean()
    contents = fields.List(fields.Raw())


class ImportArgs(Schema):
    dry_run = fields.Boolean(load_default=False)
    lenient = fields.Boolean(load_default=False, metadata={"description": "Write every valid record and set "
                             "the others aside (report.problems, report.quarantined) instead of refusing all."})


class ExportArgs(Schema):
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "csv")))
    organization = fields.String(validate=ID)


def _in_utc_range(value: datetime) -> None:
    """Year 1 at +14:00 or 9999 at -14:00 has no UTC instant Python can hold: refuse, don't crash."""
    try:
        value.astimezone(timezone.utc)
    except OverflowError:
        raise ValidationError("is out of range once converted to UTC") from None


def _language() -> str:
    return current_app.config.get("HSDS", {}).get("export_language") or current_app.config["DEFAULT_LANGUAGE"]


@bp.operation("GET", "/hsds/", "HSDS version and profile of this API")
def meta() -> Any:
    """The HSDS version this API speaks and the profile it follows."""
    return {"version": HSDS_VERSION, "profile": PROFILE_URL, "openapi_url": request.host_url + "openapi.json"}


@bp.operation("GET", "/hsds/services", "A page of services (HSDS service_list)", query=ServiceArgs,
              response=HsdsPage, errors=(422,))
def services(args: dict[str, Any]) -> Any:
    """Filters combine with AND: search, taxonomy_term_id (with narrower needs), organization_id,
    modified_after; paged with page and per_page."""
    return browse.services(get_session(), args)


@bp.operation("GET", "/hsds/services/<id>", "One full service (HSDS compiled service)", errors=(404,))
def service(id: str) -> Any:  # noqa: A002 - the path parameter's name
    return browse.service(get_session(), id, _language())


@bp.operation("GET", "/hsds/organizations", "A page of organizations (HSDS organization_list)", query=PageArgs,
              response=HsdsPage, errors=(422,))
def organizations(args: dict[str, Any]) -> Any:
    return browse.organizations(get_session(), args)


@bp.operation("GET", "/hsds/organizations/<id>", "One full organization with its locations and services",
              errors=(404,))
def organization(id: str) -> Any:  # noqa: A002
    return browse.organization(get_session(), id, _language())


@bp.operation("GET", "/hsds/service_at_locations", "A page of services at locations, optionally near a point",
              query=ServiceAtLocationArgs, response=HsdsPage, errors=(422,))
def service_at_locations(args: dict[str, Any]) -> Any:
    """The service filters, plus proximity: lat, lon and proximity (metres); nearest first."""
    return browse.service_at_locations(get_session(), args)


@bp.operation("GET", "/hsds/taxonomies", "The taxonomies: our needs, and Open Eligibility", query=PageArgs,
              response=HsdsPage, errors=(422,))
def taxonomies(args: dict[str, Any]) -> Any:
    return browse.taxonomies(args)


@bp.operation("GET", "/hsds/taxonomy_terms", "The needs taxonomy and its Open Eligibility terms", query=TermArgs,
              response=HsdsPage, errors=(422,))
def taxonomy_terms(args: dict[str, Any]) -> Any:
    return browse.taxonomy_terms(get_session(), args, _language())


@bp.operation("POST", "/v1/admin/imports", "Import HSDS 3.0 JSON or a zipped tabular package",
                 query=ImportArgs, access="admin", errors=(400, 401, 413, 415, 422))
def import_hsds(args: dict[str, Any]) -> Any:
    """Send HSDS JSON (Content-Type: application/json) or a zip (application/zip). All or nothing;
    ?dry_run=true checks and reports without writing. 200 with the report, or 422 with it."""
    request.max_content_length = int(current_app.config.get("HSDS", {}).get("max_upload_bytes", 64 << 20))
    name, data, parsed = _upload()
    report = exchange.import_upload(get_session(), current_app.config, name, data, parsed, args["dry_run"],
                                    args["lenient"])
    if not report.ok and not report.lenient:
        raise Problem(422, "Import refused", f"{len(report.problems)} problem(s); nothing was written.",
                      type_="import-refused", report=report.as_dict(),
                      errors=[field_error(p.get("field") or "", p["message"], **{k: v for k, v in p.items()
                                                                                  if k in ("file", "row", "object")})
                              for p in report.problems[:50]])
    return report.as_dict()


def _upload() -> tuple[str, bytes | None, Any]:
    if request.is_json:
        return "request.json", None, read_json()  # refuses over-deep JSON and text that may not be stored
    if request.mimetype in ("application/zip", "application/x-zip-compressed", "application/octet-stream"):
        return "upload.zip", request.get_data(), None
    if request.files.get("file") is not None:
        upload = request.files["file"]
        return upload.filename or "upload.zip", upload.read(), None
    raise Problem(415, "Unsupported Media Type", "Send HSDS JSON (application/json), a zip (application/zip), "
                  "or a multipart form with a file field.")


@bp.operation("GET", "/v1/hsds/export", "Export the directory (or one organization) as HSDS 3.0",
                 query=ExportArgs, errors=(404, 422))
def export_hsds(args: dict[str, Any]) -> Any:
    """format=json: a list of full organizations; format=csv: the tabular data package, zipped."""
    data = exchange.export(get_session(), current_app.config, args["format"], args.get("organization"))
    if args["format"] == "json":
        return Response(data, mimetype="application/json")
    return Response(data, mimetype="application/zip",
                    headers={"Content-Disposition": 'attachment; filename="hsds-package.zip"'})
