"""The graded referral cases (tests/data/quality_cases.json) and their measures: nDCG@5, eligibility
violations, urgent-case top-3 safety and bundle quality. Used by bench/quality_bench.py (figures beside
baselines) and by tests/integration/test_quality_cases.py (0 violations, every urgent case safe).

A case grades services by seed key (0-3, as a local worker judges them; the rubric is in the file)
and names the services the child may not be offered, with the reason. Services are matched with the
case's fixed ``today`` and a fixed local ``now``, so every figure is reproducible.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from referral.matching.bundle import baseline, quality
from referral.matching.engine import match
from referral.matching.index import DirectoryIndex
from referral.matching.settings import MatchSettings
from referral.matchmaking import build_query
from referral.schemas.match import MatchRequest
from referral.seeding import stable_id

CASES = Path(__file__).resolve().parent / "data" / "quality_cases.json"
TOP = 5


def load_cases() -> dict[str, Any]:
    return json.loads(CASES.read_text(encoding="utf-8"))


@dataclass
class Measures:
    """Sums over the cases; ``ndcg`` averages over the cases that grade at least one service."""

    ndcg: list[float] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)  # "case: service key (reason)"
    urgent: int = 0
    unsafe: list[str] = field(default_factory=list)  # urgent cases whose top 3 put a waiting service first
    bundles: int = 0
    bundle_actionable: int = 0  # bundle members in person and accepting now
    bundle_members: int = 0
    bundle_not_worse: int = 0  # bundles at least as good as the top results that cover the needs

    def row(self) -> dict[str, str]:
        mean = sum(self.ndcg) / len(self.ndcg) if self.ndcg else float("nan")
        share = self.bundle_actionable / self.bundle_members if self.bundle_members else float("nan")
        return {
            "nDCG@5": f"{mean:.3f}",
            "violations": str(len(self.violations)),
            "urgent safe": f"{self.urgent - len(self.unsafe)}/{self.urgent}",
            "bundle in person+accepting": f"{share:.2f}",
            "bundle ≥ top-cover": f"{self.bundle_not_worse}/{self.bundles}",
        }


def evaluate(index: DirectoryIndex, settings: MatchSettings, cases: dict[str, Any] | None = None) -> Measures:
    """Run every case and measure the answers."""
    cases = cases or load_cases()
    today = date.fromisoformat(cases["today"])
    now = datetime(today.year, today.month, today.day, 10, 0, tzinfo=UTC)
    found = Measures()
    for case in cases["cases"]:
        data = MatchRequest().load(case["request"])
        outcome = match(index, build_query(index, data, "en", 25.0, today=today, now=now), settings)
        _measure(found, case, outcome, today, settings)
    return found


def _measure(found: Measures, case: dict[str, Any], outcome: Any, today: date, settings: MatchSettings) -> None:
    keys = {stable_id("service", key): key for key in (*case["grades"], *case["forbidden"])}
    shown = [keys.get(r.service.id) for r in outcome.results]
    for key in shown:
        if key in case["forbidden"] and not _unknown_to_the_record(case, case["forbidden"][key]):
            found.violations.append(f"{case['id']}: {key} ({case['forbidden'][key]})")
    if case["grades"]:
        found.ndcg.append(ndcg([case["grades"].get(k, 0) if k else 0 for k in shown], list(case["grades"].values())))
    if case["urgent"]:
        found.urgent += 1
        ready = [_ready(r, today, settings) for r in outcome.results[:3]]
        if any(not a and b for i, a in enumerate(ready) for b in ready[i + 1 :]):
            found.unsafe.append(case["id"])
    _bundle(found, outcome)


def _unknown_to_the_record(case: dict[str, Any], reason: str) -> bool:
    """A gender, group or language rule the request does not give the facts for: unknown is not
    ineligible (the service is offered lower, with an "eligible if" caveat), so no violation."""
    child = case["request"]["child"]
    if reason.startswith("delivered in "):
        return not child.get("languages")
    if reason.startswith("for ") and reason.endswith(" only"):
        genders = {"female", "male"} & set(reason[4:-5].split(", "))
        return child.get("gender") is None if genders else not child.get("groups")
    return False


def _ready(result: Any, today: date, settings: MatchSettings) -> bool:
    s = result.service
    return (
        s.capacity == "accepting"
        and s.verified_at is not None
        and (today - s.verified_at).days <= settings.stale_after_days
    )


def _bundle(found: Measures, outcome: Any) -> None:
    ranks = outcome.bundle.ranks
    if not ranks:
        return
    results = outcome.results
    picked = [r - 1 for r in ranks]
    found.bundles += 1
    found.bundle_members += len(picked)
    found.bundle_actionable += sum(
        1 for i in picked if results[i].site is not None and results[i].service.capacity == "accepting"
    )
    codes = list(outcome.bundle.covers)
    masks = [sum(1 << k for k, c in enumerate(codes) if c in r.needs_met) for r in results]
    goal = sum(1 << k for k in range(len(codes)))
    found.bundle_not_worse += quality(results, picked) <= quality(results, baseline(masks, goal))


def ndcg(gains: list[int], grades: list[int], top: int = TOP) -> float:
    """nDCG@top of the shown gains against the best order of every graded service (exponential gain)."""

    def dcg(values: list[int]) -> float:
        return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(values[:top]))

    ideal = dcg(sorted(grades, reverse=True))
    return dcg(gains) / ideal if ideal else 1.0


# Baselines: the ranking before these rules (score only: broader tags at 0.6, remote at 0.5, no tiers),
# and distance alone.
BEFORE = MatchSettings(
    broader_fit=0.6,
    remote_distance_score=0.5,
    remote_local_score=0.5,
    urgent_ready_first=False,
    specialist_first=False,
    school_unknown_last=False,
    unknown_eligibility_last=False,
)
DISTANCE_ONLY = MatchSettings(
    need_weight=0.0,
    distance_weight=1.0,
    capacity_weight=0.0,
    intensity_weight=0.0,
    freshness_weight=0.0,
    urgent_ready_first=False,
    specialist_first=False,
    school_unknown_last=False,
    unknown_eligibility_last=False,
    remote_distance_score=0.0,
    remote_local_score=0.0,
)
