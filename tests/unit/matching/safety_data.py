"""The seed lexicon and region file read straight into the core's types, for pure tests."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from referral.matching.safety import RiskLexicon
from referral.matching.types import AssessmentScale, Duty, Hotline, Region, RiskCategory

SEEDS = Path(__file__).resolve().parents[3] / "seeds"


def _tuples(by_language: dict) -> dict:
    return {language: tuple(items) for language, items in by_language.items()}


@cache
def seed_risks() -> tuple[RiskCategory, ...]:
    data = json.loads((SEEDS / "risk.json").read_text(encoding="utf-8"))
    return tuple(
        RiskCategory(
            c["code"], c["need"], c["labels"], _tuples(c["phrases"]), _tuples(c["patterns"]), _tuples(c["exclusions"])
        )
        for c in data["categories"]
    )


@cache
def seed_lexicon() -> RiskLexicon:
    return RiskLexicon(seed_risks())


def seed_region(places: frozenset[str] = frozenset()) -> Region:
    """The demo region's file; ``places`` replaces its place scope (builders use other codes)."""
    data = json.loads((SEEDS / "regions" / "suzhou-zhenjiang" / "region.json").read_text(encoding="utf-8"))
    hotlines = tuple(
        Hotline(h["key"], h["names"], h["number"], h["purposes"], h["always_open"], frozenset(h["categories"]), places)
        for h in data["hotlines"]
    )
    duties = tuple(Duty(d["key"], d["names"], d["texts"], frozenset(d["categories"]), places) for d in data["duties"])
    scales = tuple(
        AssessmentScale(
            s["key"],
            s["names"],
            {g: tuple((n["need"], n["severity"]) for n in listed) for g, listed in s["grades"].items()},
        )
        for s in data["assessment"]
    )
    return Region(hotlines, duties, scales)
