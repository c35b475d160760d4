"""Pure conversions of HSDS sub-objects into the model's values: opening hours from schedules, one
address line from addresses, language tags, cost from cost options, service-area places.

No database, no report: functions take plain rows and return values plus, where something could not
be used, the reason (the importer reports it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from referral.matching.week import WEEKDAYS

PLACE_URN = "urn:referral:place:"  # how our exports name a gazetteer place in service_area.uri
ADDRESS_PARTS = ("address_1", "address_2", "city", "region", "state_province", "postal_code", "country")
# ISO 639-2/3 codes and English names of common languages -> the two-letter tags the model uses.
LANGUAGE_TAGS = {
    "eng": "en",
    "english": "en",
    "zho": "zh",
    "chi": "zh",
    "chinese": "zh",
    "mandarin": "zh",
    "cantonese": "yue",
    "spa": "es",
    "spanish": "es",
    "fra": "fr",
    "fre": "fr",
    "french": "fr",
    "deu": "de",
    "ger": "de",
    "german": "de",
    "urd": "ur",
    "urdu": "ur",
    "pol": "pl",
    "polish": "pl",
    "ara": "ar",
    "arabic": "ar",
    "por": "pt",
    "portuguese": "pt",
    "rus": "ru",
    "russian": "ru",
    "vie": "vi",
    "vietnamese": "vi",
    "kor": "ko",
    "korean": "ko",
    "jpn": "ja",
    "japanese": "ja",
    "hin": "hi",
    "hindi": "hi",
    "ben": "bn",
    "bengali": "bn",
    "tgl": "tl",
    "tagalog": "tl",
    "slk": "sk",
    "slo": "sk",
    "slovak": "sk",
    "ita": "it",
    "italian": "it",
    "som": "so",
    "somali": "so",
    "fas": "fa",
    "per": "fa",
    "persian": "fa",
    "farsi": "fa",
    "tur": "tr",
    "turkish": "tr",
}
_TAG = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$")
# a time of day, with an optional UTC offset or Z (HSDS 3.0 times carry one): the local clock time is
# kept (opening hours are read in the directory's own TIMEZONE)
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)(:[0-5]\d(\.\d+)?)?(Z|[+-]\d\d(:?\d\d)?)?$", re.IGNORECASE)


def language_tag(code: str | None, name: str | None) -> str | None:
    """A lower-case language tag ("en", "zh") from an HSDS language's code or name; None if unknown."""
    for value in (code, name):
        if not value:
            continue
        folded = value.strip().lower().replace("_", "-")
        primary = folded.split("-")[0]
        if primary in LANGUAGE_TAGS:
            return LANGUAGE_TAGS[primary]
        if value is code and _TAG.match(folded):
            return primary
    return None


def hhmm(value: str | None) -> str | None:
    """ "10:00:00" or "9:30" -> "10:00" / "09:30"; None if it is not a time of day."""
    match = _TIME.match((value or "").strip())
    return f"{int(match.group(1)):02d}:{match.group(2)}" if match else None


def opening_hours(schedule: Mapping[str, Any]) -> tuple[list[dict[str, str]], str | None]:
    """Weekly opening hours from one schedule, or why it cannot be expressed as them."""
    freq = (schedule.get("freq") or "WEEKLY").upper()
    if freq != "WEEKLY":
        return [], f"freq {freq}: only weekly schedules become opening hours"
    opens, closes = hhmm(schedule.get("opens_at")), hhmm(schedule.get("closes_at"))
    if str(schedule.get("closes_at") or "").strip().startswith(END_OF_DAY):
        closes = "24:00"  # the last second of the day closes the day (HSDS times stop at 23:59:59)
    if not opens or not closes:
        return [], "no opens_at/closes_at time of day"
    if opens >= closes:
        return [], f"opens_at {opens} is not before closes_at {closes}"
    days = [d.strip().lower() for d in str(schedule.get("byday") or "").split(",") if d.strip()]
    if not days:
        return [], "no byday weekdays"
    if any(d not in WEEKDAYS for d in days):
        return [], f"byday {schedule.get('byday')!r}: only plain weekdays (MO..SU) are kept"
    return [{"weekday": d, "opens": opens, "closes": closes} for d in days], None


