"""The match use case of the pure core: needs + location -> ranked, explained services.

This module owns the order of the steps (understand needs, gather candidates from the index,
apply hard rules, score, rank, guarantee coverage, explain, bundle). The rules themselves live in
needs.py, eligibility.py, scoring.py, explain.py, unmet.py and bundle.py; which services are
evaluated at all (exactly enough for ``_choose``) in candidates.py. It must not import Flask,
SQLAlchemy or marshmallow: the web layer calls ``match`` with a built ``DirectoryIndex``.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

import numpy as np

from referral.matching.bundle import make_bundle
from referral.matching.candidates import Candidates, candidates, urgent
from referral.matching.card import card_facts, make_card
from referral.matching.eligibility import Rule, unknown
from referral.matching.explain import caveats, reasons
from referral.matching.geo import shown_km
from referral.matching.groups import infer_groups
from referral.matching.index import DirectoryIndex
from referral.matching.needs import understand_needs
from referral.matching.pipeline import DANGER, read_needs
from referral.matching.settings import PARTS, MatchSettings
from referral.matching.types import (
    SEVERITY_ACTIONABLE,
    MatchOutcome,
    MatchQuery,
    Result,
    Service,
    Site,
    UnderstoodNeed,
)
from referral.matching.unmet import not_understood, unmet_needs
from referral.matching.urgent import urgent_section

__all__ = ["MatchSettings", "match", "match_unplaced", "read_needs", "reveals_risk", "understand_needs"]


def match(index: DirectoryIndex, query: MatchQuery, settings: MatchSettings = MatchSettings()) -> MatchOutcome:
    """Rank the services that may be offered to the child; see the package docs for the rules."""
    needs = read_needs(index, query, settings)  # explicit, graded and risk needs (pipeline.py)
    read = [n for n in needs if n.understood]
    inferred = infer_groups(read)
    query = replace(query, child=replace(query.child, inferred_groups=frozenset(g for g, _ in inferred)))
    scored = [n for n in read if n.severity > 0]
    today = query.today or date.today()
    actionable = [k for k, n in enumerate(scored) if n.source != "notes" and n.severity >= SEVERITY_ACTIONABLE]
    found, order = candidates(index, query, scored, actionable, settings, today)
    chosen = _choose(order, found.relation > 0, actionable, query.limit)
    context = _Context(
        index, query, scored, found, today, settings, tuple(scored[k].code for k in urgent(scored, settings))
    )
    open_rules = unknown(index, query, found.rows[np.array(chosen, dtype=np.int64)])  # facts the record leaves unknown
    results = tuple(_result(context, p, rank, open_rules[rank - 1]) for rank, p in enumerate(chosen, 1))
    codes = [scored[k].code for k in actionable]
    return MatchOutcome(
        location=query.location,
        needs=needs,
        results=results,
        unmet_needs=unmet_needs(index, query, [scored[k] for k in actionable], results)
        + not_understood(index, query, needs),
        bundle=make_bundle(results, codes),
        directory_version=index.version,
        urgent=urgent_section(index, query, read),
        inferred_groups=inferred if not query.child.groups else (),
    )


def match_unplaced(index: DirectoryIndex, query: MatchQuery, settings: MatchSettings = MatchSettings()) -> MatchOutcome:
    """What can be said when the child's place is unknown (a child at risk answered anyway): the needs
    read, risks first, and the urgent section with the lines and duties of every place. No service is
    ranked or offered: distance and service areas decide them. ``query.location`` is not read."""
    needs = read_needs(index, query, settings)
    return MatchOutcome(
        location=query.location,
        needs=needs,
        results=(),
        unmet_needs=not_understood(index, query, needs),
        bundle=make_bundle((), []),
        directory_version=index.version,
        urgent=urgent_section(index, query, [n for n in needs if n.understood], located=False),
    )


def reveals_risk(index: DirectoryIndex, texts: Sequence[str], codes: Sequence[str], language: str = "en") -> bool:
    """Whether need texts or notes reveal a risk to the child (the safety lexicon, or a danger the text
    reader reads), or a need code is a risk's need: a request that does so is answered, whatever else
    is wrong with it."""
    risk_needs = {c.need for c in index.risks.categories}
    if any(code in risk_needs for code in codes):
        return True
    for text in texts:
        if index.risks.find(text):
            return True
        if any(
            r.code in risk_needs and not r.negated and index.taxonomy.terms[r.code].priority >= DANGER
            for r in index.taxonomy.reader.read(text, language)
        ):
            return True
    return False


def _choose(order: np.ndarray, met: np.ndarray, actionable: list[int], limit: int) -> list[int]:
    """The top ``limit`` positions, swapping the lowest for the best candidate of an uncovered need.

    A result that alone covers an actionable need is never swapped out, so coverage of every
    actionable need that has a candidate is guaranteed whenever limit >= number of such needs.
    """
    chosen = order[: max(limit, 0)].tolist()
    for k in actionable:
        if not chosen or met[chosen, k].any() or not met[:, k].any():
            continue
        best = int(order[np.argmax(met[order, k])])
        sole = [p for p in chosen if any(met[p, j] and met[chosen, j].sum() == 1 for j in actionable)]
        droppable = [p for p in reversed(chosen) if p not in sole]
        if droppable:
            chosen.remove(droppable[0])
            chosen.append(best)
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))
    return sorted(chosen, key=lambda p: position[p])


@dataclass(frozen=True)
class _Context:
    """What explaining one result reads."""

    index: DirectoryIndex
    query: MatchQuery
    needs: list[UnderstoodNeed]
    found: Candidates
    today: date
    settings: MatchSettings
    urgent: tuple[str, ...]  # codes of the urgent needs


CARD_FACTS_KEPT = 4096  # (row, site, language) card facts kept per index, oldest dropped first: ~10 MB at most
_CARD_FACTS: weakref.WeakKeyDictionary[DirectoryIndex, OrderedDict[tuple[int, int, str], Mapping[str, object]]] = (
    weakref.WeakKeyDictionary()
)
_CARD_FACTS_LOCK = threading.Lock()


def _card_facts(
    index: DirectoryIndex, row: int, flat: int, language: str, service: Service, site: Site | None
) -> Mapping[str, object]:
    """``card_facts`` of row ``row`` at flat site ``flat`` (-1: remote), kept with the index (weakly:
    they go with it): a card shown again costs only its child-, day- and time-dependent fields."""
    kept = _CARD_FACTS.get(index)
    found = kept.get((row, flat, language)) if kept is not None else None
    if found is None:
        found = card_facts(service, site, language, index.gazetteer)
        with _CARD_FACTS_LOCK:
            kept = _CARD_FACTS.setdefault(index, OrderedDict())  # oldest first (store.py: why not a dict)
            if len(kept) >= CARD_FACTS_KEPT:
                kept.popitem(last=False)
            kept[(row, flat, language)] = found
    return found


def _result(c: _Context, p: int, rank: int, open_rules: tuple[Rule, ...] = ()) -> Result:
    """One explained result, with its card, for candidate position ``p`` (``open_rules``: the rules
    restricting it on a fact the child's record leaves unknown, eligibility.unknown)."""
    found, query = c.found, c.query
    row, flat = int(found.rows[p]), int(found.placement.site[p])
    service = c.index.services[row]
    site = service.sites[flat - int(c.index.sites.offsets[row])] if flat >= 0 else None
    km = shown_km(query.location.lat, query.location.lon, site.lat, site.lon) if site else None
    met = [(n, r - 1) for n, r in zip(c.needs, found.relation[p].tolist()) if r > 0]
    facts = _card_facts(c.index, row, flat, query.language, service, site)
    card = make_card(service, site, query, c.index.gazetteer, c.today, c.settings.stale_after_days, facts)
    return Result(
        rank=rank,
        score=float(found.score[p]),
        service=service,
        site=site,
        distance_km=km,
        needs_met=tuple(n.code for n, _ in met),
        score_parts={name: round(v, 3) for name, v in zip(PARTS, found.parts[p].tolist())},
        reasons=reasons(query, service, site, km, met, card, c.urgent, c.settings, unknown=open_rules),
        caveats=caveats(
            query,
            service,
            site,
            c.today,
            c.settings.stale_after_days,
            card,
            bool(query.child.school),
            unknown=open_rules,
        ),
        card=card,
        tier=int(found.tier[p]),
    )
