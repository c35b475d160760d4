"""The Open Referral HSDS 3.0 API under ``/hsds`` (read-only, public), the admin import
(``POST /v1/admin/imports``, queued as a job) and the export (``GET /v1/hsds/export``: the kept file
of this directory version, or a job that builds it). Views parse, call one use case, and answer;
errors are problem+json.
"""

from __future__ import annotations

import json
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Response, current_app, jsonify, request
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from referral import jobs
from referral.api.access import current_principal
from referral.api.errors import Problem
from referral.api.i18n import N_, _
from referral.api.jobs import JobSchema, accepted, stream_file
from referral.api.routing import ApiBlueprint, read_json
from referral.db import get_db, get_session
from referral.hsds import HSDS_VERSION, PROFILE_URL, browse, exchange
from referral.models import Organization
from referral.schemas.directory import MAX_PAGE

bp = ApiBlueprint("hsds", __name__, tag="hsds")  # /hsds/… and two /v1 routes: one blueprint
ID = validate.Length(1, 100)
NDJSON = "application/x-ndjson"  # format=ndjson


class Moment(fields.Field):
    """A date (its first instant, UTC) or a datetime with an offset: HSDS modified_after."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> datetime:
        text = str(value).strip()
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ValidationError(N_("is not a date (2024-01-31) or a datetime with an offset")) from None
        if moment.tzinfo is None and "T" not in text and " " not in text:
            moment = moment.replace(tzinfo=UTC)
        if moment.tzinfo is None:
            raise ValidationError(N_("a datetime needs an offset (Z or +08:00)"))
        _in_utc_range(moment)
        return moment


class PageArgs(Schema):
    class Meta:
        unknown = EXCLUDE  # a standard client's other parameters never break it

    page = fields.Integer(load_default=1, validate=validate.Range(1, MAX_PAGE))
    per_page = fields.Integer(load_default=50, validate=validate.Range(1, 500))
    search = fields.String(validate=validate.Length(1, 200))
    format = fields.String(
        load_default="json",
        validate=validate.OneOf(("json", "ndjson")),
        metadata={"description": "ndjson: every result, one JSON object a line, streamed"},
    )


class ServiceArgs(PageArgs):
    taxonomy_term_id = fields.String(validate=ID)
    taxonomy_id = fields.String(validate=ID)
    organization_id = fields.String(validate=ID)
    modified_after = Moment(metadata={"description": "a date or a datetime with an offset"})
    minimal = fields.Boolean(load_default=False, metadata={"description": "only id and last_modified"})
    full = fields.Boolean(load_default=False, metadata={"description": "fully nested services"})


class OrganizationArgs(PageArgs):
    full = fields.Boolean(load_default=False, metadata={"description": "fully nested organizations"})
    full_service = fields.Boolean(load_default=False, metadata={"description": "with their full services"})


class OrganizationOneArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    full_service = fields.Boolean(load_default=True)


class ServiceAtLocationArgs(ServiceArgs):
    lat = fields.Float(validate=validate.Range(-90, 90))
    lon = fields.Float(validate=validate.Range(-180, 180))
    proximity = fields.Float(
        validate=validate.Range(0, 1_000_000, min_inclusive=False),
        metadata={"description": "metres from lat/lon, or from the postcode (HSDS proximity)"},
    )
    postcode = fields.String(
        validate=validate.Length(1, 20),
        metadata={
            "description": "sites at this postcode; with proximity, sites within proximity metres of their centroid"
        },
    )

    @validates_schema
    def _point(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if "postcode" in data:
            return
        given = [k for k in ("lat", "lon", "proximity") if k in data]
        if given and given != ["proximity"] and len(given) != 3:  # proximity alone has no point: ignored
            raise ValidationError(N_("lat, lon and proximity (metres) go together"), "proximity")


class TermArgs(PageArgs):
    taxonomy_id = fields.String(validate=ID)
    parent_id = fields.String(validate=ID)
    top_only = fields.Boolean(load_default=False, metadata={"description": "only terms without a parent"})


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
    lenient = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Write every valid record and set "
            "the others aside (report.problems, report.quarantined) instead of refusing all."
        },
    )


class ExportArgs(Schema):
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "csv")))
    organization = fields.String(validate=ID)


def _in_utc_range(value: datetime) -> None:
    """Year 1 at +14:00 or 9999 at -14:00 has no UTC instant Python can hold: refuse, don't crash."""
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise ValidationError(N_("is out of range once converted to UTC")) from None


