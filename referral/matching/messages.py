"""The message catalogue: every sentence the core shows to people, in English and Chinese.

This module owns wording only; it is the one place where language-specific text is allowed.
Other languages fall back to English. Depends on nothing.
"""

from __future__ import annotations

FALLBACK = "en"

CATALOGUE: dict[str, dict[str, str]] = {
    "en": {
        "meets.exact": "Meets {label}.",
        "meets.narrower": "Meets {label} (a more specific service).",
        "meets.broader": "Meets {label} (a broader service).",
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
        "need.not_understood": "Need not understood",
        "unmet.not_understood": "The text of need {n} could not be read as a need; nothing was matched for it. {closest}Give a need code to match it.",
        "unmet.closest": "Closest needs: {labels}. ",
    },
    "zh": {
        "meets.exact": "满足需求：{label}。",
        "meets.narrower": "满足需求：{label}（更具体的服务）。",
        "meets.broader": "满足需求：{label}（较宽泛的服务）。",
        "distance": "距离{km}公里，地点：{site}。",
        "remote": "可远程提供。",
        "capacity.accepting": "正在接收新转介。",
        "capacity.waitlist": "需排队，约{days}天。",
        "capacity.waitlist_unknown": "需排队，等待时间未知。",
        "ages.range": "适用年龄{low}–{high}岁。",
        "ages.min": "适用年龄{low}岁及以上。",
        "ages.max": "适用年龄{high}岁及以下。",
        "group": "面向{group}。",
        "free": "免费。",
        "caveat.waitlist": "需要排队等候。",
        "caveat.fee": "收费。",
        "caveat.fee_text": "收费：{text}。",
        "caveat.subsidized": "有补贴，可能需承担部分费用。",
        "caveat.subsidized_text": "有补贴：{text}。",
        "caveat.stale": "超过{days}天未核实。",
        "caveat.never_verified": "从未核实。",
        "caveat.remote_only": "仅可远程：附近没有可到达的服务点。",
        "caveat.open_on_remote": "开放日不适用：远程提供。",
        "caveat.languages": "仅以{languages}提供。",
        "unmet.no_service": "目录中没有满足“{label}”的服务。",
        "unmet.not_eligible": "有满足“{label}”的服务，但儿童不符合其任何服务的条件。",
        "unmet.too_far": "满足“{label}”的最近服务是{name}，距离{km}公里，超出服务范围或距离限制。",
        "unmet.too_far_remote": "满足“{label}”的最近服务是{name}，但不覆盖儿童所在地区。",
        "unmet.beyond_limit": "有满足“{label}”的服务，但未能列入显示的{limit}个结果。",
        "need.not_understood": "未能识别的需要",
        "unmet.not_understood": "第{n}项需要的文字未能识别，未为其匹配服务。{closest}请选择需要代码后再匹配。",
        "unmet.closest": "最接近的需要：{labels}。",
    },
}

# Labels for eligibility groups; an unknown group shows its code with spaces for underscores.
GROUPS: dict[str, dict[str, str]] = {
    "en": {
        "migrant": "migrant children",
        "left_behind": "left-behind children",
        "disability": "children with disabilities",
        "low_income": "low-income families",
        "orphan": "orphaned children",
    },
    "zh": {
        "migrant": "流动儿童",
        "left_behind": "留守儿童",
        "disability": "残疾儿童",
        "low_income": "低收入家庭",
        "orphan": "孤儿",
    },
}

_SEPARATOR = {"en": ", ", "zh": "、"}

# Words that, shortly before a need's phrase in the same clause, say the child does NOT have it.
# Every language's cues are checked (notes may mix languages). Deliberately narrow: words such as
# "not", "不" or "无" also belong to symptoms ("does not speak", "不愿上学", "无法集中"), so they
# are not cues.
NEGATION_CUES: dict[str, tuple[str, ...]] = {
    "en": ("no", "without", "denies", "denied", "ruled out", "negative for", "no sign of",
           "no signs of", "no evidence of", "free of", "rules out"),
    "zh": ("没有", "未见", "未发现", "否认", "排除", "不是", "并非", "无明显", "未有"),
}


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


def join(language: str, items: list[str]) -> str:
    """Items joined with the language's list separator."""
    return _SEPARATOR.get(language, _SEPARATOR[FALLBACK]).join(items)
