"""The message catalogue: every sentence the core shows to people, in English and Chinese.

This module owns wording only; it is the one place where language-specific text is allowed.
Other languages fall back to English. Depends on nothing but the standard library; the target
groups' labels are read from the package's data file (referral/data/target_groups.json).
"""

from __future__ import annotations

import json
from importlib import resources

FALLBACK = "en"

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
    "zh": {
        "meets.exact": "满足需求：{label}。",
        "meets.narrower": "满足需求：{label}（更具体的服务）。",
        "meets.broader": "仅宽泛地满足：{label}（登记为上位类别）。",
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
        "caveat.eligible_if": "符合条件方可：{rule}（未提供该儿童的相关信息）。",
        "caveat.requires_languages": "需使用{languages}；未提供儿童的语言。",
        "caveat.delivered_not_spoken": "以{languages}提供，儿童不会其中任何一种：请安排翻译。",
        "group.inferred": "按{group}计：由需求“{label}”推断。",
        "unmet.rule_failed": "有满足“{label}”的服务，但最近的{name}不向该儿童开放：{rule}。",
        "rule.ages": "仅限{low}–{high}岁",
        "rule.ages_min": "仅限{low}岁及以上",
        "rule.ages_max": "仅限{high}岁及以下",
        "rule.groups": "仅限{groups}",
        "rule.languages": "需使用{languages}",
        "rule.full": "名额已满",
        "rule.waitlist": "仅可排队，而查询排除了需排队的服务",
        "rule.modes": "不以所要求的方式提供",
        "rule.fee": "收费（查询只要免费服务）",
        "rule.closed_day": "所要求的日期不开放",
        "rule.area": "不在其服务范围内",
        "rule.distance": "超出距离限制",
        "rule.status": "已停止服务",
        "or": "或",
        "unmet.too_far_rule": "满足“{label}”的最近服务是{name}，距离{km}公里：{rule}。",
        "urgent.ready": "可立即接收且近期已核实：紧急需求优先列出。",
        "urgent.waitlist": "需排队约{days}天：紧急需求下排在可立即接收的服务之后。",
        "urgent.waitlist_unknown": "需排队，时长未知：紧急需求下排在可立即接收的服务之后。",
        "urgent.stale": "超过{days}天未核实：紧急需求下排在近期核实的服务之后。",
        "urgent.not_meeting": "不满足紧急需求：排在满足紧急需求的服务之后。",
        "school.child": "服务{school}的学生，即该儿童所在学校。",
        "eligibility.unknown_last": "排在该儿童可直接使用的服务之后：仅面向满足某项条件的儿童，而本次请求未提供该信息。",
        "remote.area": "可远程提供，服务范围：{area}。",
        "remote.radius": "可远程提供，服务其服务点{km}公里以内。",
        "caveat.school_unknown": "仅服务{school}的学生：请确认儿童就读该校。",
        "caveat.other_area": "位于儿童所在区（市）以外。",
        "caveat.remote_far": "远程服务：无法与儿童面对面接触。",
        "caveat.alert": "提示：{text}",
        "open.always": "24小时开放。",
        "open.now": "现在开放。",
        "open.later_today": "现在未开放；今天稍后开放。",
        "open.not_today": "今天不开放。",
        "cli.from_risk": "从“{matched}”识别出的风险",
        "cli.from_assessment": "来自筛查分级“{matched}”",
        "cli.risk": "风险：{risk}",
        "cli.urgent.title": "紧急",
        "cli.urgent.call": "拨打",
        "cli.urgent.duty": "义务",
        "cli.urgent.now": "可立即处置",
        "cli.urgent.tel": "电话",
        "cli.urgent.always": "24小时",
        "cli.not_understood": "{label}（第{number}项；最接近：{closest}）",
        "cli.needs": "需求",
        "cli.severity": "严重程度{severity}",
        "cli.from_text": "来自描述“{matched}”（{confidence}）",
        "cli.from_notes": "来自备注“{matched}”（{confidence}）",
        "cli.remote": "远程",
        "cli.score": "得分{score}",
        "cli.none": "（没有符合条件的服务）",
        "cli.unmet": "未满足",
        "cli.bundle": "组合：第{ranks}项，覆盖{needs}",
        "card.phone": "电话",
        "card.hours": "时间",
        "card.refer": "转介方式",
        "card.bring": "需携带",
        "card.contact": "联系",
        "card.wait": "响应",
        "card.languages": "服务语言",
        "card.access": "无障碍",
        "card.verified": "核实",
        "card.stale": "已过期",
        "card.never": "从未",
        "card.open_now": "现在开放",
        "card.closed_now": "现在未开放",
        "card.always": "24小时",
        "card.remote": "远程；服务范围",
        "need.not_understood": "未能识别的需要",
        "unmet.not_understood": "第{n}项需要的文字未能识别，未为其匹配服务。{closest}请选择需要代码后再匹配。",
        "unmet.closest": "最接近的需要：{labels}。",
        "outcomes.accepted": "近{days}天接收了{decided}个转介中的{accepted}个。",
        "outcomes.accepted_days": "近{days}天接收了{decided}个转介中的{accepted}个，中位用时{median}天。",
    },
}

