"""The match use case: keep each worker's in-memory index current, turn a validated request into a
core query, and call the pure core.

Each worker holds one ``IndexCache``. At most every ``INDEX_CHECK_SECONDS`` a match reads the
one-row ``directory_state`` version (one indexed primary-key read); when it differs from the index's,
the worker reloads the snapshot and rebuilds. Every write bumps that version in its own transaction,
so gunicorn workers and instances sharing one PostgreSQL all notice within the check interval plus
a rebuild. Nothing of a request is stored: the query lives only for the call.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo
from typing import Any, Callable, Mapping

from referral import snapshot
from referral.db import Database
from referral.directory import directory_version
from referral.matching import types as core
from referral.matching.engine import MatchSettings, match
from referral.matching.index import DirectoryIndex, build_index
from referral.matching.places import locate, place_for_point

WEEKDAYS = {"mo": 0, "tu": 1, "we": 2, "th": 3, "fr": 4, "sa": 5, "su": 6}


class IndexCache:
    """The worker's current match index, rebuilt when the directory version changes."""

    def __init__(self, database: Database, check_seconds: float, clock: Callable[[], float] = time.monotonic):
        self._database = database
        self._check_seconds = check_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._index: DirectoryIndex | None = None
        self._checked_at = float("-inf")

    def current(self) -> DirectoryIndex:
        """The index, checked against the database at most every ``check_seconds``."""
        index = self._index
        if index is not None and self._clock() - self._checked_at < self._check_seconds:
            return index
        with self._lock:
            if self._index is None or self._clock() - self._checked_at >= self._check_seconds:
                self._refresh()
            return self._index  # type: ignore[return-value]

    def _refresh(self) -> None:
        with self._database.session() as session:
            version = str(directory_version(session))
        if self._index is None or self._index.version != version:
            with self._database.session() as session:
                index = build_index(snapshot.load(session))
            index.taxonomy.reader  # noqa: B018 - build the text reader with the index, never per request
            self._index = index
        self._checked_at = self._clock()


def settings_from(config: Mapping[str, Any]) -> MatchSettings:
    """The core's knobs from the app's MATCH configuration table."""
    match_config, weights = config["MATCH"], config["MATCH"]["weights"]
    return MatchSettings(
        need_weight=weights["need"], distance_weight=weights["distance"],
        capacity_weight=weights["capacity"], intensity_weight=weights["intensity"],
        freshness_weight=weights["freshness"],
        distance_scale_km=match_config["distance_scale_km"],
        remote_distance_score=match_config["remote_distance_score"],
        stale_after_days=match_config["stale_after_days"], fresh_days=match_config["fresh_days"],
        notes_min_confidence=match_config["notes_min_confidence"],
        text_min_score=match_config["text_min_score"],
        place_min_confidence=match_config["place_min_confidence"],
        place_ambiguity_margin=match_config["place_ambiguity_margin"],
        **{key: match_config[key] for key in RANKING_KEYS if key in match_config},
    )


RANKING_KEYS = ("remote_local_score", "exact_fit", "narrower_fit", "broader_fit", "urgent_severity", "urgent_ready_first",
                "specialist_first", "school_unknown_last", "unknown_eligibility_penalty")


def build_query(
    index: DirectoryIndex, data: Mapping[str, Any], language: str, default_distance_km: float,
    today: date | None = None, now: datetime | None = None, settings: MatchSettings | None = None,
) -> core.MatchQuery:
    """A core query from a validated request; resolves a typed place through the gazetteer and sites."""
    child = data["child"]
    constraints = data.get("constraints", {})
    modes = constraints.get("modes")
    open_on = constraints.get("open_on")
    return core.MatchQuery(
        location=_location(index, data["location"], settings or MatchSettings(), language),
        child=core.Child(age=child["age"], gender=child.get("gender"),
                         languages=frozenset(child.get("languages", ())),
                         groups=frozenset(child.get("groups", ())), school=child.get("school")),
        needs=tuple(core.NeedInput(code=n.get("code"), text=n.get("text"), severity=n["severity"])
                    for n in data["needs"]),
        notes=data.get("notes"),
        constraints=core.Constraints(
            max_distance_km=constraints.get("max_distance_km", default_distance_km),
            modes=frozenset(modes) if modes is not None else None,
            free_only=constraints.get("free_only", False),
            include_waitlisted=constraints.get("include_waitlisted", True),
            open_on=WEEKDAYS[open_on[:2]] if open_on else None,
        ),
        limit=data["limit"],
        language=language,
        today=today if today is not None else (now.date() if now is not None else None),
        now=now,
        assessment=dict(data.get("assessment", {})),
    )


def _location(index: DirectoryIndex, location: Mapping[str, Any], settings: MatchSettings, language: str) -> core.Location:
    if "place" in location:
        found = locate(index, location["place"], location.get("within"), settings, language)
        if "lat" in location:  # exact coordinates given too: keep them, the place sets the area
            return replace(found, lat=location["lat"], lon=location["lon"])
        return found
    place = place_for_point(index, location["lat"], location["lon"])
    return core.Location(lat=location["lat"], lon=location["lon"], place=place.code if place else None)


def run(cache: IndexCache, data: Mapping[str, Any], language: str, config: Mapping[str, Any]) -> tuple[DirectoryIndex, core.MatchOutcome]:
    """Match one validated request against the current directory."""
    index, settings = cache.current(), settings_from(config)
    now = datetime.now(ZoneInfo(config.get("TIMEZONE") or "UTC"))  # the shell reads the clock, never the core
    query = build_query(index, data, language, config["MATCH"]["max_distance_km"], now=now, settings=settings)
    return index, match(index, query, settings)
