"""The text development set (``tests/data/text_devset.jsonl``) and how a reading of it is scored.

Shared by the dev-set tests and ``bench/text_bench.py``, so the figures a test asserts are the
figures the benchmark prints. It owns: loading items, building the index the way the
app does (seed files → database → snapshot → ``build_index``), running the reading pipeline on one
item, and scoring a reading. It must not hold any word list: what is right is in the data file.

An item: ``{"id", "lang", "field": "need"|"notes", "text", "expect": [codes], "risk", "kind"}`` and
optionally ``"also": [codes]``. ``expect`` lists the codes acceptable as the top reading (empty: the
text must not be read as any need); each ``also`` entry must be read too for a multi-need text to
count, where ``"a|b"`` accepts either code. A notes item is read beside one unrelated explicit need
(``FILLER``), which is left out of the scoring unless expected.

Scoring, per item: a *refusal* is a ``MatchInputError``, or nothing understood from a text that
expects a need. *top-1*: the first need understood from the text is expected (and the ``also`` codes
are read); for ``expect == []`` nothing may be understood. *top-3*: one of the first three codes
understood, or of the first three suggestions when nothing was understood. A risk is *flagged* when
a need carries a ``risk`` and severity 3; *recall* counts flags on risk items, *false alarms* flags
on the others; the exact category is reported apart.
"""

from __future__ import annotations

import json
import tempfile
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from referral import db, migrate, seeding, snapshot
from referral.config import DEFAULT_FILE
from referral.matching.index import DirectoryIndex
from referral.matching.settings import MatchSettings
from referral.matching.text import PhraseMatcher
from referral.matching.types import Child, Directory, Location, MatchInputError, MatchQuery, NeedInput
from referral.matchmaking import settings_from

ROOT = Path(__file__).resolve().parent.parent
DEVSET = ROOT / "tests" / "data" / "text_devset.jsonl"
SEEDS = ROOT / "seeds"
REGION = SEEDS / "regions" / "suzhou-zhenjiang"
FILLER = "education.learning_support"  # the unrelated explicit need a notes item is written beside
FIELDS = ("need", "notes")
KINDS = ("formal", "colloquial", "sentence", "typo", "negation", "parent", "multi", "risk", "risk_notes")
# the need codes a risk category must be read as (the first is the one its safety rule names)
RISKS = {
    "self_harm": ("mental_health.crisis",),
    "physical_abuse": ("protection.abuse",),
    "sexual_abuse": ("protection.abuse",),
    "domestic_violence": ("protection.domestic_violence",),
    "neglect": ("protection.guardianship_risk",),
    "runaway": ("protection.case_management", "protection"),
    "acute_psychiatric": ("mental_health.psychiatric", "mental_health.crisis"),
}


@dataclass(frozen=True, slots=True)
class Item:
    """One phrasing of the dev set."""

    id: str
    lang: str
    field: str
    text: str
    expect: tuple[str, ...]
    risk: str | None
    kind: str
    also: tuple[str, ...] = ()

    def codes(self) -> set[str]:
        """Every need code the item names, ``also`` alternatives included."""
        return {*self.expect, *(code for entry in self.also for code in entry.split("|"))}


@dataclass(frozen=True, slots=True)
class Reading:
    """What a reader made of one item's text (the filler need of a notes item left out)."""

    codes: tuple[str, ...]  # the need codes understood from the text, in the order read
    suggestions: tuple[str, ...] = ()  # codes offered when nothing was understood
    flags: tuple[str, ...] = ()  # risk categories flagged (a need with a risk at severity 3)
    error: bool = False  # the reader raised MatchInputError


@dataclass(frozen=True, slots=True)
class Score:
    top1: bool
    top3: bool
    refusal: bool
    flagged: bool
    exact_risk: bool


def load_devset(path: Path = DEVSET) -> list[Item]:
    """Every item of the dev set, in file order."""
    with path.open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    return [
        Item(
            r["id"],
            r["lang"],
            r["field"],
            r["text"],
            tuple(r["expect"]),
            r["risk"],
            r["kind"],
            tuple(r.get("also", ())),
        )
        for r in rows
    ]


def seeded_directory() -> Directory:
    """The seed taxonomy and demo region as the app reads them: loaded into a fresh SQLite file."""
    with tempfile.TemporaryDirectory() as folder:
        database = db.build(f"sqlite:///{Path(folder) / 'textdev.db'}")
        try:
            migrate.upgrade(database.engine)
            with database.session(write=True) as session:
                seeding.load(session, SEEDS / "needs.json", REGION)
            with database.session() as session:
                return snapshot.load(session)
        finally:
            database.engine.dispose()


def app_settings() -> MatchSettings:
    """The matching settings of the app's default configuration."""
    with DEFAULT_FILE.open("rb") as handle:
        return settings_from(tomllib.load(handle))


