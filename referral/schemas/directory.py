"""marshmallow schemas for the directory API: the single source of request validation, response
shape and the OpenAPI document. Schemas check syntax only (types, ranges, enumerations, cross-field
rules); whether a referenced organization, place or need exists is the use cases' business.
"""

from __future__ import annotations

import functools
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from referral import models
from referral.directory import service_rule_errors
from referral.matching.messages import TARGET_GROUPS
from referral.matching.types import MODES
from referral.matching.week import WEEKDAYS
from referral.schemas import N_

# Every string a client sends has a maximum length (tests check each input schema): the
# patterns are bounded too, so that no field reaches the database longer than its column.
LANGUAGE_TAG = (
    validate.Length(max=35),
    validate.Regexp(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$", error=N_("not a language tag such as 'en' or 'zh'")),
)
CODE = (
    validate.Length(max=100),
    validate.Regexp(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$", error=N_("not a code of lower-case letters, digits, _ and .")),
)
TOKEN = (
    validate.Length(max=64),
    validate.Regexp(r"^[a-z][a-z0-9_]*$", error=N_("not a code of lower-case letters, digits and _")),
)
TIME = (validate.Length(max=5), validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", error=N_("not a time HH:MM")))
# The deepest page a list serves: offsets stay far inside every database's integer range.
MAX_PAGE = 100_000
CLOSING_TIME = (
    validate.Length(max=5),
    validate.Regexp(r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$", error=N_("not a time HH:MM (24:00 = midnight)")),
)


def _translations(max_length: int) -> fields.Dict:
    return fields.Dict(
        keys=fields.String(validate=LANGUAGE_TAG),
        values=fields.String(validate=validate.Length(1, max_length)),
        validate=validate.Length(max=20),
    )


def _codes(validator: Any, max_items: int = 20, min_items: int = 0, **kwargs: Any) -> fields.List:
    length = validate.Length(min=min_items, max=max_items)
    return fields.List(fields.String(validate=validator), validate=length, **kwargs)


class Listing(Schema):
    """Fields every directory object shares."""

    id = fields.String(dump_only=True)
    version = fields.Integer(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(1, 300))
    names = _translations(300)
    status = fields.String(validate=validate.OneOf(models.LISTING_STATUSES))


class OrganizationSchema(Listing):
    description = fields.String(allow_none=True, validate=validate.Length(max=5000))
    descriptions = _translations(5000)
    kind = fields.String(required=True, validate=validate.OneOf(models.ORGANIZATION_KINDS))
    email = fields.Email(allow_none=True, validate=validate.Length(max=320))  # RFC 5321's limit
    phone = fields.String(allow_none=True, validate=validate.Length(max=64))
    website = fields.URL(allow_none=True, schemes={"http", "https"}, validate=validate.Length(max=500))


class OpeningHoursSchema(Schema):
    weekday = fields.String(required=True, validate=validate.OneOf(WEEKDAYS))
    opens = fields.String(required=True, validate=TIME)
    closes = fields.String(required=True, validate=CLOSING_TIME)

    @validates_schema
    def _opens_before_closes(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if "opens" in data and "closes" in data and data["opens"] >= data["closes"]:
            raise ValidationError(N_("must be later than opens"), "closes")


class PhoneSchema(Schema):
    number = fields.String(required=True, validate=validate.Length(1, 64))
    purpose = fields.String(load_default="main", validate=validate.OneOf(models.PHONE_PURPOSES))


class DocumentSchema(Schema):
    document = fields.String(required=True, validate=validate.Length(1, 300))
    names = _translations(300)


class AlertSchema(Schema):
    text = fields.String(required=True, validate=validate.Length(1, 1000))
    texts = _translations(1000)


class ContactSchema(Schema):
    """A role to ask for; a person's name and details only where the listing publishes them."""

    title = fields.String(required=True, validate=validate.Length(1, 200))
    titles = _translations(200)
    name = fields.String(allow_none=True, validate=validate.Length(1, 200))
    phone = fields.String(allow_none=True, validate=validate.Length(1, 64))
    email = fields.Email(allow_none=True, validate=validate.Length(max=320))


def _text_translations(*names: str) -> fields.Dict:
    """``{field: {language: text}}`` for the free texts ``names``."""
    return fields.Dict(keys=fields.String(validate=validate.OneOf(names)), values=_translations(2000))


class SiteSchema(Listing):
    organization_id = fields.String(required=True, validate=validate.Length(1, 36))
    kind = fields.String(required=True, validate=validate.OneOf(models.SITE_KINDS))
    address = fields.String(allow_none=True, validate=validate.Length(max=500))
    place = fields.String(allow_none=True, attribute="place_code", validate=validate.Length(1, 32))
    latitude = fields.Float(required=True, validate=validate.Range(-90, 90))
    longitude = fields.Float(required=True, validate=validate.Range(-180, 180))
    phone = fields.String(allow_none=True, validate=validate.Length(max=64))
    opening_hours = fields.List(fields.Nested(OpeningHoursSchema), validate=validate.Length(max=28))
    languages = _codes(LANGUAGE_TAG)
    accessibility = fields.String(allow_none=True, validate=validate.Length(max=2000))
    phones = fields.List(fields.Nested(PhoneSchema), validate=validate.Length(max=10))
    translations = _text_translations("accessibility")


class ServiceSchema(Listing):
    organization_id = fields.String(required=True, validate=validate.Length(1, 36))
    description = fields.String(allow_none=True, validate=validate.Length(max=5000))
    descriptions = _translations(5000)
    needs = _codes(CODE, min_items=1, required=True)
    minimum_age = fields.Float(allow_none=True, validate=validate.Range(0, 120))
    maximum_age = fields.Float(allow_none=True, validate=validate.Range(0, 120))
    genders = _codes(TOKEN, max_items=10)
    # one vocabulary (referral/data/target_groups.json), each group labelled in every language
    target_groups = _codes(validate.OneOf(sorted(TARGET_GROUPS), error="not a target group: {input}"))
    languages = _codes(LANGUAGE_TAG)
    modes = fields.List(
        fields.String(validate=validate.OneOf(MODES)),
        required=True,
        validate=validate.Length(1, len(MODES)),
    )
    cost = fields.String(validate=validate.OneOf(models.COSTS))
    cost_text = fields.String(allow_none=True, validate=validate.Length(max=500))
    capacity = fields.String(validate=validate.OneOf(models.CAPACITIES))
    wait_days = fields.Integer(allow_none=True, validate=validate.Range(0, 3650))
    intensity = fields.String(validate=validate.OneOf(models.INTENSITIES))
    area_places = _codes(validate.Length(1, 32), max_items=200)
    area_radius_km = fields.Float(allow_none=True, validate=validate.Range(0, 1000, min_inclusive=False))
    verified_at = fields.Date(allow_none=True)
    sites = fields.List(
        fields.String(validate=validate.Length(1, 36)),
        attribute="site_ids",
        validate=validate.Length(max=100),
    )
    application_process = fields.String(allow_none=True, validate=validate.Length(max=2000))
    wait_time = fields.String(allow_none=True, validate=validate.Length(max=500))
    required_documents = fields.List(fields.Nested(DocumentSchema), validate=validate.Length(max=30))
    alerts = fields.List(fields.Nested(AlertSchema), validate=validate.Length(max=10))
    contacts = fields.List(fields.Nested(ContactSchema), validate=validate.Length(max=10))
    phones = fields.List(fields.Nested(PhoneSchema), validate=validate.Length(max=10))
    opening_hours = fields.List(fields.Nested(OpeningHoursSchema), validate=validate.Length(max=28))
    delivered_languages = _codes(LANGUAGE_TAG)
    serves_school = fields.String(allow_none=True, validate=validate.Length(1, 36))
    translations = _text_translations("application_process", "wait_time", "cost_text")

    @validates_schema
    def _consistent(self, data: dict[str, Any], **_kwargs: Any) -> None:
        errors: dict[str, list[str]] = {}
        for field, message in service_rule_errors(data):
            errors.setdefault(field, []).append(message)
        for field in ("needs", "modes", "sites", "area_places"):
            values = data.get("site_ids" if field == "sites" else field) or []
            if len(set(values)) != len(values):
                errors.setdefault(field, []).append("lists an item twice")
        if errors:
            raise ValidationError(errors)


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(1, MAX_PAGE))
    per_page = fields.Integer(load_default=20, validate=validate.Range(1, 100))


class ListArgs(PageArgs):
    status = fields.String(load_default="active", validate=validate.OneOf((*models.LISTING_STATUSES, "any")))
    q = fields.String(validate=validate.Length(1, 200))


class SiteListArgs(ListArgs):
    organization = fields.String(validate=validate.Length(1, 36))
    place = fields.String(validate=validate.Length(1, 32))


class ServiceListArgs(SiteListArgs):
    need = fields.String(validate=CODE)
    accepting = fields.Boolean()


@functools.cache  # one class per item schema, so the OpenAPI document names it once
def page_schema(item: type[Schema]) -> type[Schema]:
    """The list envelope for ``item``: items, total, page, per_page."""
    name = item.__name__.removesuffix("Schema") + "Page"
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item)),
            "total": fields.Integer(),
            "page": fields.Integer(),
            "per_page": fields.Integer(),
        },
        name=name,
    )


