"""Schemas of ``POST /v1/match``: the request (syntax only) and the documented response shape."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from referral.matching.types import GRADES, MODES
from referral.matching.week import WEEKDAY_NAMES, WEEKDAYS
from referral.schemas import N_, ONE_OF_GRADES
from referral.schemas.directory import CODE, LANGUAGE_TAG, TOKEN

# the API translates it back from the English (wording.py TEMPLATES)
OPEN_ON = (*WEEKDAYS, *WEEKDAY_NAMES)  # a weekday as a code (mo) or in full (monday)


class MatchLocation(Schema):
    lat = fields.Float(validate=validate.Range(-90, 90))
    lon = fields.Float(validate=validate.Range(-180, 180))
    place = fields.String(
        validate=validate.Length(1, 100),
        metadata={
            "description": (
                "a gazetteer code; a place name, alias or toneless pinyin in any language, with or without its "
                "kind word (平江街道, Pingjiang, pingjiang jiedao, 港区); a site or school name in the directory; a "
                "street found in a site's address (县府街); or an outer place and a place: '苏州 平江', 'Taicang, Chengxiang'"
            )
        },
    )
    within = fields.String(
        validate=validate.Length(1, 100),
        metadata={"description": "an outer place the place lies in (苏州, Taicang); needs place"},
    )

    @validates_schema
    def _one_way(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if "within" in data and "place" not in data:
            raise ValidationError(N_("within narrows a place: give place too"), "within")
        if ("lat" in data) != ("lon" in data):
            raise ValidationError(N_("give both lat and lon"), "lon" if "lat" in data else "lat")
        if "lat" not in data and "place" not in data:
            raise ValidationError(N_("give lat and lon, or a place"), "place")


class MatchChild(Schema):
    age = fields.Float(required=True, validate=validate.Range(0, 25), metadata={"description": "years"})
    gender = fields.String(validate=TOKEN)
    languages = fields.List(
        fields.String(validate=LANGUAGE_TAG),
        validate=validate.Length(max=10),
        metadata={"description": "ISO 639-1 codes the child speaks"},
    )
    groups = fields.List(
        fields.String(validate=TOKEN),
        validate=validate.Length(max=20),
        metadata={"description": "target groups: migrant, left_behind, disability, …"},
    )
    school = fields.String(
        validate=validate.Length(1, 200),
        metadata={
            "description": "the child's school: a site id or a name; a school's own services serve its pupils only"
        },
    )


class MatchNeed(Schema):
    code = fields.String(validate=CODE)
    text = fields.String(validate=validate.Length(1, 200))
    severity = fields.Integer(
        load_default=2,
        validate=validate.Range(0, 3),
        metadata={"description": "CANS: 0 none, 1 watch, 2 act, 3 act immediately"},
    )

    @validates_schema
    def _code_or_text(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if ("code" in data) == ("text" in data):
            raise ValidationError(N_("give exactly one of code or text"), "code")


class MatchConstraints(Schema):
    max_distance_km = fields.Float(validate=validate.Range(0, 500, min_inclusive=False))
    modes = fields.List(fields.String(validate=validate.OneOf(MODES)), validate=validate.Length(1, len(MODES)))
    free_only = fields.Boolean()
    include_waitlisted = fields.Boolean()
    open_on = fields.String(validate=validate.OneOf(OPEN_ON))


class MatchRequest(Schema):
    location = fields.Nested(MatchLocation, required=True)
    child = fields.Nested(MatchChild, required=True)
    needs = fields.List(fields.Nested(MatchNeed), required=True, validate=validate.Length(1, 20))
    notes = fields.String(validate=validate.Length(max=2000))
    constraints = fields.Nested(MatchConstraints)
    limit = fields.Integer(load_default=10, validate=validate.Range(1, 50))
    assessment = fields.Dict(
        keys=fields.String(validate=TOKEN),
        values=fields.String(validate=validate.Length(max=16), metadata={"enum": list(GRADES)}),
        metadata={
            "description": "the screening's own risk grades, scale -> none|low|medium|high; the scales "
            "are the region's (the demo: guardianship, behavioural, psychological); each "
            "grade maps to needs shown with source 'assessment'",
            "maxProperties": 20,
        },
    )

    @validates("assessment")
    def _grades(self, value: dict[str, str], **_kwargs: Any) -> None:
        """Each grade one of GRADES, the error at ``assessment.<scale>`` (the scales are the region's)."""
        if len(value) > 20:
            raise ValidationError(N_("at most 20 scales"))
        one_of = ONE_OF_GRADES.format(grades=", ".join(GRADES))
        wrong = {key: [one_of] for key, grade in value.items() if grade not in GRADES}
        if wrong:
            raise ValidationError(wrong)


class ResolvedPlace(Schema):
    code = fields.String()
    name = fields.String()
    parent = fields.String(allow_none=True, metadata={"description": "the name of the place it lies in"})


class ResolvedSite(Schema):
    id = fields.String()
    name = fields.String()


class ResolvedLocation(Schema):
    lat = fields.Float()
    lon = fields.Float()
    place = fields.Nested(ResolvedPlace, allow_none=True)
    matched_by = fields.String(
        allow_none=True,
        metadata={"description": "code, name, alias, pinyin, site, address or fuzzy; null when coordinates were given"},
    )
    confidence = fields.Float(allow_none=True, metadata={"description": "0-1; null when coordinates were given"})
    matched = fields.String(allow_none=True, metadata={"description": "the gazetteer or directory phrase that matched"})
    site = fields.Nested(
        ResolvedSite, allow_none=True, metadata={"description": "the site whose name or address placed the child"}
    )
    caveat = fields.String(
        allow_none=True,
        metadata={"description": "set when the place is a guess (matched_by fuzzy or address): check it"},
    )


class NeedSuggestion(Schema):
    code = fields.String()
    label = fields.String()


class UnderstoodNeed(Schema):
    code = fields.String(allow_none=True, metadata={"description": "null only when understood is false"})
    label = fields.String()
    severity = fields.Integer()
    source = fields.String(metadata={"description": "code, text, notes, assessment or risk"})
    matched = fields.String(allow_none=True, metadata={"description": "the words of the text that carried the need"})
    confidence = fields.Float(allow_none=True, metadata={"description": "0-1, for needs read from text or notes"})
    understood = fields.Boolean(
        metadata={
            "description": "false: nothing could be read from this text; it is "
            "not matched and appears in unmet_needs as not_understood"
        }
    )
    input = fields.Integer(
        allow_none=True,
        metadata={
            "description": "index of the request need it came from; one text may give several needs; null for notes"
        },
    )
    suggestions = fields.List(
        fields.Nested(NeedSuggestion), metadata={"description": "closest needs, best first, when not understood"}
    )
    risk = fields.String(
        allow_none=True,
        metadata={"description": "the risk category found for this need (then severity 3 and actionable)"},
    )


class ServiceLabels(Schema):
    modes = fields.List(fields.String())
    cost = fields.String()
    capacity = fields.String()
    intensity = fields.String()
    target_groups = fields.List(fields.String())


class CardPhone(Schema):
    number = fields.String()
    purpose = fields.String(metadata={"description": "main, intake, hotline, emergency or fax"})
    purpose_label = fields.String()


class CardHours(Schema):
    weekday = fields.String(metadata={"description": "mo … su"})
    weekday_label = fields.String()
    opens = fields.String(metadata={"description": "HH:MM local time"})
    closes = fields.String(metadata={"description": "HH:MM local time; 24:00 = midnight"})


class CardContact(Schema):
    title = fields.String(metadata={"description": "the role to ask for"})
    name = fields.String(allow_none=True, metadata={"description": "only where the listing publishes it"})
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)


