"""A MatchInputError (a place, need or scale the core cannot find) is answered by the one error module
(api/errors.py) like the other domain errors: a 422 problem naming the field, with suggestions and
candidates; the match operation alone rescues it for a child at risk (api/routing.py)."""

from __future__ import annotations

from referral.matching.types import MatchInputError


def test_a_match_input_error_from_any_view_is_a_422_problem_naming_the_field(app):
    @app.get("/test-only/raises")
    def raises():
        raise MatchInputError(
            "location.place",
            "no place called 'Atlantis'",
            suggestions=("T1",),
            candidates=({"code": "T1", "name": "Town One", "parent": None},),
        )

    answer = app.test_client().get("/test-only/raises")
    assert answer.status_code == 422 and answer.mimetype == "application/problem+json"
    assert answer.get_json() == {
        "type": "/docs#problem-validation-error",
        "title": "Invalid request",
        "status": 422,
        "detail": "location.place: no place called 'Atlantis'",
        "errors": [
            {
                "field": "location.place",
                "pointer": "/location/place",
                "detail": "no place called 'Atlantis'",
                "suggestions": ["T1"],
                "candidates": [{"code": "T1", "name": "Town One", "parent": None}],
            }
        ],
    }