class SearchArgs(Schema):
    q = fields.String(validate=validate.Length(1, 200))
    limit = fields.Integer(load_default=10, validate=validate.Range(1, 50))


class NeedTermSchema(Schema):
    code = fields.String()
    parent = fields.String(allow_none=True)
    labels = fields.Dict(keys=fields.String(), values=fields.String())
    synonyms = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    open_eligibility = fields.String(allow_none=True)
    children = fields.List(fields.Nested(lambda: NeedTermSchema()))
    score = fields.Float()
    matched = fields.String()


class NeedTermList(Schema):
    items = fields.List(fields.Nested(NeedTermSchema))


class PlaceSchema(Schema):
    code = fields.String()
    parent = fields.String(allow_none=True)
    kind = fields.String()
    name = fields.String()
    names = fields.Dict(keys=fields.String(), values=fields.String())
    aliases = fields.List(fields.String(), metadata={"description": "local, old and colloquial names"})
    latitude = fields.Float()
    longitude = fields.Float()
    children = fields.List(fields.Nested(lambda: PlaceSchema()))
    score = fields.Float()
    matched = fields.String()
    matched_by = fields.String(metadata={"description": "code, name, alias, pinyin, site, address or fuzzy"})
    confidence = fields.Float(metadata={"description": "0-1"})
    sites = fields.List(fields.String(), metadata={"description": "sites whose name or address matched"})


