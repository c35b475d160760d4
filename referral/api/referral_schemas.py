"""marshmallow schemas for referrals, webhooks, the delivery log and gap figures (syntax only;
meaning — the service exists, the child reference is opaque — is checked by the use cases)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from referral.api.i18n import N_
from referral.models.referrals import DECLINE_REASONS, REFERRAL_STATUSES, URGENCIES
from referral.schemas.directory import CODE, PageArgs

CONSENT_BY = ("parent", "guardian", "carer", "young_person", "other")


class NeedAddressed(Schema):
    code = fields.String(required=True, validate=CODE)
    severity = fields.Integer(required=True, validate=validate.Range(1, 3))


class Consent(Schema):
    given_by = fields.String(
        required=True,
        validate=validate.OneOf(CONSENT_BY),
        metadata={"description": "who consented to sharing the family's contact"},
    )
    given_at = fields.AwareDateTime(required=True, metadata={"description": "when (with a time zone)"})
    purpose = fields.String(
        required=True, validate=validate.Length(1, 500), metadata={"description": "for what the contact may be used"}
    )


class FamilyContact(Schema):
    name = fields.String(validate=validate.Length(1, 200))
    relation = fields.String(validate=validate.Length(1, 100))
    phone = fields.String(validate=validate.Length(3, 40))
    email = fields.String(validate=validate.Length(3, 254))


class ReferralInput(Schema):
    service_id = fields.String(required=True, validate=validate.Length(1, 36))
    site_id = fields.String(allow_none=True, validate=validate.Length(1, 36))
    needs = fields.List(fields.Nested(NeedAddressed), required=True, validate=validate.Length(1, 20))
    message = fields.String(
        validate=validate.Length(1, 4000),
        metadata={"description": "to the receiving organization; encrypted at rest, purged"},
    )
    child_ref = fields.String(
        required=True,
        validate=validate.Length(1, 64),
        metadata={
            "description": "the case app's opaque reference: letters, digits, . _ : -, "
            "with a digit; never a name or an identity number"
        },
    )
    family_contact = fields.Nested(FamilyContact, metadata={"description": "only with consent"})
    consent = fields.Nested(Consent)
    urgency = fields.String(load_default="routine", validate=validate.OneOf(URGENCIES))


class ReferralSchema(Schema):
    id = fields.String()
    service_id = fields.String()
    site_id = fields.String(allow_none=True)
    organization_id = fields.String(metadata={"description": "the receiving organization"})
    referrer = fields.String()
    needs = fields.List(fields.Nested(NeedAddressed))
    urgency = fields.String()
    status = fields.String(metadata={"description": ", ".join(REFERRAL_STATUSES)})
    decline_reason = fields.String(allow_none=True)
    message = fields.String(allow_none=True)
    child_ref = fields.String(allow_none=True)
    family_contact = fields.Nested(FamilyContact, allow_none=True)
    consent = fields.Dict(allow_none=True)
    has_family_contact = fields.Boolean()
    purged = fields.Boolean(metadata={"description": "personal fields erased after the retention time"})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)
    accepted_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    purged_at = fields.DateTime(allow_none=True)
    version = fields.Integer()


class ReferralListArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(REFERRAL_STATUSES))
    updated_since = fields.AwareDateTime(metadata={"description": "ISO 8601 with a time zone"})


class StatusInput(Schema):
    status = fields.String(required=True, validate=validate.OneOf(REFERRAL_STATUSES[1:]))
    reason = fields.String(validate=validate.OneOf(DECLINE_REASONS), metadata={"description": "with declined only"})


class WebhookInput(Schema):
    url = fields.Url(required=True, schemes={"http", "https"}, require_tld=False, validate=validate.Length(max=2000))
    secret = fields.String(
        validate=validate.Length(24, 200),
        metadata={"description": "your own signing secret; omit to get a generated one"},
    )


class WebhookSchema(Schema):
    id = fields.String()
    url = fields.String()
    status = fields.String()
    created_at = fields.DateTime()


class NewWebhook(WebhookSchema):
    secret = fields.String(metadata={"description": "the signing secret: shown once, never again"})


class WebhookList(Schema):
    items = fields.List(fields.Nested(WebhookSchema))


class DeliveryArgs(PageArgs):
    subscription = fields.String(validate=validate.Length(1, 36))


class DeliverySchema(Schema):
    id = fields.Integer()
    outbox_id = fields.Integer()
    subscription_id = fields.String()
    event_id = fields.String()
    attempt = fields.Integer()
    at = fields.DateTime()
    ok = fields.Boolean()
    status_code = fields.Integer(allow_none=True)
    error = fields.String(allow_none=True)


class DeliveryList(Schema):
    items = fields.List(fields.Nested(DeliverySchema))


class GapArgs(Schema):
    since = fields.String(
        validate=(validate.Length(max=7), validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$", error=N_("not a month YYYY-MM")))
    )
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "csv")))


class GapCell(Schema):
    place = fields.String()
    need = fields.String()
    month = fields.String()
    count = fields.Integer(allow_none=True, metadata={"description": "null when suppressed"})
    suppressed = fields.Boolean()


class GapReport(Schema):
    min_cell = fields.Integer()
    items = fields.List(fields.Nested(GapCell))
