"""Drafts tests/data/quality_cases.json: the cases below, graded by the rubric written in RUBRIC, with a
local worker's judgement in OVERRIDES where it differs. Run: python tests/data/draft_quality_cases.py
(rewrites the file). Keep the rubric independent of referral/matching: it reads the seed files only."""

import json
import math
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REGION = ROOT / "seeds/regions/suzhou-zhenjiang"
orgs = json.loads((REGION / "organizations.json").read_text(encoding="utf-8"))["organizations"]
places = {p["code"]: p for p in json.loads((REGION / "places.json").read_text(encoding="utf-8"))["places"]}
by_name = {p["name"]: c for c, p in places.items()}
TODAY = "2026-12-02"


def lineage(code):
    out = []
    while code:
        out.append(code)
        code = places[code].get("parent")
    return out


def home(code):
    lin = lineage(code)
    return lin[-2] if len(lin) >= 2 else lin[-1]


def km(a, b):
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    x = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(b[1] - a[1]) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(x))


def relation(tags, code):
    best = 0
    for t in tags:
        if t == code:
            best = max(best, 3)
        elif t.startswith(code + "."):
            best = max(best, 2)
        elif code.startswith(t + "."):
            best = max(best, 1)
    return best


from datetime import date


def fresh(s):
    return (
        s["verified_at"] is not None and (date.fromisoformat(TODAY) - date.fromisoformat(s["verified_at"])).days <= 180
    )


