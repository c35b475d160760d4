"""The Open Eligibility 2.0 taxonomy shipped in ``referral/data/openeligibility`` (CC BY-SA 3.0).

Owns reading ``taxonomy.xml`` (stdlib ElementTree) with its Chinese labels and crosswalk, and two
views of it: ``need_terms`` (the service terms that no need of ours stands for, as needs under the
``oe.`` branch, labelled en + zh, each naming its OE title in ``open_eligibility`` so the HSDS
crosswalk maps data that names it) and ``situations`` (human situations -> eligibility restrictions,
never needs). Pure data access: no database, no Flask.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent.parent / "data" / "openeligibility"
LEVELS = ("top_level", "second_level", "third_level", "fourth_level")
ROOT = {"code": "oe", "labels": {"en": "Open Eligibility services", "zh": "开放资格分类服务"}, "open_eligibility": None}


@dataclass(frozen=True)
class OeTerm:
    id: str
    title: str
    parent: str | None  # parent term id
    path: tuple[str, ...]  # titles from the top level down


def data_files() -> list[Path]:
    return [DATA / "taxonomy.xml", DATA / "labels_zh.json", DATA / "crosswalk.json"]


@lru_cache(maxsize=1)
def _tree() -> ET.Element:
    return ET.parse(DATA / "taxonomy.xml").getroot()


@lru_cache(maxsize=1)
def _json(name: str) -> dict[str, Any]:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def _walk(node: ET.Element, parent: OeTerm | None) -> Iterable[OeTerm]:
    for child in node:
        if child.tag in LEVELS and child.get("title"):
            term = OeTerm(
                child.get("id", ""),
                child.get("title", "").strip(),
                parent.id if parent else None,
                (*(parent.path if parent else ()), child.get("title", "").strip()),
            )
            yield term
            yield from _walk(child, term)


def service_terms() -> list[OeTerm]:
    """The 291 service terms in document order."""
    return list(_walk(_section("services"), None))


def situation_terms() -> list[OeTerm]:
    """The 94 human-situation terms in document order."""
    return list(_walk(_section("situations"), None))


def _section(tag: str) -> ET.Element:
    """The taxonomy's top-level ``tag`` element (the shipped file has both; a broken copy is an error)."""
    found = _tree().find(tag)
    if found is None:
        raise ValueError(f"the Open Eligibility taxonomy file has no <{tag}>")
    return found


def zh_label(title: str, kind: str = "services") -> str | None:
    return _json("labels_zh.json")[kind].get(title)


def slug(text: str) -> str:
    """ "Help Pay for Food" -> "help_pay_for_food" (ASCII titles)."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:40] or "term"


def crosswalked(needs: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Lower-case OE title -> need code: the names needs declare, then crosswalk.json."""
    found = {str(n["open_eligibility"]).lower(): str(n["code"]) for n in needs if n.get("open_eligibility")}
    for title, code in _json("crosswalk.json")["services"].items():
        found.setdefault(title.lower(), code)
    return found


def need_terms(needs: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The OE branch: every service term no need stands for, as ``oe.<top>[.<second>[.<third>]]``.

    A term a need stands for is left out, unless terms below it are not: then it stays as a plain
    grouping node ("Food (Open Eligibility)") that names no OE term, so data naming it still maps
    to our need and free text finds our need first.
    """
    mapped = crosswalked(needs)
    # ids are not unique in the file (1206 is both Medical Care and Primary Care): work by path
    terms = service_terms()
    wanted = {t.path for t in terms if t.title.lower() not in mapped}
    grouping = {t.path[:i] for t in terms if t.path in wanted for i in range(1, len(t.path))}
    found: dict[str, dict[str, Any]] = {"oe": dict(ROOT)}
    for term in terms:
        code = ".".join(["oe", *(slug(x) for x in term.path)])
        if code in found or (term.path not in wanted and term.path not in grouping):
            continue
        zh = zh_label(term.title)
        if term.path in wanted:
            labels = {"en": term.title, **({"zh": zh} if zh else {})}
            found[code] = {"code": code, "labels": labels, "synonyms": {}, "open_eligibility": term.title}
        else:
            labels = {"en": f"{term.title} (Open Eligibility)", **({"zh": f"{zh}（开放资格分类）"} if zh else {})}
            found[code] = {"code": code, "labels": labels, "synonyms": {}, "open_eligibility": None}
    return list(found.values())


@dataclass(frozen=True)
class Restriction:
    genders: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()
    minimum_age: float | None = None
    maximum_age: float | None = None

    def __bool__(self) -> bool:
        return bool(self.genders or self.groups or self.minimum_age is not None or self.maximum_age is not None)


def situations() -> dict[str, Restriction]:
    """Lower-case situation title (en, and zh label) -> the restriction it means (empty: none)."""
    table = _json("crosswalk.json")["situations"]
    found: dict[str, Restriction] = {}
    for term in situation_terms():
        rule = table.get(term.title, {})
        restriction = Restriction(
            frozenset(rule.get("genders", ())),
            frozenset(rule.get("groups", ())),
            rule.get("minimum_age"),
            rule.get("maximum_age"),
        )
        found.setdefault(term.title.lower(), restriction)
        if zh := zh_label(term.title, "situations"):
            found.setdefault(zh, restriction)
    return found
