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
        "urgent.advice": "A risk to the child's safety was noted: act today. If the child is in danger now, call the emergency number first.",
        "urgent.no_lines": "A risk to the child's safety was noted: act today. No emergency lines are recorded for this area: if the child is in danger now, call your local emergency services (police or ambulance).",
        "place.caveat.fuzzy": "The place was guessed from a similar spelling: {name}, {parent} ({percent}% sure). Check that this is where the child lives.",
        "place.caveat.address": "The place was found from the address of a listed site: {name}, {parent}. Check that this is where the child lives.",
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
        "urgent.advice": "发现儿童安全风险：请当天处置。儿童正处于危险中时，先拨打紧急电话。",
        "urgent.no_lines": "发现儿童安全风险：请当天处置。目录中没有该地区的紧急电话：儿童正处于危险中时，请立即联系当地紧急服务（警察或急救）。",
        "place.caveat.fuzzy": "地点根据相近的写法推测为：{parent}{name}（可信度{percent}%）。请核实这是儿童的居住地。",
        "place.caveat.address": "地点根据目录中服务点的地址确定为：{parent}{name}。请核实这是儿童的居住地。",
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


# The safety layer's negation (safety.py). Recall comes first, so a cue negates a risk expression
# only shortly before it (``reach`` characters of gap; ``near`` cues, single words that also build
# other words, only ``near_reach``) and within its scope: clause punctuation and the ``breaks``
# (contrast and addition: "说过不想活了，但否认有计划" keeps the risk) end a scope. ``not_cues``
# look like cues but are not negations: "nobody" (没人在乎他), questions (是不是想自杀) and
# double negatives. "不" is no cue: "会不会自杀" and "不敢说被打了" are alarms.
RISK_NEGATION: dict[str, dict[str, object]] = {
    "zh": {
        "cues": ("没有", "未见", "未发现", "没发现", "否认", "排除", "不是", "并非", "无明显", "不存在", "从未",
                 "从没", "从来没有", "从来没", "并没有", "未出现", "没出现", "未曾", "无任何", "没有任何", "不再", "已排除"),
        "near": ("没", "无", "未", "非"),
        "not_cues": ("没有人", "没人", "无人", "没有谁", "有没有", "是不是", "会不会", "不是没有", "并非没有",
                     "无论", "无法", "没办法", "没想到", "未成年", "无缘无故", "没事就"),
        "breaks": ("但是", "但", "可是", "不过", "然而", "却", "而且", "并且", "同时", "后来", "现在", "最近",
                   "如今", "只是", "还", "又", "而"),
        "reach": 6,
        "near_reach": 1,
    },
    "en": {
        "cues": ("no", "not", "denies", "denied", "deny", "denying", "without", "ruled out", "rules out",
                 "negative for", "no signs of", "no sign of", "no evidence of", "no history of", "free of",
                 "doesn't", "does not", "did not", "didn't", "isn't", "wasn't", "hasn't", "has not",
                 "haven't", "nor"),
        "near": ("never",),
        "not_cues": ("no one", "no-one", "not only", "whether or not", "if not", "no matter", "no longer"),
        "breaks": ("but", "however", "though", "although", "yet", "and", "while", "whereas", "now",
                   "recently", "then", "so", "because", "says", "said", "admits", "admitted"),
        "reach": 16,
        "near_reach": 1,
    },
}


# Words that say what kind of place a name is, at its end ("平江街道", "Gusu District"). A place is
# also found without them, and a query may add or drop them. Every language's words are used; their
# toneless pinyin is derived when the index is built. Longest first is not required: the matcher sorts.
PLACE_SUFFIXES: dict[str, tuple[str, ...]] = {
    "en": ("subdistrict", "sub district", "district", "town", "township", "city", "county", "village",
           "new area", "municipality", "province"),
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


def join(language: str, items: list[str]) -> str:
    """Items joined with the language's list separator."""
    return _SEPARATOR.get(language, _SEPARATOR[FALLBACK]).join(items)