CASES = [
    # id, worker's summary, place, age, gender, groups, school, needs
    (
        "abuse-chengxiang",
        "11-year-old girl in Chengxiang afraid to go home because her father hits her",
        "城厢镇",
        11,
        "female",
        [],
        None,
        [("protection.abuse", 3), ("protection.domestic_violence", 3)],
    ),
    (
        "girls-group-chengxiang",
        "13-year-old girl who asks for a girls-only group about growing up",
        "城厢镇",
        13,
        "female",
        [],
        None,
        [("health.adolescent", 2)],
    ),
    (
        "autism-migrant-chengxiang",
        "9-year-old migrant boy with autism, parents need guidance",
        "城厢镇",
        9,
        "male",
        ["migrant"],
        None,
        [("development.autism", 3), ("family.education_guidance", 2)],
    ),
    (
        "crisis-shaxi",
        "15-year-old girl in Shaxi who spoke of ending her life",
        "沙溪镇",
        15,
        "female",
        [],
        None,
        [("mental_health.crisis", 3)],
    ),
    (
        "left-behind-huangjing",
        "8-year-old left-behind boy in Huangjing living with grandparents",
        "璜泾镇",
        8,
        "male",
        ["left_behind"],
        None,
        [("integration.left_behind.companionship", 2)],
    ),
    (
        "school-refusal-fuqiao",
        "14-year-old at Fuqiao Middle School refusing school for a month",
        "浮桥镇",
        14,
        "male",
        [],
        "太仓市浮桥中学",
        [("education.school_refusal", 2)],
    ),
    (
        "school-refusal-other-school",
        "14-year-old boy in Fuqiao refusing school, attends another school",
        "浮桥镇",
        14,
        "male",
        [],
        "太仓市实验中学",
        [("education.school_refusal", 2)],
    ),
    (
        "bullying-experimental",
        "10-year-old pupil of Taicang Experimental Primary bullied at school",
        "城厢镇",
        10,
        "female",
        [],
        "太仓市实验小学",
        [("education.bullying", 2)],
    ),
    (
        "speech-liuhe",
        "4-year-old in Liuhe with delayed speech",
        "浏河镇",
        4,
        "male",
        [],
        None,
        [("development.speech", 2)],
    ),
    (
        "rehab-disability-shuangfeng",
        "7-year-old with cerebral palsy in Shuangfeng needing rehabilitation",
        "双凤镇",
        7,
        "female",
        ["disability"],
        None,
        [("disability.rehabilitation", 3)],
    ),
    (
        "respite-mother-changshu",
        "Mother of a 6-year-old disabled child in Changshu exhausted, needs respite",
        "虞山街道",
        6,
        "male",
        ["disability"],
        None,
        [("family.caregiver_support", 2)],
    ),
    (
        "adhd-sip",
        "9-year-old boy in Suzhou Industrial Park with ADHD and outbursts",
        "唯亭街道",
        9,
        "male",
        [],
        None,
        [("behaviour.adhd", 2), ("behaviour.aggression", 2)],
    ),
    (
        "migrant-enrolment-xiangcheng",
        "Migrant family in Huangdai cannot enrol their 7-year-old",
        "黄埭镇",
        7,
        "female",
        ["migrant"],
        None,
        [("integration.migrant.school_enrolment", 2)],
    ),
    (
        "veteran-child-gusu",
        "12-year-old daughter of a serving soldier in Gusu, low mood",
        "平江街道",
        12,
        "female",
        ["veteran_family"],
        None,
        [("veterans.psychological_support", 2)],
    ),
    (
        "food-poverty-liuhe",
        "Family in Liuhe without money for food and school supplies",
        "浏河镇",
        10,
        "male",
        ["in_difficulty"],
        None,
        [("material.school_supplies", 2), ("material.food", 2)],
    ),
    (
        "legal-aid-zhenjiang",
        "16-year-old in Zhenjiang accused of theft needs a lawyer",
        "大市口街道",
        16,
        "male",
        [],
        None,
        [("legal.minor_legal_aid", 2)],
    ),
    (
        "dv-kunshan",
        "9-year-old in Kunshan who saw her mother beaten last night",
        "玉山镇",
        9,
        "female",
        [],
        None,
        [("protection.domestic_violence", 3)],
    ),
    (
        "placement-zhangjiagang",
        "6-year-old in Zhangjiagang left alone, parents detained",
        "杨舍镇",
        6,
        "male",
        [],
        None,
        [("protection.emergency_placement", 3), ("protection.guardianship_risk", 3)],
    ),
    (
        "counselling-gusu",
        "13-year-old in Suzhou old town anxious about exams",
        "沧浪街道",
        13,
        "female",
        [],
        None,
        [("mental_health.counseling", 2)],
    ),
    (
        "screening-loudong",
        "3-year-old in Loudong whose nursery noticed slow development",
        "娄东街道",
        3,
        "male",
        [],
        None,
        [("development.screening", 2)],
    ),
    (
        "vision-hearing-kunshan",
        "5-year-old in Kunshan who squints at the board",
        "玉山镇",
        5,
        "female",
        [],
        None,
        [("health.vision_hearing", 2)],
    ),
    (
        "parenting-zhenjiang",
        "Parents in Zhenjiang struggling with a 10-year-old's phone use",
        "正东路街道",
        10,
        "male",
        [],
        None,
        [("family.parenting", 2)],
    ),
    (
        "internet-ludu",
        "15-year-old in Ludu gaming all night",
        "陆渡街道",
        15,
        "male",
        [],
        None,
        [("behaviour.internet_addiction", 2)],
    ),
    (
        "dropout-shaxi",
        "16-year-old at Shaxi Senior High about to drop out",
        "沙溪镇",
        16,
        "male",
        [],
        "江苏省沙溪高级中学",
        [("education.dropout", 3)],
    ),
    (
        "trauma-wuzhong",
        "11-year-old in Wuzhong after a fatal road accident in the family",
        "长桥街道",
        11,
        "female",
        [],
        None,
        [("mental_health.trauma", 2)],
    ),
    (
        "learning-support-port",
        "9-year-old migrant in the Taicang port area behind in school",
        "太仓港经济技术开发区",
        9,
        "male",
        ["migrant"],
        None,
        [("education.learning_support", 2)],
    ),
    (
        "autism-early-kunshan",
        "3-year-old in Kunshan just diagnosed with autism",
        "张浦镇",
        3,
        "male",
        [],
        None,
        [("development.autism.early_intervention", 3)],
    ),
    (
        "psychiatric-zhenjiang",
        "16-year-old in Zhenjiang hearing voices",
        "七里甸街道",
        16,
        "female",
        [],
        None,
        [("mental_health.psychiatric", 3)],
    ),
    (
        "custody-suzhou",
        "Parents divorcing in Suzhou high-tech district, dispute over the 8-year-old",
        "狮山街道",
        8,
        "male",
        [],
        None,
        [("legal.custody", 2), ("family.conflict", 2)],
    ),
    (
        "victim-support-taicang",
        "14-year-old girl in Taicang, victim of an assault, going to court",
        "陆渡街道",
        14,
        "female",
        [],
        None,
        [("legal.victim_support", 2), ("mental_health.trauma", 2)],
    ),
    (
        "delinquency-chengxiang",
        "15-year-old in Chengxiang caught stealing with older youths",
        "城厢镇",
        15,
        "male",
        [],
        None,
        [("behaviour.delinquency", 2)],
    ),
    (
        "inclusive-edu-sip",
        "8-year-old with Down syndrome in SIP starting mainstream school",
        "金鸡湖街道",
        8,
        "female",
        ["disability"],
        None,
        [("disability.inclusive_education", 2)],
    ),
    (
        "assistive-devices-shuangfeng",
        "10-year-old wheelchair user in Shuangfeng needs a new chair",
        "双凤镇",
        10,
        "male",
        ["disability"],
        None,
        [("disability.assistive_devices", 2)],
    ),
    (
        "nutrition-taicang",
        "2-year-old in Taicang underweight",
        "城厢镇",
        2,
        "female",
        [],
        None,
        [("health.nutrition", 2)],
    ),
    (
        "grant-yangzhong",
        "Orphaned 12-year-old in Yangzhong needing a school grant",
        "三茅街道",
        12,
        "male",
        ["in_difficulty"],
        None,
        [("material.education_grant", 2)],
    ),
    (
        "parent-contact-left-behind",
        "7-year-old left-behind girl in Shaxi who has not spoken to her parents for months",
        "沙溪镇",
        7,
        "female",
        ["left_behind"],
        None,
        [("integration.left_behind.parent_contact", 2)],
    ),
    (
        "community-integration-sip",
        "10-year-old migrant in SIP who has no friends since moving",
        "斜塘街道",
        10,
        "male",
        ["migrant"],
        None,
        [("integration.migrant.community_integration", 2)],
    ),
    (
        "volunteering-zhenjiang",
        "16-year-old in Zhenjiang wants volunteering hours",
        "象山街道",
        16,
        "female",
        ["student"],
        None,
        [("student_practice.volunteering", 1)],
    ),
    (
        "emotional-dantu",
        "12-year-old in Dantu crying every day since her grandmother died",
        "宜城街道",
        12,
        "female",
        [],
        None,
        [("mental_health.emotional", 2)],
    ),
    (
        "guardianship-risk-xiangcheng",
        "5-year-old in Xiangcheng whose mother drinks and leaves him alone",
        "元和街道",
        5,
        "male",
        [],
        None,
        [("protection.guardianship_risk", 3)],
    ),
    (
        "case-management-shaxi",
        "Family in Shaxi with many problems needs a case worker",
        "沙溪镇",
        10,
        "male",
        ["in_difficulty"],
        None,
        [("protection.case_management", 2)],
    ),
    (
        "relationship-gusu",
        "Parents in Pingjiang fighting constantly in front of their 9-year-old",
        "平江街道",
        9,
        "female",
        [],
        None,
        [("family.relationship", 2)],
    ),
    (
        "abuse-zhenjiang-new-area",
        "8-year-old in Zhenjiang New Area with bruises, says stepfather hurts him",
        "大港街道",
        8,
        "male",
        [],
        None,
        [("protection.abuse", 3)],
    ),
    (
        "assessment-kunshan",
        "12-year-old in Kunshan whose school asks for a psychological assessment",
        "玉山镇",
        12,
        "male",
        [],
        None,
        [("mental_health.assessment", 2)],
    ),
]