def _language() -> str:
    return current_app.config.get("HSDS", {}).get("export_language") or current_app.config["DEFAULT_LANGUAGE"]


def _timezone() -> str:
    """The zone whose current UTC offset times carry: the export's (exchange.py)."""
    return exchange.timezone(current_app.config)


@bp.operation("GET", "/hsds/", "HSDS version and profile of this API")
def meta() -> Any:
    """The HSDS version this API speaks and the profile it follows."""
    return {"version": HSDS_VERSION, "profile": PROFILE_URL, "openapi_url": request.host_url + "openapi.json"}


def _answer(page: dict[str, Any], args: dict[str, Any]) -> Any:
    """The HSDS page, or with format=ndjson every result, one JSON object a line (streamed)."""
    if args.get("format") != "ndjson":
        return page
    lines = (json.dumps(item, ensure_ascii=False) + "\n" for item in page["contents"])
    return Response(lines, mimetype=NDJSON)


def _all(args: dict[str, Any]) -> dict[str, Any]:
    return {**args, "page": 1, "per_page": browse.EVERYTHING} if args.get("format") == "ndjson" else args


@bp.operation(
    "GET",
    "/hsds/services",
    "A page of services (HSDS service_list)",
    query=ServiceArgs,
    response=HsdsPage,
    errors=(422,),
    media_types=(NDJSON,),
)
def services(args: dict[str, Any]) -> Any:
    """Filters combine with AND: search, taxonomy_term_id (with narrower needs), taxonomy_id,
    organization_id, modified_after (a date or a datetime); paged with page and per_page; full: whole
    services; minimal: id and last_modified only; format=ndjson: every result, streamed."""
    return _answer(browse.services(get_session(), _all(args), _language(), _timezone()), args)


@bp.operation("GET", "/hsds/services/<id>", "One full service (HSDS compiled service)", errors=(404,))
def service(id: str) -> Any:
    return browse.service(get_session(), id, _language(), _timezone())


@bp.operation(
    "GET",
    "/hsds/organizations",
    "A page of organizations (HSDS organization_list)",
    query=OrganizationArgs,
    response=HsdsPage,
    errors=(422,),
    media_types=(NDJSON,),
)
def organizations(args: dict[str, Any]) -> Any:
    """full or full_service: whole organizations with their locations and services."""
    return _answer(browse.organizations(get_session(), _all(args), _language(), _timezone()), args)


@bp.operation(
    "GET",
    "/hsds/organizations/<id>",
    "One full organization with its locations and services",
    query=OrganizationOneArgs,
    errors=(404,),
)
def organization(id: str, args: dict[str, Any]) -> Any:
    """full_service=false: the services as their one-to-one fields only."""
    return browse.organization(get_session(), id, _language(), args["full_service"], _timezone())


@bp.operation(
    "GET",
    "/hsds/service_at_locations",
    "A page of services at locations, optionally near a point",
    query=ServiceAtLocationArgs,
    response=HsdsPage,
    errors=(422,),
    media_types=(NDJSON,),
)
def service_at_locations(args: dict[str, Any]) -> Any:
    """The service filters, plus proximity: lat, lon and proximity (metres), or postcode (with
    proximity: around the centroid of the sites at that postcode); nearest first."""
    return _answer(browse.service_at_locations(get_session(), _all(args), _language(), _timezone()), args)


@bp.operation("GET", "/hsds/service_at_locations/<id>", "One service at a location (HSDS compiled)", errors=(404,))
def service_at_location(id: str) -> Any:
    return browse.service_at_location(get_session(), id, _language(), _timezone())


@bp.operation(
    "GET",
    "/hsds/taxonomies",
    "The taxonomies: our needs, Open Eligibility, eligibility, matching",
    query=PageArgs,
    response=HsdsPage,
    errors=(422,),
    media_types=(NDJSON,),
)
def taxonomies(args: dict[str, Any]) -> Any:
    return _answer(browse.taxonomies(_all(args)), args)


@bp.operation("GET", "/hsds/taxonomies/<id>", "One taxonomy", errors=(404,))
def taxonomy(id: str) -> Any:
    return browse.taxonomy(id)