class ResultCard(Schema):
    """What a worker acts on, in the answer's language (free texts fall back to the listing's own)."""

    phones = fields.List(fields.Nested(CardPhone), metadata={"description": "the service's own lines, then the site's"})
    hours = fields.List(fields.Nested(CardHours), metadata={"description": "empty: not recorded"})
    always_open = fields.Boolean(metadata={"description": "open 24 hours every day"})
    open_now = fields.Boolean(
        allow_none=True, metadata={"description": "in the directory's TIMEZONE; null: hours not recorded"}
    )
    open_today = fields.Boolean(allow_none=True)
    description = fields.String(allow_none=True)
    accessibility = fields.String(allow_none=True)
    delivered_languages = fields.List(
        fields.String(), metadata={"description": "codes of the languages it is delivered in"}
    )
    delivered_in = fields.List(fields.String(), metadata={"description": "their names"})
    application_process = fields.String(allow_none=True, metadata={"description": "how to refer"})
    required_documents = fields.List(fields.String(), metadata={"description": "what to bring"})
    contacts = fields.List(fields.Nested(CardContact))
    wait_time = fields.String(allow_none=True, metadata={"description": "response or waiting time, in words"})
    alerts = fields.List(fields.String(), metadata={"description": "temporary notices: closures, changes"})
    cost_text = fields.String(allow_none=True)
    verified_at = fields.Date(allow_none=True)
    stale = fields.Boolean(metadata={"description": "never verified, or not for over MATCH.stale_after_days"})
    remote = fields.Boolean(metadata={"description": "offered without a site"})
    local = fields.Boolean(allow_none=True, metadata={"description": "the site is in the child's district or city"})
    serves_area = fields.List(fields.String(), metadata={"description": "the places its area lists"})
    serves_radius_km = fields.Float(allow_none=True)
    school = fields.String(allow_none=True, metadata={"description": "the school whose pupils it serves"})


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
    labels = fields.Nested(
        ServiceLabels, metadata={"description": "the codes above, as words in the answer's language"}
    )


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
    card = fields.Nested(ResultCard, allow_none=True)