def default_reader() -> Callable[..., Any]:
    """``engine.read_needs`` (explicit needs, notes and safety) where it exists, else ``understand_needs``."""
    from referral.matching import engine

    reader = getattr(engine, "read_needs", None)
    if reader is None:
        from referral.matching.needs import understand_needs as reader
    return reader


def query_for(item: Item, location: Location) -> MatchQuery:
    """The query a worker sends: the text as a need, or as notes beside the filler need."""
    if item.field == "need":
        needs, notes = (NeedInput(text=item.text, severity=2),), None
    else:
        needs, notes = (NeedInput(code=FILLER),), item.text
    return MatchQuery(location=location, child=Child(age=10), needs=needs, notes=notes, language=item.lang)


def somewhere(directory: Directory) -> Location:
    """A location inside the region (the first place of its gazetteer): reading must not depend on it."""
    place = directory.places[0]
    return Location(place.lat, place.lon, place.code)


def read_item(
    read: Callable[..., Any], index: DirectoryIndex, settings: MatchSettings, item: Item, location: Location
) -> Reading:
    """Run ``read(index, query, settings)`` on one item; its answer may be the needs or hold ``needs``."""
    try:
        answer = read(index, query_for(item, location), settings)
    except MatchInputError as error:
        return Reading((), _suggested(error.suggestions), error=True)
    needs = tuple(getattr(answer, "needs", answer))
    flags = tuple(str(n.risk) for n in needs if getattr(n, "risk", None) is not None and n.severity == 3)
    own = [n for n in needs if _from_text(n, item)]
    understood = [n for n in own if getattr(n, "understood", True)]
    offered = () if understood else tuple(c for n in own for c in _suggested(getattr(n, "suggestions", ())))
    return Reading(tuple(n.code for n in understood), offered, flags)


def _from_text(need: Any, item: Item) -> bool:
    """Whether a need was read from the item's text (not the filler need a notes item sits beside)."""
    if item.field == "need":
        return True
    return need.source != "code" and (need.code != FILLER or FILLER in item.expect)


def _suggested(suggestions: Iterable[Any]) -> tuple[str, ...]:
    """Codes from suggestions given as objects with a ``code`` or as "code label" strings."""
    return tuple(getattr(s, "code", None) or str(s).split(" ", 1)[0] for s in suggestions)


def baseline_reader(directory: Directory, settings: MatchSettings) -> Callable[[Item], Reading]:
    """The character-overlap matcher over labels and synonyms, as matching read text before issue 8:
    ``search`` for a need (refused below ``text_min_score``), ``find_in`` for notes."""
    matcher = PhraseMatcher(
        (t.code, [*t.labels.values(), *(p for ps in t.synonyms.values() for p in ps)]) for t in directory.terms
    )

    def read(item: Item) -> Reading:
        if item.field == "notes":
            hits = matcher.find_in(item.text, min_score=settings.notes_min_confidence)
            return Reading(tuple(h.key for h in hits if h.key != FILLER or FILLER in item.expect))
        hits = matcher.search(item.text, limit=5, min_score=0)
        if hits and hits[0].score >= settings.text_min_score:
            return Reading(tuple(h.key for h in hits if h.score >= settings.text_min_score))
        return Reading((), tuple(h.key for h in hits), error=True)

    return read


def score(item: Item, reading: Reading) -> Score:
    """How one reading fares against the item's expectations (see the module docstring)."""
    flagged, exact = bool(reading.flags), item.risk is not None and item.risk in reading.flags
    if not item.expect:
        right = not reading.codes and not reading.error
        return Score(right, right, reading.error, flagged, exact)
    top1 = bool(reading.codes) and reading.codes[0] in item.expect and _also_read(item, reading.codes)
    top3 = any(code in item.expect for code in (reading.codes or reading.suggestions)[:3])
    return Score(top1, top3, reading.error or not reading.codes, flagged, exact)


def _also_read(item: Item, codes: tuple[str, ...]) -> bool:
    return all(any(code in codes for code in entry.split("|")) for entry in item.also)


@dataclass(frozen=True, slots=True)
class Summary:
    """Counts over a set of scored items."""

    items: int
    top1: int
    top3: int
    refusals: int
    risk_items: int
    recalled: int
    exact_risk: int
    false_alarms: int

    @classmethod
    def of(cls, scored: Iterable[tuple[Item, Score]]) -> Summary:
        pairs = list(scored)
        risky = [s for i, s in pairs if i.risk is not None]
        return cls(
            len(pairs),
            sum(s.top1 for _, s in pairs),
            sum(s.top3 for _, s in pairs),
            sum(s.refusal for _, s in pairs),
            len(risky),
            sum(s.flagged for s in risky),
            sum(s.exact_risk for s in risky),
            sum(s.flagged for i, s in pairs if i.risk is None),
        )

    def rate(self, count: int, of: int | None = None) -> float:
        """``count`` as a fraction of ``of`` (default: all items); 0 when there is nothing to count."""
        total = self.items if of is None else of
        return count / total if total else 0.0
