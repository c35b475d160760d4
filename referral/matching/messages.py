"""The message catalogue: every sentence the core shows to people, written in English here and
translated by gettext catalogues (Chinese: ``translations/zh/LC_MESSAGES/core.po``, see i18n.py).

This module owns wording only; it is the one place where language-specific text is allowed. The
English tables (``CATALOGUE``, ``LABELS``, ``GENDER_RULES``, ``_SEPARATOR``) are the msgids; each
other language's table is built from its catalogue at import. A text a catalogue lacks stays English.
Depends on nothing but the standard library; the target groups' labels are data, read from the
package's data file (referral/data/target_groups.json), as are the words read in texts (negation
cues, place suffixes) below.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import TypedDict

from referral.matching import i18n

FALLBACK = "en"
LANGUAGES = (FALLBACK, *i18n.languages())  # English, then each language with a catalogue

CATALOGUE: dict[str, dict[str, str]] = {
    "en": {
        "meets.exact": "Meets {label}.",
        "meets.narrower": "Meets {label} (a more specific service).",
        "meets.broader": "Meets {label} only broadly: listed under a wider term.",
        "distance": "{km} km away, at {site}.",
        "remote": "Offered remotely.",
        "capacity.accepting": "Accepting new referrals.",
        "capacity.waitlist": "Waitlist, about {days} days.",
        "capacity.waitlist_unknown": "Waitlist, wait not known.",
        "ages.range": "For ages {low}–{high}.",
        "ages.min": "For ages {low} and over.",
        "ages.max": "For ages up to {high}.",
        "group": "For {group}.",
        "free": "Free.",
        "caveat.waitlist": "There is a waitlist.",
        "caveat.fee": "Charges a fee.",
        "caveat.fee_text": "Charges a fee: {text}.",
        "caveat.subsidized": "Subsidized: may charge part of the cost.",
        "caveat.subsidized_text": "Subsidized: {text}.",
        "caveat.stale": "Not verified for over {days} days.",
        "caveat.never_verified": "Never verified.",
        "caveat.remote_only": "Remote only: no site within reach.",
        "caveat.open_on_remote": "Opening days do not apply: offered remotely.",
        "caveat.languages": "Delivered in {languages} only.",
        "unmet.no_service": "No service in the directory meets {label}.",
        "unmet.not_eligible": "Services for {label} exist, but the child meets none of their eligibility rules.",
        "unmet.too_far": "The nearest service for {label} is {name}, {km} km away, outside its area or the distance limit.",
        "unmet.too_far_remote": "The nearest service for {label} is {name}, which does not serve the child's area.",
        "unmet.beyond_limit": "Services for {label} exist but did not fit in the {limit} results shown.",
        "urgent.advice": "A risk to the child's safety was noted: act today. If the child is in danger now, call the emergency number first.",
        "urgent.no_lines": "A risk to the child's safety was noted: act today. No emergency lines are recorded for this area: if the child is in danger now, call your local emergency services (police or ambulance).",
        "place.caveat.fuzzy": "The place was guessed from a similar spelling: {name}, {parent} ({percent}% sure). Check that this is where the child lives.",
        "place.caveat.address": "The place was found from the address of a listed site: {name}, {parent}. Check that this is where the child lives.",
        "caveat.eligible_if": "Eligible if: {rule} (not given for this child).",
        "caveat.requires_languages": "Requires {languages}; the child's languages were not given.",
        "caveat.delivered_not_spoken": "Delivered in {languages}; the child speaks none of them: arrange interpreting.",
        "group.inferred": "Counted as {group}: inferred from the need {label}.",
        "unmet.rule_failed": "Services for {label} exist, but the nearest, {name}, is closed to this child: {rule}.",
        "rule.ages": "ages {low}–{high} only",
        "rule.ages_min": "ages {low} and over only",
        "rule.ages_max": "ages up to {high} only",
        "rule.groups": "only for {groups}",
        "rule.languages": "requires {languages}",
        "rule.full": "no places (full)",
        "rule.waitlist": "waitlist only, and waitlisted services were excluded",
        "rule.modes": "not offered in the asked modes",
        "rule.fee": "charges a fee (free services only were asked)",
        "rule.closed_day": "not open on the asked day",
        "rule.area": "outside the area it serves",
        "rule.distance": "beyond the distance limit",
        "rule.status": "not active",
        "or": " or ",
        "unmet.too_far_rule": "The nearest service for {label} is {name}, {km} km away: {rule}.",
        "urgent.ready": "Accepts now and recently verified: placed first for an urgent need.",
        "urgent.waitlist": "Waitlist of about {days} days: placed after services that accept now, for an urgent need.",
        "urgent.waitlist_unknown": "Waitlist of unknown length: placed after services that accept now, for an urgent need.",
        "urgent.stale": "Not verified for over {days} days: placed after recently verified services, for an urgent need.",
        "urgent.not_meeting": "Does not meet the urgent need: placed after services that do.",
        "school.child": "Serves the pupils of {school}, the child's school.",
        "eligibility.unknown_last": "Placed after the options open to this child: it is only for children who meet a condition not given in this request.",
        "remote.area": "Offered remotely, for {area}.",
        "remote.radius": "Offered remotely, within {km} km of its sites.",
        "caveat.school_unknown": "Serves the pupils of {school} only: check that the child attends it.",
        "caveat.other_area": "In another district or city than the child's.",
        "caveat.remote_far": "Remote: the worker will not meet the child in person.",
        "caveat.alert": "Notice: {text}",
        "open.always": "Open 24 hours.",
        "open.now": "Open now.",
        "open.later_today": "Closed now; opens again today.",
        "open.not_today": "Closed today.",
        "cli.from_risk": "a risk read in '{matched}'",
        "cli.from_assessment": "from assessment '{matched}'",
        "cli.risk": "RISK: {risk}",
        "cli.urgent.title": "URGENT",
        "cli.urgent.call": "call",
        "cli.urgent.duty": "duty",
        "cli.urgent.now": "can act now",
        "cli.urgent.tel": "tel",
        "cli.urgent.always": "24 h",
        "cli.not_understood": "{label} (need {number}; closest: {closest})",
        "cli.needs": "needs",
        "cli.severity": "severity {severity}",
        "cli.from_text": "from the text '{matched}' ({confidence})",
        "cli.from_notes": "from the notes '{matched}' ({confidence})",
        "cli.remote": "remote",
        "cli.score": "score {score}",
        "cli.none": "(no eligible service)",
        "cli.unmet": "unmet",
        "cli.bundle": "bundle: results {ranks} cover {needs}",
        "card.phone": "phone",
        "card.hours": "hours",
        "card.refer": "how to refer",
        "card.bring": "bring",
        "card.contact": "ask for",
        "card.wait": "response",
        "card.languages": "delivered in",
        "card.access": "access",
        "card.verified": "verified",
        "card.stale": "stale",
        "card.never": "never",
        "card.open_now": "open now",
        "card.closed_now": "closed now",
        "card.always": "24 h",
        "card.remote": "remote; serves",
        "need.not_understood": "Need not understood",
        "unmet.not_understood": "The text of need {n} could not be read as a need; nothing was matched for it. {closest}Give a need code to match it.",
        "unmet.closest": "Closest needs: {labels}. ",
        "outcomes.accepted": "Accepted {accepted} of {decided} referrals in the last {days} days.",
        "outcomes.accepted_days": "Accepted {accepted} of {decided} referrals in the last {days} days, in {median} days (median).",
    },
}

# Target groups (referral/data/target_groups.json, the one vocabulary): their labels by language,
# and how an "eligible if" caveat states a group's rule (a group without one reads "for <group label>").
# An unknown group shows its code with spaces for underscores.
_VOCABULARY: dict[str, dict[str, dict[str, str]]] = json.loads(
    resources.files("referral").joinpath("data", "target_groups.json").read_text(encoding="utf-8")
)["groups"]
TARGET_GROUPS: frozenset[str] = frozenset(_VOCABULARY)
GROUPS: dict[str, dict[str, str]] = {
    language: {code: entry["label"][language] for code, entry in _VOCABULARY.items()}
    for language in LANGUAGES  # a language the catalogue speaks without a label fails here, at import
}
REQUIREMENTS: dict[str, dict[str, str]] = {
    language: {code: entry["requirement"][language] for code, entry in _VOCABULARY.items() if "requirement" in entry}
    for language in LANGUAGES
}

# Labels of the codes a person sees: delivery modes, costs, capacities, intensities, phone purposes,
# weekdays and languages. A code without a label in the language falls back to English, then to
# the code made readable (a test proves every enumeration has a label in every language).
LABELS: dict[str, dict[str, dict[str, str]]] = {
    "en": {
        "mode": {
            "in_person": "in person",
            "home_visit": "home visits",
            "school_based": "at school",
            "remote": "remote (phone or online)",
        },
        "cost": {"free": "free", "subsidized": "subsidized", "fee": "fee charged"},
        "capacity": {"accepting": "accepting referrals", "waitlist": "waitlist", "full": "full"},
        "intensity": {"prevention": "prevention", "support": "support", "intensive": "intensive"},
        "phone": {
            "main": "main line",
            "intake": "referrals and intake",
            "hotline": "hotline",
            "emergency": "emergency line",
            "fax": "fax",
        },
        "weekday": {
            "0": "Monday",
            "1": "Tuesday",
            "2": "Wednesday",
            "3": "Thursday",
            "4": "Friday",
            "5": "Saturday",
            "6": "Sunday",
        },
        "language": {
            "zh": "Chinese",
            "en": "English",
            "yue": "Cantonese",
            "wuu": "Wu (Shanghainese)",
            "sgn": "sign language",
            "ja": "Japanese",
            "ko": "Korean",
            "fr": "French",
            "de": "German",
            "es": "Spanish",
            "ru": "Russian",
            "ar": "Arabic",
        },
    },
}

GENDER_RULES: dict[str, dict[str, str]] = {
    "en": {"female": "girls only", "male": "boys only"},
}

_SEPARATOR = {"en": ", "}

# The other languages: each English text above translated by its language's gettext catalogue
# (matching/translations, see i18n.py), the path of keys to it being its context.
for _language in i18n.languages():
    CATALOGUE[_language] = {key: i18n.translated(_language, key, text) for key, text in CATALOGUE["en"].items()}
    LABELS[_language] = {
        kind: {
            code: i18n.translated(_language, i18n.context("label", kind, code), text) for code, text in codes.items()
        }
        for kind, codes in LABELS["en"].items()
    }
    GENDER_RULES[_language] = {
        code: i18n.translated(_language, i18n.context("gender", code), text)
        for code, text in GENDER_RULES["en"].items()
    }
    _SEPARATOR[_language] = i18n.translated(_language, "separator", _SEPARATOR["en"])

# Words that, shortly before a need's phrase in the same clause, say the child does NOT have it.
# Every language's cues are checked (notes may mix languages). Deliberately narrow: words such as
# "not", "不" or "无" also belong to symptoms ("does not speak", "不愿上学", "无法集中"), so they
# are not cues.
NEGATION_CUES: dict[str, tuple[str, ...]] = {
    "en": (
        "no",
        "without",
        "denies",
        "denied",
        "ruled out",
        "negative for",
        "no sign of",
        "no signs of",
        "no evidence of",
        "free of",
        "rules out",
    ),
    "zh": ("没有", "未见", "未发现", "否认", "排除", "不是", "并非", "无明显", "未有"),
}


# The safety layer's negation (safety.py). Recall comes first, so a cue negates a risk expression
# only shortly before it (``reach`` characters of gap; ``near`` cues, single words that also build
# other words, only ``near_reach``) and within its scope: clause punctuation and the ``breaks``
# (contrast and addition: "说过不想活了，但否认有计划" keeps the risk) end a scope. ``not_cues``
# look like cues but are not negations: "nobody" (没人在乎他), questions (是不是想自杀) and
# double negatives. "不" is no cue: "会不会自杀" and "不敢说被打了" are alarms.
class NegationRule(TypedDict):
    """One language's clause-scoped negation: cues, the near cues (one character), the phrases that only
    look like cues, the words that end a clause, and how many words each kind of cue reaches."""

    cues: tuple[str, ...]
    near: tuple[str, ...]
    not_cues: tuple[str, ...]
    breaks: tuple[str, ...]
    reach: int
    near_reach: int


RISK_NEGATION: dict[str, NegationRule] = {
    "zh": {
        "cues": (
            "没有",
            "未见",
            "未发现",
            "没发现",
            "否认",
            "排除",
            "不是",
            "并非",
            "无明显",
            "不存在",
            "从未",
            "从没",
            "从来没有",
            "从来没",
            "并没有",
            "未出现",
            "没出现",
            "未曾",
            "无任何",
            "没有任何",
            "不再",
            "已排除",
        ),
        "near": ("没", "无", "未", "非"),
        "not_cues": (
            "没有人",
            "没人",
            "无人",
            "没有谁",
            "有没有",
            "是不是",
            "会不会",
            "不是没有",
            "并非没有",
            "无论",
            "无法",
            "没办法",
            "没想到",
            "未成年",
            "无缘无故",
            "没事就",
        ),
        "breaks": (
            "但是",
            "但",
            "可是",
            "不过",
            "然而",
            "却",
            "而且",
            "并且",
            "同时",
            "后来",
            "现在",
            "最近",
            "如今",
            "只是",
            "还",
            "又",
            "而",
        ),
        "reach": 6,
        "near_reach": 1,
    },
    "en": {
        "cues": (
            "no",
            "not",
            "denies",
            "denied",
            "deny",
            "denying",
            "without",
            "ruled out",
            "rules out",
            "negative for",
            "no signs of",
            "no sign of",
            "no evidence of",
            "no history of",
            "free of",
            "doesn't",
            "does not",
            "did not",
            "didn't",
            "isn't",
            "wasn't",
            "hasn't",
            "has not",
            "haven't",
            "nor",
        ),
        "near": ("never",),
        "not_cues": ("no one", "no-one", "not only", "whether or not", "if not", "no matter", "no longer"),
        "breaks": (
            "but",
            "however",
            "though",
            "although",
            "yet",
            "and",
            "while",
            "whereas",
            "now",
            "recently",
            "then",
            "so",
            "because",
            "says",
            "said",
            "admits",
            "admitted",
        ),
        "reach": 16,
        "near_reach": 1,
    },
}


# Words that say what kind of place a name is, at its end ("平江街道", "Gusu District"). A place is
# also found without them, and a query may add or drop them. Every language's words are used; their
# toneless pinyin is derived when the index is built. Longest first is not required: the matcher sorts.
PLACE_SUFFIXES: dict[str, tuple[str, ...]] = {
    "en": (
        "subdistrict",
        "sub district",
        "district",
        "town",
        "township",
        "city",
        "county",
        "village",
        "new area",
        "municipality",
        "province",
    ),
    "zh": ("街道办事处", "街道", "新区", "镇", "乡", "区", "市", "县", "村"),
}


def place_suffixes() -> tuple[str, ...]:
    """The place-kind words of every language in the catalogue."""
    return tuple(word for words in PLACE_SUFFIXES.values() for word in words)


def negation_cues() -> tuple[str, ...]:
    """The cues of every language in the catalogue."""
    return tuple(cue for cues in NEGATION_CUES.values() for cue in cues)


def say(language: str, key: str, **values: object) -> str:
    """The catalogue sentence ``key`` in ``language`` (else English), filled with ``values``."""
    table = CATALOGUE.get(language, CATALOGUE[FALLBACK])
    return table.get(key, CATALOGUE[FALLBACK][key]).format(**values)


def group_label(language: str, group: str) -> str:
    """A group's label in ``language``, else English, else its code made readable."""
    label = GROUPS.get(language, {}).get(group) or GROUPS[FALLBACK].get(group)
    return label or group.replace("_", " ")


