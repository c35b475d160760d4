"""``referral match``: ranked referral options with reasons, printed for a person at a terminal.

Builds the same request the API takes, validates it with the same schema, and runs the same use
case, so what the terminal shows is what a case app gets.
"""

from __future__ import annotations

import json
import re
from typing import Any

import click
from marshmallow import ValidationError

from referral import matchmaking
from referral.cli_context import Data, pass_data
from referral.matching.messages import say
from referral.matching.types import MatchInputError
from referral.matching.week import periods
from referral.presenting import present
from referral.schemas import flatten_messages
from referral.schemas.match import MatchRequest

SEVERITY = re.compile(r"^(?P<value>.+?):(?P<severity>[0-3])$")


def _need(value: str, key: str) -> dict:
    found = SEVERITY.match(value)
    if found:
        return {key: found["value"], "severity": int(found["severity"])}
    return {key: value}


@click.command("match")
@click.option(
    "--place", help="Gazetteer code, place name, alias or pinyin; a site, school or street; or 'city, place'."
)
@click.option("--within", help="An outer place the --place lies in (a city or district).")
@click.option("--lat", type=float)
@click.option("--lon", type=float)
@click.option("--age", type=float, required=True, help="The child's age in years.")
@click.option("--gender")
@click.option("--group", "groups", multiple=True, help="Target group, e.g. migrant (repeatable).")
@click.option("--speaks", "languages", multiple=True, help="A language the child speaks (repeatable).")
@click.option("--school", help="The child's school: a site id or a name.")
@click.option("--need", "codes", multiple=True, help="Need code, optionally :SEVERITY (0-3).")
@click.option("--text", "texts", multiple=True, help="Need in free text, optionally :SEVERITY.")
@click.option("--notes", help="Free-text notes; needs they clearly name are inferred, risks always.")
@click.option(
    "--assessment",
    "grades",
    multiple=True,
    metavar="SCALE=GRADE",
    help="A screening grade, e.g. guardianship=high (none|low|medium|high; repeatable).",
)
@click.option("--max-distance", type=float, help="Kilometres (default from config).")
@click.option("--limit", type=int, default=10, show_default=True)
@click.option("--language", default="zh", show_default=True, help="Language of labels and reasons.")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON instead of text.")
@pass_data
def match_command(data: Data, **options: Any) -> None:
    """Print ranked referral options for a child, with reasons, caveats and unmet needs."""
    body = _request(options)
    try:
        request = MatchRequest().load(body)
        # one match, one index: built inline from the database (no web app, no background thread)
        cache = matchmaking.IndexCache(
            data.database,
            float(data.config["INDEX_CHECK_SECONDS"]),
            outcome_window_days=int(data.config["MATCH"].get("outcome_window_days", 90)),
        )
        index, outcome = matchmaking.run(cache, request, options["language"], data.config)
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
    location = {k: options[k] for k in ("lat", "lon", "place", "within") if options[k] is not None}
    child = {"age": options["age"], "groups": list(options["groups"]), "languages": list(options["languages"])}
    for key in ("gender", "school"):
        if options[key]:
            child[key] = options[key]
    body = {
        "location": location,
        "child": child,
        "limit": options["limit"],
        "needs": [_need(c, "code") for c in options["codes"]] + [_need(t, "text") for t in options["texts"]],
    }
    if options["notes"]:
        body["notes"] = options["notes"]
    if options["grades"]:
        body["assessment"] = dict(_grade(g) for g in options["grades"])
    if options["max_distance"] is not None:
        body["constraints"] = {"max_distance_km": options["max_distance"]}
    return body


def _grade(value: str) -> tuple[str, str]:
    scale, sep, grade = value.partition("=")
    if not sep:
        raise click.BadParameter(f"{value!r}: write SCALE=GRADE, e.g. guardianship=high", param_hint="--assessment")
    return scale.strip(), grade.strip()


def render(payload: dict) -> str:
    """The outcome as plain text: the urgent section, where, needs understood, ranked results, unmet needs, the bundle."""
    language = payload["language"]
    lines = _urgent_lines(payload["urgent"], language) + [
        line for line in (_location_line(payload["location"]), _needs_line(payload)) if line
    ]
    for result in payload["results"]:
        where = result["site"]["name"] if result["site"] else say(language, "cli.remote")
        lines.append(
            f"\n{result['rank']}. {result['service']['name']} — {result['organization']['name']}"
            f" ({where}) " + say(language, "cli.score", score=f"{result['score']:.1f}")
        )
        lines += [f"   + {reason}" for reason in result["reasons"]]
        lines += [f"   ! {caveat}" for caveat in result["caveats"]]
        lines += _card_lines(result["card"], language)
    if not payload["results"]:
        lines.append("\n" + say(language, "cli.none"))
    for unmet in payload["unmet_needs"]:
        code = f" ({unmet['code']})" if unmet["code"] else ""
        lines.append(f"\n{say(language, 'cli.unmet')}: {unmet['label']}{code}: {unmet['detail']}")
    bundle = payload["bundle"]
    if bundle["ranks"]:
        lines.append(
            "\n"
            + say(
                language,
                "cli.bundle",
                ranks=", ".join(str(r) for r in bundle["ranks"]),
                needs=", ".join(bundle["covers"]),
            )
        )
    return "\n".join(lines)