def site_of(org, key):
    return next(x for x in org["sites"] if x["key"] == key)


def judge(case):
    cid, summary, place_name, age, gender, groups, school, needs = case
    place = by_name[place_name]
    here = (places[place]["lat"], places[place]["lon"])
    lin = set(lineage(place))
    grades, forbidden = {}, {}
    main = needs[0][0]
    urgent = any(sev >= 3 for _, sev in needs)
    for org in orgs:
        for s in org["services"]:
            rels = [relation(s["needs"], code) for code, _ in needs]
            if not any(rels):
                continue
            reason = None
            if s["status"] != "active":
                reason = "not active"
            elif (
                s["minimum_age"] is not None
                and age < s["minimum_age"]
                or s["maximum_age"] is not None
                and age > s["maximum_age"]
            ):
                reason = f"ages {s['minimum_age']}-{s['maximum_age']}"
            elif s["genders"] and gender not in s["genders"]:
                reason = f"for {', '.join(s['genders'])} only"
            elif s["target_groups"] and not set(s["target_groups"]) & set(groups):
                reason = f"for {', '.join(s['target_groups'])} only"
            elif s["languages"]:
                reason = f"delivered in {', '.join(s['languages'])} only"
            elif s["capacity"] == "full":
                reason = "full"
            elif (
                s.get("serves_school")
                and school
                and school not in site_of(org, s["serves_school"])["name"]
                and school != org["name"]
            ):
                reason = "serves another school's pupils"
            sites = [site_of(org, k) for k in s["sites"]]
            dist = [km(here, (x["lat"], x["lon"])) for x in sites]
            in_area = (not s["area_places"] and s.get("area_radius_km") is None) or bool(set(s["area_places"]) & lin)
            radius_ok = [s.get("area_radius_km") is not None and d <= s["area_radius_km"] for d in dist]
            reach = [d <= 25 and (in_area or r) for d, r in zip(dist, radius_ok)]
            remote = "remote" in s["modes"] and (in_area or any(radius_ok))
            if reason is None and not any(reach) and not remote:
                reason = "outside its area or beyond reach"
            if reason:
                if rels[0] >= 2 or max(rels) == 3:
                    forbidden[s["key"]] = reason
                continue
            near = [x for x, ok in zip(sites, reach) if ok]
            local = bool(near) and home(near[0]["place"]) == home(place)
            ready = s["capacity"] == "accepting" and (fresh(s) or not urgent)
            specific_main = rels[0] >= 2
            specific_any = max(rels) >= 2
            if specific_main and local and ready:
                grade = 3
            elif specific_main and (near or remote):
                grade = 2 if (local or ready) else 1
            elif specific_any:
                grade = 2 if local and ready else 1
            else:
                grade = 1
            if urgent and not ready and grade > 1:
                grade -= 1  # a worker does not rely on a waitlist or an unverified listing for a risk
            if s.get("serves_school") and not school:
                grade = min(grade, 1)  # a school's own service: check the school first
            if grade:
                grades[s["key"]] = grade
    body = {
        "location": {"place": place_name},
        "child": {"age": age, "gender": gender, "groups": groups},
        "needs": [{"code": c, "severity": sev} for c, sev in needs],
    }
    if school:
        body["child"]["school"] = school
    notes = {}
    for (case_id, key), (grade, why) in OVERRIDES.items():
        if case_id == cid:
            grades[key], notes[key] = grade, why
    return {
        "id": cid,
        "summary": summary,
        "urgent": urgent,
        "request": body,
        "grades": dict(sorted(grades.items(), key=lambda kv: (-kv[1], kv[0]))),
        "forbidden": dict(sorted(forbidden.items())),
        "notes": notes,
    }