@bp.operation(
    "GET",
    "/hsds/taxonomy_terms",
    "The needs taxonomy and its Open Eligibility terms",
    query=TermArgs,
    response=HsdsPage,
    errors=(422,),
    media_types=(NDJSON,),
)
def taxonomy_terms(args: dict[str, Any]) -> Any:
    """Filters: taxonomy_id, parent_id, top_only (terms without a parent), search."""
    return _answer(browse.taxonomy_terms(get_session(), _all(args), _language()), args)


@bp.operation("GET", "/hsds/taxonomy_terms/<id>", "One taxonomy term", errors=(404,))
def taxonomy_term(id: str) -> Any:
    return browse.taxonomy_term(get_session(), id, _language())


@bp.operation(
    "POST",
    "/v1/admin/imports",
    "Queue an import of HSDS 3.0 JSON or a zipped tabular package",
    query=ImportArgs,
    access="admin",
    status=202,
    response=JobSchema,
    headers=("Location",),
    errors=(400, 401, 403, 413, 415, 422),
)
def import_hsds(args: dict[str, Any]) -> Any:
    """Send HSDS JSON (Content-Type: application/json), a zip (application/zip), or a multipart form
    with a file field. The upload is saved and the import queued: 202 with Location: /v1/jobs/{id},
    which shows its progress and, when done, the report (failed, with a 422 problem carrying the
    report, when it was refused). All or nothing unless lenient; ?dry_run=true checks and reports
    without writing. JSON that cannot be read or holds text no one may store is refused at once."""
    request.max_content_length = int(current_app.config.get("HSDS", {}).get("max_upload_bytes", 64 << 20))
    folder = jobs.folder(current_app.instance_path)
    payload = f"{uuid.uuid4()}.upload"
    name = _save_upload(folder / payload)
    params = {"dry_run": args["dry_run"], "lenient": args["lenient"], "name": name}
    try:
        job = jobs.enqueue(get_session(), current_principal(), "import", params, payload)
    except BaseException:
        (folder / payload).unlink(missing_ok=True)
        raise
    return accepted(job)


def _save_upload(path: Path) -> str:
    """Write the request's upload to ``path``, streamed; the name the report gives it."""
    if request.is_json:
        read_json()  # refuses malformed or over-deep JSON and text that may not be stored, before queuing
        path.write_bytes(request.get_data(cache=True))
        return "request.json"
    if request.mimetype in ("application/zip", "application/x-zip-compressed", "application/octet-stream"):
        with path.open("wb") as target:
            shutil.copyfileobj(request.stream, target, 1 << 16)
        return "upload.zip"
    if request.files.get("file") is not None:
        upload = request.files["file"]
        upload.save(path)
        return (upload.filename or "upload.zip")[:200]
    raise Problem(
        415,
        _("Unsupported Media Type"),
        _("Send HSDS JSON (application/json), a zip (application/zip), or a multipart form with a file field."),
    )


@bp.operation(
    "GET",
    "/v1/hsds/export",
    "Export the directory (or one organization) as HSDS 3.0",
    query=ExportArgs,
    access="key",
    accepted=JobSchema,
    errors=(401, 404, 422),
    media_types=("application/zip",),
)
def export_hsds(args: dict[str, Any]) -> Any:
    """format=json: a list of full organizations; format=csv: the tabular data package, zipped. Made
    once per directory version and kept: while the directory is unchanged the file is sent at once
    (200). Otherwise a job builds it (202 with Location: /v1/jobs/{id}; when done, its result links
    the download, and this URL sends the file too). Never built inside a request. Needs a key."""
    session, organization = get_session(), args.get("organization")
    if organization is not None and session.get(Organization, organization) is None:
        raise Problem(
            404,
            _("Not Found"),
            _("No {kind} with id {key}.", kind="organization", key=repr(organization)),
            type_="not-found",
        )
    path = exchange.export_path(
        session, current_app.config, Path(current_app.instance_path) / "exports", args["format"], organization
    )
    if path.is_file():
        return stream_file(path, args["format"])
    params = {"format": args["format"], "organization": organization, "file": path.name}
    with get_db().session(write=True) as writes:
        job = jobs.active_export(writes, params) or jobs.enqueue(writes, current_principal(), "export", params)
        answer, headers = accepted(job)
    response = jsonify(JobSchema().dump(answer))
    response.status_code = 202
    response.headers.update(headers)
    return response