class NearestOption(Schema):
    service = fields.Nested(MatchedService)
    organization = fields.Nested(MatchedOrganization)
    site = fields.Nested(MatchedSite, allow_none=True)
    distance_km = fields.Float(allow_none=True)


class UnmetNeed(Schema):
    code = fields.String(allow_none=True, metadata={"description": "null for not_understood"})
    label = fields.String()
    severity = fields.Integer()
    reason = fields.String(
        metadata={"description": "no_service, not_eligible, too_far, beyond_limit or not_understood"}
    )
    detail = fields.String()
    nearest = fields.Nested(NearestOption, allow_none=True)
    input = fields.Integer(allow_none=True, metadata={"description": "for not_understood: index of the request need"})
    suggestions = fields.List(
        fields.Nested(NeedSuggestion), metadata={"description": "for not_understood: closest needs, best first"}
    )


class MatchBundle(Schema):
    service_ids = fields.List(fields.String())
    ranks = fields.List(fields.Integer())
    covers = fields.List(fields.String())
    uncovered = fields.List(fields.String())


class UrgentRisk(Schema):
    code = fields.String(
        metadata={
            "description": "self_harm, physical_abuse, sexual_abuse, domestic_violence, "
            "neglect, runaway, acute_psychiatric, or a region's own"
        }
    )
    label = fields.String()
    need = fields.String()


class UrgentHotline(Schema):
    key = fields.String()
    name = fields.String()
    number = fields.String()
    purpose = fields.String()
    always_open = fields.Boolean(metadata={"description": "answered 24 hours a day"})


class UrgentDuty(Schema):
    key = fields.String()
    name = fields.String()
    text = fields.String()


class UrgentService(Schema):
    service = fields.Nested(MatchedService)
    organization = fields.Nested(MatchedOrganization)
    site = fields.Nested(MatchedSite, allow_none=True)
    distance_km = fields.Float(allow_none=True)
    phone = fields.String(
        allow_none=True,
        metadata={
            "description": "the line to call: the service's or site's emergency, hotline, intake or main number, in that order; else the site's or the organization's phone"
        },
    )
    needs_met = fields.List(fields.String())


class Urgent(Schema):
    risks = fields.List(fields.Nested(UrgentRisk))
    advice = fields.String(
        metadata={
            "description": "always said; tells the worker to call local emergency "
            "services when no line is recorded for the place"
        }
    )
    hotlines = fields.List(fields.Nested(UrgentHotline))
    duties = fields.List(fields.Nested(UrgentDuty), metadata={"description": "e.g. mandatory reporting"})
    services = fields.List(
        fields.Nested(UrgentService),
        metadata={
            "description": "crisis and protection services that can act now (active, accepting, serving the "
            "child's place), nearest first, at most 5"
        },
    )


class InferredGroup(Schema):
    group = fields.String()
    label = fields.String()
    from_need = fields.String()
    detail = fields.String()


class RequestProblem(Schema):
    field = fields.String(
        metadata={"description": "the path of the part not used (child.age, location.place, needs[1].code)"}
    )
    detail = fields.String()


class MatchResponse(Schema):
    urgent = fields.Nested(
        Urgent,
        allow_none=True,
        metadata={
            "description": "present when a risk to the child is found in a need text or the notes; null otherwise"
        },
    )
    problems = fields.List(
        fields.Nested(RequestProblem),
        metadata={
            "description": "parts of the request that could not be used. Empty, except when the request reveals a "
            "risk to the child: then it is answered anyway (never a 422), without these parts"
        },
    )
    location = fields.Nested(
        ResolvedLocation,
        allow_none=True,
        metadata={"description": "null only when a child at risk is answered without a usable place (see problems)"},
    )
    language = fields.String()
    needs = fields.List(fields.Nested(UnderstoodNeed))
    results = fields.List(fields.Nested(MatchResult))
    unmet_needs = fields.List(fields.Nested(UnmetNeed))
    bundle = fields.Nested(MatchBundle)
    directory_version = fields.String()
    inferred_groups = fields.List(
        fields.Nested(InferredGroup),
        metadata={"description": "target groups inferred from the needs when the child's groups were not given"},
    )