# Where a local worker's judgement differs from the rubric: (case, service) -> (grade, why)
OVERRIDES = {
    ("girls-group-chengxiang", "tc-first-peoples-puberty-self-protection-classes"): (
        3,
        "the only girls-only group, 0.7 km away; a short wait is fine for this request",
    ),
    ("crisis-shaxi", "tc-mental-health-youth-psychological-support-line"): (
        3,
        "the local 24-hour line: what a worker gives a child in crisis tonight",
    ),
    ("crisis-shaxi", "tc-education-student-psychological-first-aid-after"): (
        2,
        "meant for critical incidents at school, not one child's crisis",
    ),
    ("autism-migrant-chengxiang", "tc-tongxinyuan-new-support-migrant-families-children"): (
        2,
        "family support, not the specialist help a severity-3 autism needs",
    ),
}


RUBRIC = [
    "3: meets the main need with the same or a narrower term, in the child's district or county-level city, "
    "in person, accepting now (and, for a risk, verified within 180 days)",
    "2: meets the main need specifically but is waitlisted, in another district or remote; or meets another need "
    "specifically, locally and accepting now",
    "1: meets a need only through a broader tag, or as a second choice further away; a school's own service "
    "when the child's school is not known",
    "for a risk (severity 3), a waitlisted, full or long-unverified service loses one grade",
    "notes: where a local worker's judgement overrode the rubric, and why",
    "forbidden: a service meeting the need that the child may not be offered (age, gender, group, language, "
    "full, another school's pupils, outside its area or reach), with the reason",
]
cases = [judge(c) for c in CASES]
out = {"directory": "seeds/regions/suzhou-zhenjiang", "today": TODAY, "rubric": RUBRIC, "cases": cases}
(ROOT / "tests/data").mkdir(exist_ok=True)
(ROOT / "tests/data/quality_cases.json").write_text(
    json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
)
print(len(cases), [len(c["grades"]) for c in cases])
