"""Schemas of ``POST /v1/match``: the request (syntax only) and the documented response shape."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from referral.api.schemas import CODE, LANGUAGE_TAG, TOKEN
from referral.matching.types import MODES

WEEKDAY_NAMES = ("mo", "tu", "we", "th", "fr", "sa", "su",
                 "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class MatchLocation(Schema):
    lat = fields.Float(validate=validate.Range(-90, 90))
    lon = fields.Float(validate=validate.Range(-180, 180))
    place = fields.String(validate=validate.Length(1, 100),
                          metadata={"description": "a gazetteer code, or a place name in any language"})

    @validates_schema
    def _one_way(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if ("lat" in data) != ("lon" in data):
            raise ValidationError("give both lat and lon", "lon" if "lat" in data else "lat")
        if "lat" not in data and "place" not in data:
            raise ValidationError("give lat and lon, or a place", "place")


class MatchChild(Schema):
    age = fields.Float(required=True, validate=validate.Range(0, 25), metadata={"description": "years"})
    gender = fields.String(validate=TOKEN)
    languages = fields.List(fields.String(validate=LANGUAGE_TAG), validate=validate.Length(max=10),
                            metadata={"description": "ISO 639-1 codes the child speaks"})
    groups = fields.List(fields.String(validate=TOKEN), validate=validate.Length(max=20),
                         metadata={"description": "target groups: migrant, left_behind, disability, …"})


class MatchNeed(Schema):
    code = fields.String(validate=CODE)
    text = fields.String(validate=validate.Length(1, 200))
    severity = fields.Integer(load_default=2, validate=validate.Range(0, 3),
                              metadata={"description": "CANS: 0 none, 1 watch, 2 act, 3 act immediately"})

    @validates_schema
    def _code_or_text(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if ("code" in data) == ("text" in data):
            raise ValidationError("give exactly one of code or text", "code")


class MatchConstraints(Schema):
    max_distance_km = fields.Float(validate=validate.Range(0, 500, min_inclusive=False))
    modes = fields.List(fields.String(validate=validate.OneOf(MODES)), validate=validate.Length(1, len(MODES)))
    free_only = fields.Boolean()
    include_waitlisted = fields.Boolean()
    open_on = fields.String(validate=validate.OneOf(WEEKDAY_NAMES))


class MatchRequest(Schema):
    location = fields.Nested(MatchLocation, required=True)
    child = fields.Nested(MatchChild, required=True)
    needs = fields.List(fields.Nested(MatchNeed), required=True, validate=validate.Length(1, 20))
    notes = fields.String(validate=validate.Length(max=2000))
    constraints = fields.Nested(MatchConstraints)
    limit = fields.Integer(load_default=10, validate=validate.Range(1, 50))


class ResolvedPlace(Schema):
    code = fields.String()
    name = fields.String()


class ResolvedLocation(Schema):
    lat = fields.Float()
    lon = fields.Float()
    place = fields.Nested(ResolvedPlace, allow_none=True)


class NeedSuggestion(Schema):
    code = fields.String()
    label = fields.String()


class UnderstoodNeed(Schema):
    code = fields.String(allow_none=True, metadata={"description": "null only when understood is false"})
    label = fields.String()
    severity = fields.Integer()
    source = fields.String(metadata={"description": "code, text or notes"})
    matched = fields.String(allow_none=True, metadata={"description": "the words of the text that carried the need"})
    confidence = fields.Float(allow_none=True, metadata={"description": "0-1, for needs read from text or notes"})
    understood = fields.Boolean(metadata={"description": "false: nothing could be read from this text; it is "
                                                         "not matched and appears in unmet_needs as not_understood"})
    input = fields.Integer(allow_none=True, metadata={"description": "index of the request need it came from; "
                                                                     "one text may give several needs; null for notes"})
    suggestions = fields.List(fields.Nested(NeedSuggestion), metadata={"description": "closest needs, best first, "
                                                                                     "when not understood"})


class MatchedService(Schema):
    id = fields.String()
    name = fields.String()
    modes = fields.List(fields.String())
    cost = fields.String()
    cost_text = fields.String(allow_none=True)
    capacity = fields.String()
    wait_days = fields.Integer(allow_none=True)
    intensity = fields.String()
    minimum_age = fields.Float(allow_none=True)
    maximum_age = fields.Float(allow_none=True)
    verified_at = fields.Date(allow_none=True)


class MatchedOrganization(Schema):
    id = fields.String()
    name = fields.String()


class MatchedSite(Schema):
    id = fields.String()
    name = fields.String()
    address = fields.String(allow_none=True)
    lat = fields.Float()
    lon = fields.Float()


class MatchResult(Schema):
    rank = fields.Integer()
    score = fields.Float(metadata={"description": "0-100"})
    service = fields.Nested(MatchedService)
    organization = fields.Nested(MatchedOrganization)
    site = fields.Nested(MatchedSite, allow_none=True, metadata={"description": "null for a remote service"})
    distance_km = fields.Float(allow_none=True)
    needs_met = fields.List(fields.String())
    score_parts = fields.Dict(keys=fields.String(), values=fields.Float())
    reasons = fields.List(fields.String())
    caveats = fields.List(fields.String())


class NearestOption(Schema):
    service = fields.Nested(MatchedService)
    organization = fields.Nested(MatchedOrganization)
    site = fields.Nested(MatchedSite, allow_none=True)
    distance_km = fields.Float(allow_none=True)


class UnmetNeed(Schema):
    code = fields.String(allow_none=True, metadata={"description": "null for not_understood"})
    label = fields.String()
    severity = fields.Integer()
    reason = fields.String(metadata={"description": "no_service, not_eligible, too_far, beyond_limit or not_understood"})
    detail = fields.String()
    nearest = fields.Nested(NearestOption, allow_none=True)
    input = fields.Integer(allow_none=True, metadata={"description": "for not_understood: index of the request need"})
    suggestions = fields.List(fields.Nested(NeedSuggestion), metadata={"description": "for not_understood: closest "
                                                                                     "needs, best first"})


class MatchBundle(Schema):
    service_ids = fields.List(fields.String())
    ranks = fields.List(fields.Integer())
    covers = fields.List(fields.String())
    uncovered = fields.List(fields.String())


class MatchResponse(Schema):
    location = fields.Nested(ResolvedLocation)
    language = fields.String()
    needs = fields.List(fields.Nested(UnderstoodNeed))
    results = fields.List(fields.Nested(MatchResult))
    unmet_needs = fields.List(fields.Nested(UnmetNeed))
    bundle = fields.Nested(MatchBundle)
    directory_version = fields.String()