class PlaceList(Schema):
    items = fields.List(fields.Nested(PlaceSchema))


class HealthSchema(Schema):
    status = fields.String()
    database = fields.String()
    directory = fields.Dict()
    version = fields.String()


class AuditEventSchema(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    actor = fields.String(
        metadata={
            "description": '"key:<prefix>", "login:<login>" (a password sign-in on the pages), "config-admin" or "cli"'
        }
    )
    account_id = fields.String(allow_none=True)
    action = fields.String(metadata={"description": "create, update, delete, restore, confirm, …"})
    object_type = fields.String()
    object_id = fields.String()
    changes = fields.Dict(metadata={"description": "field -> [before, after]"})


class HistorySchema(Schema):
    items = fields.List(fields.Nested(AuditEventSchema))


class ReportInput(Schema):
    reason = fields.String(
        required=True,
        validate=validate.Length(1, 2000),
        metadata={"description": "what is wrong; never a child's personal data"},
    )


class ResolveInput(Schema):
    resolution = fields.String(required=True, validate=validate.Length(1, 2000))


class ReportSchema(Schema):
    id = fields.String()
    service_id = fields.String()
    reported_by = fields.String()
    reason = fields.String()
    status = fields.String()
    created_at = fields.DateTime()
    resolved_at = fields.DateTime(allow_none=True)
    resolved_by = fields.String(allow_none=True)
    resolution = fields.String(allow_none=True)


class ReportList(Schema):
    items = fields.List(fields.Nested(ReportSchema))


class ReportListArgs(PageArgs):
    status = fields.String(load_default="open", validate=validate.OneOf(("open", "resolved", "any")))


class StaleArgs(PageArgs):
    days = fields.Integer(load_default=180, validate=validate.Range(0, 3650))


class ApiKeySummary(Schema):
    id = fields.String(dump_only=True)
    account_id = fields.String(dump_only=True)
    prefix = fields.String(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    expires_at = fields.DateTime(dump_only=True, allow_none=True)
    revoked_at = fields.DateTime(dump_only=True, allow_none=True)


class NewApiKey(ApiKeySummary):
    key = fields.String(dump_only=True, metadata={"description": "the key itself: shown once, never again"})


class KeyInput(Schema):
    expires_in_days = fields.Integer(allow_none=True, validate=validate.Range(1, 3650))


class AccountSchema(Schema):
    id = fields.String(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(1, 200))
    role = fields.String(required=True, validate=validate.OneOf(("admin", "org_editor", "social_worker", "case_app")))
    organization_id = fields.String(allow_none=True, validate=validate.Length(1, 36))
    status = fields.String(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    keys = fields.List(fields.Nested(ApiKeySummary), dump_only=True)


class AccountList(Schema):
    items = fields.List(fields.Nested(AccountSchema))


class AccountStatusInput(Schema):
    status = fields.String(required=True, validate=validate.OneOf(("active", "disabled")))
