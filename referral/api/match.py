"""Blueprint for ``POST /v1/match``: load the request, call the match use case
(``referral.matchmaking``), answer with the presenter's body (``referral.presenting``).

A place, need or scale the core cannot find (``MatchInputError``) is a 422 from the one error module
(api/errors.py), unless the request reveals a risk to the child: then ``_answer_anyway`` answers
with what could be used (referral/match_rescue.py).

Privacy: the request is parsed, matched and forgotten; nothing of it is logged or stored, except
that each need reported unmet adds one to an anonymous (place, need, month) counter (referral/gaps.py).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Response, current_app, jsonify, request

from referral import gaps, match_rescue, matchmaking
from referral.api.errors import Problem
from referral.api.i18n import _
from referral.api.routing import ApiBlueprint
from referral.matching import types as core
from referral.matching.messages import CATALOGUE
from referral.presenting import present
from referral.schemas.match import MatchRequest, MatchResponse

bp = ApiBlueprint("match", __name__, tag="match", url_prefix="/v1")


def _answer_anyway(problem: Problem) -> Any:
    """The 422 ``problem`` unless the request reveals a risk to the child: then a 200 with what of it
    could be used, the unusable parts named in ``problems`` (referral/match_rescue.py)."""
    raw, language = request.get_json(silent=True), choose_language(current_app.config["DEFAULT_LANGUAGE"])
    cache = current_app.extensions["referral.index"]
    if not isinstance(raw, dict) or not match_rescue.at_risk(cache.current(), raw, language):
        raise problem
    wrong = [e["field"] for e in problem.errors or []]
    data = match_rescue.repair(raw, wrong)
    index, outcome, more = matchmaking.run_anyway(cache, data, language, current_app.config)
    said = [{"field": e["field"], "detail": e["detail"]} for e in problem.errors or []]
    body = present(
        index, outcome, language, said + [{"field": e.field, "detail": _(e.template, **e.values)} for e in more]
    )
    return body, {"Content-Language": language, "Cache-Control": "no-store"}


@bp.operation(
    "POST",
    "/match",
    "Ranked, explained referral options for a child",
    body=MatchRequest,
    response=MatchResponse,
    access="match",
    errors=(400, 401, 403, 413, 415, 422),
    presented=True,
    read_only=True,
    rescue=_answer_anyway,
)
def match(body: dict[str, Any]) -> Any:
    """Send what an assessment found and where the child lives (and the child's school, if known);
    get back the services that fit best, each with reasons and caveats and the card a worker acts
    on (phones with their purpose, opening hours and whether open now, how to refer, what to bring,
    whom to ask, response time, alerts, freshness, the area a remote service serves), the needs
    nothing nearby can meet (with the nearest option beyond the distance), and a bundle of results
    that covers the actionable needs. Labels and reasons follow Accept-Language. When a need text or the notes reveal a risk
    to the child (self-harm, abuse, domestic violence, neglect, running away, acute psychiatric
    symptoms), its need becomes severity 3 and actionable, and ``urgent`` lists the region's
    emergency lines, any duty to report, and the services that can act now. ``assessment`` takes
    the screening's own grades (none, low, medium, high per scale of the region). A child at risk is
    never a 422: when a request that reveals a risk has a part that cannot be used (malformed, or a
    place or need code not found), that part is dropped and named in ``problems``, and the rest is
    answered — urgent section first."""
    language = choose_language(current_app.config["DEFAULT_LANGUAGE"])
    index, outcome = matchmaking.run(current_app.extensions["referral.index"], body, language, current_app.config)
    body = present(index, outcome, language)
    if any(u.code for u in outcome.unmet_needs):  # a text nothing could be read from has no need to count
        return _counting_gaps(body, language, outcome)
    return body, {"Content-Language": language, "Cache-Control": "no-store"}


def _counting_gaps(body: dict[str, Any], language: str, outcome: core.MatchOutcome) -> Response:
    """The answer, then (after it is sent, so the match never waits for the write lock) one added to
    the anonymous (place, need, month) counters of the needs it reports unmet: referral/gaps.py."""
    response = jsonify(body)
    response.headers.update({"Content-Language": language, "Cache-Control": "no-store"})
    database, month = current_app.extensions["referral.db"], matchmaking.month_now(current_app.config)
    place, needs = outcome.location.place if outcome.location else None, [u.code for u in outcome.unmet_needs if u.code]

    def count() -> None:
        try:
            with database.session(write=True) as session:
                gaps.count_unmet(session, place, needs, month)
        except Exception:
            logging.getLogger(__name__).warning("gap counters not updated")

    response.call_on_close(count)
    return response


def choose_language(default: str) -> str:
    """The best of the languages the directory and the message catalogue speak."""
    return request.accept_languages.best_match(tuple(CATALOGUE), default=default) or default
