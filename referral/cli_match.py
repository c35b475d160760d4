"""``referral match``: ranked referral options with reasons, printed for a person at a terminal.

Builds the same request the API takes, validates it with the same schema, and runs the same use
case, so what the terminal shows is what a case app gets.
"""

from __future__ import annotations

import json
import re

import click
from flask import current_app
from flask.cli import with_appcontext
from marshmallow import ValidationError

from referral import matchmaking
from referral.api.errors import flatten_messages
from referral.api.match import present
from referral.api.match_schemas import MatchRequest
from referral.matching.types import MatchInputError

SEVERITY = re.compile(r"^(?P<value>.+?):(?P<severity>[0-3])$")


def _need(value: str, key: str) -> dict:
    found = SEVERITY.match(value)
    if found:
        return {key: found["value"], "severity": int(found["severity"])}
    return {key: value}


@click.command("match")
@click.option("--place", help="Gazetteer code or place name (any language).")
@click.option("--lat", type=float)
@click.option("--lon", type=float)
@click.option("--age", type=float, required=True, help="The child's age in years.")
@click.option("--gender")
@click.option("--group", "groups", multiple=True, help="Target group, e.g. migrant (repeatable).")
@click.option("--speaks", "languages", multiple=True, help="A language the child speaks (repeatable).")
@click.option("--need", "codes", multiple=True, help="Need code, optionally :SEVERITY (0-3).")
@click.option("--text", "texts", multiple=True, help="Need in free text, optionally :SEVERITY.")
@click.option("--notes", help="Free-text notes; needs they clearly name are inferred.")
@click.option("--max-distance", type=float, help="Kilometres (default from config).")
@click.option("--limit", type=int, default=10, show_default=True)
@click.option("--language", default="zh", show_default=True, help="Language of labels and reasons.")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON instead of text.")
@with_appcontext
def match_command(**options) -> None:  # noqa: ANN003
    """Print ranked referral options for a child, with reasons, caveats and unmet needs."""
    body = _request(options)
    try:
        data = MatchRequest().load(body)
        index, outcome = matchmaking.run(current_app.extensions["referral.index"], data,
                                         options["language"], current_app.config)
    except ValidationError as error:
        lines = [f"{field or 'request'}: {message}" for field, message in flatten_messages(error.messages)]
        raise click.UsageError("\n".join(lines)) from None
    except MatchInputError as error:
        hint = f" (did you mean: {', '.join(error.suggestions)})" if error.suggestions else ""
        raise click.UsageError(f"{error.field}: {error.message}{hint}") from None
    payload = present(index, outcome, options["language"])
    if options["as_json"]:
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2, default=str))
    else:
        click.echo(render(payload))


def _request(options: dict) -> dict:
    location = {k: options[k] for k in ("lat", "lon", "place") if options[k] is not None}
    child = {"age": options["age"], "groups": list(options["groups"]), "languages": list(options["languages"])}
    if options["gender"]:
        child["gender"] = options["gender"]
    body = {
        "location": location, "child": child, "limit": options["limit"],
        "needs": [_need(c, "code") for c in options["codes"]] + [_need(t, "text") for t in options["texts"]],
    }
    if options["notes"]:
        body["notes"] = options["notes"]
    if options["max_distance"] is not None:
        body["constraints"] = {"max_distance_km": options["max_distance"]}
    return body


def render(payload: dict) -> str:
    """The outcome as plain text: needs understood, ranked results, unmet needs, the bundle."""
    lines = [_needs_line(payload)]
    for result in payload["results"]:
        where = result["site"]["name"] if result["site"] else "remote"
        lines.append(f"\n{result['rank']}. {result['service']['name']} — {result['organization']['name']}"
                     f" ({where}) score {result['score']:.1f}")
        lines += [f"   + {reason}" for reason in result["reasons"]]
        lines += [f"   ! {caveat}" for caveat in result["caveats"]]
    if not payload["results"]:
        lines.append("\n(no eligible service)")
    for unmet in payload["unmet_needs"]:
        code = f" ({unmet['code']})" if unmet["code"] else ""
        lines.append(f"\nunmet: {unmet['label']}{code}: {unmet['detail']}")
    bundle = payload["bundle"]
    if bundle["ranks"]:
        lines.append(f"\nbundle: results {', '.join(str(r) for r in bundle['ranks'])}"
                     f" cover {', '.join(bundle['covers'])}")
    return "\n".join(lines)


def _needs_line(payload: dict) -> str:
    parts = []
    for need in payload["needs"]:
        text = f"{need['label']} [{need['code']}] severity {need['severity']}"
        if not need.get("understood", True):
            closest = ", ".join(s["code"] for s in need.get("suggestions", []))
            text = f"{need['label']} (need {need['input'] + 1}; closest: {closest or 'none'})"
        elif need["source"] != "code":
            text += f" from {need['source']} '{need['matched']}' ({need['confidence']:.2f})"
        parts.append(text)
    return "needs: " + "; ".join(parts)