# Target groups (referral/data/target_groups.json, the one vocabulary): their labels by language,
# and how an "eligible if" caveat states a group's rule (a group without one reads "for <group label>").
# An unknown group shows its code with spaces for underscores.
_VOCABULARY: dict[str, dict[str, dict[str, str]]] = json.loads(
    resources.files("referral").joinpath("data", "target_groups.json").read_text(encoding="utf-8"))["groups"]
TARGET_GROUPS: frozenset[str] = frozenset(_VOCABULARY)
GROUPS: dict[str, dict[str, str]] = {
    language: {code: entry["label"][language] for code, entry in _VOCABULARY.items()}
    for language in CATALOGUE  # a language the catalogue speaks without a label fails here, at import
}
REQUIREMENTS: dict[str, dict[str, str]] = {
    language: {code: entry["requirement"][language] for code, entry in _VOCABULARY.items() if "requirement" in entry}
    for language in CATALOGUE
}

# Labels of the codes a person sees: delivery modes, costs, capacities, intensities, phone purposes,
# weekdays and languages. A code without a label in the language falls back to English, then to
# the code made readable (a test proves every enumeration has a label in every language).
LABELS: dict[str, dict[str, dict[str, str]]] = {
    "en": {
        "mode": {"in_person": "in person", "home_visit": "home visits", "school_based": "at school",
                 "remote": "remote (phone or online)"},
        "cost": {"free": "free", "subsidized": "subsidized", "fee": "fee charged"},
        "capacity": {"accepting": "accepting referrals", "waitlist": "waitlist", "full": "full"},
        "intensity": {"prevention": "prevention", "support": "support", "intensive": "intensive"},
        "phone": {"main": "main line", "intake": "referrals and intake", "hotline": "hotline",
                  "emergency": "emergency line", "fax": "fax"},
        "weekday": {"0": "Monday", "1": "Tuesday", "2": "Wednesday", "3": "Thursday", "4": "Friday",
                    "5": "Saturday", "6": "Sunday"},
        "language": {"zh": "Chinese", "en": "English", "yue": "Cantonese", "wuu": "Wu (Shanghainese)",
                     "sgn": "sign language", "ja": "Japanese", "ko": "Korean", "fr": "French",
                     "de": "German", "es": "Spanish", "ru": "Russian", "ar": "Arabic"},
    },
    "zh": {
        "mode": {"in_person": "到站服务", "home_visit": "上门服务", "school_based": "驻校服务",
                 "remote": "远程（电话或线上）"},
        "cost": {"free": "免费", "subsidized": "有补贴", "fee": "收费"},
        "capacity": {"accepting": "正在接收转介", "waitlist": "需排队", "full": "已满"},
        "intensity": {"prevention": "预防", "support": "支持", "intensive": "强化"},
        "phone": {"main": "总机", "intake": "转介受理", "hotline": "热线", "emergency": "紧急电话",
                  "fax": "传真"},
        "weekday": {"0": "星期一", "1": "星期二", "2": "星期三", "3": "星期四", "4": "星期五",
                    "5": "星期六", "6": "星期日"},
        "language": {"zh": "中文", "en": "英语", "yue": "粤语", "wuu": "吴语（上海话）", "sgn": "手语",
                     "ja": "日语", "ko": "韩语", "fr": "法语", "de": "德语", "es": "西班牙语",
                     "ru": "俄语", "ar": "阿拉伯语"},
    },
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
    """"girls only" / "仅限女童" for a service restricted to ``genders``."""
    table = GENDER_RULES.get(language, GENDER_RULES[FALLBACK])
    return say(language, "or").join(table.get(g) or GENDER_RULES[FALLBACK].get(g) or g for g in sorted(genders))


def age_rule(language: str, low: float | None, high: float | None) -> str:
    """"ages 6–12 only" for a service's age bounds (one of them may be open)."""
    if low is not None and high is not None:
        return say(language, "rule.ages", low=f"{low:g}", high=f"{high:g}")
    return say(language, "rule.ages_min", low=f"{low:g}") if low is not None else say(language, "rule.ages_max", high=f"{high:g}")