def label(language: str, kind: str, code: str) -> str:
    """The label of ``code`` in the enumeration ``kind`` (mode, cost, …) in ``language``, else English."""
    found = LABELS.get(language, {}).get(kind, {}).get(code) or LABELS[FALLBACK].get(kind, {}).get(code)
    return found or code.replace("_", " ")


def language_label(language: str, code: str) -> str:
    """The name of the language ``code`` in ``language``."""
    return label(language, "language", code)


def join(language: str, items: list[str]) -> str:
    """Items joined with the language's list separator."""
    return _SEPARATOR.get(language, _SEPARATOR[FALLBACK]).join(items)


def requirement(language: str, group: str) -> str:
    """How an "eligible if" caveat states that a child must belong to ``group``."""
    found = REQUIREMENTS.get(language, {}).get(group) or REQUIREMENTS[FALLBACK].get(group)
    return found or group_label(language, group)


def gender_rule(language: str, genders: list[str]) -> str:
    """ "girls only" / "仅限女童" for a service restricted to ``genders``."""
    table = GENDER_RULES.get(language, GENDER_RULES[FALLBACK])
    return say(language, "or").join(table.get(g) or GENDER_RULES[FALLBACK].get(g) or g for g in sorted(genders))


def age_rule(language: str, low: float | None, high: float | None) -> str:
    """ "ages 6–12 only" for a service's age bounds (one of them may be open)."""
    if low is not None and high is not None:
        return say(language, "rule.ages", low=f"{low:g}", high=f"{high:g}")
    return (
        say(language, "rule.ages_min", low=f"{low:g}")
        if low is not None
        else say(language, "rule.ages_max", high=f"{high:g}")
    )