END_OF_DAY = "23:59:59"


def hsds_time(value: str) -> str:
    """A time of the model ("24:00" included) as an HSDS time of day: 24:00 is the day's last second."""
    return END_OF_DAY if value == "24:00" else value


def sort_hours(hours: Iterable[dict[str, str]]) -> list[dict[str, str]]:
    unique = {(h["weekday"], h["opens"], h["closes"]) for h in hours}
    ordered = sorted(unique, key=lambda h: (WEEKDAYS.index(h[0]), h[1], h[2]))
    return [{"weekday": d, "opens": o, "closes": c} for d, o, c in ordered]


def weekly_schedules(hours: Sequence[Mapping[str, str]]) -> list[tuple[str, str, list[str]]]:
    """Opening hours grouped as HSDS weekly schedules: (opens, closes, weekdays) sorted."""
    groups: dict[tuple[str, str], list[str]] = {}
    for h in sort_hours(hours):
        groups.setdefault((h["opens"], h["closes"]), []).append(h["weekday"])
    return [(o, c, days) for (o, c), days in sorted(groups.items())]


def address_line(addresses: Sequence[Mapping[str, Any]], street_only: bool = False) -> tuple[str | None, list[str]]:
    """One address line (physical address first), and its parts for geocoding (specific first);
    ``street_only``: the line is address_1 and address_2 alone (the site's place gives the rest)."""
    if not addresses:
        return None, []
    chosen = sorted(addresses, key=lambda a: (a.get("address_type") != "physical",))[0]
    parts = [str(chosen.get(k)).strip() for k in ADDRESS_PARTS if chosen.get(k) not in (None, "")]
    street = [str(chosen.get(k)).strip() for k in ADDRESS_PARTS[:2] if chosen.get(k) not in (None, "")]
    return (", ".join(street if street_only else parts) or None), parts


UNKNOWN_COST_TEXT = "Cost not stated by the publisher; check before referring."


def cost(options: Sequence[Mapping[str, Any]], fees_text: str | None) -> tuple[str, str | None, bool]:
    """(cost, cost_text, known): free, subsidized or fee, from cost options and a fees text."""
    words = []
    kinds = set()
    for option in options:
        label = str(option.get("option") or "").strip()
        amount = option.get("amount")
        if label.lower() in ("free", "subsidized", "fee"):
            kinds.add(label.lower())
            continue
        text = " ".join(
            str(x)
            for x in (label, amount, option.get("currency"), option.get("amount_description"))
            if x not in (None, "")
        )
        words.append(text)
        kinds.add(_cost_kind(label, amount, option.get("amount_description")))
    known = bool(kinds) or bool(fees_text)
    if not known:
        # Never claim "free" without a source: a social worker filtering free_only must not be
        # sent to a service that charges. Unknown is shown as a fee with this caveat text.
        return "fee", UNKNOWN_COST_TEXT, False
    kind = "fee" if "fee" in kinds else "subsidized" if "subsidized" in kinds else "free" if kinds else "fee"
    return kind, fees_text or ("; ".join(words) or None), known


def _cost_kind(label: str, amount: Any, description: Any) -> str:
    text = f"{label} {description or ''}".lower()
    if any(w in text for w in ("subsid", "reduced", "sliding", "discount", "concession")):
        return "subsidized"
    try:
        if amount not in (None, "") and float(amount) == 0:
            return "free"
    except (TypeError, ValueError):
        pass
    return "free" if ("free" in text or "no cost" in text) and not amount else "fee"


def status(value: str | None) -> str:
    """HSDS service status -> the model's: defunct is inactive, temporarily closed is suspended."""
    return {"active": "active", "inactive": "inactive", "defunct": "inactive", "temporarily closed": "suspended"}.get(
        (value or "active").lower(), "active"
    )


def hsds_status(value: str) -> str:
    return {"active": "active", "inactive": "inactive", "suspended": "temporarily closed"}[value]
