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
        "caveat.eligible_if": "Eligible if: {rule} (not given for this child).",
        "caveat.requires_languages": "Requires {languages}; the child's languages were not given.",
        "caveat.delivered_not_spoken": "Delivered in {languages}; the child speaks none of them: arrange interpreting.",
        "group.inferred": "Counted as {group}: inferred from the need {label}.",
        "unmet.rule_failed": "Services for {label} exist, but the nearest, {name}, is closed to this child: {rule}.",
        "rule.ages": "ages {low}–{high} only",
        "rule.ages_min": "ages {low} and over only",
        "rule.ages_max": "ages up to {high} only",
        "rule.gender": "{rule}",
        "rule.groups": "only for {groups}",
        "rule.languages": "requires {languages}",
        "rule.full": "no places (full)",
        "rule.waitlist": "waitlist only, and waitlisted services were excluded",
        "rule.modes": "not offered in the asked modes",
        "rule.fee": "charges a fee (free services only were asked)",
        "rule.closed_day": "not open on the asked day",
        "rule.area": "outside the area it serves",
        "rule.distance": "beyond the distance limit",
        "or": " or ",
        "unmet.too_far_rule": "The nearest service for {label} is {name}, {km} km away: {rule}.",
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
        "caveat.eligible_if": "符合条件方可：{rule}（未提供该儿童的相关信息）。",
        "caveat.requires_languages": "需使用{languages}；未提供儿童的语言。",
        "caveat.delivered_not_spoken": "以{languages}提供，儿童不会其中任何一种：请安排翻译。",
        "group.inferred": "按{group}计：由需求“{label}”推断。",
        "unmet.rule_failed": "有满足“{label}”的服务，但最近的{name}不向该儿童开放：{rule}。",
        "rule.ages": "仅限{low}–{high}岁",
        "rule.ages_min": "仅限{low}岁及以上",
        "rule.ages_max": "仅限{high}岁及以下",
        "rule.gender": "{rule}",
        "rule.groups": "仅限{groups}",
        "rule.languages": "需使用{languages}",
        "rule.full": "名额已满",
        "rule.waitlist": "仅可排队，而查询排除了需排队的服务",
        "rule.modes": "不以所要求的方式提供",
        "rule.fee": "收费（查询只要免费服务）",
        "rule.closed_day": "所要求的日期不开放",
        "rule.area": "不在其服务范围内",
        "rule.distance": "超出距离限制",
        "or": "或",
        "unmet.too_far_rule": "满足“{label}”的最近服务是{name}，距离{km}公里：{rule}。",
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
        "in_difficulty": "children in difficulty",
        "veteran_family": "veterans' families",
        "student": "students",
        "immigrant": "immigrant families",
        "refugee": "refugees",
        "foster": "children in foster care",
        "homeless": "homeless families",
        "survivor": "survivors of abuse or violence",
        "in_crisis": "children in crisis",
    },
    "zh": {
        "migrant": "流动儿童",
        "left_behind": "留守儿童",
        "disability": "残疾儿童",
        "low_income": "低收入家庭",
        "orphan": "孤儿",
        "in_difficulty": "困境儿童",
        "veteran_family": "退役军人家庭",
        "student": "学生",
        "immigrant": "移民家庭",
        "refugee": "难民",
        "foster": "寄养儿童",
        "homeless": "无家可归家庭",
        "survivor": "受虐待或暴力侵害者",
        "in_crisis": "处于危机中的儿童",
    },
}

# How an "eligible if" caveat states a group rule; a group without one reads "for <group label>".
REQUIREMENTS: dict[str, dict[str, str]] = {
    "en": {"in_difficulty": "registered as a child in difficulty", "disability": "holds a disability certificate",
           "veteran_family": "from a veteran's family", "migrant": "a migrant child",
           "left_behind": "a left-behind child", "low_income": "from a low-income family"},
    "zh": {"in_difficulty": "需困境儿童建档", "disability": "持残疾证", "veteran_family": "退役军人家庭",
           "migrant": "流动儿童", "left_behind": "留守儿童", "low_income": "低收入家庭"},
}
GENDER_RULES: dict[str, dict[str, str]] = {
    "en": {"female": "girls only", "male": "boys only"},
    "zh": {"female": "仅限女童", "male": "仅限男童"},
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


def requirement(language: str, group: str) -> str:
    """How an "eligible if" caveat states that a child must belong to ``group``."""
    found = REQUIREMENTS.get(language, {}).get(group) or REQUIREMENTS[FALLBACK].get(group)
    return found or group_label(language, group)


def gender_rule(language: str, genders: list[str]) -> str:
    """"girls only" / "仅限女童" for a service restricted to ``genders``."""
    table = GENDER_RULES.get(language, GENDER_RULES[FALLBACK])
    return say(language, "or").join(table.get(g) or GENDER_RULES[FALLBACK].get(g) or g for g in sorted(genders))