def _location_line(location: dict) -> str | None:
    """Where the child was placed and on what evidence, with the caveat of a guess."""
    place = location.get("place")
    if not place or not location.get("matched_by"):
        return None
    parent = f" ({place['parent']})" if place.get("parent") else ""
    line = (
        f"place: {place['name']}{parent} [{place['code']}] by {location['matched_by']} ({location['confidence']:.2f})"
    )
    return line + (f"\n   ! {location['caveat']}" if location.get("caveat") else "")


CARD_KEYS = (
    "phone",
    "hours",
    "refer",
    "bring",
    "contact",
    "wait",
    "languages",
    "access",
    "verified",
    "stale",
    "never",
    "open_now",
    "closed_now",
    "always",
    "remote",
)


def _card_lines(card: dict | None, language: str) -> list[str]:
    """The card under a result: phones, hours, how to refer, what to bring, whom to ask, freshness."""
    if not card:
        return []
    w = {key: say(language, f"card.{key}") for key in CARD_KEYS}
    lines = []
    if card["phones"]:
        lines.append(f"   {w['phone']}: " + "; ".join(f"{p['number']} ({p['purpose_label']})" for p in card["phones"]))
    lines.append(f"   {w['hours']}: {_hours(card, w)}")
    for key, field in (("refer", "application_process"), ("wait", "wait_time"), ("access", "accessibility")):
        if card[field]:
            lines.append(f"   {w[key]}: {card[field]}")
    for key, field in (("bring", "required_documents"), ("languages", "delivered_in")):
        if card[field]:
            lines.append(f"   {w[key]}: {', '.join(card[field])}")
    if card["contacts"]:
        lines.append(f"   {w['contact']}: " + "; ".join(_contact(c) for c in card["contacts"]))
    if card["remote"] and card["serves_area"]:
        lines.append(f"   {w['remote']} {', '.join(card['serves_area'])}")
    verified = card["verified_at"] or w["never"]
    lines.append(f"   {w['verified']}: {verified}" + (f" ({w['stale']})" if card["stale"] else ""))
    return lines


def _hours(card: dict, w: dict) -> str:
    if card["always_open"]:
        return w["always"]
    text = "; ".join(periods(card["hours"])) or "-"
    if card["open_now"] is not None:
        text += f" ({w['open_now'] if card['open_now'] else w['closed_now']})"
    return text


def _contact(contact: dict) -> str:
    return " ".join(str(v) for v in (contact["title"], contact["name"], contact["phone"], contact["email"]) if v)


def _needs_line(payload: dict) -> str:
    language = payload["language"]
    parts = []
    for need in payload["needs"]:
        text = f"{need['label']} [{need['code']}] " + say(language, "cli.severity", severity=need["severity"])
        if need["source"] in ("text", "notes") and need["matched"] and need["confidence"] is not None:
            text += " " + say(
                language, f"cli.from_{need['source']}", matched=need["matched"], confidence=f"{need['confidence']:.2f}"
            )
        elif need["source"] not in ("code", "text", "notes"):
            text += " " + say(language, f"cli.from_{need['source']}", matched=need["matched"] or "")
        if need.get("risk"):
            text += " " + say(language, "cli.risk", risk=need["risk"])
        if not need.get("understood", True):
            closest = ", ".join(s["code"] for s in need.get("suggestions", []))
            text = say(
                language, "cli.not_understood", label=need["label"], number=need["input"] + 1, closest=closest or "-"
            )
        parts.append(text)
    return say(language, "cli.needs") + ": " + "; ".join(parts)


def _urgent_lines(urgent: dict | None, language: str) -> list[str]:
    """The urgent section first, when a risk was found: advice, lines to call, duties, services."""
    if not urgent:
        return []
    w = {key: say(language, f"cli.urgent.{key}") for key in ("title", "call", "duty", "now", "tel", "always")}
    lines = [f"{w['title']}: " + ", ".join(r["label"] for r in urgent["risks"]), urgent["advice"]]
    lines += [
        f"  {w['call']} {h['number']} {h['name']}{' (' + w['always'] + ')' if h['always_open'] else ''}: {h['purpose']}"
        for h in urgent["hotlines"]
    ]
    lines += [f"  {w['duty']}: {d['name']}: {d['text']}" for d in urgent["duties"]]
    for option in urgent["services"]:
        where = f"{option['distance_km']} km" if option["distance_km"] is not None else say(language, "cli.remote")
        lines.append(
            f"  {w['now']}: {option['service']['name']} — {option['organization']['name']} ({where})"
            f" {w['tel']} {option['phone'] or '-'}"
        )
    return lines + [""]
