"""Find help for a child: the form, the answer, and the family's printable referral sheet.

The pages call the match use case and presenter the API and the CLI call (``matchmaking.run``,
``presenting.present``) and nothing else. Nothing about the child is stored or logged: the form posts, the page renders
with ``Cache-Control: no-store``; the sheet is made by running the same request again from a hidden
field of the answer page, never from anything kept on the server.
"""

from __future__ import annotations

import json
from typing import Any

from flask import current_app, request
from flask_babel import force_locale
from werkzeug.datastructures import MultiDict

from referral import boundary, catalogue, match_rescue, matchmaking
from referral.db import get_session
from referral.matching import types as core
from referral.matching.messages import CATALOGUE
from referral.presenting import present
from referral.web import findform, picture
from referral.web.base import bp, page, render
from referral.web.errors import Refused
from referral.web.i18n import chosen_language, languages, told


@bp.get("/find")
@page("match")
def find():
    return _form(MultiDict(), {}, status=200)


@bp.post("/find")
@page("match", read_only=True)
def answer():
    body = findform.request_from(request.form)
    loaded, errors = findform.validate(body)
    language = _match_language(chosen_language())
    if loaded is None:
        rescued = _rescued(body, findform.problems(body), language)
        return _answer(body, rescued) if rescued else _form(request.form, errors)
    try:
        index, outcome, language = _match(loaded, language)
    except core.MatchInputError as error:
        rescued = _rescued(body, [], language)
        return (
            _answer(body, rescued)
            if rescued
            else _form(request.form, {error.field: told(error)}, suggestions=list(error.suggestions))
        )
    return _answer(body, present(index, outcome, language))


def _rescued(body: dict[str, Any], problems: list[tuple[str, str]], language: str) -> dict[str, Any] | None:
    """A child at risk is never sent back to the form: the answer with what of it could be used, the
    rest named on the page (referral/match_rescue.py); None when the form reveals no risk."""
    cache = current_app.extensions["referral.index"]
    if not match_rescue.at_risk(cache.current(), body, language):
        return None
    data = match_rescue.repair(body, [field for field, _ in problems])
    index, outcome, more = matchmaking.run_anyway(cache, data, language, current_app.config)
    said = [{"field": field, "detail": detail} for field, detail in [*problems, *((e.field, told(e)) for e in more)]]
    return present(index, outcome, language, said)


def _answer(body: dict[str, Any], result: dict[str, Any]) -> Any:
    return render(
        "web/answer.html",
        private=True,
        answer=result,
        picture=_picture(result),
        encoded=findform.encoded(body),
        sheet_languages=_sheet_languages(),
    )


@bp.post("/find/sheet")
@page("match", read_only=True)
def sheet():
    """One result as a one-page sheet for the family, in the language they read."""
    body = _hidden_request(request.form.get("request", ""))
    language = request.form.get("language") or chosen_language()
    if language not in _sheet_languages():
        raise Refused(400)
    loaded, _errors = findform.validate(body)
    result = None
    if loaded is not None:
        try:
            index, outcome, match_language = _match(loaded, _match_language(language))
            result = present(index, outcome, match_language)
        except core.MatchInputError:
            pass
    result = result or _rescued(body, findform.problems(body), _match_language(language))  # a child at risk
    if result is None:
        raise Refused(400)
    chosen = next((r for r in result["results"] if r["service"]["id"] == request.form.get("service")), None)
    if chosen is None:
        raise Refused(404)
    with force_locale(language):
        return render(
            "web/sheet.html",
            private=True,
            result=chosen,
            location=result["location"],
            sheet_language=language,
            direction=_direction(result["location"], chosen),
        )


def _form(values: Any, errors: dict[str, str], status: int = 422, suggestions: list[str] | None = None):
    language = _match_language(chosen_language())
    index = current_app.extensions["referral.index"].current()
    offered = findform.options(language, catalogue.need_tree(get_session()), index.region.scales)
    return render(
        "web/find.html",
        status=status,
        private=True,
        values=values,
        errors=errors,
        offered=offered,
        picked=findform.picked(values),
        suggestions=suggestions or [],
        language=language,
    )


def _match(loaded: dict[str, Any], language: str) -> tuple[Any, core.MatchOutcome, str]:
    cache = current_app.extensions["referral.index"]
    index, outcome = matchmaking.run(cache, loaded, language, current_app.config)
    return index, outcome, language


def _match_language(language: str) -> str:
    """The answer's words come from the core's catalogue: a language it has, else the default."""
    return language if language in CATALOGUE else current_app.config["DEFAULT_LANGUAGE"]


def _sheet_languages() -> tuple[str, ...]:
    return tuple(code for code in languages() if code in CATALOGUE)


def _hidden_request(text: str) -> dict[str, Any]:
    raw = text.encode()
    if not raw or len(raw) > current_app.config["MAX_CONTENT_LENGTH"] or boundary.json_too_deep(raw):
        raise Refused(400)
    try:
        body = json.loads(text)
    except ValueError:
        raise Refused(400) from None
    if not isinstance(body, dict) or list(boundary.problems(body)):
        raise Refused(400)
    return body


def _picture(result: dict[str, Any]) -> picture.Picture | None:
    where = result["location"]
    if not where or where.get("lat") is None:
        return None
    options = [
        (r["rank"], r["service"]["name"], r["site"]["lat"], r["site"]["lon"])
        for r in result["results"]
        if r.get("site")
    ]
    return picture.draw(where["lat"], where["lon"], options)


def _direction(location: dict[str, Any], result: dict[str, Any]) -> str:
    if not result.get("site") or not location or location.get("lat") is None:
        return ""
    drawn = picture.draw(
        location["lat"], location["lon"], [(result["rank"], "", result["site"]["lat"], result["site"]["lon"])]
    )
    return drawn.dots[0].direction
